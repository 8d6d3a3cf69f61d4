"""Sensitivity inputs: the uncertain inputs of a scenario and the range of each.

Like the error bars a surveyor writes beside each measurement: a catalog figure's confidence
grade sets its spread (H ±10 %, M-H ±20 %, M ±25 %, L-M ±35 %, L ±50 %); inputs the architect
states (volume, peak ratio, token sizes, cold start, MTBF, a typed price) have stated ranges.
Each input knows how to scale itself as ``--set`` overrides (a factor of 1 is as stated).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.catalog import Figure, load_catalog
from planner.engine_inputs import edge_llm_speeds, edge_vision_s
from planner.plan import hourly_shape
from planner.scenario import Scenario

SPREAD_BY_CONFIDENCE = {"H": 0.10, "M-H": 0.20, "M": 0.25, "L-M": 0.35, "L": 0.50}
Apply = Callable[[Scenario, float], dict[str, Any]]


@dataclass(frozen=True)
class Input:
    name: str
    unit: str
    value: float
    """The stated value, in ``unit``."""
    low_factor: float
    high_factor: float
    range_from: str
    apply: Apply
    """Overrides that scale the input by a factor (1 = as stated)."""
    scales_deviation: bool = False
    """The factor scales the value's excess over 1 (a peak/mean ratio), not the value."""

    def at(self, factor: float) -> float:
        """The input's value, in ``unit``, at a factor."""
        if self.scales_deviation:
            return 1 + (self.value - 1) * factor
        return self.value * factor


def spread(fig: Figure) -> tuple[float, float, str]:
    conf = fig.grade.split("/")[1]
    d = SPREAD_BY_CONFIDENCE[conf]
    return 1 - d, 1 + d, f"grade {fig.grade}"


def uncertain_inputs(s: Scenario) -> list[Input]:
    """The inputs that apply to this scenario's architecture, with their ranges."""
    cat = load_catalog()
    kind = s.policy.routing.kind
    device, link = cat.devices[s.edge.device], cat.links[s.network.link]
    uses_edge = kind != "cloud_only" and s.edge.device_count > 0
    out = [volume_input(s, 0.5, 2.0, "stated ×0.5-×2")]
    shape = hourly_shape(s.workload)
    # a day simulated as one representative hour is flat over its open hours by rule: its
    # peak is the opening hours, not an uncertain shape (a peaked variant is refused)
    flat_by_rule = s.simulation.hours_per_day_simulated is not None
    if float(shape.max()) > float(shape.mean()) * 1.001 and not flat_by_rule:
        out.append(peak_input(s, shape))
    out.append(size_input(s))
    if uses_edge:
        out.append(device_input(s, device))
        lo, hi = 0.5, 2.0
        out.append(
            Input(
                "MTBF",
                "hours",
                s.edge.mtbf_hours,
                lo,
                hi,
                "stated ×0.5-×2",
                lambda _s, f: {"edge.mtbf_hours": _s.edge.mtbf_hours * f},
            )
        )
    if kind != "edge_only":
        lo, hi, src = spread(link.rtt_median_ms)
        out.append(
            Input(
                "RTT",
                "ms (median)",
                link.rtt_median_ms.v * s.network.rtt_multiplier,
                lo,
                hi,
                src,
                lambda _s, f: {"network.rtt_multiplier": _s.network.rtt_multiplier * f},
            )
        )
        out.append(price_input(s))
        out.append(cold_start_input(s))
    return out


def volume_input(s: Scenario, low: float, high: float, range_from: str) -> Input:
    return Input(
        "volume",
        "requests/month",
        s.workload.requests_per_month,
        low,
        high,
        range_from,
        lambda _s, f: {"workload.requests_per_month": _s.workload.requests_per_month * f},
    )


def peak_input(s: Scenario, shape: np.ndarray) -> Input:
    mean = float(shape.mean())

    def apply(_s: Scenario, f: float) -> dict[str, Any]:
        weights = np.maximum(mean + f * (shape - mean), 0.0)
        return {"workload.daily_profile": [round(float(w), 9) for w in weights]}

    ratio = float(shape.max()) / mean
    return Input("peak ratio", "peak/mean", ratio, 0.7, 1.3, "stated ±30 % of excess", apply, True)


def size_input(s: Scenario) -> Input:
    classes = s.workload.request_classes
    if s.workload.is_llm:

        def apply(_s: Scenario, f: float) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for i, c in enumerate(_s.workload.request_classes):
                if c.kind == "llm":
                    out[f"workload.request_classes.{i}.prompt_tokens_mean"] = (
                        c.prompt_tokens_mean * f
                    )
                    out[f"workload.request_classes.{i}.output_tokens_mean"] = (
                        c.output_tokens_mean * f
                    )
            return out

        c0 = classes[0]
        value = c0.prompt_tokens_mean + c0.output_tokens_mean if c0.kind == "llm" else math.nan
        return Input("token sizes", "tokens/request", value, 0.7, 1.3, "stated ±30 %", apply)

    def apply_kb(_s: Scenario, f: float) -> dict[str, Any]:
        return {
            f"workload.request_classes.{i}.payload_kb": c.payload_kb * f
            for i, c in enumerate(_s.workload.request_classes)
            if c.kind == "vision"
        }

    c0 = classes[0]
    value = c0.payload_kb if c0.kind == "vision" else math.nan
    return Input("frame size", "kB", value, 0.7, 1.3, "stated ±30 %", apply_kb)


def device_input(s: Scenario, device: Any) -> Input:
    llm = edge_llm_speeds(s, device)
    if s.workload.is_llm and llm is not None:
        lo, hi, src = spread(device.llm.decode_tps)
        prefill, decode, _ = llm
        return Input(
            "device speed",
            "decode tokens/s",
            decode,
            lo,
            hi,
            src,
            lambda _s, f: {
                "edge.llm_prefill_tokens_per_s": prefill * f,
                "edge.llm_decode_tokens_per_s": decode * f,
            },
        )
    p50, p99 = edge_vision_s(s, device) or (math.nan, math.nan)
    lo, hi, src = spread(device.vision.latency_p50_ms) if device.vision else (0.7, 1.3, "stated")
    return Input(
        "device speed",
        "frames/s",
        1 / p50,
        lo,
        hi,
        src,
        lambda _s, f: {"edge.vision_p50_ms": p50 * 1000 / f, "edge.vision_p99_ms": p99 * 1000 / f},
    )


def price_input(s: Scenario) -> Input:
    gpu = load_catalog().gpus[s.cloud.gpu]
    fig = gpu.serverless_hourly_usd if s.cloud.pricing == "serverless" else gpu.on_demand_hourly_usd
    if s.cloud.gpu_hourly_usd is not None:
        base, (lo, hi, src) = s.cloud.gpu_hourly_usd, (0.7, 1.3, "stated ±30 %")
    else:
        base, (lo, hi, src) = fig.v, spread(fig)
    return Input(
        "GPU price",
        "USD/GPU-hour",
        base,
        lo,
        hi,
        src,
        lambda _s, f: {"cloud.gpu_hourly_usd": base * f},
    )


def cold_start_input(s: Scenario) -> Input:
    stages = s.cloud.cold_start.model_dump()
    total = sum(st["median_s"] for st in stages.values())

    def apply(_s: Scenario, f: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, st in stages.items():
            out[f"cloud.cold_start.{name}.median_s"] = min(st["median_s"] * f, 7200)
            out[f"cloud.cold_start.{name}.p95_s"] = min(st["p95_s"] * f, 7200)
        return out

    return Input("cold start", "s (median, all stages)", total, 0.5, 2.0, "stated ×0.5-×2", apply)
