"""Sweeps on Dask: many scenario evaluations, spread over worker processes or a cluster.

Like a print shop taking a stack of orders: each order (a scenario as canonical JSON) is
self-contained and seeded, so it does not matter which press (a Dask worker, a remote
scheduler's worker, or this process) prints it — the same scenario gives the same figures.
``Sweeper.map`` keeps the order of its input; identical scenarios are simulated once.

Where evaluations run: ``scheduler=None`` reads ``PLANNER_DASK_SCHEDULER`` and otherwise starts
a ``LocalCluster`` sized to the machine (one single-threaded worker process per core, no
dashboard); ``scheduler="tcp://host:8786"`` joins an existing scheduler; ``scheduler="inprocess"``
runs everything here, in order, with no Dask at all.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Literal

from planner.cost import estimate_monthly_cost
from planner.errors import ScenarioError
from planner.run import CHART_FRAMES, RunResult, run
from planner.scenario import Scenario
from planner.verdict import Verdict

if TYPE_CHECKING:
    from planner.sensitivity_runs import Replays
    from planner.sensitivity_sizing import Hints

ENV_SCHEDULER = "PLANNER_DASK_SCHEDULER"
INPROCESS = "inprocess"
Depth = Literal["own", "decide"]
Outcome = dict[str, Any]
Key = tuple[str, str]
"""(scenario as canonical JSON, depth)."""
Given = dict[str, Any]
"""What a sweep knows of its stated point, for an evaluation near it: 'sizing' (sizing hints
by counterpart kind) and 'replays' (counterpart runs by kind); 'flips': False where the
verdict's scaled flips are not read (every point but the stated one)."""


