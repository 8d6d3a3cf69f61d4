"""The pool's service disciplines and cold starts, driven directly with a log of (name, time)."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from simulations.gpu_pool import Pool
from simulations.inputs import PoolInput, ScalerInput


def make_pool(log: list[tuple[str, float]], **kw: object) -> tuple[simpy.Environment, Pool]:
    env = simpy.Environment()
    spec = PoolInput(
        **{
            "llm": False,
            "min_replicas": 1,
            "max_replicas": 4,
            "initial_replicas": 1,
            "scaler": ScalerInput(kind="fixed"),
            "cold_start": (),
            "batch1_s": 0.010,
            "batch8_s": 0.024,
            "max_batch": 4,
            "max_queue_delay_s": 0.005,
            **kw,
        }
    )  # type: ignore[arg-type]
    tokens = {i: (100.0, 50.0) for i in range(100)}
    pool = Pool(
        env,
        spec,
        lambda rid: (1.0, 1.0, *tokens[rid]),
        lambda rid: log.append((f"done{rid}", env.now)),
        lambda rid: log.append((f"first{rid}", env.now)),
        lambda rid: log.append((f"start{rid}", env.now)),
        np.random.default_rng(0),
    )
    pool.start_warm(spec.initial_replicas)
    return env, pool


def submit_at(env: simpy.Environment, pool: Pool, rid: int, t: float) -> None:
    env.timeout(t).callbacks.append(lambda _e: pool.submit(rid))


def test_fit_matches_batch1_and_batch8() -> None:
    _, pool = make_pool([])
    assert pool.batch_s(1) == pytest.approx(0.010)
    assert pool.batch_s(8) == pytest.approx(0.024)


def test_full_batch_dispatches_at_once() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(log)
    for rid in range(4):
        submit_at(env, pool, rid, 0.001)
    env.run(until=1)
    starts = [t for name, t in log if name.startswith("start")]
    assert starts == [pytest.approx(0.001)] * 4
    dones = [t for name, t in log if name.startswith("done")]
    assert dones == [pytest.approx(0.001 + pool.batch_s(4))] * 4


def test_partial_batch_waits_for_the_queue_delay() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(log)
    submit_at(env, pool, 0, 0.001)
    submit_at(env, pool, 1, 0.002)
    env.run(until=1)
    starts = [t for name, t in log if name.startswith("start")]
    assert starts == [pytest.approx(0.006)] * 2  # oldest arrived at 1 ms, delay 5 ms


def test_cold_start_delays_the_first_request_by_its_length() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(
        log, initial_replicas=0, min_replicas=0, cold_start=((20.0, 20.0), (10.0, 10.0))
    )
    pool.scale_to(1, "test")
    submit_at(env, pool, 0, 0.0)
    env.run(until=100)
    assert dict(log)["start0"] == pytest.approx(30.0)
    assert pool.scaling_log[0][1:3] == (0, 1)


def test_continuous_batching_matches_single_and_aggregate_speed() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(
        log,
        llm=True,
        single_tps=30.0,
        aggregate_tps=1000.0,
        prefill_tps=3000.0,
        max_sequences=64,
    )
    assert 1 / pool.step_s(1) == pytest.approx(30.0)
    assert 64 / pool.step_s(64) == pytest.approx(1000.0)
    submit_at(env, pool, 0, 0.0)
    env.run(until=100)
    # one stream: a prefill step (fixed step cost + 100 tokens at 3000 tok/s) yields the first
    # token, then 49 decode steps at the single-stream speed
    first = pool.step_a + 100 / 3000
    assert dict(log)["first0"] == pytest.approx(first)
    assert dict(log)["done0"] == pytest.approx(first + 49 / 30)


def test_sharing_slows_each_stream() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(
        log,
        llm=True,
        single_tps=30.0,
        aggregate_tps=1000.0,
        prefill_tps=3000.0,
        max_sequences=64,
    )
    for rid in range(8):
        submit_at(env, pool, rid, 0.0)
    env.run(until=100)
    # chunked prefill: one prompt per step (100 tokens fit the 2048 budget) while the earlier
    # streams decode; stream i leaves the prefill phase with 8 - i tokens; then all decode
    step = pool.step_s
    prefill_phase = sum(step(k, 100) for k in range(8))
    together = 42 * step(8)  # stream 0 needs 50 - 8 more tokens
    tail = sum(step(n) for n in range(7, 0, -1))  # streams 0..6 finish one step apart
    assert dict(log)["done7"] == pytest.approx(prefill_phase + together + tail)
    assert dict(log)["done7"] > 50 / 30  # sharing slows each stream


def llm_pool(log: list[tuple[str, float]], **kw: object) -> tuple[simpy.Environment, Pool]:
    base = {
        "llm": True,
        "single_tps": 30.0,
        "aggregate_tps": 1000.0,
        "prefill_tps": 3000.0,
        "max_sequences": 64,
    }
    return make_pool(log, **{**base, **kw})


def test_a_long_prompt_slows_its_batch() -> None:
    done = {}
    for prompt in (10.0, 4000.0):
        log: list[tuple[str, float]] = []
        env, pool = llm_pool(log)
        pool.work = lambda rid, p=prompt: (1.0, 1.0, 10.0 if rid == 0 else p, 50.0)
        submit_at(env, pool, 0, 0.0)
        submit_at(env, pool, 1, 0.5)
        env.run(until=100)
        done[prompt] = dict(log)["done0"]
    # the 4,000-token prompt takes two chunks of the step budget beside stream 0's decodes
    assert done[4000.0] - done[10.0] > 3000 / 3000


def test_kv_cache_bounds_the_batch() -> None:
    log: list[tuple[str, float]] = []
    env, pool = llm_pool(log, kv_capacity_tokens=300.0)  # two sequences of 150 tokens
    for rid in range(3):
        submit_at(env, pool, rid, 0.0)
    env.run(until=100)
    d = dict(log)
    assert d["start0"] == d["start1"] == 0.0
    assert d["start2"] == pytest.approx(min(d["done0"], d["done1"]))


def test_each_replica_has_its_own_queue_and_the_balancer_spreads_work() -> None:
    # defect: the pool filled replica 0 before using the next, so 1, 2 and 4 replicas gave the
    # same latency; least-outstanding puts the second stream on the idle replica
    for balancer in ("least_outstanding", "round_robin"):
        log: list[tuple[str, float]] = []
        env, pool = llm_pool(log, initial_replicas=2, load_balancer=balancer)
        submit_at(env, pool, 0, 0.0)
        submit_at(env, pool, 1, 0.0)
        env.run(until=100)
        d = dict(log)
        assert d["done1"] == pytest.approx(d["done0"])  # each alone on its replica
        assert [r.busy_s > 0 for r in pool.replicas] == [True, True]


def test_pool_queue_timeout_drops_waiting_requests() -> None:
    # defect: the pool had no request timeout; a request still queued after it is dropped
    log: list[tuple[str, float]] = []
    env, pool = make_pool(log, max_batch=1, queue_timeout_s=0.015)
    pool.on_timeout = lambda rid: log.append((f"timeout{rid}", env.now))
    for rid in range(3):
        submit_at(env, pool, rid, 0.0)
    env.run(until=1)
    d = dict(log)
    assert d["start0"] == 0.0 and d["start1"] == pytest.approx(0.010)
    assert d["timeout2"] == pytest.approx(0.015) and "start2" not in d
    assert pool.n_waiting == 0


def test_each_waiting_request_times_out_at_its_own_deadline_from_one_timer() -> None:
    # one timeout event at a time walks the deadline list: each request is still cut exactly
    # its timeout after it reached the pool, a started one is left off the list
    log: list[tuple[str, float]] = []
    env, pool = make_pool(log, max_batch=1, queue_timeout_s=0.015)
    pool.on_timeout = lambda rid: log.append((f"timeout{rid}", env.now))
    for rid, t in enumerate((0.0, 0.001, 0.002, 0.003)):
        submit_at(env, pool, rid, t)
    env.run(until=1)
    d = dict(log)
    assert d["start0"] == 0.0 and d["start1"] == pytest.approx(0.010)  # before 0.016
    assert d["timeout2"] == pytest.approx(0.017) and d["timeout3"] == pytest.approx(0.018)
    assert "timeout1" not in d and not pool.deadlines and pool.n_waiting == 0


def node_pool(log: list[tuple[str, float]]) -> tuple[simpy.Environment, Pool]:
    # node provisioning 100 s, image pull 50 s, weights 20 s, warm-up 10 s; 10 min keep-alive
    stages = ((100.0, 100.0), (50.0, 50.0), (20.0, 20.0), (10.0, 10.0))
    env, pool = make_pool(
        log, initial_replicas=0, min_replicas=0, cold_start=stages, node_keep_alive_s=600.0
    )
    pool.on_start = lambda rid: log.append((f"start{rid}", env.now))
    return env, pool


def scale_at(env: simpy.Environment, pool: Pool, n: int, t: float) -> None:
    env.timeout(t).callbacks.append(lambda _e: pool.scale_to(n, "test"))


def test_a_pool_that_refills_within_the_keep_alive_pays_no_second_node_start() -> None:
    log: list[tuple[str, float]] = []
    env, pool = node_pool(log)
    scale_at(env, pool, 1, 0.0)
    scale_at(env, pool, 0, 1000.0)  # empties
    scale_at(env, pool, 1, 1300.0)  # refills 5 min later: the node is still there
    submit_at(env, pool, 0, 1300.0)
    env.run(until=3000)
    assert len(pool.nodes.nodes) == 1
    assert pool.replicas[0].ready_s == pytest.approx(180.0)  # node + pull + weights + warm-up
    assert pool.replicas[1].ready_s == pytest.approx(1330.0)  # weights + warm-up only
    assert dict(log)["start0"] == pytest.approx(1330.0)
    assert pool.nodes.lives(3000.0) == [(0.0, 3000.0)]  # billed as one node life


def test_an_empty_node_is_removed_after_the_keep_alive_and_a_later_start_pays_again() -> None:
    env, pool = node_pool([])
    scale_at(env, pool, 1, 0.0)
    scale_at(env, pool, 0, 1000.0)
    scale_at(env, pool, 1, 2000.0)  # 1,000 s later: the node left at 1,600 s
    env.run(until=3000)
    assert pool.nodes.lives(3000.0) == [(0.0, 1600.0), (2000.0, 3000.0)]
    assert pool.replicas[1].ready_s == pytest.approx(2180.0)


def test_a_cancelled_start_keeps_its_node() -> None:
    env, pool = node_pool([])
    scale_at(env, pool, 1, 0.0)
    scale_at(env, pool, 0, 50.0)  # cancelled while the node is provisioning
    scale_at(env, pool, 1, 400.0)  # the node (ready at 100 s, image not yet pulled) is reused
    env.run(until=3000)
    assert len(pool.nodes.nodes) == 1
    assert pool.replicas[1].ready_s == pytest.approx(400.0 + 50 + 20 + 10)


def test_batch_time_saturates_at_the_profile_throughput() -> None:
    # defect: the batch-time fit extrapolated past the catalog's saturated throughput
    _, pool = make_pool([], max_batch=64)
    saturated_per_s = 8 / 0.024
    for n in (16, 32, 64):
        assert n / pool.batch_s(n) <= saturated_per_s * (1 + 1e-12)
    assert pool.batch_s(8) == pytest.approx(0.024)


def test_a_buffered_backlog_is_spread_within_each_replicas_slots() -> None:
    # from zero the buffer holds the backlog; the first ready replica takes only its
    # max_sequences, the next one the rest (not all piled onto the first)
    log: list[tuple[str, float]] = []
    env, pool = llm_pool(log, initial_replicas=0, min_replicas=0, max_sequences=4)
    pool.work = lambda rid: (1.0, 1.0, 10.0, 3000.0)  # long answers: no slot frees early
    env.timeout(0.0).callbacks.append(lambda _e: pool.scale_to(2, "test"))
    for rid in range(6):
        submit_at(env, pool, rid, 0.0)
    env.run(until=5)
    assert [r.busy for r in pool.replicas] == [4, 2]
