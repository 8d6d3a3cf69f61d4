"""Chart builders: a RunResult in, a plotly Figure out; no Streamlit, no arithmetic of record.

Like a printer's plates: each function lays out figures the run already computed (or a plain
view of its request sample), so the dashboard and the PDF memo print the same picture. Every
builder sets its axis ranges from the data it draws (log axes in log10 units, as plotly wants
them) and places SLO lines and labels inside those ranges.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from planner.cost import break_even_month
from planner.formatting import label, ms
from planner.month import hourly_shape
from planner.run import RunResult

PATH_COLOURS = {"edge": "#2f6f8f", "cloud": "#c0703c", "fallback": "#b5443b", "split": "#6a8f3a"}
ARCH_COLOURS = ("#2f6f8f", "#c0703c", "#6a8f3a")
LINE_COLOURS = {
    "edge_amortization": "#2f6f8f",
    "edge_power": "#5b93ad",
    "edge_maintenance": "#8cb6c9",
    "edge_ops_fees": "#b7d2de",
    "connectivity": "#d9e7ee",
    "cloud_gpu": "#c0703c",
    "cloud_egress": "#dc9b6c",
    "cloud_fixed": "#efc6a6",
}
LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "font": {"family": "DejaVu Sans, sans-serif", "size": 12},
    "height": 380,
    "legend": {"orientation": "h", "y": -0.2},
}
BIN_MIN = 10


def log_range(values: np.ndarray, extra: list[float]) -> list[float]:
    """A log10 axis range holding the data's 0.1-99.9 % and every reference value."""
    v = values[np.isfinite(values) & (values > 0)]
    pts = [float(x) for x in extra if x and x > 0]
    if v.size:
        pts += [float(np.quantile(v, 0.001)), float(np.quantile(v, 0.999)), float(v.min())]
        pts.append(float(v.max()))
    if not pts:
        return [0.0, 3.0]
    lo, hi = math.log10(min(pts)), math.log10(max(pts))
    pad = max(0.08, (hi - lo) * 0.05)
    return [lo - pad, hi + pad]


def ms_tick(v: float) -> str:
    """A tick label for a duration in ms: 500 ms, 2 s, 1.5 min (no '2' standing for 20,000)."""
    if v < 1000:
        return f"{v:g} ms"
    if v < 10_000_000:
        return f"{v / 1000:g} s"
    return f"{v / 60_000:.3g} min"


def log_ticks(rng: list[float], most: int = 9) -> tuple[list[float], list[str]]:
    """Tick values on a log10 range (1-2-5 per decade, thinned to 1-3 or decades when crowded,
    finer when the range is narrow), each labelled as a duration."""
    lo, hi = rng

    def within(mantissas: tuple[float, ...]) -> list[float]:
        out = []
        for e in range(math.floor(lo) - 1, math.ceil(hi) + 1):
            out += [m * 10.0**e for m in mantissas if lo <= math.log10(m * 10.0**e) <= hi]
        return out

    vals = within((1, 2, 5))
    if len(vals) > most:
        vals = within((1, 3))
    if len(vals) > most:
        vals = within((1,))
    elif len(vals) < 3:
        vals = within((1, 1.5, 2, 3, 5, 7))
    if len(vals) < 3:  # under a factor ~2: evenly spaced round values
        vals = linear_ticks(10.0**lo, 10.0**hi)
    return vals, [ms_tick(v) for v in vals]


def linear_ticks(a: float, b: float) -> list[float]:
    """Three to six round values (steps of 1, 2 or 5 times a power of ten) within [a, b]."""
    for exp in range(math.floor(math.log10(b - a)), math.floor(math.log10(b - a)) - 3, -1):
        for m in (5, 2, 1):
            step = m * 10.0**exp
            first = math.ceil(a / step)
            vals = [k * step for k in range(first, math.floor(b / step) + 1)]
            if len(vals) >= 3:
                return [round(v, 12) for v in vals[:6]] if len(vals) <= 6 else vals[::2][:6]
    return [a, b]


