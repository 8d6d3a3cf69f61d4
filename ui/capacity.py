"""Fallback and capacity: replicas, queues, fallbacks and utilisation over one simulated day
(the busiest first), drops by reason and the scaling decisions with their times of day."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.formatting import count, label, number, pct, peak_range
from planner.run import RunResult
from ui import capacity_chart
from ui.common import result

DROP_MEANING = {
    "not_edge_eligible": "the device cannot run the request's model or context and this routing "
    "sends nothing to the cloud",
    "residency": "sensitive data that must stay on site, whose model or context the site's "
    "devices cannot hold: the scenario forbids sending it to the cloud instead "
    "(policy.sensitive_may_leave_site is off)",
    "queue_full": "the device queue was full and no fallback took it (routing, rate limit, "
    "budget or residency)",
    "device_failed": "every device at its site was down",
    "offline": "bound for the cloud while its site's link stayed down past the cloud timeout",
    "budget_exhausted": "the monthly cloud budget was spent",
    "pool_queue_full": "the GPU pool's queue was full",
    "link_timeout": "waited on a backed-up uplink past the cloud timeout",
    "circuit_open": "bound for the cloud while its site's circuit breaker was open",
    "cloud_timeout": "the GPU pool did not answer within the cloud timeout",
}
GPU_BUSY_HELP = (
    "Share of the time GPU replicas were ready that they served at least one request (the "
    "Cost page's utilisation; busy GPU-hours / ready GPU-hours). The chart's bottom panel is a "
    "different measure: the share of the replicas' request slots (concurrent sequences for an "
    "LLM, the batch for vision) in use, sampled each minute. A GPU serving one request at a time "
    "is busy but has most of its slots free."
)


def drop_rows(r: RunResult) -> pd.DataFrame:
    """Drops by reason as the month's estimate (the simulated count is over every replication
    and reads larger than the month), with their share of requests and what each means."""
    f = r.figures
    arrived = f["requests_per_month.arrived"]
    rows = []
    for key, simulated in f.items():
        if not key.startswith("requests.dropped_by_reason.") or not simulated:
            continue
        reason = key.rsplit(".", 1)[1]
        monthly = f.get(f"requests_per_month.dropped_by_reason.{reason}")
        rows.append(
            {
                "reason": label(reason),
                "requests / month": "<1" if monthly and 0 < monthly < 0.5 else count(monthly),
                "share of requests": pct(monthly / arrived if monthly and arrived else None),
                "simulated": count(simulated),
                "what it means": DROP_MEANING.get(reason, ""),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["reason", "requests / month", "share of requests", "simulated", "what it means"],
    )


def per_day(x: float | None) -> str:
    """A daily count averaged over the month's days: two decimals under 10, as the CLI prints
    it (the remote farm's 0.38 cold starts a day read '0' beside a log that starts a replica
    from zero at 06:00 on the day shown)."""
    if x == 0:
        return "0"
    return number(x, 2 if x is not None and abs(x) < 10 else 0)


Kpi = tuple[str, str, str | None]
KPI_PX = 230
LOG_PX = 420
"""Height of the scaling log's scrolling box: about ten rows."""
"""A KPI's width: its longest label ('kept local, breaker open / month') whole; two a row in an
820 px window, three at 1400 px."""


def peak_help(r: RunResult) -> str:
    """What the peak is: the most replicas at any minute, read as the CLI and the memo read it."""
    return (
        "The most GPU replicas ready or starting at any minute of the measured time: the "
        f"{peak_range(r.figures, int(r.engine.get('replications', 1)))}, not their mean."
    )


