"""How fast a device runs a given model, and whether the model fits at all.

Like sizing a water pipe: decode streams every weight through memory once per token, so tokens/s
is about the effective memory bandwidth divided by the model's bytes (parameters x bytes per
parameter at the class's precision); prefill is compute-bound, so it falls in proportion to the
model's size from the device's reference model. Where the catalog holds measured speeds for
model sizes, they bound the rule from above (interpolated log-log between measured sizes,
scaled inversely with size beyond them). A model whose weights exceed the device's memory, or
which the device's runtime does not offer, is not served on the device; the reason says why.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from planner.catalog import Device, DeviceLlm, SizePoint, load_catalog
from planner.scenario import LlmClass


@dataclass(frozen=True)
class ClassOnDevice:
    """One LLM class on one device: its speeds, or why the device cannot serve it."""

    name: str
    eligible: bool
    reason: str
    prefill_tps: float = math.nan
    decode_tps: float = math.nan
    weights_gb: float = math.nan


def weights_gb(params_b: float, precision: str) -> float:
    """Bytes of the model's weights, in GB."""
    return params_b * load_catalog().precisions[precision].v


def measured_bound(points: list[tuple[float, float]], params_b: float) -> float:
    """Measured speed at ``params_b``: log-log interpolation between measured sizes, inverse
    proportional scaling from the nearest one outside them; inf when nothing is measured."""
    if not points:
        return math.inf
    pts = sorted(points)
    if params_b <= pts[0][0]:
        return pts[0][1] * pts[0][0] / params_b
    if params_b >= pts[-1][0]:
        return pts[-1][1] * pts[-1][0] / params_b
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if x0 <= params_b <= x1:
            w = math.log(params_b / x0) / math.log(x1 / x0)
            return math.exp(math.log(y0) + w * (math.log(y1) - math.log(y0)))
    return math.inf  # unreachable: the sizes are sorted


def decode_tps(llm: DeviceLlm, params_b: float, precision: str) -> float:
    rule = llm.bandwidth_gbps.v / weights_gb(params_b, precision)
    points = [(p.params_b, p.decode_tps.v) for p in llm.measured.values()]
    return min(rule, measured_bound(points, params_b))


def prefill_tps(llm: DeviceLlm, params_b: float) -> float:
    rule = llm.prefill_tps.v * llm.params_b.v / params_b
    return min(rule, measured_bound(prefill_points(llm.measured), params_b))


def prefill_points(measured: dict[str, SizePoint]) -> list[tuple[float, float]]:
    return [(p.params_b, p.prefill_tps.v) for p in measured.values() if p.prefill_tps is not None]


def class_on_device(c: LlmClass, device_key: str, device: Device) -> ClassOnDevice:
    """Speeds of class ``c``'s model on the device, or the reason it cannot run there."""
    llm = device.llm
    if llm is None:
        return ClassOnDevice(c.name, False, f"device '{device_key}' runs no LLM")
    need = weights_gb(c.model_params_b, c.weight_precision)
    if need > llm.model_memory_gb.v:
        return ClassOnDevice(
            c.name,
            False,
            f"class '{c.name}': a {c.model_params_b:g}B model at {c.weight_precision} needs "
            f"{need:.1f} GB for its weights; '{device_key}' has {llm.model_memory_gb.v:g} GB "
            "for a model",
            weights_gb=need,
        )
    if c.model_params_b > llm.max_model_params_b.v:
        return ClassOnDevice(
            c.name,
            False,
            f"class '{c.name}': a {c.model_params_b:g}B model is larger than the "
            f"{llm.max_model_params_b.v:g}B the runtime of '{device_key}' offers",
            weights_gb=need,
        )
    return ClassOnDevice(
        c.name,
        True,
        "",
        prefill_tps=prefill_tps(llm, c.model_params_b),
        decode_tps=decode_tps(llm, c.model_params_b, c.weight_precision),
        weights_gb=need,
    )