def duration_axis(fig: go.Figure, axis: str, rng: list[float], **where: Any) -> None:
    """A log axis of durations in ms over ``rng`` (log10 units) with readable tick labels."""
    # a half-width chart holds six labels side by side; more and plotly tilts them onto the title
    vals, text = log_ticks(rng, 6 if axis == "x" else 9)
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(type="log", range=rng, tickvals=vals, ticktext=text, tickangle=0, **where)


def slo_targets(r: RunResult) -> list[tuple[str, float]]:
    slo = r.scenario.slo
    named = (("p50", slo.p50_ms), ("p95", slo.p95_ms), ("p99", slo.p99_ms))
    return [(n, float(v)) for n, v in named if v is not None]


def slo_lines(
    fig: go.Figure,
    r: RunResult,
    axis: str = "x",
    log: bool = True,
    rng: list[float] | None = None,
    in_legend: bool = False,
    low: bool = False,
) -> None:
    """Dashed SLO lines: the line at the value, its label at log10(value) on a log axis (plotly
    places annotations in axis units), so a label can never stretch the axis. With
    ``in_legend`` the label goes to the legend instead (bars would sit under it); ``low`` puts
    a vertical line's label at the foot (an ECDF's curve runs along the top right of its
    median, where the label sat on it)."""
    for i, (name, value) in enumerate(slo_targets(r)):
        pos = math.log10(value) if log else value
        right = rng is not None and (pos - rng[0]) / max(rng[1] - rng[0], 1e-9) > 0.6
        text = f"SLO {name} {ms(value)}"
        line = {"dash": "dash", "color": "#444", "width": 1}
        if in_legend:
            fig.add_shape(
                type="line", y0=value, y1=value, x0=0, x1=1, yref="y", xref="paper", line=line
            )
            fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=text)
        elif axis == "x":
            fig.add_shape(
                type="line", x0=value, x1=value, y0=0, y1=1, xref="x", yref="paper", line=line
            )
            fig.add_annotation(
                x=pos,
                y=0.04 + 0.08 * i if low else 1 - 0.08 * i,
                xref="x",
                yref="paper",
                text=text,
                showarrow=False,
                yanchor="bottom" if low else "middle",
                xanchor="right" if right else "left",
                bgcolor="rgba(255,255,255,0.7)",
            )
        else:
            fig.add_shape(
                type="line", y0=value, y1=value, x0=0, x1=1, yref="y", xref="paper", line=line
            )
            fig.add_annotation(
                y=pos,
                x=0.01 + 0.25 * i,
                yref="y",
                xref="paper",
                text=text,
                showarrow=False,
                yanchor="bottom",
                xanchor="left",
                bgcolor="rgba(255,255,255,0.7)",
            )


def latency_sample(r: RunResult) -> pd.DataFrame:
    s = r.sample
    out: pd.DataFrame = s[s["path"].isin(list(PATH_COLOURS)) & np.isfinite(s["latency_ms"])]
    return out


def month_scale(r: RunResult) -> float:
    """Factor from the request sample's weights to the month: the sample holds at most
    SAMPLE_ROWS requests of replication 0, the month ``requests_per_month.arrived``."""
    total = float(r.sample["weight"].sum())
    month = r.figures.get("requests_per_month.arrived", math.nan)
    return month / total if total > 0 and math.isfinite(month) else 1.0


def fig_latency_histogram(r: RunResult) -> go.Figure:
    """Latency distribution per path (log-spaced bins over the request sample)."""
    df = latency_sample(r)
    fig = go.Figure()
    lat = df["latency_ms"].to_numpy(dtype=float)
    rng = log_range(lat, [v for _, v in slo_targets(r)])
    scale = month_scale(r)
    if len(df):
        lo, hi = max(float(lat.min()), 1e-3), max(float(lat.max()), 1e-3) * 1.01
        edges = np.logspace(math.log10(lo), math.log10(max(hi, lo * 1.01)), 50)
        for path, colour in PATH_COLOURS.items():
            part = df[df["path"] == path]
            if len(part):
                weights = part["weight"] * scale
                counts, _ = np.histogram(part["latency_ms"], bins=edges, weights=weights)
                fig.add_bar(
                    x=np.sqrt(edges[:-1] * edges[1:]),
                    y=counts,
                    name=path,
                    marker_color=colour,
                    width=np.diff(edges),
                )
    fig.update_layout(
        **LAYOUT,
        title="Latency distribution per path",
        barmode="stack",
        bargap=0,
        xaxis_title="end-to-end latency (log scale)",
        yaxis_title="requests / month",
    )
    duration_axis(fig, "x", rng)
    fig.update_yaxes(rangemode="nonnegative")
    slo_lines(fig, r, rng=rng)
    return fig


