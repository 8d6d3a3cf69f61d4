"""Sourced device, GPU and link profiles, loaded from ``presets/catalog.yaml``.

Think of the catalog as the spec sheets pinned above the architect's desk: every number on them
carries where it came from (``src``) and how much to trust it (``grade``: type/confidence), so the
dashboard and the memo can always show the provenance of a figure.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from planner import model_docs, parse_cache

model_docs.register(__name__)  # before the models: their field descriptions

CATALOG_PATH = Path(__file__).resolve().parent.parent / "presets" / "catalog.yaml"
GRADE_TYPES = ("M", "VM", "VC", "L", "D")
GRADE_CONFS = ("H", "M", "L", "M-H", "L-M")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Figure(_Frozen):
    """One sourced number."""

    v: float
    """The value, in the unit named by the field holding it."""
    grade: str = Field(pattern=r"^(M|VM|VC|L|D)/(H|M|L|M-H|L-M)$")
    """TYPE/CONF: M measured, VM vendor-measured, VC vendor claim, L list price, D derived."""
    src: str = Field(min_length=3)
    """Where the number comes from."""


class Speedup(_Frozen):
    """A measured batch/concurrency point: aggregate throughput with n requests at once, in
    units of one stream's (1.0 = no gain: concurrent requests share the device)."""

    n: int = Field(ge=2)
    aggregate: Figure


class SizePoint(_Frozen):
    """Measured single-stream speeds of one model size on a device (reference precision)."""

    params_b: float = Field(gt=0)
    decode_tps: Figure
    prefill_tps: Figure | None = None


class DeviceLlm(_Frozen):
    model: str
    prefill_tps: Figure
    decode_tps: Figure
    ttft_overhead_s: Figure
    max_context_tokens: Figure
    max_model_params_b: Figure
    """Largest model the device's runtime offers (compiled model zoo, board class)."""
    params_b: Figure
    """Size of the reference model the speeds above are for, in billions of parameters."""
    model_memory_gb: Figure
    """Memory left for model weights after the OS, runtime and KV cache."""
    bandwidth_gbps: Figure
    """Effective memory bandwidth for decode: tok/s ~ bandwidth / model bytes."""
    measured: dict[str, SizePoint] = Field(default_factory=dict)
    """Measured speeds per model size: upper bounds on the bandwidth rule."""
    speedup: Speedup | None = None


class DeviceVision(_Frozen):
    model: str
    latency_p50_ms: Figure
    latency_p99_ms: Figure
    speedup: Speedup | None = None


class Device(_Frozen):
    label: str
    capex_usd: Figure
    idle_w: Figure
    active_w: Figure
    llm: DeviceLlm | None = None
    vision: DeviceVision | None = None


class GpuLlm(_Frozen):
    single_stream_tps: Figure
    aggregate_tps: Figure
    prefill_tps: Figure
    ttft_overhead_s: Figure
    max_model_params_b: Figure


class GpuVision(_Frozen):
    batch1_ms: Figure
    saturated_fps: Figure


class GpuBilling(_Frozen):
    """How the offer bills a node's life: increments and the minimum per start (seconds)."""

    on_demand_increment_s: Figure
    on_demand_minimum_s: Figure
    serverless_increment_s: Figure
    serverless_minimum_s: Figure


class Gpu(_Frozen):
    label: str
    vendor_claim: bool = False
    on_demand_hourly_usd: Figure
    serverless_hourly_usd: Figure
    memory_gb: Figure
    memory_bandwidth_gbs: Figure
    billing: GpuBilling
    llm: GpuLlm
    vision: GpuVision


class Link(_Frozen):
    label: str
    rtt_median_ms: Figure
    rtt_p95_ms: Figure
    rtt_p99_ms: Figure
    loss_pct: Figure
    """Per-packet loss, percent."""
    uplink_mbps: Figure
    downlink_mbps: Figure
    outages_per_day: Figure
    outage_mean_min: Figure


class Catalog(_Frozen):
    devices: dict[str, Device]
    gpus: dict[str, Gpu]
    links: dict[str, Link]
    precisions: dict[str, Figure]
    """Bytes per model parameter by weight precision."""


CatalogSection = Literal["devices", "gpus", "links"]


@functools.cache
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Parse and validate the catalog file (cached: the catalog is immutable data)."""
    # libyaml's safe loader where PyYAML has it: the same data, 0.05 s less of a fresh
    # process's start (the pure-Python parser took 0.06 s CPU for the 29 kB catalog); and the
    # data kept parsed beside the file under its text's hash (8 ms -> under 1 ms)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = path.read_text(encoding="utf-8")
    data = parse_cache.parsed(path, "catalog", text, lambda t: yaml.load(t, Loader=loader))
    return Catalog.model_validate(data)


def iter_figures(model: BaseModel, prefix: str = "") -> list[tuple[str, Figure]]:
    """Every sourced figure inside a catalog entry, as (dotted name, figure) pairs."""
    found: list[tuple[str, Figure]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Figure):
            found.append((prefix + name, value))
        elif isinstance(value, BaseModel):
            found.extend(iter_figures(value, prefix + name + "."))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    found.extend(iter_figures(item, f"{prefix}{name}.{key}."))
    return found
