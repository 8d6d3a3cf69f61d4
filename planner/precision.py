"""How precise a run's key figures are, and how many replications a stated precision needs.

Like a surveyor who keeps taking sightings until the error bars are narrow enough: each
replication is one more sighting; the 95 % interval of a figure narrows as one over the square
root of their number, so the half-widths seen so far say how many more are needed.
"""

from __future__ import annotations

import math
from typing import Any

KEY_FIGURES = ("latency_ms.p95", "slo_attainment", "fallback_rate", "cloud.gpu_hours")
"""The figures a precision-sized run must pin down (the issue's p95, SLO, fallback, GPU-hours)."""
RATE_FIGURES = ("slo_attainment", "fallback_rate")
RATE_FLOOR = 0.01
"""A rate's half-width is judged against max(rate, 1 %): a fallback rate of 0.01 % needs no
interval a hundredth of a percent wide to decide anything."""
MIN_PRECISION_REPLICATIONS = 3
"""Fewer replications give a t interval too unsteady to stop on."""


def figure_precision(
    value: float, ci: tuple[float, float] | None, target: float, rate: bool
) -> dict[str, Any]:
    """Half-width of one figure's 95 % interval, relative to its value, against the target."""
    if math.isnan(value):
        return {"value": None, "half_width": None, "relative": None, "met": True}
    if ci is None:
        return {"value": value, "half_width": None, "relative": None, "met": False}
    half = (ci[1] - ci[0]) / 2
    scale = max(abs(value), RATE_FLOOR) if rate else abs(value)
    relative = half / scale if scale > 0 else (0.0 if half == 0 else math.inf)
    return {"value": value, "half_width": half, "relative": relative, "met": relative <= target}


def precision_report(
    figures: dict[str, float],
    ci95: dict[str, tuple[float, float]],
    target: float,
    stop_rule: str,
    stopped_because: str,
) -> dict[str, Any]:
    """The precision block of a result: per key figure, and whether all met the target."""
    per = {
        key: figure_precision(
            figures.get(key, math.nan), ci95.get(key), target, key in RATE_FIGURES
        )
        for key in KEY_FIGURES
    }
    return {
        "stop_rule": stop_rule,
        "target_relative": target,
        "met": all(p["met"] for p in per.values()),
        "stopped_because": stopped_because,
        "figures": per,
    }


def replications_needed(report: dict[str, Any], done: int) -> int:
    """Replications that would bring every key figure within the target (half-width ~ 1/sqrt n),
    with a tenth more for the t quantile and the estimate's own noise."""
    target = float(report["target_relative"])
    need = done
    for p in report["figures"].values():
        rel = p["relative"]
        if p["met"] or rel is None:
            continue
        ratio = rel / target if math.isfinite(rel) else 4.0
        need = max(need, math.ceil(done * ratio * ratio * 1.1))
    return need