def kpis(r: RunResult) -> list[Kpi]:
    """The figures under the chart that apply to this scenario: GPU figures when a request
    reached the pool, device figures when one reached a device, fallback figures when the
    routing falls back to the cloud."""
    f = r.figures
    out: list[Kpi] = []
    if r.scenario.policy.routing.kind in ("local_first", "split"):
        out.append(("fallback rate", pct(f["fallback_rate"]), None))
    if capacity_chart.uses_pool(r):
        llm = r.scenario.workload.is_llm
        out += [
            ("GPU hours / month", number(f["cloud.gpu_hours"], 1, " h"), None),
            ("GPU busy (of ready time)", pct(f["cloud.utilization"]), GPU_BUSY_HELP),
            ("peak replicas", number(f["cloud.peak_replicas"], 0), peak_help(r)),
            (
                "mean batch size",
                "n/a (LLM)" if llm else number(f["cloud.mean_batch_size"], 1),
                "Items per dispatched batch (vision). An LLM pool batches continuously: "
                "sequences join and leave every decode step, so there is no batch to count.",
            ),
            ("GPU cold starts / day", per_day(f.get("cloud.cold_starts_per_day")), None),
        ]
    if capacity_chart.uses_devices(r):
        out += [
            ("device utilisation", pct(f["edge.utilization"]), None),
            ("device energy / month", number(f["edge.energy_kwh"], 0, " kWh"), None),
        ]
    falls_back = r.scenario.policy.routing.kind in ("local_first", "split")
    if falls_back or capacity_chart.uses_pool(r):  # edge-only sends nothing over the links
        out.append(("links down", pct(f["links.down_fraction"]), None))
    if falls_back:
        out += [
            ("breaker openings / month", number(f.get("links.breaker_opens_per_month"), 0), None),
            (
                "kept local, breaker open / month",
                number(f.get("links.kept_local_by_breaker_per_month"), 0),
                None,
            ),
            (
                "kept local, link down / month",
                number(f.get("links.kept_local_link_down_per_month"), 0),
                None,
            ),
        ]
    return out


def render() -> None:
    st.title("Fallback and capacity")
    r = result()
    if r is None:
        return
    f = r.figures
    days = capacity_chart.capacity_days(r)
    names = [n for n, _ in days]
    day = None
    if len(names) > 1:
        day = st.selectbox(
            "Simulated day (opens on the busiest)",
            names,
            index=capacity_chart.busiest(days),
            format_func=capacity_chart.day_name,
            help="Each distinct day type is simulated once; the month weights them.",
        )
    st.plotly_chart(capacity_chart.fig_capacity(r, day), width="stretch")
    sites = capacity_chart.site_note(r)
    for note in ([sites] if sites else []) + capacity_chart.flat_panel_notes(r, day):
        st.caption(note)  # whose queues these are; why a flat panel is left out
    left_out = [
        what
        for what, used in (
            ("the GPU pool", capacity_chart.uses_pool(r)),
            ("a device", capacity_chart.uses_devices(r)),
        )
        if not used
    ]
    if left_out:
        st.caption(
            f"No request of this scenario reached {' or '.join(left_out)}, so "
            f"{'its' if len(left_out) == 1 else 'their'} panels and figures are left out."
        )
    # fixed-width tiles in a row that wraps: four columns of an 820 px window cut the labels
    # ('GPU busy (o...', 'kept local, break...')
    with st.container(horizontal=True):
        for name, value, help_text in kpis(r):
            st.metric(name, value, help=help_text, width=KPI_PX)
    drops = drop_rows(r)
    if len(drops):
        st.subheader("Drops by reason")
        st.table(drops.set_index("reason"))
        st.caption(
            f"Requests / month: the month's estimate (of {count(f['requests_per_month.arrived'])} "
            f"arriving); simulated: the count over all {r.engine['replications']} replications "
            "of the simulated days."
        )
    if not capacity_chart.uses_pool(r):
        return
    log = capacity_chart.scaling_rows(r, day)
    st.subheader(f"Scaling decisions on this day ({len(log):,})")
    if len(log):
        # a table wraps a long reason ('stable: 0.0 in flight over 60 s; no traffic for the
        # stable window, grace ...'), which a dataframe cell cut at 820 px; the box scrolls
        with st.container(height=LOG_PX):
            st.table(log.head(500), hide_index=True)
    else:
        st.caption("The GPU pool did not scale on this day.")