def fig_latency_ecdf(r: RunResult) -> go.Figure:
    """Weighted ECDF per path, log axis."""
    fig = go.Figure()
    df = latency_sample(r)
    for path, colour in PATH_COLOURS.items():
        part = df[df["path"] == path].sort_values("latency_ms")
        if len(part):
            cdf = part["weight"].cumsum() / part["weight"].sum()
            fig.add_scatter(
                x=part["latency_ms"], y=cdf, name=path, mode="lines", line={"color": colour}
            )
    rng = log_range(df["latency_ms"].to_numpy(dtype=float), [v for _, v in slo_targets(r)])
    fig.update_layout(
        **LAYOUT,
        title="Share of requests within a latency, per path",
        xaxis_title="latency (log scale)",
        yaxis_title="share of requests",
    )
    duration_axis(fig, "x", rng)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    slo_lines(fig, r, rng=rng, low=True)
    return fig


def open_hours_line(r: RunResult, value: float) -> tuple[list[float], list[float]]:
    """A sampled hour's figure drawn across every open hour it stands for (gaps stay gaps)."""
    shape = hourly_shape(r.scenario.workload)
    xs: list[float] = []
    ys: list[float] = []
    for h in range(24):
        if shape[h] > 0:
            xs += [h, h + 1]
            ys += [value, value]
        elif xs and not math.isnan(ys[-1]):
            xs.append(h)
            ys.append(math.nan)
    return xs, ys


def fig_latency_by_hour(r: RunResult) -> go.Figure:
    df = r.latency_by_hour
    fig = go.Figure()
    hours = len(df)
    sampled = hours < 3
    for q, dash in (("p50", "solid"), ("p95", "dash"), ("p99", "dot")):
        if sampled and hours == 1:
            x, y = open_hours_line(r, float(df[q].iloc[0]))
            fig.add_scatter(x=x, y=y, name=q, mode="lines", line={"dash": dash})
        else:
            fig.add_scatter(
                x=df["hour"], y=df[q], name=q, mode="lines+markers", line={"dash": dash}
            )
    vals = df[["p50", "p95", "p99"]].to_numpy(dtype=float).ravel()
    rng = log_range(vals, [v for _, v in slo_targets(r)])
    note = f" ({hours} simulated hour stands for the open hours)" if sampled else ""
    fig.update_layout(
        **LAYOUT,
        title="Latency across the day" + note,
        xaxis_title="hour of day",
        yaxis_title="latency (log scale)",
    )
    fig.update_xaxes(range=[0, 24], dtick=2)
    duration_axis(fig, "y", rng)
    slo_lines(fig, r, axis="y", log=True)
    return fig


