"""Sweeps on Dask: a LocalCluster of two workers gives byte-identical JSON to the in-process
path, an existing scheduler is reached by address or $PLANNER_DASK_SCHEDULER, and a bad
address is refused in one line. One LocalCluster for the whole module (it takes seconds)."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator

import pytest

from planner.errors import ScenarioError
from planner.optimise import optimise, optimise_json
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.search_space import dim
from planner.sweeps import ENV_SCHEDULER, Sweeper, canonical, clean, resolve_scheduler, sweeper
from planner.theory import theory_scenario


def tiny() -> Scenario:
    s = theory_scenario(2, 0.7, "exponential", requests=3000, replications=2, seed=9)
    return apply_overrides(s, {"slo.p95_ms": 5 * (s.cloud.batch1_ms or 1.0)})


SPACE = [dim("cloud.min_replicas", [1, 2, 3, 4], "cloud.max_replicas")]


def as_json(s: Sweeper) -> str:
    return json.dumps(clean(optimise_json(optimise(tiny(), s, 4, SPACE))), sort_keys=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Sweeper]:
    # as under Streamlit's AppTest: __main__ is a generated script that no longer exists, which
    # spawned workers used to re-run (and die on) before they started
    saved = sys.modules["__main__"]
    gone = types.ModuleType("__main__")
    gone.__file__ = "/nonexistent/generated_page_script.py"
    sys.modules["__main__"] = gone
    try:
        with sweeper(scheduler=None, workers=2) as sw:
            yield sw
    finally:
        sys.modules["__main__"] = saved


def test_local_cluster_gives_byte_identical_json(cluster: Sweeper) -> None:
    assert cluster.client is not None and len(cluster.client.scheduler_info()["workers"]) == 2
    on_cluster = as_json(cluster)
    assert on_cluster == as_json(Sweeper(None))
    assert json.loads(on_cluster)["evaluated"] == cluster.evaluations


def test_local_cluster_gives_byte_identical_tornado(cluster: Sweeper) -> None:
    from planner.sensitivity import sensitivity

    s = apply_overrides(tiny(), {"workload.requests_per_month": 1500})

    def tornado(sw: Sweeper) -> str:
        out = clean(sensitivity(s, sw))
        return json.dumps({k: v for k, v in out.items() if k != "evaluated"}, sort_keys=True)

    here = tornado(Sweeper(None))
    assert here == tornado(cluster)
    assert json.loads(here)["rows"]  # a tornado, not two empty answers


def test_existing_scheduler_by_env(cluster: Sweeper, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SCHEDULER, cluster.where)
    with sweeper() as sw:
        assert sw.client is not None and sw.where == cluster.where
        out = sw.map([tiny()])
    assert out == Sweeper(None).map([tiny()])


def test_scheduler_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    assert resolve_scheduler(None) is None
    assert resolve_scheduler("inprocess") == "inprocess"
    monkeypatch.setenv(ENV_SCHEDULER, "tcp://10.0.0.1:8786")
    assert resolve_scheduler(None) == "tcp://10.0.0.1:8786"
    with pytest.raises(ScenarioError, match="expected tcp://host:port"):
        resolve_scheduler("localhost")


def test_in_process_sweeper_simulates_each_scenario_once() -> None:
    sw = Sweeper(None)
    a, b = sw.map([tiny(), tiny()]), sw.map([tiny()])
    assert a[0] == a[1] == b[0] and sw.evaluations == 1
    assert set(a[0]) >= {"monthly_usd", "slo_attainment", "p95_ms", "drop_rate"}


def test_break_even_sweep_matches_the_sequential_one() -> None:
    from planner.compare import break_even_volume as sequential
    from planner.sweeps import break_even_volume

    s = tiny()
    factors = (0.5, 2.0)
    assert break_even_volume(s, Sweeper(None), factors) == sequential(s, factors)


def test_cost_page_break_even_is_the_cli_sweep_with_and_without_a_cluster(
    cluster: Sweeper,
) -> None:
    from planner.sweeps import break_even_volume, canonical
    from ui.cost import break_even_sweep

    s = tiny()
    here = break_even_sweep(canonical(s), "inprocess")
    there = break_even_sweep(canonical(s), cluster.where)
    assert len(here[0]) == 5  # every volume simulated
    assert json.dumps(clean(here)) == json.dumps(clean(there))
    assert here == break_even_volume(s, Sweeper(None))  # what `planner break-even` prints


def test_a_sweep_evaluation_skips_chart_frames_and_keeps_every_figure() -> None:
    from planner.run import CHART_FRAMES, run
    from planner.sweeps import outcome_of

    s = tiny()
    token = CHART_FRAMES.set(False)
    try:
        bare = run(s)
    finally:
        CHART_FRAMES.reset(token)
    full = run(s)
    assert bare.series.empty and bare.sample.empty and not full.series.empty
    assert bare.figures == full.figures and outcome_of(bare) == outcome_of(full)


def test_closing_quiets_distributed_and_restores_its_levels() -> None:
    import logging

    from planner.sweeps import quiet_here

    lg = logging.getLogger("distributed.worker")
    before = lg.level
    with quiet_here():
        assert not lg.isEnabledFor(logging.CRITICAL)  # a heartbeat's traceback is not printed
    assert lg.level == before


def test_a_tornado_replaying_runs_and_sizes_is_byte_identical_on_the_cluster(
    cluster: Sweeper,
) -> None:
    """A sized edge-only counterpart (one slow device) and a GPU price it does not simulate:
    points replay the stated point's runs and sizes, in a worker or here alike."""
    from planner.sensitivity import sensitivity

    s = theory_scenario(2, 0.5, "exponential", requests=4000, replications=1, seed=4)
    s = apply_overrides(
        s, {"edge.vision_p50_ms": 40_000, "edge.vision_p99_ms": 60_000, "edge.queue_limit": 50}
    )
    here, there = Sweeper(None), cluster

    def tornado(sw: Sweeper) -> str:
        out = clean(sensitivity(s, sw))
        return json.dumps({k: v for k, v in out.items() if k != "evaluated"}, sort_keys=True)

    assert tornado(here) == tornado(there)
    stated = next(o for (j, d), o in here.cache.items() if j == canonical(s) and d == "decide")
    assert "edge_only" in stated["sizing"] and stated["replays"]
