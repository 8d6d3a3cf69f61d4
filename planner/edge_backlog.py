"""How long an edge device takes to clear a full queue: the device's own time constant.

Like a single till with a queue rope of fixed length: when more customers come than it can
serve, the rope fills and the wait settles at rope-length x service time; how fast that happens,
and how long the queue takes to clear once the rush ends, is set by the same product. Sampled
hours (``planner.sampled_hours``) keep each simulated hour a multiple of it. Time in seconds.
"""

from __future__ import annotations

from planner.scenario import Scenario


def mean_edge_service_s(s: Scenario) -> float:
    """Mean time one request holds a device alone (edge-eligible classes, by share), 0 if none."""
    from planner.catalog import load_catalog
    from planner.engine_inputs import class_inputs, edge_input

    device = load_catalog().devices[s.edge.device]
    classes = class_inputs(s, device)
    edge = edge_input(s, device, [0])
    llm = edge.llm_by_class or (None,) * len(classes)
    total = share = 0.0
    for c, speeds in zip(classes, llm, strict=True):
        if not c.edge_eligible:
            continue
        if c.is_llm and speeds is not None:
            prefill, decode, overhead = speeds
            t = c.prompt_mean / prefill + c.output_mean / decode + overhead
        elif not c.is_llm and edge.vision is not None:
            t = edge.vision[0]
        else:
            continue
        total, share = total + c.share * t, share + c.share
    return total / share if share else 0.0


def edge_backlog_s(s: Scenario) -> float:
    """Seconds a device takes to serve a full queue plus what is in service (its capacity with
    that many in service from the catalog's speedup point), 0 where the edge serves nothing."""
    if s.policy.routing.kind == "cloud_only" or s.edge.device_count == 0:
        return 0.0
    service_s = mean_edge_service_s(s)
    if service_s <= 0:
        return 0.0
    held = s.edge.queue_limit + s.edge.concurrency_per_device
    r = s.policy.routing
    if r.kind == "local_first":
        held = min(held, r.queue_threshold + s.edge.concurrency_per_device)
    return held * service_s / max(speedup_factor(s), 1.0)


def speedup_factor(s: Scenario) -> float:
    from planner.catalog import load_catalog
    from planner.engine_inputs import edge_input

    device = load_catalog().devices[s.edge.device]
    return float(edge_input(s, device, [0]).speedup[1])
