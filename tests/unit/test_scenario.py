from __future__ import annotations

import pytest
from pydantic import ValidationError

from planner.errors import ScenarioError, describe_validation_error
from planner.presets import apply_overrides, load
from planner.scenario import LlmClass, Scenario, Workload


def test_defaults_are_valid_and_frozen() -> None:
    s = Scenario()
    with pytest.raises(ValidationError):
        s.edge.device_count = 3  # type: ignore[misc]


def test_unknown_field_is_rejected_with_its_path() -> None:
    with pytest.raises(ValidationError) as err:
        Scenario.model_validate({"edge": {"devcie_count": 3}})
    assert "edge.devcie_count" in describe_validation_error(err.value)


@pytest.mark.parametrize(
    ("updates", "fragment"),
    [
        ({"cloud.min_replicas": 5, "cloud.max_replicas": 2}, "min_replicas (5) must be <="),
        ({"edge.sites": 60, "edge.device_count": 50}, "edge.sites (60) must be <="),
        ({"edge.device": "pi9"}, "edge.device 'pi9' is not in the catalog"),
        ({"cloud.gpu": "tpu"}, "cloud.gpu 'tpu' is not in the catalog"),
        ({"workload.daily_profile": [1, 2, 3]}, "daily_profile needs exactly 24 weights"),
        ({"slo.p50_ms": 500, "slo.p95_ms": 100}, "p50 <= p95 <= p99"),
        ({"cloud.autoscaler": {"kind": "hpa"}, "cloud.min_replicas": 0}, "cannot scale to 0"),
    ],
)
def test_cross_field_errors_name_the_field(updates: dict[str, object], fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        apply_overrides(load(), updates)
    assert fragment in str(err.value)


def test_shares_must_sum_to_one() -> None:
    with pytest.raises(ValidationError, match="sum to 0.9"):
        Workload(request_classes=[LlmClass(name="a", share=0.5), LlmClass(name="b", share=0.4)])


def test_context_limit_applies_to_edge_only() -> None:
    base = load("clinic_llm_assistant_pii")
    with pytest.raises(ScenarioError, match="exceed edge device 'pi5_8gb_hailo10h' context"):
        apply_overrides(
            base,
            {
                "policy.routing.kind": "edge_only",
                "workload.request_classes.0.prompt_tokens_mean": 2000,
            },
        )


def test_with_updates_revalidates_without_mutating() -> None:
    s = load()
    t = s.with_updates({"edge.device_count": 10, "edge.sites": 10})
    assert (s.edge.device_count, t.edge.device_count) == (50, 10)
    with pytest.raises(ValidationError):
        s.with_updates({"edge.device_count": -1})


def test_kind_override_resets_union_member() -> None:
    s = apply_overrides(load("seasonal_burst_app"), {"cloud.autoscaler.kind": "hpa"})
    assert s.cloud.autoscaler.kind == "hpa"
    assert s.cloud.autoscaler.scale_down_stabilization_s == 300
