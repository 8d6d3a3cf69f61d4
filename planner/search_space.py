"""The optimiser's search space: which scenario fields may change, and to which values.

Like the options on an order form: each dimension names one or more scenario fields (set
together, e.g. a fixed pool's min and max replicas) and the ordered values they may take.
``default_space`` derives a sensible space from the scenario itself (around its current values,
only the knobs its architecture uses); ``parse_vary`` reads one typed on the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from planner.catalog import load_catalog
from planner.errors import ScenarioError
from planner.safe_input import check_path, parse_value
from planner.scenario import Scenario


@dataclass(frozen=True)
class Dimension:
    name: str
    paths: tuple[str, ...]
    choices: tuple[Any, ...]
    """Ordered values (numbers ascending), so neighbouring indices are similar set-ups."""


def dim(path: str, values: Sequence[Any], *tied: str) -> Dimension:
    uniq = sorted(set(values)) if all(isinstance(v, int | float) for v in values) else values
    return Dimension("+".join((path, *tied)), (path, *tied), tuple(dict.fromkeys(uniq)))


def scaled(base: float, factors: Sequence[float], lo: float, integer: bool) -> list[Any]:
    out = [max(lo, base * f) for f in factors]
    return [max(int(lo), round(v)) for v in out] if integer else [round(v, 6) for v in out]


def default_space(s: Scenario) -> list[Dimension]:
    """Knobs of the scenario's architecture around its current values."""
    kind = s.policy.routing.kind
    space: list[Dimension] = []
    if kind != "cloud_only" and s.edge.device_count:
        space += edge_dimensions(s)
    if kind != "edge_only":
        space += cloud_dimensions(s)
    r = s.policy.routing
    if r.kind == "local_first":
        space.append(dim("policy.routing.queue_threshold", [0, 1, 2, 4, 8, r.queue_threshold]))
        space.append(
            dim("policy.routing.wait_threshold_s", [5, 10, 20, 30, 60, r.wait_threshold_s])
        )
        space.append(
            dim(
                "policy.routing.fallback_rate_per_s",
                scaled(r.fallback_rate_per_s, (0.5, 1, 2), 0.001, False),
            )
        )
        if r.monthly_budget_usd is not None:
            budget = r.monthly_budget_usd
            space.append(
                dim("policy.routing.monthly_budget_usd", scaled(budget, (0.5, 1, 2), 0, False))
            )
    return [d for d in space if len(d.choices) > 1]


def edge_dimensions(s: Scenario) -> list[Dimension]:
    e = s.edge
    counts = scaled(e.device_count, (0.5, 0.75, 1, 1.25, 1.5, 2), e.sites, True)
    devices = [k for k, d in load_catalog().devices.items() if fits_device(s, d)]
    return [dim("edge.device_count", counts), dim("edge.device", [e.device, *devices])]


def fits_device(s: Scenario, device: Any) -> bool:
    w = s.workload
    if w.is_llm:
        need = max(c.model_params_b for c in w.request_classes if c.kind == "llm")
        return device.llm is not None and device.llm.max_model_params_b.v >= need
    return device.vision is not None


def cloud_dimensions(s: Scenario) -> list[Dimension]:
    c = s.cloud
    gpus = [k for k, g in load_catalog().gpus.items() if fits_gpu(s, g)]
    out = [dim("cloud.gpu", [c.gpu, *gpus])]
    top = max(4, 2 * c.max_replicas)
    floor = 1 if c.autoscaler.kind in ("hpa", "fixed") else 0
    if c.autoscaler.kind == "fixed":
        values = scaled(c.min_replicas, (0.5, 0.75, 1, 1.5, 2, 3), 1, True)
        return [*out, dim("cloud.min_replicas", values, "cloud.max_replicas")]
    out.append(dim("cloud.min_replicas", list(range(floor, min(c.min_replicas + 3, top) + 1))))
    out.append(dim("cloud.max_replicas", scaled(c.max_replicas, (0.5, 1, 1.5, 2, 3), 1, True)))
    a = c.autoscaler
    if a.kind == "kpa":
        target = a.container_concurrency_target
        out.append(
            dim(
                "cloud.autoscaler.container_concurrency_target",
                scaled(target, (0.25, 0.5, 1, 2), 1, False),
            )
        )
    elif a.kind == "hpa":
        target = a.target_inflight_per_replica
        out.append(
            dim(
                "cloud.autoscaler.target_inflight_per_replica",
                scaled(target, (0.5, 1, 2), 1, False),
            )
        )
    return out


def fits_gpu(s: Scenario, gpu: Any) -> bool:
    if not s.workload.is_llm:
        return True
    need = max(c.model_params_b for c in s.workload.request_classes if c.kind == "llm")
    ratio = gpu.llm.aggregate_tps.v / gpu.llm.single_stream_tps.v
    return bool(
        gpu.llm.max_model_params_b.v >= need and s.cloud.batching.max_concurrent_sequences > ratio
    )


def parse_vary(items: Sequence[str]) -> list[Dimension]:
    """``['cloud.min_replicas+cloud.max_replicas=1,2,3', 'cloud.gpu=l4,a10g']`` -> dimensions."""
    out = []
    for item in items:
        lhs, sep, rhs = item.partition("=")
        paths = tuple(check_path(p, "--vary") for p in lhs.split("+") if p.strip())
        values = [parse_value(v, f"--vary {lhs}") for v in rhs.split(",") if v.strip()]
        if not sep or not paths or len(values) < 1:
            raise ScenarioError(f"--vary '{item}': expected path[+path]=value1,value2,...")
        out.append(dim(paths[0], values, *paths[1:]))
    return out
