"""Engine invariants under random scenarios (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.plan import build_plan
from planner.presets import apply_overrides, load
from planner.run import run
from planner.scenario import Scenario
from tests.helpers import records

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PRESETS = [
    "article_1m_chat",
    "clinic_llm_assistant_pii",
    "remote_farm_sensors_satellite",
    "local_first_hybrid",
    "seasonal_burst_app",
]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    name = draw(st.sampled_from(PRESETS))
    base = load(name)
    devices = draw(st.integers(base.edge.sites, base.edge.sites * 3))
    updates = {
        "workload.requests_per_month": draw(st.floats(2_000, 20_000)),
        "workload.sensitive_share": draw(st.floats(0, 1)),
        "edge.device_count": devices,
        "edge.queue_limit": draw(st.integers(0, 20)),
        "edge.mtbf_hours": draw(st.sampled_from([24.0, 500.0, 8760.0])),
        "network.outages_per_day": draw(st.sampled_from([0.0, 5.0, 50.0])),
        "cloud.max_replicas": draw(st.integers(1, 3)),
        "policy.sensitive_may_leave_site": draw(st.booleans()),
        "simulation.seed": draw(st.integers(0, 10**6)),
        "simulation.replications": 1,
        "simulation.processes": 1,
        "simulation.horizon": "representative_days",
        "simulation.warmup_hours": 1,
    }
    s = apply_overrides(base, updates)
    kind = draw(st.sampled_from(["edge_only", "cloud_only", "local_first", "split"]))
    return apply_overrides(s, {"policy.routing.kind": kind})


@SETTINGS
@given(scenarios())
def test_conservation_and_latency_floor(s: Scenario) -> None:
    for r in records(s):
        done = (r.path >= 0) & np.isfinite(r.done_s)
        dropped = r.path == -1
        in_flight = ~done & ~dropped
        assert not (done & dropped).any()
        # nothing silently lost: every request not finished is still physically somewhere
        assert in_flight.sum() == r.in_system_at_end
        assert (r.reason[dropped] > 0).all() and (r.reason[~dropped] == 0).all()
        latency = r.done_s[done] - r.arrival_s[done]
        assert (latency >= r.service_s[done] - 1e-9).all()
        assert (r.wait_s[done] >= -1e-9).all()


@SETTINGS
@given(scenarios())
def test_sensitive_data_never_leaves_when_disallowed(s: Scenario) -> None:
    for r in records(s):
        if not s.policy.sensitive_may_leave_site:
            allowed_split = (
                s.policy.routing.kind == "split" and s.policy.routing.sensitive_split_allowed
            )
            leaked = r.sensitive & r.left_site & ~((r.path == 3) & allowed_split)
            assert not leaked.any()


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 4), st.floats(0.3, 0.95), st.integers(0, 10**6))
def test_adding_a_replica_never_raises_any_wait(c: int, rho: float, seed: int) -> None:
    from planner.theory import theory_scenario

    s = theory_scenario(c, rho, "exponential", 4000, 1, seed)
    more = s.with_updates({"cloud.min_replicas": c + 1, "cloud.max_replicas": c + 1})
    (a,) = records(s)
    (b,) = records(more)
    np.testing.assert_array_equal(a.arrival_s, b.arrival_s)
    both = np.isfinite(a.wait_s) & np.isfinite(b.wait_s)
    assert both.sum() > 0.9 * a.arrival_s.size
    assert (b.wait_s[both] <= a.wait_s[both] + 1e-9).all()


def test_same_seed_same_result_in_another_process() -> None:
    s = apply_overrides(load("clinic_llm_assistant_pii"), {"simulation.replications": 2})
    one = run(s.with_updates({"simulation.processes": 1}))
    two = run(s.with_updates({"simulation.processes": 2}))
    assert one.figures.keys() == two.figures.keys()
    for k, v in one.figures.items():
        assert v == two.figures[k] or (np.isnan(v) and np.isnan(two.figures[k])), k


def test_policy_change_keeps_the_traffic() -> None:
    s = apply_overrides(
        load("article_1m_chat"), {"simulation.replications": 1, "simulation.processes": 1}
    )
    t = apply_overrides(s, {"policy.routing.kind": "cloud_only"})
    # each failure stratum of the hybrid's day meets the cloud-only design's one segment
    theirs = {g.index: r for g, r in zip(build_plan(t).segments, records(t), strict=True)}
    for g, a in zip(build_plan(s).segments, records(s), strict=True):
        b = theirs[g.index]
        np.testing.assert_array_equal(a.arrival_s, b.arrival_s)
        np.testing.assert_array_equal(a.output_tokens, b.output_tokens)
