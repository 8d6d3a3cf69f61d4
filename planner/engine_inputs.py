"""Translate a Scenario and its catalog profiles into the engine's small typed inputs.

Like a translator between the architect's language (monthly volumes, catalog keys, percent
utilisation, hours) and the workshop's (rates per second, seconds, kB/s). No figure is invented
here: each comes from the scenario or the catalog.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from planner.catalog import Device, Gpu, Speedup, load_catalog
from planner.device_speed import ClassOnDevice, class_on_device
from planner.failure_strata import take_down
from planner.llm_sizing import LlmReplica, size_replica
from planner.plan import Plan, Segment, scaled_bound
from planner.scenario import (
    HOURS_PER_MONTH,
    HpaScaler,
    Scenario,
    gpu_hourly_usd,
    pool_min_kv_tokens,
    pool_model_params_b,
)
from planner.scenario import HpaPolicy as HpaPolicySpec
from simulations.billing import BillingTerms
from simulations.inputs import (
    BreakerInput,
    ClassInput,
    EdgeInput,
    HpaInput,
    HpaPolicy,
    KpaInput,
    LinkInput,
    PolicyInput,
    PoolInput,
    ScalerInput,
    SegmentInput,
    TrafficInput,
)


def sampled_sites(s: Scenario, k: int) -> list[int]:
    """Indices of the k simulated sites, spread over the fleet."""
    n = s.edge.sites
    return sorted({int(i * n / k) for i in range(k)})


def devices_per_site(s: Scenario) -> list[int]:
    base, extra = divmod(s.edge.device_count, s.edge.sites)
    return [base + (1 if i < extra else 0) for i in range(s.edge.sites)]


def llm_on_device(s: Scenario) -> list[ClassOnDevice | None]:
    """Per request class: its model's speeds on the edge device, or why it cannot run there
    (None for vision classes)."""
    device = load_catalog().devices[s.edge.device]
    return [
        class_on_device(c, s.edge.device, device) if c.kind == "llm" else None
        for c in s.workload.request_classes
    ]


def edge_eligibility_notes(s: Scenario) -> list[str]:
    """One line per class the edge device cannot serve, for the result's notes."""
    return [
        f"not on the edge: {c.reason}" for c in llm_on_device(s) if c is not None and not c.eligible
    ]


def class_inputs(s: Scenario, device: Device) -> tuple[ClassInput, ...]:
    out = []
    on_device = llm_on_device(s)
    for k, c in enumerate(s.workload.request_classes):
        if c.kind == "llm":
            fit = on_device[k]
            eligible = fit is not None and fit.eligible
            out.append(
                ClassInput(
                    share=c.share,
                    is_llm=True,
                    prompt_mean=c.prompt_tokens_mean,
                    prompt_cv=c.prompt_tokens_cv,
                    output_mean=c.output_tokens_mean,
                    output_cv=c.output_tokens_cv,
                    request_kb=c.request_kb,
                    response_kb=c.response_kb,
                    edge_eligible=eligible,
                )
            )
        else:
            out.append(
                ClassInput(
                    share=c.share,
                    is_llm=False,
                    request_kb=c.payload_kb,
                    response_kb=c.response_kb,
                    edge_eligible=device.vision is not None,
                )
            )
    return tuple(out)


def speedup_of(point: Speedup | None) -> tuple[int, float]:
    return (point.n, point.aggregate.v) if point is not None else (1, 1.0)


def edge_input(s: Scenario, device: Device, sites: list[int]) -> EdgeInput:
    per_site = devices_per_site(s)
    e = s.edge
    llm = device.llm
    speeds = tuple(
        with_pilot(s, (c.prefill_tps, c.decode_tps, llm.ttft_overhead_s.v))
        if c is not None and c.eligible and llm is not None
        else None
        for c in llm_on_device(s)
    )
    if s.workload.is_llm:
        speedup = speedup_of(llm.speedup if llm else None)
    else:
        speedup = speedup_of(device.vision.speedup if device.vision else None)
    return EdgeInput(
        devices_per_site=tuple(per_site[i] for i in sites),
        concurrency=e.concurrency_per_device,
        queue_limit=e.queue_limit,
        mtbf_s=e.mtbf_hours * 3600,
        mttr_s=e.mttr_hours * 3600,
        llm_by_class=speeds,
        speedup=speedup,
        vision=edge_vision_s(s, device),
        max_context_tokens=llm.max_context_tokens.v if llm else math.inf,
    )