def capacity_days(r: RunResult) -> list[tuple[str, pd.DataFrame]]:
    """The series cut into simulated days, each with its hour of day (0-24) for the x axis."""
    out: list[tuple[str, pd.DataFrame]] = []
    series = r.series[r.series["minute"] >= 0]
    for seg in r.plan.segments:
        part = series[series["segment"] == seg.label]
        if part.empty:
            continue
        start_h = (seg.day_offset_s + seg.warmup_s) / 3600
        absolute = start_h + part["minute"] / 60
        days = (absolute // 24).astype(int)
        for day in sorted(days.unique()):
            one = part[days == day].assign(hour=absolute[days == day] - 24 * day)
            name = seg.label if days.nunique() == 1 else day_label(int(day))
            out.append((name, one))
    return out


def day_label(day: int) -> str:
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return f"day {day + 1} ({names[day % 7]})"


def busiest(days: list[tuple[str, pd.DataFrame]]) -> int:
    """Index of the day with the most arrivals per simulated minute; among days with the same
    traffic (within 1 %, e.g. 'all devices up' and '1 device down'), the one with the most
    fallbacks and drops, so the page does not open on a day where nothing happens."""
    if not days:
        return 0
    load = [float(df["arrivals"].mean()) for _, df in days]
    top = max(load)
    events = [
        float(df["completed_fallback"].sum() + df["dropped"].sum()) if load[i] >= 0.99 * top else -1
        for i, (_, df) in enumerate(days)
    ]
    return int(np.argmax(events))


def binned(df: pd.DataFrame, minutes: int = BIN_MIN) -> pd.DataFrame:
    """Means over ``minutes``-minute bins: a readable line instead of a wall of 0/1 spikes."""
    key = (df["hour"] * 60 // minutes).astype(int)
    cols = [
        "replicas_ready",
        "replicas_provisioning",
        "pool_queue",
        "pool_in_service",
        "edge_in_system",
        "completed_fallback",
        "dropped",
        "gpu_utilization",
        "arrivals",
    ]
    out = df.groupby(key)[cols].mean()
    out["hour"] = out.index * minutes / 60
    return out.reset_index(drop=True)


def outage_spans(df: pd.DataFrame) -> list[tuple[float, float]]:
    down = (df["links_down"].to_numpy() > 0).astype(int)
    hours = df["hour"].to_numpy()
    spans, start = [], None
    for i, d in enumerate(down):
        if d and start is None:
            start = hours[i]
        if not d and start is not None:
            spans.append((float(start), float(hours[i])))
            start = None
    if start is not None:
        spans.append((float(start), float(hours[-1]) + 1 / 60))
    return spans


def hour_span(df: pd.DataFrame | None) -> tuple[list[float], float]:
    """0-24 for a simulated day; the simulated stretch itself when only hours were sampled."""
    if df is None or df.empty:
        return [0.0, 24.0], 3.0
    lo, hi = float(df["hour"].min()), float(df["hour"].max()) + 1 / 60
    if hi - lo >= 6:
        return [0.0, 24.0], 3.0
    return [math.floor(lo * 4) / 4, math.ceil(hi * 4) / 4], 0.25


def count_axis(fig: go.Figure, row: int, top: float) -> None:
    """A count axis: from 0, integer ticks."""
    top = max(1.0, float(top) if math.isfinite(top) else 1.0)
    dtick = max(1, math.ceil(top / 4))
    fig.update_yaxes(range=[0, top * 1.15], dtick=dtick, tickformat=",d", row=row, col=1)


def clock_ticks(span: list[float], dtick: float) -> dict[str, Any]:
    """Hour-of-day ticks: plain hours over a day, hh:mm over a sampled stretch (not 0.25)."""
    if dtick >= 1:
        return {"dtick": dtick}
    n = round((span[1] - span[0]) / dtick)
    vals = [span[0] + i * dtick for i in range(n + 1)]
    text = [f"{int(v):02d}:{round((v % 1) * 60):02d}" for v in vals]
    return {"tickvals": vals, "ticktext": text}


def uses_pool(r: RunResult) -> bool:
    """Whether any GPU replica ran or any request reached the pool in this scenario's run."""
    s = r.series
    held = (s["replicas_ready"] + s["replicas_provisioning"]).max()
    return bool(held > 0 or s["pool_in_service"].max() > 0 or r.figures.get("cloud.gpu_hours"))


SLOTS_TITLE = "GPU request slots in use (sampled each minute)"
OUTAGE = "rgba(180,60,60,0.2)"
CAPACITY_COLOURS = {
    "replicas ready": "#2f6f8f",
    "replicas starting": "#c0703c",
    "GPU pool queue": "#b5443b",
    "GPU pool in service": "#e3a33b",
    "in devices": "#6a8f3a",
    "fallbacks / min": "#7b4fa0",
    "drops / min": "#444444",
    "GPU request slots in use": "#17a2b8",
}
"""One colour per series across the panels, the same with or without the GPU panels."""


def fig_capacity(r: RunResult, day: str | None = None) -> go.Figure:
    """Small multiples over one simulated day: replicas, queues, fallbacks, slots in use. The
    GPU panels are left out when no request of the scenario reached the pool."""
    days = capacity_days(r)
    names = [n for n, _ in days]
    idx = names.index(day) if day in names else busiest(days)
    span, dtick = hour_span(days[idx][1] if days else None)
    minutes = BIN_MIN if span[1] - span[0] >= 6 else 1
    pool, devices = uses_pool(r), uses_devices(r)
    per_minute = "per minute" + (f" ({minutes}-minute means)" if minutes > 1 else "")
    minute_panel = has_fallbacks_or_drops(r) or bool(days and outage_spans(days[idx][1]))
    titles = [
        t
        for t, shown in (
            ("GPU replicas", pool),
            ("requests waiting or in service", True),
            (per_minute, minute_panel),
            (SLOTS_TITLE, pool),
        )
        if shown
    ]
    rows = len(titles)
    row = {t: i + 1 for i, t in enumerate(titles)}
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        # about the same gap in pixels on the shorter figures
        vertical_spacing={4: 0.08, 3: 0.11}.get(rows, 0.16),
        subplot_titles=titles,
    )
    title = f"Fallback and capacity: {names[idx]}" if days else "Fallback and capacity"
    if days:
        raw = days[idx][1]
        b = binned(raw, minutes)
        h = b["hour"]
        waiting = ["edge_in_system"]
        if pool:
            step = {"shape": "hv"}
            at = {"row": row["GPU replicas"], "col": 1}
            fig.add_scatter(x=h, y=b["replicas_ready"], name="replicas ready", line=step, **at)
            fig.add_scatter(
                x=h,
                y=b["replicas_provisioning"],
                name="replicas starting",
                line={**step, "dash": "dot"},
                **at,
            )
            at = {"row": row["requests waiting or in service"], "col": 1}
            fig.add_scatter(x=h, y=b["pool_queue"], name="GPU pool queue", **at)
            fig.add_scatter(x=h, y=b["pool_in_service"], name="GPU pool in service", **at)
            waiting = ["pool_queue", "pool_in_service", "edge_in_system"]
            slots = b["gpu_utilization"] * 100
            fig.add_scatter(
                x=h, y=slots, name="GPU request slots in use", row=row[SLOTS_TITLE], col=1
            )
            top = float(np.nanmax(slots.to_numpy(dtype=float), initial=0.0))
            fig.update_yaxes(
                range=[0, min(100.0, max(10.0, top * 1.15))],
                ticksuffix=" %",
                row=row[SLOTS_TITLE],
                col=1,
            )
            count_axis(fig, 1, raw[["replicas_ready", "replicas_provisioning"]].to_numpy().max())
        r_wait = row["requests waiting or in service"]
        if devices:
            fig.add_scatter(x=h, y=b["edge_in_system"], name="in devices", row=r_wait, col=1)
        else:
            waiting.remove("edge_in_system")
        count_axis(fig, r_wait, b[waiting].to_numpy().max())
        if minute_panel:
            per_minute_panel(fig, b, raw, row[per_minute], r.scenario.policy.routing.kind)
    for tr in fig.data:
        tr.line.color = CAPACITY_COLOURS.get(tr.name, tr.line.color)
    ticks = clock_ticks(span, dtick)
    for i in range(1, rows + 1):
        fig.update_xaxes(range=span, **ticks, row=i, col=1)
    sampled = " (the simulated hour stands for every open hour)" if minutes == 1 else ""
    fig.update_xaxes(title_text="hour of day" + sampled, row=rows, col=1)
    height = {4: 720, 3: 560}.get(rows, 420)
    layout = {**LAYOUT, "height": height, "legend": {"orientation": "h", "y": -0.08 * 720 / height}}
    # a lone trace ('in devices' of an edge-only run) keeps its legend entry: plotly hides it
    fig.update_layout(**layout, title=title, showlegend=True)
    return fig


def uses_devices(r: RunResult) -> bool:
    """Whether any request was served on (or queued at) a device in this scenario's run: a
    cloud-only scenario's idle devices are neither used nor paid for (its cost has no edge
    lines), so their queue and energy are not this scenario's figures."""
    return bool(r.scenario.edge.device_count) and bool(
        r.figures.get("edge.utilization") or r.series["edge_in_system"].max() > 0
    )


def has_fallbacks_or_drops(r: RunResult) -> bool:
    """Whether the run had a fallback or a drop at all (else the per-minute panel is empty)."""
    s = r.series
    return bool(s["completed_fallback"].max() > 0 or s["dropped"].max() > 0)


def per_minute_panel(
    fig: go.Figure, b: pd.DataFrame, raw: pd.DataFrame, r_min: int, routing: str
) -> None:
    """Fallbacks (for a routing that falls back) and drops per minute, links down shaded."""
    if routing in ("local_first", "split"):
        fig.add_scatter(
            x=b["hour"], y=b["completed_fallback"], name="fallbacks / min", row=r_min, col=1
        )
    fig.add_scatter(x=b["hour"], y=b["dropped"], name="drops / min", row=r_min, col=1)
    spans = outage_spans(raw)
    for x0, x1 in spans:
        fig.add_vrect(x0=x0, x1=x1, fillcolor=OUTAGE, line_width=0, row=r_min, col=1)
    if spans:  # a legend entry for the shading
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"symbol": "square", "size": 12, "color": OUTAGE},
            name="a link down",
            row=r_min,
            col=1,
        )
    top = float(b[["completed_fallback", "dropped"]].to_numpy().max())
    fig.update_yaxes(range=[0, max(1.0, top) * 1.15], rangemode="nonnegative", row=r_min, col=1)


