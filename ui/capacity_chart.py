"""The Fallback and capacity chart: small multiples over one simulated day.

Like the strip charts on a control-room wall: GPU replicas, requests waiting, fallbacks and drops
per minute and the GPU's request slots, one above the other on the day's clock, cut from the
run's per-minute series (sampled at each minute mark). A panel whose every sample on the day is
0 says nothing a reader can see: it is left out and ``quiet_panels`` says in words why it is
flat. Times are hours of the day; no Streamlit here, so the memo draws the same figure.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from planner.formatting import count, number, pct
from planner.run import RunResult
from ui.charts import LAYOUT

BIN_MIN = 10


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


WEIGHT = re.compile(r"(?P<name>.+) \(x(?P<w>[0-9.]+(?:e[-+]?[0-9]+)?)\)")


def day_name(segment_label: str) -> str:
    """A simulated day as people read it: 'any day, 2 devices down (x0.352)' reads 'any day, 2
    devices down (0.35 days a month)'; the x-weight read as a multiplier of something."""
    m = WEIGHT.fullmatch(segment_label)
    if not m or m["name"] == "whole month":
        return m["name"] if m else segment_label
    w = float(m["w"])
    days = f"{w:.1f}".removesuffix(".0") if w >= 1 else f"{w:.2g}"
    return f"{m['name']} ({days} day{'' if days == '1' else 's'} a month)"


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
    titles = panel_titles(r, days[idx][1] if days else None, per_minute)
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
    # the day alone: 'Fallback and capacity: any day, 1 device down, sampled hours (0.22 days a
    # month)' was cut at the right edge of an 820 px window (the page's title says the rest)
    title = day_name(names[idx]) if days else "Fallback and capacity"
    if days:
        raw = days[idx][1]
        b = binned(raw, minutes)
        h = b["hour"]
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
            if WAITING in row:
                at = {"row": row[WAITING], "col": 1}
                fig.add_scatter(x=h, y=b["pool_queue"], name="GPU pool queue", **at)
                fig.add_scatter(x=h, y=b["pool_in_service"], name="GPU pool in service", **at)
            if SLOTS_TITLE in row:
                slots_panel(fig, b, row[SLOTS_TITLE])
            count_axis(fig, 1, raw[["replicas_ready", "replicas_provisioning"]].to_numpy().max())
        if WAITING in row:
            at = {"row": row[WAITING], "col": 1}
            if devices:
                fig.add_scatter(x=h, y=b["edge_in_system"], name="in devices", **at)
            count_axis(fig, at["row"], float(b[waiting_columns(r)].to_numpy().max(initial=0.0)))
        if per_minute in row:
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
    fig.update_layout(**layout, title={"text": title, "font": {"size": 14}}, showlegend=True)
    return fig


WAITING = "requests waiting or in service"


def waiting_columns(r: RunResult) -> list[str]:
    """The series the waiting panel draws: the pool's when it was used, the devices' when."""
    pool = ["pool_queue", "pool_in_service"] if uses_pool(r) else []
    return pool + (["edge_in_system"] if uses_devices(r) else [])


def flat(raw: pd.DataFrame, columns: list[str]) -> bool:
    """Every minute's sample of these series is 0 (or missing) on this day."""
    values = raw[columns].to_numpy(dtype=float)
    return not columns or float(np.nanmax(values, initial=0.0)) == 0.0


def panel_titles(r: RunResult, raw: pd.DataFrame | None, per_minute: str) -> list[str]:
    """The panels drawn for this day, top to bottom: GPU panels when the pool was used, the
    per-minute panel when anything fell back, dropped or a link went down, and no panel that
    would be a flat line at 0 all day (``quiet_panels`` says why in words)."""
    pool = uses_pool(r)
    quiet = quiet_panels(r, raw) if raw is not None else {}
    minute_panel = has_fallbacks_or_drops(r) or bool(raw is not None and outage_spans(raw))
    titles = [
        t
        for t, shown in (
            ("GPU replicas", pool),
            (WAITING, WAITING not in quiet),
            (per_minute, minute_panel),
            (SLOTS_TITLE, pool and SLOTS_TITLE not in quiet),
        )
        if shown
    ]
    return titles or [WAITING]  # a chart of one flat panel rather than none at all