def link_inputs(s: Scenario, sites: list[int]) -> tuple[LinkInput, ...]:
    links = load_catalog().links
    net = s.network
    out = []
    for i in sites:
        p = links[net.site_links.get(i, net.link)]
        per_day = net.outages_per_day if net.outages_per_day is not None else p.outages_per_day.v
        mean_min = net.outage_mean_min if net.outage_mean_min is not None else p.outage_mean_min.v
        out.append(
            LinkInput(
                rtt_median_s=p.rtt_median_ms.v / 1000 * net.rtt_multiplier,
                rtt_p95_s=p.rtt_p95_ms.v / 1000 * net.rtt_multiplier,
                rtt_p99_s=p.rtt_p99_ms.v / 1000 * net.rtt_multiplier,
                loss=p.loss_pct.v / 100,
                uplink_kbps=p.uplink_mbps.v * 1000,
                downlink_kbps=p.downlink_mbps.v * 1000,
                outages_per_s=per_day / 86_400,
                outage_mean_s=mean_min * 60,
                ideal=net.ideal,
            )
        )
    return tuple(out)


def with_pilot(s: Scenario, speeds: tuple[float, float, float]) -> tuple[float, float, float]:
    """(prefill tok/s, decode tok/s, overhead s) with the scenario's overrides (a pilot's
    measurement of the model it runs) in place of the catalog's."""
    e = s.edge
    return (
        e.llm_prefill_tokens_per_s or speeds[0],
        e.llm_decode_tokens_per_s or speeds[1],
        speeds[2] if e.llm_overhead_ms is None else e.llm_overhead_ms / 1000,
    )


def edge_llm_speeds(s: Scenario, device: Device) -> tuple[float, float, float] | None:
    """The device's speeds for the first LLM class it can serve (overrides applied), or None."""
    llm = device.llm
    for c in llm_on_device(s):
        if c is not None and c.eligible and llm is not None:
            return with_pilot(s, (c.prefill_tps, c.decode_tps, llm.ttft_overhead_s.v))
    return None


def edge_vision_s(s: Scenario, device: Device) -> tuple[float, float] | None:
    """(p50 s, p99 s) per frame on the device: override, else the catalog profile."""
    v, e = device.vision, s.edge
    if v is None:
        return None
    p50 = e.vision_p50_ms or v.latency_p50_ms.v
    p99 = e.vision_p99_ms or max(v.latency_p99_ms.v * p50 / v.latency_p50_ms.v, p50)
    return p50 / 1000, p99 / 1000


def scaler_input(s: Scenario) -> ScalerInput:
    """The autoscaler's typed settings (seconds throughout)."""
    a = s.cloud.autoscaler
    if a.kind == "kpa":
        kpa = KpaInput(**a.model_dump(exclude={"kind"}))
        return ScalerInput(kind="kpa", kpa=kpa)
    if a.kind == "hpa":
        return ScalerInput(kind="hpa", hpa=hpa_input(a))
    if a.kind == "schedule":
        windows = tuple((w.start_hour * 3600, w.end_hour * 3600, w.replicas) for w in a.windows)
        return ScalerInput(kind="schedule", windows=windows, prewarm_lead_s=a.prewarm_lead_s)
    return ScalerInput(kind="fixed")


def hpa_input(a: HpaScaler) -> HpaInput:
    def policies(ps: list[HpaPolicySpec]) -> tuple[HpaPolicy, ...]:
        return tuple(HpaPolicy(p.type, p.value, p.period_seconds) for p in ps)

    return HpaInput(
        target_inflight_per_replica=a.target_inflight_per_replica,
        tolerance=a.tolerance,
        sync_period_s=a.sync_period_s,
        scale_up_stabilization_s=a.scale_up_stabilization_s,
        scale_down_stabilization_s=a.scale_down_stabilization_s,
        scale_up_policies=policies(a.scale_up_policies),
        scale_down_policies=policies(a.scale_down_policies),
        scale_up_select=a.scale_up_select_policy,
        scale_down_select=a.scale_down_select_policy,
    )


def llm_replica(s: Scenario) -> LlmReplica | None:
    """GPUs, speeds and KV capacity of one replica serving the pool's model (None for vision)."""
    params = pool_model_params_b(s)
    if params is None:
        return None
    gpu = load_catalog().gpus[s.cloud.gpu]
    return size_replica(gpu, s.cloud.gpu, params, s.cloud.precision, pool_min_kv_tokens(s))


