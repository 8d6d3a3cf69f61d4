"""Reserved pricing commits GPUs; the pool's floor counts replicas of several GPUs each.

cloud.reserved_replicas is billed as GPUs (engine_inputs divides it by the GPUs per replica, the
bill multiplies it by the GPU-hour price), so the check that the commitment covers the floor
must compare GPUs with GPUs. Before, it compared the GPUs with cloud.min_replicas: a 14B fp16
model on L4 (2 GPUs a replica) with 2 replicas kept warm passed with 2 reserved GPUs, half the
floor's 4, and refused nothing.
"""

from __future__ import annotations

import pytest

from planner.errors import ScenarioError
from planner.presets import apply_overrides, load
from planner.scenario import Scenario, replica_gpus

TWO_GPU_REPLICA = {
    "cloud.gpu": "l4",
    "cloud.precision": "fp16",
    "workload.request_classes.0.model_params_b": 14,
    "cloud.pricing": "reserved",
}


def reserved(gpus: int, floor: int) -> Scenario:
    return apply_overrides(
        load("article_1m_chat"),
        {**TWO_GPU_REPLICA, "cloud.min_replicas": floor, "cloud.reserved_replicas": gpus},
    )


def test_the_scenario_has_two_gpus_a_replica() -> None:
    assert replica_gpus(reserved(4, 2)) == 2


def test_a_commitment_under_the_floors_gpus_is_refused_naming_both_units() -> None:
    with pytest.raises(ScenarioError) as err:
        reserved(2, 2)  # 2 GPUs reserved, 2 replicas x 2 GPUs = 4 GPUs held
    text = str(err.value)
    assert "cloud.reserved_replicas (2 GPUs)" in text
    assert "2 replicas of 2 GPUs each = 4 GPUs" in text


def test_a_commitment_covering_the_floors_gpus_is_accepted() -> None:
    s = reserved(4, 2)
    assert s.cloud.reserved_replicas == s.cloud.min_replicas * replica_gpus(s)


def test_single_gpu_replicas_compare_as_before() -> None:
    base = {"cloud.pricing": "reserved", "cloud.gpu": "l4"}
    with pytest.raises(ScenarioError, match=r"\(2 replicas = 2 GPUs\)"):
        apply_overrides(
            load("article_1m_chat"),
            {**base, "cloud.min_replicas": 2, "cloud.reserved_replicas": 1},
        )
    ok = apply_overrides(
        load("article_1m_chat"), {**base, "cloud.min_replicas": 2, "cloud.reserved_replicas": 2}
    )
    assert ok.cloud.reserved_replicas == 2