def canonical(s: Scenario) -> str:
    return json.dumps(s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def evaluate(scenario_json: str, depth: Depth = "own", given: Given | None = None) -> Outcome:
    """One evaluation: the figures a sweep compares (plain floats and strings, picklable).

    ``own`` simulates the scenario alone; ``decide`` also its edge-only and cloud-only
    counterparts, for the recommendation, starting from what ``given`` holds of the sweep's
    stated point (``Given``): a counterpart whose engine inputs it leaves unchanged is not
    simulated again (``planner.sensitivity_runs``), one that must be sized is sized from the
    stated point's size (``planner.sensitivity_sizing``). The outcome's ``sizing`` and
    ``replays`` hold this evaluation's, to start the sweep's others from. Sweeps run one
    process per evaluation, so the scenario's own replication pool is turned off here (it
    would only oversubscribe cores).
    """
    from planner.sensitivity_runs import decide
    from planner.sensitivity_sizing import sizing_hints

    s = Scenario.model_validate_json(scenario_json).with_updates({"simulation.processes": 1})
    token = CHART_FRAMES.set(False)  # a sweep reads figures only (its sizing probes too)
    sized: Hints = {}
    replays: Replays = {}
    given = given or {}
    try:
        with sizing_hints(given.get("sizing"), sized):
            if depth == "decide":
                r = decide(s, given.get("replays"), replays)
            else:
                r = run(s, decide_too=False)
    except ScenarioError as exc:
        return {"error": str(exc)}
    finally:
        CHART_FRAMES.reset(token)
    out = outcome_of(r, depth, flips=given.get("flips", True))
    return out | {"sizing": sized, "replays": replays} if depth == "decide" else out


def outcome_of(r: RunResult, depth: Depth = "decide", flips: bool = True) -> Outcome:
    """A run's figures as a sweep reads them (a sweep can start from a run it already has);
    ``flips``: with the verdict's scaled flips (a sweep reads them of its stated point only)."""
    s = r.scenario
    out: Outcome = {
        "slo_attainment": r.get("slo_attainment"),
        "p95_ms": r.get("latency_ms.p95"),
        "drop_rate": r.get("drop_rate"),
        "sensitive_left_site": r.get("sensitive_left_site"),
    }
    if depth == "decide" and r.verdict is not None:
        return out | {
            "monthly_usd": float(r.extras["cost"]["monthly_usd"]["total"]),
            "architecture": str(r.extras["decision"]["architecture"]),
            "volume_flips": scaled_flips(s, r.verdict, "volume") if flips else [],
            "price_flips": scaled_flips(s, r.verdict, "gpu_price") if flips else [],
            "sizing": sizings(r.verdict),
        }
    monthly = float(estimate_monthly_cost(s, r.figures).monthly_usd["total"])
    return out | {"monthly_usd": monthly, "architecture": ""}


def sizings(v: Verdict) -> Hints:
    """The verdict's sized counterparts as sizing hints (their configured figures unknown)."""
    from planner.sensitivity_sizing import hint_of

    return {
        a.key: hint_of(a.sizing, a.figures, None)
        for a in v.architectures
        if a.sizing is not None and a.sizing.sized is not None
    }


def scaled_flips(s: Scenario, v: Verdict, lever: str) -> list[list[Any]]:
    """[factor, option] for the verdict's flips by ``lever`` ('volume' up then down,
    'gpu_price' down then up, as the verdict lists them): costs scaled from the run, not
    simulated; what a sensitivity sweep re-simulates to confirm them."""
    from planner.verdict import first_change

    if len(v.architectures) < 2:
        return []
    if lever == "gpu_price" and not any(
        a.cost.monthly_usd["cloud_gpu"] > 0 for a in v.architectures
    ):
        return []  # as the verdict: no GPU time bought, no price flip stated
    best = v.decision.architecture
    order = (True, False) if lever == "volume" else (False, True)
    hits = (first_change(s, v.architectures, best, lever, up) for up in order)
    return [[factor, option] for factor, option in (h for h in hits if h)]


def clean(x: Any) -> Any:
    """JSON-safe: NaN and infinities become None (JSON has no NaN)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    return x


class Sweeper:
    """Evaluates scenarios through a Dask client, or in this process when it has none.

    Outcomes are kept by scenario JSON, so a sweep that asks for a configuration again (an
    optimiser revisiting a point) does not simulate it twice; ``evaluations`` counts
    simulations actually run.
    """

    def __init__(self, client: Any | None = None) -> None:
        self.client = client
        self.where = "in process" if client is None else str(client.scheduler.address)
        self.cache: dict[Key, Outcome] = {}
        self.running: dict[Key, Any] = {}
        """Futures of evaluations submitted and not yet gathered."""
        self.evaluations = 0

    def map(
        self, scenarios: list[Scenario], depth: Depth = "own", given: list[Given] | None = None
    ) -> list[Outcome]:
        return self.gather(self.submit(scenarios, depth, given))

    def submit(
        self, scenarios: list[Scenario], depth: Depth = "own", given: list[Given] | None = None
    ) -> list[Key]:
        """Start the evaluations not known or under way (``given``: per scenario, what the
        sweep knows of its stated point); ``gather`` the returned keys for the outcomes. In
        process, they run here and now, in order."""
        keys: list[Key] = [(canonical(s), depth) for s in scenarios]
        per: list[Given | None] = list(given) if given is not None else [None] * len(keys)
        given_by = dict(zip(keys, per, strict=True))
        todo = [k for k in dict.fromkeys(keys) if k not in self.cache and k not in self.running]
        if self.client is None:
            for k in todo:
                self.cache[k] = evaluate(k[0], depth, given_by[k])
        elif todo:
            futures = self.client.map(
                evaluate,
                [j for j, _ in todo],
                [depth] * len(todo),
                [given_by[k] for k in todo],
                pure=False,
            )
            self.running.update(zip(todo, futures, strict=True))
        self.evaluations += len(todo)
        return keys

    def gather(self, keys: list[Key]) -> list[Outcome]:
        waiting = [k for k in dict.fromkeys(keys) if k not in self.cache]
        if waiting:
            assert self.client is not None  # in process, nothing is left waiting
            outcomes = self.client.gather([self.running.pop(k) for k in waiting])
            self.cache.update(zip(waiting, outcomes, strict=True))
        return [self.cache[k] for k in keys]


def resolve_scheduler(scheduler: str | None) -> str | None:
    """The address to use: the argument, else $PLANNER_DASK_SCHEDULER, else None (local)."""
    chosen = scheduler or os.environ.get(ENV_SCHEDULER) or None
    if chosen is not None and chosen != INPROCESS and "://" not in chosen:
        raise ScenarioError(f"--scheduler '{chosen}': expected tcp://host:port (or '{INPROCESS}')")
    return chosen


@contextmanager
def neutral_main() -> Iterator[None]:
    """Start worker processes without re-running the caller's ``__main__``.

    Spawned workers re-import the parent's ``__main__`` by path. Under Streamlit (and its
    AppTest) that module is a generated script, possibly deleted already, so the workers die
    before they start. The workers only need ``planner``: hand them an empty ``__main__``.
    """
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


@contextmanager
def sweeper(scheduler: str | None = None, workers: int | None = None) -> Iterator[Sweeper]:
    """A Sweeper for the duration of the block (starting and stopping a LocalCluster if needed)."""
    address = resolve_scheduler(scheduler)
    if address == INPROCESS:
        yield Sweeper(None)
        return
    from distributed import Client, LocalCluster

    if address is not None:
        try:
            client = Client(address, timeout=10)  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise ScenarioError(f"--scheduler {address}: cannot connect ({exc})") from None
        with client:
            yield Sweeper(client)
        return
    with neutral_main():
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers or max(1, os.cpu_count() or 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # its HTTP server (metrics, no dashboard) on any free port: the default 8787 taken
            # by another cluster on the machine printed a "Port 8787 is already in use" warning
            scheduler_kwargs={"dashboard_address": ":0"},
            silence_logs=logging.ERROR,
        )
    try:
        with Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield Sweeper(client)
            with suppress(Exception):  # workers already gone say nothing either
                client.run(quiet_distributed)
    finally:
        with quiet_here():
            cluster.close()


def quiet_distributed() -> None:
    """Silence distributed's loggers in this process. A cluster being closed on a busy machine
    logs comm errors (a worker's heartbeat to a scheduler already gone, with its traceback)
    that say nothing about the sweep, whose answer is in hand; a user must not read them."""
    for name in list(logging.root.manager.loggerDict):
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextmanager
def quiet_here() -> Iterator[None]:
    """``quiet_distributed`` in this process (the scheduler and the nannies) for the block."""
    loggers = [
        logging.getLogger(n)
        for n in list(logging.root.manager.loggerDict)
        if n == "distributed" or n.startswith("distributed.")
    ]
    levels = [lg.level for lg in loggers]
    quiet_distributed()
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


BREAK_EVEN_FACTORS = (0.1, 0.3, 1.0, 3.0, 10.0)


def break_even_volume(
    s: Scenario, sw: Sweeper, factors: tuple[float, ...] = BREAK_EVEN_FACTORS
) -> tuple[list[dict[str, float]], float | None]:
    """``planner.compare.break_even_volume`` as a sweep: edge-only and cloud-only monthly cost
    at each volume, all simulated at once; volumes over the work limit are left out."""
    from planner.compare import crossing
    from planner.presets import apply_overrides

    base = s.workload.requests_per_month
    variants = [
        apply_overrides(
            s,
            {
                "policy.routing.kind": arch,
                "workload.requests_per_month": base * f,
                "simulation.replications": 1,
            },
        )
        for f in factors
        for arch in ("edge_only", "cloud_only")
    ]
    outcomes = sw.map(variants)
    rows = []
    for i, f in enumerate(factors):
        edge, cloud = outcomes[2 * i], outcomes[2 * i + 1]
        if "error" not in edge and "error" not in cloud:
            rows.append(
                {
                    "requests_per_month": base * f,
                    "edge_usd": edge["monthly_usd"],
                    "cloud_usd": cloud["monthly_usd"],
                }
            )
    return rows, crossing(rows)