def gpus_per_replica(s: Scenario) -> int:
    """GPUs one replica holds (tensor parallel for a large model; 1 for vision)."""
    sized = llm_replica(s) if s.workload.is_llm else None
    return sized.gpus if sized is not None else 1


def llm_speeds(s: Scenario, gpu: Gpu) -> dict[str, Any]:
    """The pool's LLM speed fields: from the model's size, else the catalog's 8B figures."""
    sized = llm_replica(s)
    out: dict[str, Any] = {
        "single_tps": gpu.llm.single_stream_tps.v,
        "aggregate_tps": gpu.llm.aggregate_tps.v,
        "prefill_tps": gpu.llm.prefill_tps.v,
    }
    if sized is not None:
        out = {
            "single_tps": sized.single_tps,
            "aggregate_tps": sized.aggregate_tps,
            "prefill_tps": sized.prefill_tps,
            "kv_capacity_tokens": sized.kv_capacity_tokens,
        }
    c = s.cloud
    if c.llm_decode_tokens_per_s is not None:  # a measured override scales the whole curve
        out["aggregate_tps"] *= c.llm_decode_tokens_per_s / out["single_tps"]
        out["single_tps"] = c.llm_decode_tokens_per_s
    if c.llm_prefill_tokens_per_s is not None:
        out["prefill_tps"] = c.llm_prefill_tokens_per_s
    return out


def pool_input(s: Scenario, gpu: Gpu, site_fraction: float) -> PoolInput:
    c = s.cloud
    lo = scaled_bound(c.min_replicas, site_fraction, 0)
    hi = scaled_bound(c.max_replicas, site_fraction, 1)
    if s.policy.routing.kind == "edge_only":
        lo = hi = 0  # an edge-only architecture runs no GPU pool
    llm = s.workload.is_llm
    stages = c.cold_start
    speed = c.batch1_ms / gpu.vision.batch1_ms.v if c.batch1_ms else 1.0
    ttft_s = (
        c.llm_overhead_ms / 1000 if c.llm_overhead_ms is not None else gpu.llm.ttft_overhead_s.v
    )
    return PoolInput(
        llm=llm,
        min_replicas=lo,
        max_replicas=hi,
        initial_replicas=lo,
        scaler=scaler_input(s) if hi else ScalerInput(kind="fixed"),
        cold_start=tuple(
            (st.median_s, st.p95_s)
            for st in (stages.provisioning, stages.image_pull, stages.weight_load, stages.warmup)
        ),
        batch1_s=gpu.vision.batch1_ms.v / 1000 * speed,
        batch8_s=8 / gpu.vision.saturated_fps.v * speed,
        max_batch=c.batching.max_batch_size,
        max_queue_delay_s=c.batching.max_queue_delay_ms / 1000,
        **llm_speeds(s, gpu),
        ttft_overhead_s=ttft_s,
        max_sequences=c.batching.max_concurrent_sequences,
        max_batched_tokens=c.batching.max_batched_tokens,
        load_balancer=c.load_balancer,
        queue_limit=c.batching.queue_limit,
        queue_timeout_s=c.queue_timeout_s,
        node_keep_alive_s=0.0 if c.pricing == "serverless" else c.node_keep_alive_s,
        variability=c.service_variability,
        # the LLM step model carries the per-step fixed cost the profile's TTFT overhead measured;
        # a measured override (cloud.llm_overhead_ms) is added as stated
        overhead_s=c.request_overhead_ms / 1000
        + (c.llm_overhead_ms / 1000 if llm and c.llm_overhead_ms is not None else 0.0),
        **billing_fields(s, site_fraction),
    )


def billing_terms(s: Scenario) -> BillingTerms:
    """The chosen offer's billing increment and minimum (reserved overflow bills on demand)."""
    b = load_catalog().gpus[s.cloud.gpu].billing
    if s.cloud.pricing == "serverless":
        return BillingTerms(b.serverless_increment_s.v, b.serverless_minimum_s.v)
    return BillingTerms(b.on_demand_increment_s.v, b.on_demand_minimum_s.v)


def overflow_hourly_usd(s: Scenario) -> float:
    """Reserved pricing: the on-demand rate GPUs above the commitment are billed at."""
    if s.cloud.gpu_hourly_usd is not None:
        return s.cloud.gpu_hourly_usd
    return load_catalog().gpus[s.cloud.gpu].on_demand_hourly_usd.v