def scaling_rows(r: RunResult, day: str | None = None) -> pd.DataFrame:
    """The scaling log of one day with times as hh:mm of that day (warm-up entries dropped)."""
    days = capacity_days(r)
    names = [n for n, _ in days]
    idx = names.index(day) if day in names else busiest(days)
    if not days:
        return pd.DataFrame(columns=["time", "replicas", "reason"])
    name = names[idx]
    log = r.scaling_log[r.scaling_log["time_s"] >= 0]
    rows = []
    for seg in r.plan.segments:
        part = log[log["segment"] == seg.label]
        start_h = (seg.day_offset_s + seg.warmup_s) / 3600
        for t, a, b, why in zip(
            part["time_s"], part["from"], part["to"], part["reason"], strict=True
        ):
            hour = start_h + t / 3600
            d = int(hour // 24)
            if (seg.label == name) or (day_label(d) == name):
                minute = int((hour - 24 * d) * 60)
                rows.append(
                    {
                        "time": f"{minute // 60:02d}:{minute % 60:02d}",
                        "replicas": f"{int(a)} → {int(b)}",
                        "reason": str(why),
                    }
                )
    return pd.DataFrame(rows, columns=["time", "replicas", "reason"])


def fig_cost_breakdown(r: RunResult) -> go.Figure:
    """Monthly cost of each architecture, stacked by line."""
    fig = go.Figure()
    archs = r.verdict.architectures if r.verdict else ()
    for line, colour in LINE_COLOURS.items():
        fig.add_bar(
            x=[a.name for a in archs],
            y=[a.cost.monthly_usd[line] for a in archs],
            name=label(line),
            marker_color=colour,
        )
    top = max([a.monthly_usd for a in archs] + [1.0])
    fig.update_layout(
        **LAYOUT, barmode="stack", title="Monthly cost by line", yaxis_title="USD / month"
    )
    fig.update_yaxes(range=[0, top * 1.1], tickprefix="$", tickformat=",.0f")
    # long names ('cloud-only, 25 GPU replicas') were tilted and cut ('ed…') in a half-width
    # column: break them at a comma or parenthesis and keep them level
    names = [a.name for a in archs]
    fig.update_xaxes(tickvals=names, ticktext=[wrap_name(n) for n in names], tickangle=0)
    return fig


def wrap_name(name: str) -> str:
    """An architecture's name on two lines where it has a natural break."""
    if ", " in name:
        head, tail = name.split(", ", 1)
        return f"{head},<br>{tail}"
    if " (" in name:
        head, tail = name.split(" (", 1)
        return f"{head}<br>({tail}"
    return name


def fig_tco(r: RunResult) -> go.Figure:
    """Cumulative cash over the horizon, with the break-even month."""
    fig = go.Figure()
    archs = r.verdict.architectures if r.verdict else ()
    months = 12
    top = 1.0
    # dashes keep an architecture visible where another's line runs on top of it
    for a, colour, dash in zip(archs, ARCH_COLOURS, ("solid", "dash", "dot"), strict=False):
        cum = a.cost.cumulative_usd
        months = max(months, len(cum) - 1)
        top = max(top, max(cum))
        fig.add_scatter(
            x=list(range(len(cum))),
            y=cum,
            name=a.name,
            mode="lines",
            line={"color": colour, "dash": dash, "width": 2.5},
            showlegend=True,  # plotly hides a lone trace's legend: the line must be named
        )
    break_even_marks(fig, archs, months)
    fig.update_layout(
        **LAYOUT,
        title="Cumulative cost (cash, capex up front)",
        xaxis_title="month",
        yaxis_title="USD",
    )
    fig.update_xaxes(range=[0, months], dtick=6)
    fig.update_yaxes(range=[0, top * 1.08], tickprefix="$", tickformat=",.0f")
    return fig


def break_even_marks(fig: go.Figure, archs: tuple[Any, ...], months: int) -> None:
    """A dashed line at the month each architecture with devices has spent no more cash than
    cloud-only from then on (``planner.cost.break_even_month``, as the Cost page's caption), in
    its own colour and named. The remote farm's edge-only, the recommendation, crosses at month
    22 while its hybrid never does: one line for the hybrid alone left the chart without one."""
    cloud = next((a for a in archs if a.option == "cloud-first"), None)
    if cloud is None:
        return
    marks = [
        (a, colour, be)
        for a, colour in zip(archs, ARCH_COLOURS, strict=False)
        if a is not cloud
        and (be := break_even_month(a.cost.cumulative_usd, cloud.cost.cumulative_usd)) is not None
    ]
    for i, (a, colour, be) in enumerate(marks):
        fig.add_shape(
            type="line",
            x0=be,
            x1=be,
            y0=0,
            y1=1,
            yref="paper",
            line={"dash": "dash", "color": colour, "width": 1.5},
        )
        fig.add_annotation(
            x=be,
            y=0.97 - 0.09 * i,
            yref="paper",
            text=f"{a.name} breaks even, month {be}" if be else f"{a.name} no dearer from month 0",
            showarrow=False,
            font={"color": colour},
            xanchor="left" if be < months / 2 else "right",
            bgcolor="rgba(255,255,255,0.75)",
        )


def fig_break_even_volume(rows: list[dict[str, float]]) -> go.Figure:
    fig = go.Figure()
    vols = [row["requests_per_month"] for row in rows]
    for key, name in (("edge_usd", "edge-only"), ("cloud_usd", "cloud-only")):
        fig.add_scatter(x=vols, y=[row[key] for row in rows], name=name, mode="lines+markers")
    fig.update_layout(
        **LAYOUT,
        title="Monthly cost across volumes (simulated)",
        xaxis_title="requests / month (log scale)",
        yaxis_title="USD / month",
    )
    fig.update_xaxes(type="log", range=log_range(np.asarray(vols, dtype=float), []))
    fig.update_yaxes(rangemode="nonnegative", tickprefix="$", tickformat=",.0f")
    return fig


def fig_compare(r: RunResult) -> go.Figure:
    """Tail latency of each architecture (log scale) with the SLO target."""
    fig = go.Figure()
    archs = r.verdict.architectures if r.verdict else ()
    names = [a.name for a in archs]
    vals: list[float] = []
    for q in ("p95", "p99"):
        ys = [a.get(f"latency_ms.{q}") for a in archs]
        vals += ys
        colour = "#2f6f8f" if q == "p95" else "#c0703c"
        fig.add_bar(
            x=names, y=ys, name=f"{q} latency", text=[ms(y) for y in ys], marker_color=colour
        )
    fig.update_layout(
        **LAYOUT,
        barmode="group",
        title="Tail latency by architecture",
        yaxis_title="latency (log scale)",
    )
    duration_axis(fig, "y", log_range(np.asarray(vals), [v for _, v in slo_targets(r)]))
    slo_lines(fig, r, axis="y", log=True, in_legend=True)
    return fig
