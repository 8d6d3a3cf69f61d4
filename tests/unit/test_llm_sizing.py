"""Model size sets an LLM replica's GPUs, speed and KV room (bandwidth roofline, capped by the
catalog's measured figures), and an impossible fit is a validation error naming the field."""

from __future__ import annotations

import pytest

from planner.catalog import load_catalog
from planner.engine_inputs import llm_replica
from planner.errors import ScenarioError
from planner.llm_sizing import ROOFLINE_EFFICIENCY, size_replica
from planner.scenario import Scenario
from tests.helpers import figures, small

PARAMS = "workload.request_classes.0.model_params_b"


def seasonal(params_b: float, **kw: object) -> Scenario:
    return small("seasonal_burst_app", **{PARAMS: params_b, **kw})


def test_a_405b_model_on_one_l4_is_refused_naming_field_gpu_and_memory() -> None:
    # defect: a 405B model on one L4 was accepted and served at 8B speed
    with pytest.raises((ValueError, ScenarioError)) as err:
        seasonal(405)
    msg = str(err.value)
    assert PARAMS in msg and "(405)" in msg and "'l4'" in msg and "24 GB" in msg


def test_decode_speed_is_the_bandwidth_roofline_capped_by_the_catalog() -> None:
    l4 = load_catalog().gpus["l4"]
    r8 = size_replica(l4, "l4", 8, "fp8", 2000)
    assert r8.gpus == 1
    assert r8.single_tps == pytest.approx(ROOFLINE_EFFICIENCY * 300 / 8)  # 28.9 < measured 30
    small_model = size_replica(l4, "l4", 1.5, "fp8", 2000)
    assert small_model.single_tps == l4.llm.single_stream_tps.v  # never above the measurement
    fp16 = size_replica(l4, "l4", 8, "fp16", 2000)
    assert fp16.single_tps == pytest.approx(r8.single_tps / 2)
    assert fp16.kv_capacity_tokens < r8.kv_capacity_tokens


def test_a_70b_model_takes_four_l4_in_tensor_parallel_and_runs_slower() -> None:
    r70 = llm_replica(seasonal(70))
    r8 = llm_replica(seasonal(8))
    assert r70 is not None and r8 is not None
    assert r70.gpus == 4  # 70 GB of fp8 weights need 4 x 24 GB x 0.9
    assert r70.single_tps < r8.single_tps / 2
    assert r70.prefill_tps < r8.prefill_tps


def test_model_size_changes_latency_and_gpu_hours() -> None:
    fixed = {
        "cloud.autoscaler": {"kind": "fixed"},
        "cloud.min_replicas": 1,
        "workload.requests_per_month": 5_000,
        "workload.seasons": [],
        "workload.bursts": [],
    }
    f8 = figures(seasonal(8, **fixed))
    f70 = figures(seasonal(70, **fixed))
    assert f70["latency_ms.p50"] > 1.5 * f8["latency_ms.p50"]
    assert f70["cloud.gpus_per_replica"] == 4
    assert f70["cloud.gpu_hours_billed"] == pytest.approx(4 * f8["cloud.gpu_hours_billed"])
