"""Worker processes: one pool serves a run's replications and its sizing probes, and the
longest jobs start first while outcomes keep their job order."""

from __future__ import annotations

import math
from typing import Any

import pytest

import planner.replicate as rep
from planner.prepare import prepare
from planner.presets import load
from planner.replicate import Job, expected_work, longest_first, shared_workers


def jobs_of(name: str) -> list[Job]:
    prep = prepare(load(name, {"simulation.replications": 2}))
    return [
        Job(k, v, prep.plans[k], r, prep.picks[k], k == "main" and r == 0)
        for k, v in prep.variants.items()
        for r in range(2)
    ]


def test_longest_jobs_start_first_and_outcomes_keep_job_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = jobs_of("seasonal_burst_app")  # main (cloud-only), edge-only, local-first
    started: list[Job] = []

    def fake_execute(batch: list[Job], processes: int, progress: Any) -> list[Any]:
        started.extend(batch)
        return [(j.key, j.replication) for j in batch]

    monkeypatch.setattr(rep, "execute", fake_execute)
    out = longest_first(jobs, 2, None)
    assert out == [(j.key, j.replication) for j in jobs]  # type: ignore[comparison-overlap]
    work = [expected_work(j) for j in started]
    assert work == sorted(work, reverse=True)
    # a request through the GPU pool weighs more than one served on a device alone
    assert started[0].key == "local_first" and started[-1].key == "edge_only"


def test_one_pool_serves_every_batch_of_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    forked: list[int] = []
    real = rep.fork_pool

    def counting(workers: int) -> Any:
        forked.append(workers)
        return real(workers)

    monkeypatch.setattr(rep, "fork_pool", counting)
    jobs = jobs_of("clinic_llm_assistant_pii")[:2]
    with shared_workers():
        first = rep.execute(jobs, 2, None)
        second = rep.execute(jobs, 2, None)
        with shared_workers():  # a nested run shares the outer pool
            rep.execute(jobs, 2, None)
    assert forked == [2]
    for a, b in zip(first, second, strict=True):  # the same jobs, the same figures
        assert a.summary.keys() == b.summary.keys()
        assert all(a.summary[k] == b.summary[k] or math.isnan(a.summary[k]) for k in a.summary)
    rep.execute(jobs, 2, None)  # outside a run: a pool of its own, closed after the batch
    assert forked == [2, 2]


def test_a_counterpart_far_over_its_capacity_runs_one_replication(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kiosk's cloud-only pool as configured is busy all the time: after its first
    replication the decision will price it at a size it finds, so its other replications are
    not run; the hybrid, within its capacity, runs all of them on the same seeds."""
    from planner.replicate import Outcome, replicate

    prep = prepare(load("retail_kiosk_vision"))
    asked: list[list[tuple[str, int]]] = []

    def fake(jobs: list[Job], processes: int, progress: Any) -> list[Outcome]:
        asked.append([(j.key, j.replication) for j in jobs])
        busy = {"cloud_only": 1.0, "local_first": 0.3}
        return [
            Outcome(
                j.key,
                j.replication,
                {"cloud.utilization": busy.get(j.key, 0.0), "requests.arrived": 1.0},
                None,
                0.0,
                1,
            )
            for j in jobs
        ]

    monkeypatch.setattr(rep, "longest_first", fake)
    done = replicate(prep.variants, prep.plans, prep.picks, 10**9)
    assert done.saturated == ("cloud_only",)
    assert sorted(asked[0]) == sorted(
        [("main", 0), ("main", 1), ("main", 2), ("cloud_only", 0), ("local_first", 0)]
    )
    assert sorted(asked[1]) == [("local_first", 1), ("local_first", 2)]


def test_only_a_wide_margin_skips_a_counterparts_replications() -> None:
    from planner.sizing_rules import SURE_DROP, surely_undersized, undersized

    full = "requests.dropped_by_reason.pool_queue_full"
    near = {"cloud.utilization": 0.98, "requests.arrived": 100.0, full: 0.0}
    assert undersized("cloud_only", near) and not surely_undersized("cloud_only", near)
    assert surely_undersized("cloud_only", {**near, "cloud.utilization": 0.995})
    drops = {"edge.utilization": 0.5, "requests.arrived": 100.0}
    queue = "requests.dropped_by_reason.queue_full"
    assert surely_undersized("edge_only", {**drops, queue: 100 * SURE_DROP + 1})
    assert not surely_undersized("edge_only", {**drops, queue: 100 * SURE_DROP - 1})
    assert not surely_undersized("local_first", {"cloud.utilization": 1.0})


def test_each_counterparts_precision_is_stated(preset_runs: dict[str, Any]) -> None:
    """The kiosk: the hybrid's key figures with their half-widths against the target; the
    cloud-only pool as configured ran one replication (no interval), and the result says why."""
    r = preset_runs["retail_kiosk_vision"]
    stated = r.engine["counterparts_precision"]
    assert set(stated) == {"cloud_only", "local_first"}
    hybrid = stated["local_first"]["figures"]
    assert hybrid["latency_ms.p95"]["relative"] is not None
    assert hybrid["cloud.gpu_hours"]["met"]  # a fixed pool: the same GPU-hours every time
    assert stated["cloud_only"]["stopped_because"].startswith("one replication")
    assert not stated["cloud_only"]["figures"]["latency_ms.p95"]["met"]
    assert any("cloud-only counterpart as configured ran one" in n for n in r.engine["notes"])
