"""The PDF decision memo: a RunResult in, PDF bytes out.

Like the one-page brief a steering committee actually reads: what was assumed, what the
simulation showed (the same figures and the same Plotly charts as the dashboard), what is
recommended and why, what is still a gap, and a link that reopens the exact scenario. Charts are
rendered by kaleido on Debian's Chromium through one long-lived server; where no browser exists,
matplotlib draws the same traces. Text is set in DejaVu Sans; characters the font lacks become '?'.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import plotly.graph_objects as go
from fpdf.enums import WrapMode, XPos, YPos

from planner import __version__, sensitivity_text
from planner.catalog import iter_figures, load_catalog
from planner.compliance import (
    CHECKLIST,
    residency_price,
    residency_statement,
    routing_check_text,
)
from planner.cost import gpu_bill_rows
from planner.formatting import interval, label, ms, number, pct, peak_range, usd, usd_rate
from planner.run import RunResult
from planner.verdict import Verdict, recommended_text
from ui import capacity_chart, charts, tool_charts
from ui.memo_pdf import MIN_FILL, SCALES, Memo, fig_png, matplotlib_png, safe

__all__ = [
    "MIN_FILL",
    "build_memo",
    "fig_png",
    "is_local",
    "layout_memo",
    "matplotlib_png",
    "memo_link",
    "safe",
]


def fmt_ms(x: float) -> str:
    return ms(x)


def fmt_ci(r: RunResult, key: str, f: Callable[[float], str]) -> str:
    ci = r.ci95.get(key)
    return interval(ci, f) if ci else "single replication"


def kpi_rows(r: RunResult) -> list[list[str]]:
    """This scenario's own routing: every headline figure with its 95 % interval."""
    f = r.figures
    own = r.verdict.own if r.verdict else None
    rows = [
        ["p50 latency", ms(f["latency_ms.p50"]), fmt_ci(r, "latency_ms.p50", ms)],
        ["p95 latency", ms(f["latency_ms.p95"]), fmt_ci(r, "latency_ms.p95", ms)],
        ["p99 latency", ms(f["latency_ms.p99"]), fmt_ci(r, "latency_ms.p99", ms)],
        ["SLO attainment", pct(f["slo_attainment"]), fmt_ci(r, "slo_attainment", pct)],
    ]
    # rows that cannot apply are left out ('fallback rate 0.0 %' for edge-only, '0.0 h' of
    # GPU for a scenario that never reached the pool), as on the Capacity page
    if r.scenario.policy.routing.kind in ("local_first", "split"):
        rows.append(["fallback rate", pct(f["fallback_rate"]), fmt_ci(r, "fallback_rate", pct)])
    rows.append(["drop rate", pct(f["drop_rate"]), fmt_ci(r, "drop_rate", pct)])
    if capacity_chart.uses_pool(r):
        # billed, not held: the hours a reader multiplies by the price to get the GPU line
        rows.append(
            [
                "GPU-hours billed / month",
                number(f["cloud.gpu_hours_billed"], 1, " h"),
                fmt_ci(r, "cloud.gpu_hours_billed", lambda v: number(v, 1, " h")),
            ]
        )
        rows.append(
            [
                "peak GPU replicas",
                number(f["cloud.peak_replicas"], 0),
                peak_range(f, int(r.engine.get("replications", 1))),
            ]
        )
    if own is not None and own.cost.monthly_usd["cloud_gpu"] > 0:
        bill = gpu_bill_rows(own.scenario, own.figures)
        how = " + ".join(f"{h:,.1f} h x {usd_rate(p)}/h" for _, h, p in bill if h > 0)
        rows.append(["GPU line / month", usd(own.cost.monthly_usd["cloud_gpu"]), how])
    if own is not None:
        rows.append(["monthly cost", usd(own.monthly_usd), "from the simulated month"])
        years = own.cost.horizon_years
        rows.append([f"{years}-year TCO", usd(own.horizon_usd), "cash, capex up front"])
    if r.scenario.workload.is_llm and "ttft_ms.p95" in f:
        rows.insert(
            3, ["p95 time to first token", ms(f["ttft_ms.p95"]), fmt_ci(r, "ttft_ms.p95", ms)]
        )
    return rows


