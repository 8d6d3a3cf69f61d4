"""Charts of the planning tools: the Pareto front and the sensitivity tornado (pure builders)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ui.charts import LAYOUT


def fig_pareto(points: list[dict[str, Any]], front: list[dict[str, Any]]) -> go.Figure:
    """Monthly cost against SLO attainment: every simulated point, the front highlighted."""
    fig = go.Figure()
    others = [p for p in points if p not in front]
    for name, group, style in (
        ("infeasible", [p for p in others if not p["feasible"]], {"color": "#bbbbbb"}),
        ("feasible, dominated", [p for p in others if p["feasible"]], {"color": "#7fa7d9"}),
        ("Pareto front", front, {"color": "#d62728", "size": 12, "symbol": "diamond"}),
    ):
        if not group:
            continue
        fig.add_scatter(
            x=[p["monthly_usd"] for p in group],
            y=[p["slo_attainment"] for p in group],
            mode="markers",
            name=name,
            marker=style,
            text=[", ".join(f"{k}={v}" for k, v in p["overrides"].items()) for p in group],
            hovertemplate="$%{x:,.0f}/month, attainment %{y:.4f}<br>%{text}<extra></extra>",
        )
    fig.update_layout(
        **LAYOUT,
        title="Monthly cost against SLO attainment",
        xaxis_title="USD / month",
        yaxis_title="SLO attainment",
    )
    return fig


def fig_tornado(rows: list[dict[str, Any]], base_usd: float) -> go.Figure:
    """Each input's monthly cost at the low and high end of its range, around the base."""
    names = [r["input"] for r in rows][::-1]
    fig = go.Figure()
    for end, colour in (("low", "#1f77b4"), ("high", "#ff7f0e")):
        values = [r["monthly_usd"][end] for r in rows][::-1]
        fig.add_bar(
            y=names,
            x=[(v - base_usd) if v is not None else None for v in values],
            base=base_usd,
            orientation="h",
            name=f"input at its {end} end",
            marker_color=colour,
        )
    fig.update_layout(
        **LAYOUT,
        barmode="overlay",
        title="Monthly cost when one input moves (tornado)",
        xaxis_title="USD / month",
    )
    return fig
