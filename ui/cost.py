"""Cost: monthly breakdown per architecture, cumulative TCO with the break-even month, unit
costs, how the GPU line is billed, and the break-even volume found by running the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from planner.cost import CLOUD_LINES, EDGE_LINES, break_even_month, busy_vs_billed_note
from planner.formatting import compact, label, per_requests, usd, usd_rate
from planner.sweeps import BREAK_EVEN_FACTORS, INPROCESS
from planner.verdict import Verdict
from ui import charts
from ui.capacity import per_day
from ui.common import charts_side_by_side, page_scheduler, result
from ui.state import canonical

if TYPE_CHECKING:
    from planner.scenario import Scenario

BreakEven = tuple[list[dict[str, float]], float | None]


def break_even_sweep(scenario_json: str, scheduler: str) -> BreakEven:
    """The break-even volume sweep as the CLI's ``break-even`` runs it (``planner.sweeps``):
    on the Dask scheduler when one is configured, else in this process; same seeds, same rows."""
    from planner.scenario import Scenario
    from planner.sweeps import break_even_volume, sweeper

    with sweeper(scheduler) as sw:
        return break_even_volume(Scenario.model_validate_json(scenario_json), sw)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_break_even(scenario_json: str, scheduler: str) -> BreakEven:
    return break_even_sweep(scenario_json, scheduler)


def render_pool_readings(readings: dict[str, Any], v: Verdict) -> None:
    """Per architecture with a GPU pool: busy against billed hours, and a flag with remedies when
    the bill pays mostly for idle or starting GPUs."""
    rows = [
        {
            "architecture": a.name,
            "busy GPU-h": f"{a.get('cloud.gpu_hours_busy'):,.1f}",
            "billed GPU-h": f"{p['billed_gpu_hours']:,.1f}",
            "busy share": f"{p['share_of_billed_hours']['busy']:.1%}",
            "idle share": f"{p['share_of_billed_hours']['ready_idle']:.1%}",
            "starting share": f"{p['share_of_billed_hours']['starting']:.1%}",
            "busy of ready time": f"{p['utilization']:.1%}",
            "cold starts a day": per_day(p["cold_starts_per_day"]),
        }
        for a in v.architectures
        if (p := readings.get(a.key))
    ]
    if not rows:
        return
    st.subheader("Busy against billed GPU-hours")
    st.table(pd.DataFrame(rows), hide_index=True)  # the grid cut 'starting share' at 820 px
    if "article_comparison" in readings:
        st.caption(readings["article_comparison"])
    for a in v.architectures:
        p = readings.get(a.key)
        if p and p["flagged"]:
            st.warning(f"**{a.name}**: {p['finding']}")
            st.markdown("\n".join(f"- {x}" for x in p["remedies"]))


def break_even_text(v: Verdict, years: int) -> str:
    """The break-even month of every architecture with devices against cloud-only, each named
    (remote farm: the chart showed edge-only, the recommendation, crossing cloud-only at month
    21 while the caption spoke only of the hybrid, which never does); month 0 means no dearer
    from the start."""
    cloud = next((a for a in v.architectures if a.option == "cloud-first"), None)
    if cloud is None:
        return "No break-even month: there is no cloud-only architecture to compare against."
    parts = []
    for a in v.architectures:
        if a is cloud:
            continue
        be = break_even_month(a.cost.cumulative_usd, cloud.cost.cumulative_usd)
        name = a.name + (" (recommended)" if a is v.recommended else "")
        if be is None:
            parts.append(f"{name} does not catch up within {years} years")
        elif be == 0:
            parts.append(f"{name} costs no more from the start (month 0), capex included")
        else:
            parts.append(f"{name} has spent no more cash from month {be} on")
    return f"Break-even against {cloud.name}: " + "; ".join(parts) + "."


def render() -> None:
    st.title("Cost")
    r = result()
    if r is None or r.verdict is None:
        return
    v = r.verdict
    charts_side_by_side(charts.fig_cost_breakdown(r), charts.fig_tco(r))
    years = v.architectures[0].cost.horizon_years
    rows = [
        {
            "architecture": a.name + (" (recommended)" if a is v.recommended else ""),
            "monthly": usd(a.monthly_usd),
            "capex": usd(a.cost.capex_usd),
            "first year": usd(a.cost.first_year_usd),
            f"{years}-year": usd(a.horizon_usd),
            "unit cost": per_requests(a.monthly_usd, a.get("requests_per_month.arrived")),
        }
        for a in v.architectures
    ]
    # a static table wraps its cells: in an 820 px window the grid cut 'unit cost' to '$0.21 per'
    st.table(pd.DataFrame(rows), hide_index=True)
    st.caption(break_even_text(v, years))
    st.subheader("Monthly cost lines")
    lines = [*EDGE_LINES, *CLOUD_LINES]
    table = {"line": [label(x) for x in lines] + ["total"]}
    for a in v.architectures:
        table[a.name] = [usd(a.cost.monthly_usd[x]) for x in lines] + [usd(a.monthly_usd)]
    # wraps its column names: the grid cut 'hybrid (local-first)' at 820 px
    st.table(pd.DataFrame(table), hide_index=True)
    c = r.scenario.costs
    if c.electricity_usd_per_kwh == 0 and r.scenario.edge.device_count:
        # 'edge power $0' beside the Capacity page's device energy reads as a missing line
        st.caption(
            f"Edge power reads \\$0: the scenario prices electricity at \\$0/kWh "
            f"(costs.electricity_usd_per_kwh), so power is left to the maintenance line "
            f"({c.maintenance_pct_capex_per_year:g} % of capex a year)."
        )
    for a in v.architectures:
        billing = a.gpu_billing()
        if billing:
            st.caption(f"GPU line of {a.name}: {billing}")
    cost = r.extras["cost"]
    if cost["gpu_bill"] and not any(cost["gpu_hours"].values()):
        st.caption("No request of this scenario reached the GPU pool: no GPU-hours were held.")
    elif cost["gpu_bill"]:
        st.subheader("GPU-hours and the bill (this scenario)")
        hours = cost["gpu_hours"]
        st.dataframe(
            pd.DataFrame(
                {"GPU-hours a month": [f"{h:,.1f}" for h in hours.values()]},
                index=[label(k) for k in hours],
            )
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "billing": label(str(row["billing"])),
                        "billed GPU-hours": f"{float(row['billed_gpu_hours']):,.2f}",
                        "price per GPU-hour": usd_rate(float(row["usd_per_gpu_hour"])),
                        "GPU line": usd(float(row["usd"]), True),
                    }
                    for row in cost["gpu_bill"]
                ]
            ),
            hide_index=True,
        )
        st.caption(busy_vs_billed_note(hours))
    render_pool_readings(r.extras["cost"].get("gpu_pool", {}), v)
    break_even_section(r.scenario)


def break_even_section(s: Scenario) -> None:
    """Edge-only against cloud-only across volumes, on request; kept per scenario link."""
    from planner.errors import ScenarioError

    st.subheader("Break-even volume")
    volume = s.workload.requests_per_month
    key = f"break_even:{canonical(s)}"
    scheduler = page_scheduler()
    if st.button(
        f"Simulate across volumes (edge-only vs cloud-only, x0.1 to x10 of {compact(volume)})",
        key="cost_break_even",
    ):
        try:
            with st.spinner("simulating 10 runs..."):
                st.session_state[key] = cached_break_even(canonical(s), scheduler)
        except ScenarioError as exc:
            st.error(str(exc))
    if key not in st.session_state:
        return
    rows_v, crossing = st.session_state[key]
    done = {round(row["requests_per_month"]) for row in rows_v}
    left_out = [volume * f for f in BREAK_EVEN_FACTORS if round(volume * f) not in done]
    if left_out:
        st.caption(
            "Not simulated (edge-only or cloud-only over the engine's work limit): "
            + ", ".join(compact(v) for v in left_out)
            + " requests a month."
        )
    if not rows_v:
        st.warning("No volume could be simulated for both edge-only and cloud-only.")
        return
    st.plotly_chart(charts.fig_break_even_volume(rows_v), width="stretch")
    where = "in the dashboard's process" if scheduler == INPROCESS else f"on Dask at {scheduler}"
    st.write(
        (
            f"Edge-only and cloud-only cost the same at about {compact(crossing)} requests a month."
            if crossing
            else "The two cost curves do not cross in this range."
        )
        + f" One replication per point, simulated {where} (the same sweep as "
        "`python -m planner break-even`: same seeds, same rows)."
    )
