"""Typed inputs of one simulation run: plain frozen dataclasses of floats, ints and arrays.

Like a work order handed to a workshop: everything needed to do the job, nothing about why.
Time is in seconds, sizes in kB, rates per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from simulations.balancer import Balancer
from simulations.billing import BillingTerms

SimTime = float

DRAIN_CAP_S = 86_400.0
"""How long a segment's clock may run on after its window closes. Arrivals stop at the window's
end, but every request that arrived inside it is followed until it finishes or is dropped (the
clock stops as soon as none is left inside), at most this long; billing, GPU-hours, the scaling
log and the per-minute series stop at the window's end. Before, a request still in flight at
the end counted as an SLO miss and was left out of the percentiles: the longest ones, so the
percentiles of a short window came out low."""


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
class KpaInput:
    """Knative Pod Autoscaler settings (knative/serving config/core/configmaps/autoscaler.yaml)."""

    container_concurrency_target: float = 100.0
    target_utilization_pct: float = 70.0
    stable_window_s: float = 60.0
    panic_window_pct: float = 10.0
    panic_threshold_pct: float = 200.0
    max_scale_up_rate: float = 1000.0
    max_scale_down_rate: float = 2.0
    tick_interval_s: float = 2.0
    scale_to_zero_grace_s: float = 30.0
    scale_down_delay_s: float = 0.0
    target_burst_capacity: float = 200.0
    """target-burst-capacity: the activator stays in the request path (SKS proxy mode) while
    floor(ready x container_concurrency_target - this - panic average) < 0."""


@dataclass(frozen=True)
class HpaPolicy:
    """One HPA scaling policy: at most ``value`` pods or percent over the last ``period_s``."""

    kind: Literal["Pods", "Percent"]
    value: float
    period_s: float


@dataclass(frozen=True)
class HpaInput:
    """Kubernetes HPA (autoscaling/v2) settings; defaults are upstream's default behavior."""

    target_inflight_per_replica: float = 8.0
    tolerance: float = 0.1
    sync_period_s: float = 15.0
    scale_up_stabilization_s: float = 0.0
    scale_down_stabilization_s: float = 300.0
    scale_up_policies: tuple[HpaPolicy, ...] = (
        HpaPolicy("Percent", 100, 15),
        HpaPolicy("Pods", 4, 15),
    )
    scale_down_policies: tuple[HpaPolicy, ...] = (HpaPolicy("Percent", 100, 15),)
    scale_up_select: Literal["Max", "Min", "Disabled"] = "Max"
    scale_down_select: Literal["Max", "Min", "Disabled"] = "Max"


@dataclass(frozen=True)
class ScalerInput:
    """Autoscaler settings; ``kind`` picks the algorithm, the matching field holds its knobs."""

    kind: Literal["fixed", "kpa", "hpa", "schedule"]
    kpa: KpaInput = field(default_factory=KpaInput)
    hpa: HpaInput = field(default_factory=HpaInput)
    windows: tuple[tuple[float, float, int], ...] = ()
    """Schedule windows (start s of day, end s of day, replicas)."""
    prewarm_lead_s: float = 0.0
    """Schedule: replicas are requested this long before a window starts."""


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
    """Continuous batching: vLLM max_num_seqs, sequences in a replica's batch at once."""
    max_batched_tokens: int = 2048
    """Continuous batching: vLLM max_num_batched_tokens, the token budget of one engine step
    shared by decodes (one token each) and the chunk of the oldest waiting prompt."""
    kv_capacity_tokens: float = float("inf")
    """KV-cache capacity of a replica in tokens (GPU memory left after the weights); a sequence
    reserves its prompt + output tokens while it runs."""
    load_balancer: Balancer = "least_outstanding"
    """How requests are assigned to replicas (see simulations.balancer). The scenario's default
    is power_of_two (Knative's activator); this engine-level default serves direct tests."""
    queue_limit: int | None = None
    queue_timeout_s: float | None = None
    """A request not started after this long in the pool is dropped (reason cloud_timeout);
    one started by then runs to the end. The scenario's default is Knative's revision timeout,
    300 s (planner.scenario Cloud.queue_timeout_s); None here (engine-level tests) waits
    indefinitely."""
    variability: Literal["profile", "deterministic", "exponential"] = "profile"
    overhead_s: float = 0.0
    price_per_replica_s: float = 0.0
    """Metered price of one node-second (reserved: the on-demand rate of the overflow)."""
    billing: BillingTerms = field(default_factory=BillingTerms)
    """Billing increment and minimum per node start of the offer."""
    node_keep_alive_s: float = 0.0
    """How long an empty node stays before removal (Cluster Autoscaler scale-down-unneeded-time);
    0 = the node goes with its pod (serverless: the platform bills container seconds)."""
    committed_replicas: float = 0.0
    """Reserved pricing: nodes paid all month whether used or not (simulated pool's share)."""
    committed_usd: float = 0.0
    """Reserved pricing: the commitment's bill for the whole month (simulated pool's share)."""


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
    """Cap on the month's billed GPU spend of the simulated pool; None = no cap."""
    on_budget_exhausted: Literal["queue_locally", "drop", "allow"] = "queue_locally"
    """queue_locally: cloud-bound work stays on the device (or is dropped if it cannot);
    drop: dropped with reason budget_exhausted; allow: served anyway, each one an alert."""
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
