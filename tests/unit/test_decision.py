"""Each decision criterion flips the recommendation when it should (hand-made evidence)."""

from __future__ import annotations

import pytest

from planner.compliance import evaluate_checklist
from planner.decision import Evidence, decide
from planner.presets import apply_overrides, load
from planner.scenario import Scenario


def ev_figs(p99: float, slo: float = 1.0, **kw: float) -> dict[str, float]:
    base = {
        "latency_ms.p99": p99,
        "latency_ms.p95": p99 * 0.8,
        "latency_ms.p50": p99 * 0.5,
        "slo_attainment": slo,
        "drop_rate": 0.0,
        "requests.arrived": 1000.0,
        "requests_per_month.arrived": 30_000.0,
        "edge.utilization": 0.3,
        "requests.dropped_by_reason.queue_full": 0.0,
        "requests.dropped_by_reason.not_edge_eligible": 0.0,
        "requests.dropped_by_reason.device_failed": 0.0,
        "requests.dropped_by_reason.offline": 0.0,
        "links.down_fraction": 0.0,
    }
    return {**base, **kw}


def decide_for(
    s: Scenario,
    edge: dict[str, float],
    cloud: dict[str, float],
    edge_tco: float = 10_000,
    cloud_tco: float = 10_000,
) -> str:
    ev = Evidence(
        edge=edge, cloud=cloud, hybrid=None, edge_tco_usd=edge_tco, cloud_tco_usd=cloud_tco
    )
    return decide(s, ev, evaluate_checklist(s, {})).architecture


def neutral() -> Scenario:
    return apply_overrides(
        load("local_first_hybrid"),
        {
            "workload.sensitive_share": 0,
            "compliance.edge": {"secure_ota_signing": "done"},
            "slo.p95_ms": None,
            "slo.ttft_p95_ms": None,
        },
    )


def test_hard_30ms_deadline_over_5g_goes_edge() -> None:
    s = apply_overrides(
        neutral(), {"slo.p99_ms": 30, "slo.hard_deadline": True, "network.link": "public_5g"}
    )
    d = decide(
        s,
        Evidence(
            edge=ev_figs(22),
            cloud=ev_figs(140, slo=0.7),
            hybrid=None,
            edge_tco_usd=10_000,
            cloud_tco_usd=9_000,
        ),
        evaluate_checklist(s, {}),
    )
    assert d.architecture == "edge-first"
    assert any("22 ms" in r and "140 ms" in r and "30 ms" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("target", "band"), [(50, "<=50 ms"), (51, "50-200 ms"), (200, "50-200 ms"), (201, ">200 ms")]
)
def test_latency_bands_follow_the_article(target: float, band: str) -> None:
    s = apply_overrides(neutral(), {"slo.p99_ms": target})
    ev = Evidence(edge=ev_figs(20), cloud=ev_figs(100), hybrid=None)
    d = decide(s, ev, evaluate_checklist(s, {}))
    assert any(c.name == f"latency {band}" for c in d.criteria)


def test_70b_model_goes_cloud() -> None:
    s = apply_overrides(
        neutral(),
        {"workload.request_classes": [{"kind": "llm", "name": "big", "model_params_b": 70}]},
    )
    edge = ev_figs(
        1e9, slo=0.0, **{"requests.dropped_by_reason.not_edge_eligible": 1000.0, "drop_rate": 1.0}
    )
    assert decide_for(s, edge, ev_figs(900)) == "cloud-first"


def test_sensitive_data_that_may_not_leave_goes_edge() -> None:
    s = apply_overrides(neutral(), {"workload.sensitive_share": 1.0})
    cloud = ev_figs(500, **{"drop_rate": 0.0})
    assert decide_for(s, ev_figs(600), cloud, edge_tco=12_000, cloud_tco=10_000) == "edge-first"
    allowed = apply_overrides(s, {"policy.sensitive_may_leave_site": True})
    assert (
        decide_for(allowed, ev_figs(600), cloud, edge_tco=12_000, cloud_tco=10_000) != "edge-first"
    )


def test_no_fleet_ops_capacity_favours_cloud() -> None:
    s = apply_overrides(neutral(), {"compliance.fleet_ops_capacity": False})
    assert decide_for(s, ev_figs(500), ev_figs(500)) == "cloud-first"
    assert decide_for(neutral(), ev_figs(500), ev_figs(500), edge_tco=5_000) == "edge-first"


def test_undersized_fleet_favours_cloud() -> None:
    edge = ev_figs(
        500, slo=0.8, **{"requests.dropped_by_reason.queue_full": 200.0, "edge.utilization": 0.95}
    )
    assert decide_for(neutral(), edge, ev_figs(500)) == "cloud-first"


def test_signed_ota_gap_is_flagged_for_edge() -> None:
    s = apply_overrides(neutral(), {"compliance.edge": {}})
    ev = Evidence(edge=ev_figs(100), cloud=ev_figs(100), hybrid=None)
    d = decide(s, ev, evaluate_checklist(s, {}))
    assert any(c.name == "edge readiness" and c.points[0] < 0 for c in d.criteria)


def test_residency_is_checked_against_the_simulation() -> None:
    s = apply_overrides(
        neutral(), {"workload.sensitive_share": 0.5, "compliance.edge": {"data_residency": "done"}}
    )
    ok = evaluate_checklist(s, {"sensitive_left_site": 0.0})
    assert ok.residency_verified and ok.status["data_residency"]["edge"] == "done"
    leaked = evaluate_checklist(s, {"sensitive_left_site": 3.0})
    assert not leaked.residency_verified
    assert "data_residency" in leaked.gaps["edge"]


def test_ten_quick_decisions_follow_the_scenario() -> None:
    from planner.compliance import quick_decisions

    s = apply_overrides(neutral(), {"slo.p99_ms": 40, "compliance.fleet_ops_capacity": False})
    rows = quick_decisions(s, {"requests_per_month.arrived": 1000.0, "cloud.gpu_hours": 5.0})
    assert len(rows) == 10
    assert rows[0]["answer"].startswith("yes")
    assert rows[3]["answer"].startswith("no")
    assert "1,000 requests" in rows[4]["answer"]
