"""The Scenario: everything an architect states about a workload and the options to serve it.

A Scenario is like a filled-in request-for-proposal form: frozen once written, every field named
with its unit, every field checked against its allowed range, and the cross-field rules
(min <= max replicas, shares sum to 1, ...) enforced before anything is simulated. Variants come
from ``with_updates`` (copy, then re-validate), never from mutation. Time is in seconds unless the
field name says otherwise; a month is 30 days (720 h) throughout the planner.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from planner.catalog import load_catalog

DAYS_PER_MONTH = 30
HOURS_PER_MONTH = DAYS_PER_MONTH * 24
DailyProfileName = Literal["flat", "office_hours", "evening_peak", "industrial_24x7"]
WeeklyProfileName = Literal["flat", "weekday_heavy", "weekdays_only"]


MAX_WEIGHT = 1e6
"""A profile weight is relative: 0, or up to a million times another."""
MIN_WEIGHT_SUM = 1e-6


class Model(BaseModel):
    """Frozen, strict base for every scenario section.

    Floats must be finite (no inf or NaN, also inside lists); a boolean is neither a number nor
    text, and a yes/no field takes only a boolean (YAML 1.1 read ``true`` as 1 and ``yes`` as
    true; pydantic's lax mode would accept both).
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=True,
        allow_inf_nan=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _booleans_are_booleans(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        errors = [
            InitErrorDetails(type=PydanticCustomError("bool_type", why), loc=(name,), input=v)
            for name, v in data.items()
            if name in cls.model_fields
            and (why := _bool_problem(cls.model_fields[name].annotation, v))
        ]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return data


def _bool_problem(annotation: Any, value: Any) -> str:
    """Why ``value`` is refused for a field of this type ('' when it is not)."""
    wants = _allows_bool(annotation)
    if wants == "only" and not isinstance(value, bool):
        return "must be true or false"
    if not wants and _holds_bool(value):
        return "a boolean (true/false) is not allowed here; write a number or text"
    return ""


@cache
def _allows_bool(annotation: Any) -> str:
    """'only' for a bool field, 'some' when bool is one option, '' when it is none."""
    if annotation is bool:
        return "only"
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args == [bool]:
        return "only"
    return "some" if any(_allows_bool(a) for a in args) else ""


def _holds_bool(value: Any, depth: int = 0) -> bool:
    """A bool at the top or inside lists and tuples (not inside sub-sections' mappings)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, list | tuple) and depth < 3:
        return any(_holds_bool(v, depth + 1) for v in value[:1000])
    return False


# --------------------------------------------------------------------------- workload
class Burst(Model):
    """A recurring burst: some days a month, a window of hours multiplies the traffic."""

    days_per_month: int = Field(default=1, ge=1, le=30)
    """Days in the 30-day month that carry this burst (spread evenly)."""
    start_hour: float = Field(default=12.0, ge=0, lt=24)
    """Hour of day (0-24) at which the burst starts."""
    duration_hours: float = Field(default=1.0, gt=0, le=24)
    """How long the burst lasts, in hours (it does not wrap past midnight)."""
    multiplier: float = Field(default=5.0, ge=1, le=1000)
    """Traffic multiplier during the burst."""

    @model_validator(mode="after")
    def _fits_in_day(self) -> Burst:
        if self.start_hour + self.duration_hours > 24:
            raise ValueError(
                f"start_hour + duration_hours = {self.start_hour + self.duration_hours} "
                "must be <= 24 (a burst does not wrap past midnight)"
            )
        return self


class Season(Model):
    """A season: some days a year whose traffic is multiplied (tax season, holidays)."""

    days_per_year: int = Field(default=42, ge=1, le=365)
    """Days a year in season; a 30-day month holds 30 x days/365 season days, fraction kept."""
    multiplier: float = Field(default=10.0, ge=1, le=1000)
    """Traffic multiplier on season days."""


class LlmClass(Model):
    """A class of LLM chat requests with prompt and output token distributions."""

    kind: Literal["llm"] = "llm"
    name: str = Field(default="chat", min_length=1, max_length=40)
    """Short name of the class."""
    share: float = Field(default=1.0, gt=0, le=1)
    """Share of all requests in this class (the shares sum to 1)."""
    prompt_tokens_mean: float = Field(default=100, ge=1, le=200_000)
    """Mean prompt length in tokens."""
    prompt_tokens_cv: float = Field(default=0.5, ge=0, le=3)
    """Coefficient of variation of prompt length (gamma-distributed; 0 = fixed)."""
    output_tokens_mean: float = Field(default=100, ge=1, le=32_000)
    """Mean output length in tokens."""
    output_tokens_cv: float = Field(default=0.5, ge=0, le=3)
    """Coefficient of variation of output length (gamma-distributed; 0 = fixed)."""
    model_params_b: float = Field(default=1.5, gt=0, le=2000)
    """Size of the model this class needs, in billions of parameters: sets the device's speed
    (memory bandwidth / model bytes) and whether the model fits its memory; in the cloud, the
    GPUs per replica and the decode speed (the pool serves the largest model)."""
    weight_precision: Literal["int4", "int8", "fp16"] = "int4"
    """Precision of the model's weights on the device (bytes per parameter: catalog)."""
    request_kb: float = Field(default=2.0, gt=0, le=100_000)
    """Upload size of one request (prompt and metadata), in kB."""
    response_kb: float = Field(default=1.0, gt=0, le=100_000)
    """Download size of one response, in kB."""


class VisionClass(Model):
    """A class of vision frames with a payload size."""

    kind: Literal["vision"] = "vision"
    name: str = Field(default="frames", min_length=1, max_length=40)
    """Short name of the class."""
    share: float = Field(default=1.0, gt=0, le=1)
    """Share of all requests in this class (the shares sum to 1)."""
    payload_kb: float = Field(default=60, gt=0, le=100_000)
    """Upload size of one frame (e.g. a 640x640 JPEG is ~60 kB), in kB."""
    response_kb: float = Field(default=1.0, gt=0, le=100_000)
    """Download size of one result, in kB."""


RequestClass = Annotated[LlmClass | VisionClass, Field(discriminator="kind")]


def _default_classes() -> list[LlmClass | VisionClass]:
    return [LlmClass()]


class Workload(Model):
    """What arrives: volume, its shape over the day and week, and what each request is."""

    requests_per_month: float = Field(default=1_000_000, ge=1, le=1e11)
    """Baseline requests in a 30-day month, before bursts and seasons multiply it."""
    daily_profile: DailyProfileName | list[float] = "flat"
    """Shape of the day: a named profile or 24 non-negative hourly weights."""
    open_hour: int = Field(default=8, ge=0, le=23)
    """With daily_profile 'office_hours': first open hour."""
    close_hour: int = Field(default=18, ge=1, le=24)
    """With daily_profile 'office_hours': hour at which traffic stops."""
    weekly_profile: WeeklyProfileName | list[float] = "flat"
    """Shape of the week (Monday first): a named profile or 7 non-negative daily weights."""
    bursts: list[Burst] = Field(default_factory=list, max_length=10)
    """Recurring burst windows."""
    seasons: list[Season] = Field(default_factory=list, max_length=1)
    """At most one season (its days form their own day type)."""
    request_classes: list[RequestClass] = Field(
        default_factory=_default_classes, min_length=1, max_length=8
    )
    """Request classes with their shares (summing to 1)."""
    arrival_process: Literal["poisson", "periodic"] = "poisson"
    """poisson: independent users; periodic: each site emits evenly spaced requests at the
    rate (cameras at a frame rate), with a random phase per site."""
    sensitive_share: float = Field(default=0.0, ge=0, le=1)
    """Share of requests carrying sensitive data (PII/PHI) that residency rules protect."""

    @field_validator("daily_profile", "weekly_profile", mode="before")
    @classmethod
    def _weights_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, list):
            _check_weights(
                str(info.field_name), value, 24 if info.field_name == "daily_profile" else 7
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> Workload:
        if self.daily_profile == "office_hours" and self.open_hour >= self.close_hour:
            raise ValueError(
                f"open_hour ({self.open_hour}) must be < close_hour ({self.close_hour})"
            )
        total = sum(c.share for c in self.request_classes)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"request_classes shares sum to {total:g}; they must sum to 1")
        if len({c.kind for c in self.request_classes}) > 1:
            raise ValueError("request_classes must be all 'llm' or all 'vision' (one GPU pool)")
        names = [c.name for c in self.request_classes]
        if len(set(names)) != len(names):
            raise ValueError(f"request_classes names must be unique, got {names}")
        return self

    @property
    def is_llm(self) -> bool:
        return any(c.kind == "llm" for c in self.request_classes)


def _check_weights(field: str, weights: list[Any], n: int) -> None:
    if len(weights) != n:
        raise ValueError(f"{field} needs exactly {n} weights, got {len(weights)}")
    for i, w in enumerate(weights):
        if isinstance(w, bool) or not isinstance(w, int | float):
            raise ValueError(f"weight {i} is not a number")
        if not (math.isfinite(w) and 0 <= w <= MAX_WEIGHT):
            raise ValueError(f"weight {i} = {float(w):g}: each weight must be 0 to {MAX_WEIGHT:g}")
    if sum(weights) < MIN_WEIGHT_SUM:
        raise ValueError(f"{field} weights must have a positive sum (at least {MIN_WEIGHT_SUM:g})")


# --------------------------------------------------------------------------- edge
class Edge(Model):
    """The device fleet at the sites."""

    device: str = "pi5_8gb_hailo10h"
    """Device profile key in presets/catalog.yaml."""
    device_count: int = Field(default=50, ge=0, le=100_000)
    """Devices in service (spares excluded); 0 means no edge fleet."""
    sites: int = Field(default=50, ge=1, le=100_000)
    """Sites sharing the traffic equally; devices are spread evenly across them."""
    concurrency_per_device: int = Field(default=1, ge=1, le=64)
    """Requests one device serves at once."""
    queue_limit: int = Field(default=20, ge=0, le=100_000)
    """Requests that may wait at one device; a full queue rejects (or falls back)."""
    mtbf_hours: float = Field(default=8760, gt=0, le=1e7)
    """Mean time between device failures, in hours."""
    mttr_hours: float = Field(default=24, gt=0, le=10_000)
    """Mean time to repair or swap a failed device, in hours."""
    amortization_months: int = Field(default=36, ge=1, le=120)
    """Months over which device capex is written off."""
    spares: int = Field(default=0, ge=0, le=100_000)
    """Spare devices bought but not in service (capex only)."""
    capex_usd_per_device: float | None = Field(default=None, ge=0, le=1e6)
    """Override of the catalog capex per device (board, accelerator, PSU, case, storage)."""
    llm_overhead_ms: float | None = Field(default=None, ge=0, le=600_000)
    """Override of the device profile's fixed time per LLM request (its TTFT overhead), in ms,
    e.g. measured in a pilot (``python -m planner calibrate``)."""
    llm_prefill_tokens_per_s: float | None = Field(default=None, gt=0, le=1e6)
    """Override of the device profile's prompt (prefill) speed, tokens/s."""
    llm_decode_tokens_per_s: float | None = Field(default=None, gt=0, le=1e6)
    """Override of the device profile's decode speed, tokens/s."""
    vision_p50_ms: float | None = Field(default=None, gt=0, le=600_000)
    """Override of the device profile's median time per frame, in ms."""
    vision_p99_ms: float | None = Field(default=None, gt=0, le=600_000)
    """Override of the device profile's p99 time per frame, in ms (>= the median)."""

    @model_validator(mode="after")
    def _vision_ordered(self) -> Edge:
        lo, hi = self.vision_p50_ms, self.vision_p99_ms
        if lo is not None and hi is not None and hi < lo:
            raise ValueError(f"vision_p99_ms ({hi}) must be >= vision_p50_ms ({lo})")
        return self


# --------------------------------------------------------------------------- network
class Network(Model):
    """Links from the sites to the cloud region."""

    link: str = "home_broadband"
    """Link profile key in presets/catalog.yaml, used by every site without an override."""
    site_links: dict[int, str] = Field(default_factory=dict)
    """Per-site link overrides: site index (0-based) -> link profile key."""
    outages_per_day: float | None = Field(default=None, ge=0, le=1000)
    """Override of the profile's outage rate (outages a day)."""
    outage_mean_min: float | None = Field(default=None, gt=0, le=10_000)
    """Override of the profile's mean outage duration, in minutes."""
    ideal: bool = False
    """Validation only: zero RTT, infinite bandwidth, no loss and no outages."""
    rtt_multiplier: float = Field(default=1.0, gt=0, le=100)
    """Multiplier on every link profile's RTT (median and p95): a what-if on latency to the
    region (sensitivity sweeps vary it)."""
    cloud_timeout_s: float = Field(default=30, gt=0, le=3600)
    """How long cloud-bound work waits for a link to come back, or in its backed-up uplink
    queue, before giving up."""
    breaker_enabled: bool = True
    """A circuit breaker per site link: after consecutive failures the router stops sending
    and stops waiting (fallbacks stay local) until a probe gets through."""
    breaker_failures: int = Field(default=5, ge=1, le=1000)
    """Consecutive link failures (timeouts) that open the breaker (Envoy consecutive_5xx: 5)."""
    breaker_open_s: float = Field(default=30, gt=0, le=86_400)
    """Open time after the first opening, multiplied by the openings in a row (Envoy
    base_ejection_time: 30 s)."""
    breaker_max_open_s: float = Field(default=300, gt=0, le=86_400)
    """Longest open time (Envoy max_ejection_time: 300 s; Envoy OutlierDetection proto docs,
    v1.30, and grpc-java #9889 which aligned its default to Envoy's)."""

    @model_validator(mode="after")
    def _breaker_times(self) -> Network:
        if self.breaker_max_open_s < self.breaker_open_s:
            raise ValueError(
                f"breaker_max_open_s ({self.breaker_max_open_s:g}) must be >= breaker_open_s "
                f"({self.breaker_open_s:g})"
            )
        return self


# --------------------------------------------------------------------------- cloud
class Stage(Model):
    """One cold-start stage, lognormal from its median and p95."""

    median_s: float = Field(ge=0, le=7200)
    """Median duration in seconds."""
    p95_s: float = Field(ge=0, le=7200)
    """95th percentile duration in seconds (>= median)."""

    @model_validator(mode="after")
    def _ordered(self) -> Stage:
        if self.p95_s < self.median_s:
            raise ValueError(f"p95_s ({self.p95_s}) must be >= median_s ({self.median_s})")
        return self


class ColdStart(Model):
    """Provisioning + image pull + weight load + warm-up (KServe on an existing GPU node)."""

    provisioning: Stage = Stage(median_s=20, p95_s=60)
    """Pod scheduling / node allocation."""
    image_pull: Stage = Stage(median_s=15, p95_s=60)
    """Container image pull."""
    weight_load: Stage = Stage(median_s=10, p95_s=40)
    """Model weights from storage to GPU memory."""
    warmup: Stage = Stage(median_s=15, p95_s=30)
    """Engine init, compile and CUDA graphs."""


class FixedScaler(Model):
    """A fixed pool: min_replicas run all the time."""

    kind: Literal["fixed"] = "fixed"


class KpaScaler(Model):
    """Knative Pod Autoscaler with upstream defaults (knative/serving config/core)."""

    kind: Literal["kpa"] = "kpa"
    container_concurrency_target: float = Field(default=100, gt=0, le=10_000)
    """container-concurrency-target-default: in-flight requests per replica."""
    target_utilization_pct: float = Field(default=70, gt=0, le=100)
    """container-concurrency-target-percentage."""
    stable_window_s: float = Field(default=60, ge=6, le=3600)
    """stable-window (6 s - 1 h)."""
    panic_window_pct: float = Field(default=10, ge=1, le=100)
    """panic-window-percentage of the stable window."""
    panic_threshold_pct: float = Field(default=200, ge=110, le=1000)
    """panic-threshold-percentage."""
    max_scale_up_rate: float = Field(default=1000, gt=1, le=10_000)
    """max-scale-up-rate."""
    max_scale_down_rate: float = Field(default=2, gt=1, le=10_000)
    """max-scale-down-rate."""
    tick_interval_s: float = Field(default=2, gt=0, le=60)
    """tick-interval."""
    scale_to_zero_grace_s: float = Field(default=30, ge=6, le=3600)
    """scale-to-zero-grace-period (Knative refuses one under 6 s, its window minimum)."""
    scale_down_delay_s: float = Field(default=0, ge=0, le=3600)
    """scale-down-delay."""


class HpaPolicy(Model):
    """One HPA behavior policy: at most `value` pods (or percent) changed per `period_seconds`."""

    type: Literal["Pods", "Percent"]
    value: float = Field(gt=0, le=100_000)
    period_seconds: float = Field(gt=0, le=1800)
    """Look-back over which the policy must hold (upstream: 1-1800 s)."""


class HpaScaler(Model):
    """Kubernetes HPA (autoscaling/v2), on in-flight requests per replica; the behavior defaults
    are upstream's: scale up by max(100 %, 4 pods) per 15 s with no stabilisation, scale down by
    100 % per 15 s after a 300 s stabilisation window."""

    kind: Literal["hpa"] = "hpa"
    target_inflight_per_replica: float = Field(default=8, gt=0, le=10_000)
    """Target average of the metric (in-flight requests per replica)."""
    tolerance: float = Field(default=0.1, ge=0, le=1)
    """No action while |ratio - 1| <= tolerance."""
    sync_period_s: float = Field(default=15, gt=0, le=600)
    """Controller sync period."""
    scale_down_stabilization_s: float = Field(default=300, ge=0, le=3600)
    """Scale-down stabilisation window (highest recommendation in the window)."""
    scale_up_stabilization_s: float = Field(default=0, ge=0, le=3600)
    """Scale-up stabilisation window (lowest recommendation in the window)."""
    scale_up_policies: list[HpaPolicy] = Field(
        default_factory=lambda: [
            HpaPolicy(type="Percent", value=100, period_seconds=15),
            HpaPolicy(type="Pods", value=4, period_seconds=15),
        ],
        min_length=1,
        max_length=10,
    )
    """behavior.scaleUp.policies."""
    scale_up_select_policy: Literal["Max", "Min", "Disabled"] = "Max"
    """behavior.scaleUp.selectPolicy: Max takes the policy allowing the largest change."""
    scale_down_policies: list[HpaPolicy] = Field(
        default_factory=lambda: [HpaPolicy(type="Percent", value=100, period_seconds=15)],
        min_length=1,
        max_length=10,
    )
    """behavior.scaleDown.policies."""
    scale_down_select_policy: Literal["Max", "Min", "Disabled"] = "Max"
    """behavior.scaleDown.selectPolicy."""


class ScheduleWindow(Model):
    """Keep at least `replicas` ready between start_hour and end_hour every day."""

    start_hour: float = Field(ge=0, lt=24)
    end_hour: float = Field(gt=0, le=24)
    replicas: int = Field(ge=0, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleWindow:
        if self.end_hour <= self.start_hour:
            raise ValueError(f"end_hour ({self.end_hour}) must be > start_hour")
        return self


class ScheduleScaler(Model):
    """Pre-warm schedule: replicas requested ahead of each window by the lead time."""

    kind: Literal["schedule"] = "schedule"
    windows: list[ScheduleWindow] = Field(default_factory=list, max_length=24)
    """Daily windows; outside them min_replicas run."""
    prewarm_lead_s: float = Field(default=900, ge=0, le=86_400)
    """How long before a window starts its replicas are requested."""


Autoscaler = Annotated[
    FixedScaler | KpaScaler | HpaScaler | ScheduleScaler, Field(discriminator="kind")
]


class Batching(Model):
    """Server-side batching: Triton dynamic batcher (vision) or continuous batching (LLM)."""

    max_batch_size: int = Field(default=8, ge=1, le=1024)
    """Dynamic batcher: largest batch (1 disables batching)."""
    max_queue_delay_ms: float = Field(default=5, ge=0, le=60_000)
    """Dynamic batcher: how long the oldest request may wait for a fuller batch."""
    max_concurrent_sequences: int = Field(default=64, ge=2, le=1024)
    """Continuous batching: sequences decoded at once per replica; the GPU profile's aggregate
    tokens/s is reached at this many, so it must exceed aggregate / single-stream tokens/s."""
    queue_limit: int | None = Field(default=None, ge=0, le=10_000_000)
    """Requests that may wait in the pool; None = unbounded (Triton's default)."""
    max_batched_tokens: int = Field(default=2048, ge=16, le=1_000_000)
    """Continuous batching: vLLM max_num_batched_tokens, the token budget of one engine step
    shared by decodes and the chunk of a waiting prompt (chunked prefill). 2048 is vLLM's
    chunked-prefill default in its V0 engine; check the value of the version you run."""


class Cloud(Model):
    """The autoscaled GPU pool in one region."""

    gpu: str = "l4"
    """GPU profile key in presets/catalog.yaml."""
    pricing: Literal["on_demand", "serverless", "reserved"] = "on_demand"
    """on_demand: per second with the catalog's 60 s minimum per node start (AWS EC2, GCE);
    serverless: per second of container time, no minimum; reserved: the committed GPUs all
    month, overflow on demand."""
    gpu_hourly_usd: float | None = Field(default=None, ge=0, le=10_000)
    """Override of the catalog's list price per GPU-hour: on-demand (or serverless with that
    pricing). With reserved pricing it is the on-demand rate: the commitment bills it less
    reserved_discount_pct, the overflow bills it in full (enter the list price, not your
    reserved rate, or the discount is taken twice)."""
    reserved_replicas: int = Field(default=0, ge=0, le=10_000)
    """With pricing 'reserved': GPUs (not replicas: a replica of a tensor-parallel model holds
    several) paid all month whether used or not; at least cloud.min_replicas x the GPUs of
    one replica."""
    reserved_discount_pct: float = Field(default=35, ge=0, le=95)
    """With pricing 'reserved': discount on the on-demand price (assumption: set yours)."""
    min_replicas: int = Field(default=1, ge=0, le=10_000)
    """Lower bound of the pool."""
    max_replicas: int = Field(default=4, ge=1, le=10_000)
    """Upper bound of the pool."""
    batching: Batching = Batching()
    """Batching settings."""
    precision: Literal["fp16", "fp8", "int8", "int4"] = "fp8"
    """LLM weights precision in the pool: sets weight bytes (2, 1, 1, ~0.56 per parameter), hence
    the GPUs per replica (tensor parallel 1/2/4/8) and the bandwidth-bound decode speed."""
    load_balancer: Literal[
        "least_outstanding", "round_robin", "random", "power_of_two", "shared_queue"
    ] = "power_of_two"
    """How requests are assigned to replicas, each with its own queue. Default power_of_two:
    Knative's activator with containerConcurrency 0 (the config-defaults default, unlimited),
    random-choice-2: two distinct random pods, the one with fewer requests in flight from the
    activator wins, ties at random (knative/serving pkg/activator/net lb_policy.go,
    throttler.go). The activator is in the path while ready pods x the concurrency target are
    under target-burst-capacity (200) plus the requests in flight, so at every pool size up to
    two replicas, which covers a scaled-to-zero or small GPU pool. With more replicas it leaves
    the path and the ingress balances: Kourier's Envoy clusters set no policy, so Envoy's
    ROUND_ROBIN (knative-extensions/net-kourier pkg/envoy/api/cluster.go): choose round_robin
    for a large pool behind Kourier. The others: round_robin (also Knative's activator with
    containerConcurrency > 0, first-available for 1-3 in older releases), least_outstanding
    (join the least loaded replica: Knative's optional least-connections policy), random
    (kube-proxy iptables), shared_queue (one pool queue, the first free slot takes the oldest:
    the M/M/c best case the theory checks use)."""
    autoscaler: Autoscaler = KpaScaler()
    """How the pool scales."""
    cold_start: ColdStart = ColdStart()
    """Cold-start stages of a new replica."""
    batch1_ms: float | None = Field(default=None, gt=0, le=600_000)
    """Override of the GPU profile's batch-1 time per vision request (your own model's
    measurement); larger batches scale with it."""
    service_variability: Literal["profile", "deterministic", "exponential"] = "profile"
    """GPU service times: as the profile (deterministic batches, token-driven LLM work) or,
    for validation against queueing theory, deterministic or exponential with the same mean."""
    node_keep_alive_s: float = Field(default=600, ge=0, le=86_400)
    """How long an emptied GPU node is kept (and billed) before removal, so a replica started
    within it skips node provisioning and the image pull: Cluster Autoscaler's
    --scale-down-unneeded-time, 10 min by default. Serverless pricing has no nodes of yours."""
    queue_timeout_s: float | None = Field(default=300, gt=0, le=86_400)
    """Knative's revision timeout: a request not started this long after it reached the pool
    (buffered by the activator while no replica is ready, or queued at a replica) is dropped
    with reason cloud_timeout, as the activator answers 504 "activator request timeout".
    Default 300 s: Knative's config-defaults revision-timeout-seconds (timeoutSeconds of a
    revision; max-revision-timeout-seconds 600 unless raised; knative.dev docs, Configuring the
    Defaults ConfigMap). A request already in service when the deadline passes runs to the end
    and counts with its full latency (Knative's queue-proxy would cut it at the deadline; here
    it is a late completion, not a drop). None = wait indefinitely (Triton's own queue policy
    default: no timeout)."""
    request_overhead_ms: float = Field(default=5, ge=0, le=60_000)
    """Gateway/ingress overhead per cloud request (serverless warm overhead is 100-500 ms)."""
    llm_overhead_ms: float | None = Field(default=None, ge=0, le=600_000)
    """Override of the GPU profile's fixed time to first token per LLM request, in ms."""
    llm_prefill_tokens_per_s: float | None = Field(default=None, gt=0, le=1e7)
    """Override of the GPU profile's prompt (prefill) speed, tokens/s."""
    llm_decode_tokens_per_s: float | None = Field(default=None, gt=0, le=1e6)
    """Override of the GPU profile's single-stream decode speed, tokens/s; the aggregate speed
    scales by the same factor (a faster or slower GPU of the same shape)."""


# --------------------------------------------------------------------------- policy
class EdgeOnly(Model):
    """Everything on the device; requests that do not fit are dropped ('not_edge_eligible')."""

    kind: Literal["edge_only"] = "edge_only"


class CloudOnly(Model):
    """Everything in the GPU pool."""

    kind: Literal["cloud_only"] = "cloud_only"


class LocalFirst(Model):
    """Local first with rate-limited, budget-capped cloud fallback."""

    kind: Literal["local_first"] = "local_first"
    queue_threshold: int = Field(default=2, ge=0, le=100_000)
    """Fall back when this many requests already wait at the chosen device."""
    wait_threshold_s: float = Field(default=30, ge=0, le=86_400)
    """Fall back when the expected local wait exceeds this, in seconds."""
    fallback_rate_per_s: float = Field(default=5, gt=0, le=1e6)
    """Token-bucket refill rate of fallbacks, per second."""
    fallback_burst: int = Field(default=50, ge=1, le=1e7)
    """Token-bucket depth."""
    monthly_budget_usd: float | None = Field(default=None, ge=0, le=1e9)
    """Cap on all billed cloud GPU spend of the month, every request class included (classes
    only the cloud can serve too); None = no cap (forces a full-month simulation). When the
    budget would be passed, nodes above cloud.min_replicas are released and the pool stays at
    that floor, so the bill never exceeds the budget."""
    on_budget_exhausted: Literal["queue_locally", "drop", "allow"] = "queue_locally"
    """Once the budget is spent: queue_locally keeps would-be fallbacks on the device (classes
    only the cloud serves are dropped unless the paid floor runs); drop drops them with reason
    budget_exhausted; allow sends them anyway, uncapped, counting each as a budget alert."""


class Split(Model):
    """Split inference: an on-device encoder, a reduced payload, the rest in the pool."""

    kind: Literal["split"] = "split"
    encoder_ms: float = Field(default=15, ge=0, le=60_000)
    """Device time of the encoder per request, in ms."""
    payload_reduction: float = Field(default=0.1, gt=0, le=1)
    """Uploaded size as a fraction of the original payload."""
    cloud_work_fraction: float = Field(default=0.8, gt=0, le=1)
    """Share of the GPU work left after the on-device encoder."""
    sensitive_split_allowed: bool = False
    """Whether embeddings of sensitive requests may leave the site. Off by default: an embedding
    is derived from the request (it can be inverted in part), so where
    policy.sensitive_may_leave_site is off the request is served whole on its device unless the
    scenario opts in here."""


Routing = Annotated[EdgeOnly | CloudOnly | LocalFirst | Split, Field(discriminator="kind")]


class Policy(Model):
    """Where each request goes."""

    routing: Routing = LocalFirst()
    """Routing policy."""
    sensitive_may_leave_site: bool = False
    """Whether sensitive requests may be processed outside their site."""


# --------------------------------------------------------------------------- costs
class Costs(Model):
    """Prices and running costs."""

    electricity_usd_per_kwh: float = Field(default=0.16, ge=0, le=10)
    """Electricity price (US residential ~0.16, EIA 2024)."""
    maintenance_pct_capex_per_year: float = Field(default=20, ge=0, le=200)
    """Maintenance, replacement and ops as % of edge capex per year."""
    ops_usd_per_device_month: float = Field(default=0, ge=0, le=10_000)
    """Per-device management fee per month."""
    connectivity_usd_per_site_month: float = Field(default=0, ge=0, le=100_000)
    """Connectivity per site per month (0 when the site's link exists anyway)."""
    egress_free_gb_per_month: float = Field(default=100, ge=0, le=1e9)
    """Free internet egress per month (AWS: first 100 GB)."""
    egress_tiers: list[tuple[float | None, float]] = Field(
        default_factory=lambda: [
            (10_240.0, 0.09),
            (40_960.0, 0.085),
            (102_400.0, 0.07),
            (None, 0.05),
        ],
        min_length=1,
        max_length=10,
    )
    """Egress tiers after the free allowance: (GB in this tier or None for the rest, USD per GB).
    Default: AWS internet egress 0.09 to 10 TB, 0.085 next 40 TB, 0.07 next 100 TB, 0.05 above."""
    fixed_cloud_usd_per_month: float = Field(default=500, ge=0, le=1e9)
    """Storage, networking and management of the cloud deployment per month."""
    horizon_years: int = Field(default=3, ge=1, le=10)
    """TCO horizon in years."""

    @field_validator("egress_tiers")
    @classmethod
    def _tiers(cls, tiers: list[tuple[float | None, float]]) -> list[tuple[float | None, float]]:
        for i, (size, price) in enumerate(tiers):
            last = i == len(tiers) - 1
            bad_size = size is not None and not 0 < size <= MAX_TIER_GB
            if (size is None) != last or bad_size or not 0 <= price <= 100:
                raise ValueError(
                    f"tier {i} = ({size}, {price}): each tier needs GB in (0, {MAX_TIER_GB:g}] "
                    "and a price 0-100 USD/GB; only the last tier has GB None (unbounded)"
                )
        return tiers


MAX_TIER_GB = 1e12


# --------------------------------------------------------------------------- slo
class Slo(Model):
    """Targets the architecture must meet."""

    p50_ms: float | None = Field(default=None, gt=0, le=1e8)
    """End-to-end median latency target."""
    p95_ms: float | None = Field(default=None, gt=0, le=1e8)
    """End-to-end p95 latency target."""
    p99_ms: float | None = Field(default=None, gt=0, le=1e8)
    """End-to-end p99 latency target."""
    ttft_p95_ms: float | None = Field(default=None, gt=0, le=1e8)
    """LLM: p95 time to first token."""
    min_tokens_per_s: float | None = Field(default=None, gt=0, le=100_000)
    """LLM: minimum streaming speed per request, (output - 1) tokens from the first token to the
    last; a completed request below it counts as an SLO miss."""
    hard_deadline: bool = False
    """Whether the latency target is a hard real-time deadline (control loops)."""

    @model_validator(mode="after")
    def _ordered(self) -> Slo:
        given = [v for v in (self.p50_ms, self.p95_ms, self.p99_ms) if v is not None]
        if given != sorted(given):
            raise ValueError(f"latency targets must satisfy p50 <= p95 <= p99, got {given}")
        return self

    @property
    def latency_target_ms(self) -> float | None:
        """The tightest stated tail target: p99, else p95, else p50."""
        return self.p99_ms or self.p95_ms or self.p50_ms


# --------------------------------------------------------------------------- compliance
Status = Literal["done", "planned", "gap", "not_applicable"]


class Compliance(Model):
    """Answers to the enterprise checklist and the quick questionnaire."""

    edge: dict[str, Status] = Field(default_factory=dict)
    """Checklist item id -> status for an edge deployment (missing = gap)."""
    cloud: dict[str, Status] = Field(default_factory=dict)
    """Checklist item id -> status for a cloud deployment (missing = gap)."""
    fleet_ops_capacity: bool = True
    """Whether the team can run fleet OTA, monitoring and security for devices."""
    quantization_acceptable: bool = True
    """Whether the model's quality survives edge quantisation."""
    capex_preferred: bool = False
    """Whether the organisation prefers up-front purchases to variable bills."""
    local_integrations: bool = False
    """Whether inference is coupled to local buses or peripherals (CAN, Modbus, USB)."""
    multi_tenant: bool = False
    """Whether several tenants share the deployment."""

    @field_validator("edge", "cloud", mode="before")
    @classmethod
    def _known_items(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, dict) and value:
            from planner.compliance import CHECKLIST  # that module imports this one

            ids = [it.id for it in CHECKLIST]
            unknown = [k for k in value if k not in ids]
            if unknown:
                from planner.errors import excerpt

                raise ValueError(
                    f"checklist item {excerpt(unknown[0], 40)} is not a checklist id; "
                    f"choose from {', '.join(ids)}"
                )
        return value


# --------------------------------------------------------------------------- simulation
class Simulation(Model):
    """How to simulate."""

    seed: int = Field(default=20260129, ge=0, le=2**53 - 1)
    """Seed of the scenario's random streams."""
    replications: int = Field(default=3, ge=1, le=64)
    """Independent replications (95 % intervals need >= 2)."""
    horizon: Literal["auto", "representative_days", "full_month"] = "auto"
    """auto: full month for small volumes or cross-day state, else one day per day type."""
    sampled_hours_above_requests: int | None = Field(default=200_000, ge=1000, le=10**9)
    """Representative days expected to simulate more requests a replication than this are
    simulated as sampled hours (every hour present, each cut to a length that keeps about this
    many requests, never under a floor from the scenario's time constants) and reweighted;
    None: always simulate whole days."""
    warmup_hours: float = Field(default=2, ge=0, le=24)
    """Warm-up simulated before each representative day and discarded."""
    sites_simulated: int | None = Field(default=None, ge=1, le=100_000)
    """Simulate only this many sites and scale up: only identical sites sharing no GPU pool."""
    hours_per_day_simulated: float | None = Field(default=None, gt=0, le=24)
    """For profiles flat over their open hours: simulate this many open hours and scale."""
    max_simulated_requests: int | None = Field(default=None, ge=1000, le=1_000_000_000)
    """Work limit: a run expected to simulate more requests is refused with an estimate.
    None: the engine's own limit (SimPy 3M, compiled 300M simulated requests)."""
    stop_rule: Literal["replications", "precision"] = "replications"
    """replications: run exactly ``replications``. precision: start with ``replications``
    (at least 3) and add replications until the 95 % half-widths of p95 latency, SLO
    attainment, fallback rate and GPU-hours are within ``relative_precision`` of their values,
    up to ``max_replications`` and the work limit."""
    relative_precision: float = Field(default=0.02, gt=0, le=0.5)
    """Precision target: a 95 % half-width over the figure's value (0.02 = 2 %); rates are
    judged against max(value, 1 %), so a rate near 0 needs no absurd number of replications."""
    max_replications: int = Field(default=20, ge=3, le=64)
    """stop_rule precision: the most replications it may run."""
    processes: int = Field(default=2, ge=1, le=64)
    """Worker processes for replications."""


# --------------------------------------------------------------------------- scenario
class Scenario(Model):
    """One planning question, fully specified."""

    name: str = Field(default="custom", min_length=1, max_length=120)
    """Display name."""
    description: str = Field(default="", max_length=500)
    """One line on what the scenario is."""
    preset: str | None = Field(default=None, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    """The preset this scenario started from."""
    workload: Workload = Workload()
    edge: Edge = Edge()
    network: Network = Network()
    cloud: Cloud = Cloud()
    policy: Policy = Policy()
    costs: Costs = Costs()
    slo: Slo = Slo()
    compliance: Compliance = Compliance()
    simulation: Simulation = Simulation()

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        _check_catalog_refs(self)
        cloud, edge = self.cloud, self.edge
        if cloud.min_replicas > cloud.max_replicas:
            raise ValueError(
                f"cloud.min_replicas ({cloud.min_replicas}) must be <= cloud.max_replicas "
                f"({cloud.max_replicas})"
            )
        if edge.device_count and edge.sites > edge.device_count:
            raise ValueError(
                f"edge.sites ({edge.sites}) must be <= edge.device_count ({edge.device_count})"
            )
        bad_sites = [i for i in self.network.site_links if not 0 <= i < edge.sites]
        if bad_sites:
            raise ValueError(f"network.site_links sites {bad_sites} not in 0..{edge.sites - 1}")
        if cloud.autoscaler.kind == "hpa" and cloud.min_replicas < 1:
            raise ValueError("cloud.min_replicas must be >= 1 with the HPA (it cannot scale to 0)")
        _check_reserved_floor(self)
        sims = self.simulation
        if sims.sites_simulated is not None and sims.sites_simulated > edge.sites:
            raise ValueError(
                f"simulation.sites_simulated ({sims.sites_simulated}) must be <= edge.sites "
                f"({edge.sites})"
            )
        if sims.stop_rule == "precision" and sims.max_replications < sims.replications:
            raise ValueError(
                f"simulation.max_replications ({sims.max_replications}) must be >= "
                f"simulation.replications ({sims.replications}) with stop_rule 'precision'"
            )
        if self.policy.routing.kind in ("edge_only", "local_first", "split") and not (
            edge.device_count
        ):
            raise ValueError(
                f"policy.routing.kind '{self.policy.routing.kind}' needs edge.device_count >= 1"
            )
        _check_pool_serves(self)
        _check_context(self)
        _check_gpu_fit(self)
        _check_budget_floor(self)
        return self

    def with_updates(self, updates: dict[str, Any]) -> Scenario:
        """A re-validated copy with dotted-path updates applied ({'edge.device_count': 10})."""
        data = self.model_dump(mode="json")
        for path, value in updates.items():
            set_dotted(data, path, value)
        return Scenario.model_validate(data)


def _check_catalog_refs(s: Scenario) -> None:
    cat = load_catalog()
    refs: list[tuple[str, str, Mapping[str, object]]] = [
        ("edge.device", s.edge.device, cat.devices),
        ("cloud.gpu", s.cloud.gpu, cat.gpus),
        ("network.link", s.network.link, cat.links),
    ]
    refs += [(f"network.site_links.{k}", v, cat.links) for k, v in s.network.site_links.items()]
    for field, key, table in refs:
        if key not in table:
            raise ValueError(
                f"{field} '{key}' is not in the catalog; choose one of {sorted(table)}"
            )


def gpu_hourly_usd(s: Scenario) -> float:
    """Price of one GPU-hour under the scenario's pricing (override, else catalog)."""
    gpu = load_catalog().gpus[s.cloud.gpu]
    if s.cloud.gpu_hourly_usd is not None:
        base = s.cloud.gpu_hourly_usd
    elif s.cloud.pricing == "serverless":
        base = gpu.serverless_hourly_usd.v
    else:
        base = gpu.on_demand_hourly_usd.v
    if s.cloud.pricing == "reserved":
        return base * (1 - s.cloud.reserved_discount_pct / 100)
    return base


def replica_gpus(s: Scenario) -> int:
    """GPUs one replica holds: tensor parallel for a large model, 1 for vision."""
    params = pool_model_params_b(s)
    if params is None or not s.workload.is_llm:
        return 1
    from planner.llm_sizing import size_replica

    gpu = load_catalog().gpus[s.cloud.gpu]
    return size_replica(gpu, s.cloud.gpu, params, s.cloud.precision, pool_min_kv_tokens(s)).gpus


def floor_cost_usd(s: Scenario) -> float:
    """What the pool's floor costs a month: min replicas all month, or the whole commitment."""
    held = s.cloud.min_replicas * replica_gpus(s)
    if s.cloud.pricing == "reserved":
        held = max(held, s.cloud.reserved_replicas)
    return held * HOURS_PER_MONTH * gpu_hourly_usd(s)


def _check_reserved_floor(s: Scenario) -> None:
    """Reserved pricing commits GPUs (cloud.reserved_replicas counts GPUs, as billed), while
    cloud.min_replicas counts replicas of replica_gpus(s) GPUs each: the commitment must cover
    the floor's GPUs, not its replica count."""
    cloud = s.cloud
    if cloud.pricing != "reserved":
        return
    gpus = replica_gpus(s)
    floor_gpus = cloud.min_replicas * gpus
    if cloud.reserved_replicas < floor_gpus:
        each = f" of {gpus} GPUs each" if gpus > 1 else ""
        raise ValueError(
            f"cloud.reserved_replicas ({cloud.reserved_replicas} GPUs) must be >= the GPUs of "
            f"cloud.min_replicas ({cloud.min_replicas} replicas{each} = {floor_gpus} GPUs) "
            "with reserved pricing"
        )


def _check_budget_floor(s: Scenario) -> None:
    r = s.policy.routing
    if r.kind != "local_first" or r.monthly_budget_usd is None:
        return
    floor = floor_cost_usd(s)
    if r.monthly_budget_usd < floor:
        raise ValueError(
            f"policy.routing.monthly_budget_usd ({r.monthly_budget_usd:g}) is below the pool's "
            f"floor cost of {floor:,.2f} USD a month: cloud.min_replicas ({s.cloud.min_replicas})"
            f" x {replica_gpus(s)} GPU x {HOURS_PER_MONTH} h x {gpu_hourly_usd(s):g} USD/GPU-hour;"
            " raise the budget or "
            "lower cloud.min_replicas"
        )


def _check_pool_serves(s: Scenario) -> None:
    """A pool that can never hold a replica cannot take the cloud traffic the routing sends."""
    cloud, kind = s.cloud, s.policy.routing.kind
    if kind == "edge_only" or cloud.min_replicas > 0:
        return
    scaler = cloud.autoscaler
    if scaler.kind == "fixed" or (
        scaler.kind == "schedule" and not any(w.replicas for w in scaler.windows)
    ):
        raise ValueError(
            f"cloud.min_replicas is 0 with a {scaler.kind} pool, so no replica ever runs, but "
            f"policy.routing.kind '{kind}' sends requests to the cloud: set cloud.min_replicas "
            ">= 1 or choose the kpa autoscaler"
        )


def _check_context(s: Scenario) -> None:
    device = load_catalog().devices[s.edge.device]
    for c in s.workload.request_classes:
        if c.kind != "llm" or device.llm is None or s.policy.routing.kind != "edge_only":
            continue
        ctx = device.llm.max_context_tokens.v
        if c.prompt_tokens_mean + c.output_tokens_mean > ctx:
            raise ValueError(
                f"workload class '{c.name}': prompt + output tokens "
                f"({c.prompt_tokens_mean + c.output_tokens_mean:g}) exceed edge device "
                f"'{s.edge.device}' context of {ctx:g} tokens with policy edge_only"
            )


def pool_model_params_b(s: Scenario) -> float | None:
    """The model the GPU pool serves: the largest of the LLM classes (None without any)."""
    sizes = [c.model_params_b for c in s.workload.request_classes if c.kind == "llm"]
    return max(sizes) if sizes else None


def pool_min_kv_tokens(s: Scenario) -> float:
    """KV room a replica must have: two sequences of the longest class's mean length."""
    lengths = [
        c.prompt_tokens_mean + c.output_tokens_mean
        for c in s.workload.request_classes
        if c.kind == "llm"
    ]
    return 2 * max(lengths, default=0.0)


def _check_gpu_fit(s: Scenario) -> None:
    gpu = load_catalog().gpus[s.cloud.gpu]
    params = pool_model_params_b(s)
    if params is not None and s.policy.routing.kind != "edge_only":
        from planner.llm_sizing import size_replica

        sizes = [getattr(c, "model_params_b", 0.0) for c in s.workload.request_classes]
        field = f"workload.request_classes.{sizes.index(params)}.model_params_b"
        size_replica(gpu, s.cloud.gpu, params, s.cloud.precision, pool_min_kv_tokens(s), field)
        b = s.cloud.batching
        if b.max_batched_tokens < b.max_concurrent_sequences:
            raise ValueError(
                f"cloud.batching.max_batched_tokens ({b.max_batched_tokens}) must be >= "
                f"cloud.batching.max_concurrent_sequences ({b.max_concurrent_sequences}): every "
                "sequence decodes one token per step"
            )
    if s.workload.is_llm:
        need = gpu.llm.aggregate_tps.v / gpu.llm.single_stream_tps.v
        m = s.cloud.batching.max_concurrent_sequences
        if m <= need:
            raise ValueError(
                f"cloud.batching.max_concurrent_sequences ({m}) must be > {need:.1f} for "
                f"'{s.cloud.gpu}' (aggregate {gpu.llm.aggregate_tps.v:g} tok/s / single-stream "
                f"{gpu.llm.single_stream_tps.v:g} tok/s)"
            )


def set_dotted(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for path 'a.b'; list items by index ('x.0.y')."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        node = _step(node, part, ".".join(parts[: i + 1]))
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise KeyError(f"{path}: '{'.'.join(parts[:-1])}' is not a section")


def _step(node: Any, part: str, so_far: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, so_far)]
    if isinstance(node, dict):
        if part not in node or not isinstance(node[part], dict | list):
            raise KeyError(f"{so_far}: no such section")
        return node[part]
    raise KeyError(f"{so_far}: not a section")


def _index(node: list[Any], part: str, path: str) -> int:
    if not (part.isascii() and part.isdigit() and len(part) < 10) or int(part) >= len(node):
        raise KeyError(f"{path}: index '{part}' not in 0..{len(node) - 1}")
    return int(part)
