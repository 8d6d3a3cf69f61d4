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
BELOW: dict[str, Any] = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"}
"""A legend at the foot of the figure, under the axis's tick labels whatever their height (at
y=-0.2 of the plot a one-column legend covered the kiosk's two-line bar names in the browser)."""
LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "font": {"family": "DejaVu Sans, sans-serif", "size": 12},
    "height": 380,
    "legend": {"orientation": "h", "y": -0.2},
}


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
                    showlegend=True,  # a lone path is named too (seasonal: 'cloud')
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
                x=part["latency_ms"],
                y=cdf,
                name=path,
                mode="lines",
                line={"color": colour},
                showlegend=True,  # a lone path is named too (seasonal: 'cloud')
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
        **{**LAYOUT, "legend": {**BELOW, "entrywidth": 0.5, "entrywidthmode": "fraction"}},
        barmode="stack",
        title="Monthly cost by line",
        yaxis_title="USD / month",
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
    break_even_marks(fig, archs)
    fig.update_layout(
        **{**LAYOUT, "legend": BELOW, "height": 420},
        title="Cumulative cost (cash, capex up front)",
        xaxis_title="month",
        yaxis_title="USD",
    )
    fig.update_xaxes(range=[0, months], dtick=6)
    fig.update_yaxes(range=[0, top * 1.08], tickprefix="$", tickformat=",.0f")
    return fig


def break_even_marks(fig: go.Figure, archs: tuple[Any, ...]) -> None:
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
    for a, colour, be in marks:
        line = {"dash": "dash", "color": colour, "width": 1.5}
        fig.add_shape(type="line", x0=be, x1=be, y0=0, y1=1, yref="paper", line=line)
        # named in the legend: a label on the chart ran over the axis's dollar ticks (the
        # kiosk's 'hybrid (local-first) breaks even, month 23' in a 450 px chart)
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=line,
            name=f"{a.name} breaks even, month {be}" if be else f"{a.name} no dearer from month 0",
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
