"""Typed inputs of one simulation run: plain frozen dataclasses of floats, ints and arrays.

Like a work order handed to a workshop: everything needed to do the job, nothing about why.
Time is in seconds, sizes in kB, rates per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

SimTime = float


@dataclass(frozen=True)
class ClassInput:
    """One request class."""

    share: float
    is_llm: bool
    prompt_mean: float = 0.0
    prompt_cv: float = 0.0
    output_mean: float = 0.0
    output_cv: float = 0.0
    request_kb: float = 1.0
    response_kb: float = 1.0
    edge_eligible: bool = True


@dataclass(frozen=True)
class TrafficInput:
    """Arrivals: piecewise-constant rates per site, one value per bin of the segment."""

    rate_per_site: np.ndarray
    """Arrivals per second at each site, for each bin of the segment (warm-up included)."""
    bin_s: float
    sites: int
    classes: tuple[ClassInput, ...]
    sensitive_share: float = 0.0
    periodic: bool = False
    """Evenly spaced arrivals per site (cameras at a frame rate) instead of Poisson."""


@dataclass(frozen=True)
class EdgeInput:
    """The device fleet: identical devices spread evenly across sites."""

    devices_per_site: tuple[int, ...]
    concurrency: int
    queue_limit: int
    mtbf_s: float
    mttr_s: float
    llm_by_class: tuple[tuple[float, float, float] | None, ...] = ()
    """Per request class: (prefill tokens/s, decode tokens/s, TTFT overhead s) of that class's
    model on the device, or None when the device does not serve it (one stream alone)."""
    vision: tuple[float, float] | None = None
    """(p50 s, p99 s) of a frame's end-to-end latency on the device (lognormal)."""
    max_context_tokens: float = float("inf")
    """Prompt + output tokens a device can hold; longer requests are not edge-eligible."""
    speedup: tuple[int, float] = (1, 1.0)
    """(n, aggregate throughput with n requests in service / one stream's): the catalog's
    measured batch or concurrency point; (1, 1.0) is plain processor sharing."""


@dataclass(frozen=True)
class LinkInput:
    """One site's link to the cloud region."""

    rtt_median_s: float
    rtt_p95_s: float
    rtt_p99_s: float
    loss: float
    """Per-packet loss probability."""
    uplink_kbps: float
    downlink_kbps: float
    outages_per_s: float
    outage_mean_s: float
    ideal: bool = False


@dataclass(frozen=True)
class ScalerInput:
    """Autoscaler settings; ``kind`` picks the algorithm, the rest are its knobs."""

    kind: Literal["fixed", "kpa", "hpa", "schedule"]
    params: dict[str, float] = field(default_factory=dict)
    windows: tuple[tuple[float, float, int], ...] = ()
    """Schedule windows (start s of day, end s of day, replicas)."""


@dataclass(frozen=True)
class PoolInput:
    """The GPU pool."""

    llm: bool
    min_replicas: int
    max_replicas: int
    initial_replicas: int
    scaler: ScalerInput
    cold_start: tuple[tuple[float, float], ...]
    """(median s, p95 s) of each cold-start stage."""
    batch1_s: float = 0.0
    batch8_s: float = 0.0
    max_batch: int = 1
    max_queue_delay_s: float = 0.0
    single_tps: float = 0.0
    aggregate_tps: float = 0.0
    prefill_tps: float = 1.0
    ttft_overhead_s: float = 0.0
    max_sequences: int = 1
    queue_limit: int | None = None
    variability: Literal["profile", "deterministic", "exponential"] = "profile"
    overhead_s: float = 0.0
    price_per_replica_s: float = 0.0


@dataclass(frozen=True)
class BreakerInput:
    """Circuit breaker per site link (defaults: Envoy outlier detection)."""

    enabled: bool = True
    failures: int = 5
    """Consecutive failures that open it (Envoy consecutive_5xx default 5)."""
    base_open_s: float = 30.0
    """Open time per opening (Envoy base_ejection_time 30 s, multiplied by the openings)."""
    max_open_s: float = 300.0
    """Longest open time (Envoy max_ejection_time default 300 s)."""


@dataclass(frozen=True)
class PolicyInput:
    """Routing: which path each request takes."""

    kind: Literal["edge_only", "cloud_only", "local_first", "split"]
    sensitive_may_leave: bool = False
    queue_threshold: int = 0
    wait_threshold_s: float = 0.0
    fallback_rate_per_s: float = 0.0
    fallback_burst: float = 1.0
    budget_usd: float | None = None
    drop_when_budget_spent: bool = False
    encoder_s: float = 0.0
    payload_reduction: float = 1.0
    cloud_work_fraction: float = 1.0
    sensitive_split_allowed: bool = True
    cloud_timeout_s: float = 30.0
    breaker: BreakerInput = field(default_factory=BreakerInput)


@dataclass(frozen=True)
class SegmentInput:
    """One simulated stretch of time (a representative day with warm-up, or a whole month)."""

    traffic: TrafficInput
    edge: EdgeInput
    links: tuple[LinkInput, ...]
    pool: PoolInput
    policy: PolicyInput
    warmup_s: float
    day_offset_s: float = 0.0
    """Time of day (s) at which the segment starts, for schedules."""
    seed: tuple[int, ...] = (0,)
    budget_spent_usd: float = 0.0