def billing_fields(s: Scenario, site_fraction: float) -> dict[str, Any]:
    """The pool's metered price, billing terms and (reserved) commitment, simulated-pool share."""
    c = s.cloud
    gpus = gpus_per_replica(s)
    if c.pricing != "reserved":
        return {"price_per_replica_s": gpus * gpu_hourly_usd(s) / 3600, "billing": billing_terms(s)}
    committed = c.reserved_replicas * site_fraction / gpus
    return {
        "price_per_replica_s": gpus * overflow_hourly_usd(s) / 3600,
        "billing": billing_terms(s),
        "committed_replicas": committed,
        "committed_usd": c.reserved_replicas * site_fraction * HOURS_PER_MONTH * gpu_hourly_usd(s),
    }


def breaker_input(s: Scenario) -> BreakerInput:
    n = s.network
    return BreakerInput(
        enabled=n.breaker_enabled,
        failures=n.breaker_failures,
        base_open_s=n.breaker_open_s,
        max_open_s=n.breaker_max_open_s,
    )


def policy_input(s: Scenario, plan: Plan | None = None) -> PolicyInput:
    """Routing inputs; the budget only over a simulated full month (the simulated pool's share)."""
    r = s.policy.routing
    leave, timeout = s.policy.sensitive_may_leave_site, s.network.cloud_timeout_s
    breaker = breaker_input(s)
    if r.kind == "local_first":
        return PolicyInput(
            kind="local_first",
            queue_threshold=r.queue_threshold,
            wait_threshold_s=r.wait_threshold_s,
            fallback_rate_per_s=r.fallback_rate_per_s,
            fallback_burst=float(r.fallback_burst),
            budget_usd=simulated_budget_usd(r.monthly_budget_usd, plan),
            on_budget_exhausted=r.on_budget_exhausted,
            sensitive_may_leave=leave,
            cloud_timeout_s=timeout,
            breaker=breaker,
        )
    if r.kind == "split":
        return PolicyInput(
            kind="split",
            encoder_s=r.encoder_ms / 1000,
            payload_reduction=r.payload_reduction,
            cloud_work_fraction=r.cloud_work_fraction,
            sensitive_split_allowed=r.sensitive_split_allowed,
            sensitive_may_leave=leave,
            cloud_timeout_s=timeout,
            breaker=breaker,
        )
    return PolicyInput(
        kind=r.kind, sensitive_may_leave=leave, cloud_timeout_s=timeout, breaker=breaker
    )


def simulated_budget_usd(budget: float | None, plan: Plan | None) -> float | None:
    if budget is None or plan is None or plan.horizon != "full_month":
        return None
    return budget / plan.pool_scale


def segment_inputs(s: Scenario, plan: Plan, replication: int) -> list[SegmentInput]:
    """Engine inputs for every segment of one replication."""
    cat = load_catalog()
    device, gpu = cat.devices[s.edge.device], cat.gpus[s.cloud.gpu]
    sites = sampled_sites(s, plan.sites_simulated)
    classes = class_inputs(s, device)
    edge = edge_input(s, device, sites)
    links = link_inputs(s, sites)
    pool = pool_input(s, gpu, plan.sites_simulated / s.edge.sites)
    policy = policy_input(s, plan)
    return [
        segment_input(s, seg, replication, classes, edge, links, pool, policy, len(sites))
        for seg in plan.segments
    ]


def segment_input(
    s: Scenario,
    seg: Segment,
    replication: int,
    classes: tuple[ClassInput, ...],
    edge: EdgeInput,
    links: tuple[LinkInput, ...],
    pool: PoolInput,
    policy: PolicyInput,
    n_sites: int,
) -> SegmentInput:
    traffic = TrafficInput(
        rate_per_site=np.asarray(seg.rates, dtype=float),
        bin_s=seg.bin_s,
        sites=n_sites,
        classes=classes,
        sensitive_share=s.workload.sensitive_share,
        periodic=s.workload.arrival_process == "periodic",
    )
    if not seg.failures:  # a failure stratum: these devices stay up, or down, all day
        down = take_down(
            edge.devices_per_site, seg.devices_down, (s.simulation.seed, replication, seg.index)
        )
        edge = replace(edge, devices_per_site=down, mtbf_s=math.inf)
    return SegmentInput(
        traffic=traffic,
        edge=edge,
        links=links,
        pool=pool,
        policy=policy,
        warmup_s=seg.warmup_s,
        day_offset_s=seg.day_offset_s,
        seed=(s.simulation.seed, replication, seg.index),
    )


def eligible_by_class(s: Scenario) -> np.ndarray:
    device = load_catalog().devices[s.edge.device]
    return np.array([c.edge_eligible for c in class_inputs(s, device)], dtype=bool)
