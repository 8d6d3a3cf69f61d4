"""Every chart builder for every preset: axes hold the data, SLO lines and labels sit inside."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from planner.presets import list_presets
from planner.run import RunResult
from ui import charts

BUILDERS: dict[str, Callable[[RunResult], go.Figure]] = {
    "latency histogram": charts.fig_latency_histogram,
    "latency ECDF": charts.fig_latency_ecdf,
    "latency by hour": charts.fig_latency_by_hour,
    "capacity": charts.fig_capacity,
    "cost breakdown": charts.fig_cost_breakdown,
    "TCO": charts.fig_tco,
    "compare": charts.fig_compare,
}


def values(v: Any) -> np.ndarray:
    if v is None:
        return np.array([])
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).astype(float)
    arr = np.asarray(v, dtype=object).ravel()
    nums = [float(x) for x in arr if isinstance(x, int | float | np.number) and x is not None]
    return np.asarray(nums, dtype=float)


def axis_name(ref: str, letter: str) -> str:
    """'x' -> 'xaxis', 'x3' -> 'xaxis3', 'y2 domain' -> 'yaxis2'."""
    ref = ref.split()[0]
    return f"{letter}axis{ref[1:]}"


def check_axis(lay: dict[str, Any], name: str, data: np.ndarray, where: str) -> None:
    ax = lay.get(name, {})
    rng = ax.get("range")
    assert rng is not None, f"{where}: {name} has no explicit range"
    lo, hi = sorted(float(x) for x in rng)
    if ax.get("type") == "log":
        data = np.log10(data[data > 0])
    data = data[np.isfinite(data)]
    if data.size:
        p1, p999 = np.quantile(data, [0.01, 0.999])
        assert lo <= p1 + 1e-9 and p999 - 1e-9 <= hi, (where, name, (lo, hi), (p1, p999))


def inside(lay: dict[str, Any], ref: str, letter: str, v: float, shape: bool, where: str) -> None:
    if not ref or ref.startswith("paper") or ref.endswith("domain"):
        return
    ax = lay.get(axis_name(ref, letter), {})
    rng = ax.get("range")
    assert rng is not None, f"{where}: {letter} reference on an axis without a range"
    pos = math.log10(v) if shape and ax.get("type") == "log" else v
    lo, hi = sorted(float(x) for x in rng)
    assert lo - 1e-9 <= pos <= hi + 1e-9, (where, ref, pos, (lo, hi))


@pytest.mark.parametrize("preset", [n for n, _ in list_presets()])
def test_every_chart_holds_its_data_and_labels(
    preset: str, preset_runs: dict[str, RunResult]
) -> None:
    r = preset_runs[preset]
    for title, build in BUILDERS.items():
        where = f"{preset}: {title}"
        spec = build(r).to_plotly_json()
        lay = spec["layout"]
        assert spec["data"], f"{where}: no trace"
        per_axis: dict[str, list[np.ndarray]] = {}
        for tr in spec["data"]:
            xs = values(tr.get("x"))
            if xs.size:
                per_axis.setdefault(axis_name(tr.get("xaxis", "x"), "x"), []).append(xs)
        for name, parts in per_axis.items():
            if name in lay and lay[name].get("type") != "category":
                check_axis(lay, name, np.concatenate(parts), where)
        for sh in lay.get("shapes", []):
            for k in ("x0", "x1"):
                inside(lay, sh.get("xref", "x"), "x", float(sh[k]), True, where)
            for k in ("y0", "y1"):
                inside(lay, sh.get("yref", "y"), "y", float(sh[k]), True, where)
        for an in lay.get("annotations", []):
            if "x" in an and an.get("xref", "x") not in ("paper",):
                inside(lay, an.get("xref", "x"), "x", float(an["x"]), False, where)
            if "y" in an and an.get("yref", "y") not in ("paper",):
                inside(lay, an.get("yref", "y"), "y", float(an["y"]), False, where)


def test_latency_histograms_have_bars_for_sub_300_ms_targets(
    preset_runs: dict[str, RunResult],
) -> None:
    """The issue's retail and factory charts: bars drawn, axis not stretched to 10^305."""
    for preset in ("retail_kiosk_vision", "factory_robotics_control_loop"):
        fig = charts.fig_latency_histogram(preset_runs[preset])
        assert sum(float(np.nansum(values(t.y))) for t in fig.data) > 0
        lo, hi = fig.layout.xaxis.range
        assert hi - lo < 4


def test_capacity_opens_on_the_busiest_day(preset_runs: dict[str, RunResult]) -> None:
    r = preset_runs["seasonal_burst_app"]
    days = charts.capacity_days(r)
    assert len(days) > 1
    busiest = charts.busiest(days)
    assert days[busiest][1]["arrivals"].mean() == max(d["arrivals"].mean() for _, d in days)
    assert days[busiest][0] in charts.fig_capacity(r).layout.title.text
    for _, df in days:
        assert df["hour"].between(0, 24).all()
    log = charts.scaling_rows(r)
    assert log["time"].str.fullmatch(r"\d\d:\d\d").all()


def test_a_busy_pool_shows_requests_in_service(preset_runs: dict[str, RunResult]) -> None:
    # the "waiting or in service" panel must not read 0 while the GPUs are busy
    for name, r in preset_runs.items():
        fig = charts.fig_capacity(r)
        by_name = {t.name: values(t.y) for t in fig.data}
        if by_name["GPU utilisation"].size and by_name["GPU utilisation"].max() > 1.0:
            assert by_name["GPU pool in service"].max() > 0, name


def test_a_sampled_hour_is_drawn_across_the_open_hours(
    preset_runs: dict[str, RunResult],
) -> None:
    # one simulated hour stands for every open hour: a line across them, not a dot at hour 0
    sampled = {n: r for n, r in preset_runs.items() if len(r.latency_by_hour) == 1}
    assert sampled  # the kiosk and factory presets simulate one hour of their open hours
    for name, r in sampled.items():
        fig = charts.fig_latency_by_hour(r)
        x = values(fig.data[0].x)
        open_hours = int((charts.hourly_shape(r.scenario.workload) > 0).sum())
        assert x.max() - x.min() >= min(open_hours, 24) - 1e-9, (name, x)
