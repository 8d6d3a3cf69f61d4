"""Charts of the planning tools: the Pareto front and the sensitivity tornado (pure builders)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from planner.formatting import label, pct, usd
from planner.sensitivity_text import range_text
from ui.charts import ARCH_COLOURS, LAYOUT, PATH_COLOURS

END_COLOURS = {"low": ARCH_COLOURS[0], "high": ARCH_COLOURS[1]}
"""The tornado's bars in the house palette: an input at its low end in the edge's blue, at its
high end in the cloud's copper (plotly's default blue and orange before)."""
FRONT = PATH_COLOURS["fallback"]


def fig_pareto(points: list[dict[str, Any]], front: list[dict[str, Any]]) -> go.Figure:
    """Monthly cost against SLO attainment: every simulated point, the front highlighted."""
    fig = go.Figure()
    others = [p for p in points if p not in front]
    for name, group, style in (
        ("infeasible", [p for p in others if not p["feasible"]], {"color": "#bbbbbb"}),
        ("feasible, dominated", [p for p in others if p["feasible"]], {"color": "#8cb6c9"}),
        ("Pareto front", front, {"color": FRONT, "size": 12, "symbol": "diamond"}),
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
            hovertemplate="$%{x:,.0f}/month, attainment %{y:.2%}<br>%{text}<extra></extra>",
        )
    fig.update_layout(
        **LAYOUT,
        title="Monthly cost against SLO attainment",
        xaxis_title="monthly cost",
        yaxis_title="SLO attainment",
        xaxis_tickprefix="$",
        xaxis_tickformat=",.0f",
        yaxis_tickformat=".4~%",  # 99.985 %, 100 %: no two ticks alike
    )
    return fig


def tornado_label(row: dict[str, Any]) -> str:
    flips = "" if isinstance(row["flip_at"], str) or row["flip_at"] is None else " (flips)"
    rng = f"<span style='font-size:10px;color:#555'>{range_text(row)}</span>"
    return f"{row['input']}{flips}<br>{rng}"


def fig_tornado(out: dict[str, Any]) -> go.Figure:
    """The sensitivity tornado: for each input (widest cost swing on top) the monthly cost and
    the SLO attainment with the input at the low and the high end of its range, as bars from
    the stated value's figure. Inputs that flip the recommendation are marked '(flips)'."""
    rows = out["rows"][::-1]
    names = [tornado_label(r) for r in rows]
    top = 85 if out.get("routing") else 50  # the title's second line: the routing
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        # short panel titles (the routing goes in the figure's title): at 820 px 'Monthly cost
        # in USD, as routed: hybrid (local-first)' ran into 'SLO attainment (%)'
        subplot_titles=("Monthly cost (USD)", "SLO attainment (%)"),
    )
    fig.update_annotations(font={"size": 13})  # the panel titles, apart at 820 px
    panels = (
        ("monthly_usd", centre_of(out, "monthly_usd"), 1.0, 1),
        ("slo_attainment", centre_of(out, "slo_attainment"), 100.0, 2),
    )
    for key, centre, scale, col in panels:
        c = (centre or 0.0) * scale
        ends = []
        for end, colour in END_COLOURS.items():
            values = [r[key][end] for r in rows]
            ends += [v * scale for v in values if v is not None]
            fig.add_bar(
                y=names,
                x=[(v * scale - c) if v is not None else None for v in values],
                base=c,
                orientation="h",
                name=f"input at its {end} end",
                marker_color=colour,
                legendgroup=end,
                showlegend=col == 1,
                row=1,
                col=col,
                hovertemplate="%{y}: %{x:+,.4g} from the stated value<extra></extra>",
            )
        fig.add_vline(x=c, line={"color": "#444", "width": 1}, row=1, col=col)
        if ends and max(abs(v - c) for v in ends) < (0.5 if col == 1 else 0.05):
            flat = usd(c / scale) if col == 1 else pct(c / scale)
            fig.add_annotation(
                text=f"no swing:<br>{flat} at every end",  # two lines fit a narrow panel
                xref=f"x{col if col > 1 else ''} domain",
                yref="y domain",
                x=0.5,
                y=0.5,  # mid-panel: the subplot title sits just above the panel
                yanchor="middle",
                showarrow=False,
                font={"size": 11, "color": "#555"},
                bgcolor="rgba(255,255,255,0.85)",
            )
        lo, hi = swing_range(c, ends, max(abs(c) * 0.01, 1.0), 100.0 if col == 2 else None)
        fine = hi - lo < 20
        fig.update_xaxes(
            range=[lo, hi],
            tickformat=(",.2f" if fine else ",.0f") if col == 1 else ".1f",
            tickprefix="$" if col == 1 else "",
            row=1,
            col=col,
        )
    fig.update_layout(
        **{
            **LAYOUT,
            "height": max(320, 70 + 48 * len(rows)) + top - 50,
            "margin": {**LAYOUT["margin"], "t": top},
        },
        barmode="group",
        bargap=0.25,
        title=tornado_title(out),
    )
    return fig


def tornado_title(out: dict[str, Any]) -> str:
    """The title, with the routing the costs are for: 'as routed: hybrid (local-first)' (one
    pair of brackets at most)."""
    title = "What moves when one input moves (tornado)"
    routing = out.get("routing")
    return f"{title}<br><sub>as routed: {label(routing)}</sub>" if routing else title


def centre_of(out: dict[str, Any], key: str) -> float | None:
    """The stated point the bars start from: the rows' own (the screen's, on the same traffic
    as their ends), else the sweep's base."""
    rows = out["rows"]
    if rows and rows[0][key].get("base") is not None:
        return float(rows[0][key]["base"])
    value = out["base"].get(key)
    return None if value is None else float(value)


def swing_range(
    centre: float, values: list[float], min_half_span: float, ceiling: float | None
) -> tuple[float, float]:
    """An axis range holding the centre and every end, at least ``min_half_span`` either side
    (so a swing of cents does not fill the panel), padded 5 %, capped at ``ceiling``."""
    lo, hi = min([centre, *values]), max([centre, *values])
    lo, hi = min(lo, centre - min_half_span), max(hi, centre + min_half_span)
    if ceiling is not None:
        hi = min(hi, ceiling)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad
