"""Chart builders: a RunResult in, a plotly Figure out; no Streamlit, no arithmetic of record.

Like a printer's plates: each function lays out figures the run already computed (or a plain
view of its request sample), so the dashboard and the PDF memo print the same picture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from planner.run import RunResult

PATH_COLOURS = {"edge": "#2f6f8f", "cloud": "#c0703c", "fallback": "#b5443b", "split": "#6a8f3a"}
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


def slo_lines(fig: go.Figure, r: RunResult, vertical: bool = True) -> None:
    slo = r.scenario.slo
    for name, value in (("p50", slo.p50_ms), ("p95", slo.p95_ms), ("p99", slo.p99_ms)):
        if value is None:
            continue
        if vertical:
            fig.add_vline(
                x=value,
                line_dash="dash",
                line_color="#444",
                annotation_text=f"SLO {name} {value:g} ms",
            )
        else:
            fig.add_hline(
                y=value,
                line_dash="dash",
                line_color="#444",
                annotation_text=f"SLO {name} {value:g} ms",
            )


def fig_latency_histogram(r: RunResult) -> go.Figure:
    """Latency distribution per path (log-spaced bins over the request sample)."""
    df = r.sample[r.sample["path"].isin(list(PATH_COLOURS)) & r.sample["latency_ms"].notna()]
    fig = go.Figure()
    if len(df):
        lo, hi = max(df["latency_ms"].min(), 0.1), max(df["latency_ms"].max(), 1.0)
        edges = np.logspace(np.log10(lo), np.log10(hi * 1.01), 50)
        for path, colour in PATH_COLOURS.items():
            part = df[df["path"] == path]
            if len(part):
                counts, _ = np.histogram(part["latency_ms"], bins=edges, weights=part["weight"])
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
        xaxis_title="end-to-end latency (ms, log)",
        yaxis_title="requests / month",
    )
    fig.update_xaxes(type="log")
    slo_lines(fig, r)
    return fig


def fig_latency_ecdf(r: RunResult) -> go.Figure:
    """Weighted ECDF per path, log axis."""
    fig = go.Figure()
    df = r.sample[r.sample["latency_ms"].notna()]
    for path, colour in PATH_COLOURS.items():
        part = df[df["path"] == path].sort_values("latency_ms")
        if len(part):
            cdf = part["weight"].cumsum() / part["weight"].sum()
            fig.add_scatter(
                x=part["latency_ms"], y=cdf, name=path, mode="lines", line={"color": colour}
            )
    fig.update_layout(
        **LAYOUT,
        title="Latency ECDF per path",
        xaxis_title="latency (ms, log)",
        yaxis_title="share of requests",
    )
    fig.update_xaxes(type="log")
    slo_lines(fig, r)
    return fig


def fig_latency_by_hour(r: RunResult) -> go.Figure:
    df = r.latency_by_hour
    fig = go.Figure()
    for q, dash in (("p50", "solid"), ("p95", "dash"), ("p99", "dot")):
        fig.add_scatter(x=df["hour"], y=df[q], name=q, mode="lines+markers", line={"dash": dash})
    fig.update_layout(
        **LAYOUT,
        title="Latency across the day",
        xaxis_title="hour of day",
        yaxis_title="latency (ms)",
    )
    slo_lines(fig, r, vertical=False)
    return fig


def fig_capacity(r: RunResult, segment: str | None = None) -> go.Figure:
    """Replicas ready and provisioning, queues, fallback per minute, outages shaded."""
    df = r.series if segment is None else r.series[r.series["segment"] == segment]
    df = df[df["minute"] >= 0]
    if segment is None and len(df):
        df = df[df["segment"] == df["segment"].iloc[0]]
    hours = df["minute"] / 60
    fig = go.Figure()
    fig.add_scatter(x=hours, y=df["replicas_ready"], name="replicas ready", line={"shape": "hv"})
    fig.add_scatter(
        x=hours,
        y=df["replicas_provisioning"],
        name="replicas provisioning",
        line={"shape": "hv", "dash": "dot"},
    )
    fig.add_scatter(x=hours, y=df["pool_queue"], name="pool queue", yaxis="y2", opacity=0.7)
    fig.add_scatter(x=hours, y=df["edge_in_system"], name="in devices", yaxis="y2", opacity=0.7)
    fig.add_scatter(x=hours, y=df["completed_fallback"], name="fallbacks / min", yaxis="y2")
    down = df["links_down"] > 0
    if down.any():
        fig.add_bar(
            x=hours[down],
            y=[1] * int(down.sum()),
            name="link outage",
            yaxis="y3",
            marker_color="rgba(180,60,60,0.25)",
            width=1 / 60,
        )
    label = segment or (df["segment"].iloc[0] if len(df) else "")
    fig.update_layout(
        **LAYOUT,
        title=f"Fallback and capacity over time ({label})",
        xaxis_title="hour of the simulated day",
        yaxis={"title": "replicas"},
        yaxis2={"title": "requests", "overlaying": "y", "side": "right"},
        yaxis3={"overlaying": "y", "visible": False, "range": [0, 1]},
    )
    return fig


def fig_cost_breakdown(r: RunResult) -> go.Figure:
    """Monthly cost of each architecture, stacked by line."""
    breakdowns = r.extras.get("cost_breakdowns", {})
    names = {"own": "this scenario", "edge_only": "edge-only", "cloud_only": "cloud-only"}
    archs = [k for k in ("own", "edge_only", "cloud_only") if k in breakdowns]
    fig = go.Figure()
    for line, colour in LINE_COLOURS.items():
        fig.add_bar(
            x=[names[a] for a in archs],
            y=[breakdowns[a].monthly_usd[line] for a in archs],
            name=line.replace("_", " "),
            marker_color=colour,
        )
    fig.update_layout(
        **LAYOUT, barmode="stack", title="Monthly cost by line", yaxis_title="USD / month"
    )
    return fig


def fig_tco(r: RunResult) -> go.Figure:
    """Cumulative cash over the horizon, with the break-even month."""
    breakdowns = r.extras.get("cost_breakdowns", {})
    names = {"own": "this scenario", "edge_only": "edge-only", "cloud_only": "cloud-only"}
    fig = go.Figure()
    for key, name in names.items():
        if key in breakdowns:
            cum = breakdowns[key].cumulative_usd
            fig.add_scatter(x=list(range(len(cum))), y=cum, name=name, mode="lines")
    be = r.extras.get("cost", {}).get("break_even_month")
    if be is not None:
        fig.add_vline(x=be, line_dash="dash", annotation_text=f"break-even month {be}")
    fig.update_layout(
        **LAYOUT,
        title="Cumulative cost (cash, capex up front)",
        xaxis_title="month",
        yaxis_title="USD",
    )
    return fig


def fig_break_even_volume(rows: list[dict[str, float]]) -> go.Figure:
    fig = go.Figure()
    vols = [row["requests_per_month"] for row in rows]
    for key, name in (("edge_usd", "edge-only"), ("cloud_usd", "cloud-only")):
        fig.add_scatter(x=vols, y=[row[key] for row in rows], name=name, mode="lines+markers")
    fig.update_layout(
        **LAYOUT,
        title="Monthly cost across volumes (simulated)",
        xaxis_title="requests / month (log)",
        yaxis_title="USD / month",
    )
    fig.update_xaxes(type="log")
    return fig


def fig_compare(rows: list[dict[str, Any]], labels: list[str]) -> go.Figure:
    wanted = ("p95 latency (ms)", "p99 latency (ms)")
    fig = go.Figure()
    for row in rows:
        if row["figure"] in wanted:
            fig.add_bar(x=labels, y=[row[lab] for lab in labels], name=row["figure"])
    fig.update_layout(
        **LAYOUT, barmode="group", title="Tail latency by architecture", yaxis_title="ms"
    )
    return fig