def configured_base_url() -> str | None:
    """PLANNER_BASE_URL, else ``base_url`` in .streamlit/secrets.toml (cwd, then home)."""
    env = os.environ.get("PLANNER_BASE_URL", "").strip()
    if env:
        return env
    for folder in (Path.cwd(), Path.home()):
        path = folder / ".streamlit" / "secrets.toml"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        value = data.get("base_url")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def memo_link(served_link: str) -> str:
    """The reopen link on the configured public address (the served address otherwise)."""
    base = configured_base_url()
    if not base:
        return served_link
    query = urlsplit(served_link).query
    return base.rstrip("/") + "/?" + query if query else base


def is_local(link: str) -> bool:
    host = (urlsplit(link).hostname or "").lower()
    if not host or host in ("localhost", "0.0.0.0", "::1") or host.endswith(".local"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


def summary_table(v: Verdict) -> tuple[list[str], list[list[str]]]:
    header = ["architecture", "monthly", "3-year cost", "SLO met", "p95", "drops"]
    rows = []
    for a in v.architectures:
        mark = " (recommended)" if a is v.recommended else ""
        rows.append(
            [
                a.name + mark,
                usd(a.monthly_usd),
                usd(a.three_year_usd),
                pct(a.get("slo_attainment")),
                ms(a.get("latency_ms.p95")),
                pct(a.get("drop_rate")),
            ]
        )
    return header, rows


def executive_summary(
    pdf: Memo, r: RunResult, v: Verdict, sens: dict[str, Any] | None = None
) -> None:
    """Page 1: the decision, each option's cost and SLO attainment, reasons, risks, flips."""
    best = v.recommended
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(
        0,
        7,
        safe(f"Recommendation: {recommended_text(v)}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        align="L",
    )
    pdf.para(
        f"{best.name}: {usd(best.monthly_usd)} a month, {usd(best.three_year_usd)} over 3 years, "
        f"{pct(best.get('slo_attainment'))} of requests meet the SLO "
        f"(it asks for {pct(v.required_level, 0)}).",
        10,
    )
    residency = residency_statement(r.scenario, [(a.name, a.figures) for a in v.architectures])
    if residency:
        pdf.para(residency[1], 10)
    pdf.heading("The options on the same traffic")
    header, rows = summary_table(v)
    pdf.table_rows(header, rows, [52, 24, 28, 22, 24, 20])
    for a in v.architectures:
        if a.sizing is not None:
            pdf.para(a.sizing.text(label(a.key)), 8)
    for name, why in v.missing:
        pdf.para(f"{name} is not compared: {why}", 8)
    pdf.heading("Why")
    for reason in v.decision.reasons[:3]:
        pdf.para(f"• {reason}")
    pdf.heading("Top risks")
    risks = [f"Against {v.decision.architecture}: {flag}" for flag in v.decision.flags[:2]]
    ranked = sorted(
        v.checklist.risks,
        key=lambda x: (x["likelihood"] != "high", x.get("impact") != "high"),
    )
    risks += [
        f"{x['risk']} (likelihood {x['likelihood']}, impact {x.get('impact', 'n/a')}): "
        f"{x['mitigation']}"
        for x in ranked[: max(1, 3 - len(risks))]
    ]
    for risk in risks:
        pdf.para(f"• {risk}")
    pdf.heading("What would flip the decision")
    for flip in v.flips[:4]:
        pdf.para(f"• {flip}")
    if sens is None:
        pdf.para(
            "Volume and GPU-price flips above scale this run's costs; they were not re-simulated "
            "(sensitivity not computed).",
            8,
        )
    for line in sensitivity_text.check_lines(sens):
        pdf.para(f"• Simulated: {line}")


def add_sensitivity(pdf: Memo, sens: dict[str, Any] | None) -> None:
    """The tornado, its table and the flips found by simulation; or a plain 'not computed'."""
    if sens is not None:  # heading, sentence and table together: no row stranded alone
        pdf.keep_room(30 + 5.5 * len(sens["rows"]))
    pdf.heading("Sensitivity: which input moves the answer")
    if sens is None:
        pdf.para(sensitivity_text.NOT_COMPUTED)
        return
    pdf.para(sensitivity_text.headline(sens), 8)
    table = sensitivity_text.table(sens)
    pdf.table_rows(
        ["input", "range", "monthly cost low / high", "SLO met low / high", "flips at"],
        [
            [
                t["input"],
                t["range"],
                t["monthly cost, low / high end"],
                t["SLO met, low / high end"],
                t["flips at"],
            ]
            for t in table
        ],
        [28, 40, 38, 34, 40],
        7.5,
    )
    fig = tool_charts.fig_tornado(sens)
    pdf.chart("tornado", fig, int(fig.layout.height), heading=False)
    for line in sensitivity_text.flips_found(sens) + sensitivity_text.notes(sens):
        pdf.para(f"• {line}", 8)


def build_memo(
    r: RunResult,
    link: str,
    today: dt.date | None = None,
    sensitivity: dict[str, Any] | None = None,
) -> bytes:
    """The memo as PDF bytes (same scenario and seed give the same memo apart from the date).

    ``sensitivity`` is ``planner.sensitivity.sensitivity``'s result for this scenario when it
    was computed; without it the memo says plainly that it was not."""
    return bytes(layout_memo(r, link, today, sensitivity).output())


def layout_memo(
    r: RunResult,
    link: str,
    today: dt.date | None = None,
    sensitivity: dict[str, Any] | None = None,
) -> Memo:
    """The memo laid out, again with smaller or larger charts until no page is less than half
    full (the layout whose emptiest page is fullest otherwise); ``.fills`` says how full."""
    if r.verdict is None:
        raise ValueError("the memo needs a run with its verdict (run(scenario))")
    day = today or dt.date.today()
    figs = {
        "latency": charts.fig_latency_histogram(r),
        "cost": charts.fig_cost_breakdown(r),
        "tco": charts.fig_tco(r),
        "capacity": capacity_chart.fig_capacity(r),
    }
    pngs: dict[tuple[str, int, int], bytes] = {}

    def layout(scale: float) -> Memo:
        memo = Memo(safe(r.scenario.name, 120), scale, pngs)
        return compose(r, link, day, sensitivity, figs, memo)

    best = layout(1.0)
    grow_first = best.fills[-1] >= MIN_FILL / 2  # most of a page spilled over: grow
    for scale in sorted(SCALES[1:], key=lambda x: ((x < 1) == grow_first, abs(x - 1))):
        if min(best.fills) >= MIN_FILL:
            break
        pdf = layout(scale)
        if min(pdf.fills) > min(best.fills):
            best = pdf
    return best


def compose(
    r: RunResult,
    link: str,
    day: dt.date,
    sensitivity: dict[str, Any] | None,
    figs: dict[str, go.Figure],
    pdf: Memo,
) -> Memo:
    """Every section in order on ``pdf``; ``pdf.fills`` then holds each page's fill."""
    s = r.scenario
    v = r.verdict
    assert v is not None
    pdf.set_creation_date(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(
        0,
        8,
        safe(f"Decision memo: {s.name}", 200),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        wrapmode=WrapMode.WORD,
        align="L",  # a justified two-line title spread its first line's words apart
    )
    pdf.para(
        f"{day.isoformat()} · preset {s.preset or 'none'} · seed {s.simulation.seed} · "
        f"{r.engine['replications']} replications · planner {__version__}",
        8,
    )
    executive_summary(pdf, r, v, sensitivity)
    add_link(pdf, link)
    pdf.heading(f"Key figures of this scenario's routing: {label(s.policy.routing.kind)}")
    pdf.table_rows(["figure", "value", "95 % interval"], kpi_rows(r), [55, 40, 85])
    for note in r.engine["notes"]:
        pdf.para(f"Simulation note: {note}", 8)
    if s.description:
        pdf.heading("Scenario")
        pdf.para(s.description)
    pdf.chart_pair(("Latency", figs["latency"]), ("Cost per month", figs["cost"]), 380, 300)
    pdf.chart_pair(
        ("Cumulative cost and break-even", figs["tco"]),
        ("Capacity on the busiest simulated day", figs["capacity"]),
        600,
        560,
    )
    sites = capacity_chart.site_note(r)
    for note in ([sites] if sites else []) + capacity_chart.flat_panel_notes(r):
        pdf.para(f"Capacity chart: {note}", 8)
    add_sensitivity(pdf, sensitivity)
    add_compliance(pdf, r, v)
    add_assumptions(pdf, r)
    pdf.fills.append(pdf.fill())
    return pdf


def link_lines(pdf: Memo, link: str, width: float) -> list[str]:
    """The link cut only between query parameters, so no field name breaks mid-word."""
    head, _, query = link.partition("?")
    parts = [head + ("?" if query else "")] + [p + "&" for p in query.split("&") if p]
    if parts[-1].endswith("&"):
        parts[-1] = parts[-1][:-1]
    lines, line = [], ""
    for part in parts:
        if line and pdf.get_string_width(line + part) > width:
            lines.append(line)
            line = ""
        line += part
    return [*lines, line] if line else lines


def add_link(pdf: Memo, link: str) -> None:
    pdf.heading("Reopen this scenario")
    if is_local(link):
        pdf.para(
            "This link points at a local address: it opens only on the machine that served "
            "the dashboard. Set PLANNER_BASE_URL (or base_url in .streamlit/secrets.toml) to "
            "the dashboard's public address to give colleagues a link that opens for them.",
            8,
        )
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(30, 80, 160)
    for line in link_lines(pdf, safe(link, 4000), pdf.epw):
        pdf.cell(0, 4.4, line, link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def add_compliance(pdf: Memo, r: RunResult, v: Verdict) -> None:
    chk = v.checklist
    pdf.heading("Enterprise checklist")
    rows = [
        [it.title, label(chk.status[it.id]["edge"]), label(chk.status[it.id]["cloud"])]
        for it in CHECKLIST
    ]
    pdf.table_rows(["item", "edge fleet", "cloud pool"], rows, [90, 45, 45])
    for a in v.architectures:
        gaps = ", ".join(label(g) for g in a.gaps) or "none"
        pdf.para(f"Gaps of {a.name}: {gaps}.")
    if r.scenario.workload.sensitive_share > 0:
        pdf.para(routing_check_text(chk, r.figures["sensitive_left_site"]))
        price = residency_price(r.figures)
        if price:
            pdf.para(price)
    pdf.heading("Risk matrix")
    pdf.table_rows(
        ["risk", "likelihood", "impact", "mitigation"],
        [[x["risk"], x["likelihood"], x.get("impact", ""), x["mitigation"]] for x in chk.risks],
        [42, 22, 18, 98],
    )


def add_assumptions(pdf: Memo, r: RunResult) -> None:
    s = r.scenario
    cat = load_catalog()
    links = sorted({s.network.link, *s.network.site_links.values()})
    entries = [(s.edge.device, cat.devices[s.edge.device]), (s.cloud.gpu, cat.gpus[s.cloud.gpu])]
    entries += [(k, cat.links[k]) for k in links]
    rows = [
        [f"{label(key)}: {label(name)}", f"{fig.v:,g}", fig.grade, fig.src]
        for key, e in entries
        for name, fig in iter_figures(e)
    ]
    pdf.heading("Assumptions (catalog figures used, with sources)")
    size = min(8.0, max(6.0, 7 * pdf.scale))
    pdf.table_rows(["figure", "value", "grade", "source"], rows, [55, 18, 15, 92], size)
    over = {
        "device price (USD)": s.edge.capex_usd_per_device,
        "GPU-hour price (USD)": s.cloud.gpu_hourly_usd,
    }
    given = [f"{k} = {v:,g}" for k, v in over.items() if v is not None]
    if given:
        pdf.para("Scenario overrides: " + "; ".join(given))