def quiet_panels(r: RunResult, raw: pd.DataFrame | None) -> dict[str, str]:
    """The panels whose every sample on this day is 0, each with a sentence saying why: in an
    almost idle system a sample taken at each minute mark almost never finds a request in
    flight (remote farm: 40 stills a minute, each 18 ms on a device, drew two flat lines)."""
    if raw is None:
        return {}
    f = r.figures
    out: dict[str, str] = {}
    if flat(raw, waiting_columns(r)):
        busy = []
        if uses_devices(r):
            busy.append(f"the devices are busy {pct(f.get('edge.utilization'), 2)} of the time")
        if uses_pool(r):
            busy.append(f"the GPU pool {pct(f.get('cloud.utilization'), 2)} of its ready time")
        out[WAITING] = (
            "Requests waiting or in service: 0 at every minute's sample on this day. At most "
            f"{count(raw['arrivals'].max())} requests arrive a minute"
            + "".join(f", {x}" for x in busy)
            + ": a sample taken at a minute mark almost never finds one queued or in service."
        )
    if uses_pool(r) and flat(raw, ["gpu_utilization"]):
        to_pool = raw[["completed_cloud", "completed_fallback", "completed_split"]].sum(axis=1)
        falls_back = r.scenario.policy.routing.kind in ("local_first", "split")
        out[SLOTS_TITLE] = (
            f"GPU request slots in use: 0 % at every minute's sample on this day. The pool "
            f"serves at most {count(to_pool.max())} requests a minute and its replicas were busy "
            f"{pct(f.get('cloud.utilization'), 2)} of their ready time "
            f"({number(f.get('cloud.gpu_hours_busy'), 2)} of "
            f"{number(f.get('cloud.gpu_hours'), 1)} GPU-hours a month): the replicas above are "
            "held ready, and billed, "
            + ("for the requests that fall back." if falls_back else "for a trickle of requests.")
        )
    return out


def site_note(r: RunResult) -> str | None:
    """Whose queues the chart draws when only some identical sites were simulated (factory: one
    of 40 cells' device drawn as 'requests waiting 0 or 1' beside the fleet's figures)."""
    k, n = r.plan.sites_simulated, r.scenario.edge.sites
    if k >= n:
        return None
    which, whose = ("one", "that site's") if k == 1 else (f"{k}", "those sites'")
    return (
        f"The chart draws {which} of {n} identical sites, as simulated: its queues and "
        f"per-minute counts are {whose} own, while the "
        "figures below are the whole fleet's (scaled from the simulated sites)."
    )


def flat_panel_notes(r: RunResult, day: str | None = None) -> list[str]:
    """Why the chart of ``day`` (the busiest by default, as ``fig_capacity``) leaves a panel
    out: one sentence per panel that would be a flat line at 0."""
    days = capacity_days(r)
    names = [n for n, _ in days]
    if not days:
        return []
    idx = names.index(day) if day in names else busiest(days)
    return list(quiet_panels(r, days[idx][1]).values())


def slots_panel(fig: go.Figure, b: pd.DataFrame, row: int) -> None:
    """The share of the replicas' request slots in use, on an axis scaled to its data."""
    slots = b["gpu_utilization"] * 100
    fig.add_scatter(x=b["hour"], y=slots, name="GPU request slots in use", row=row, col=1)
    top = float(np.nanmax(slots.to_numpy(dtype=float), initial=0.0))
    fig.update_yaxes(range=[0, min(100.0, max(10.0, top * 1.15))], ticksuffix=" %", row=row, col=1)


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
