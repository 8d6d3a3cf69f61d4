"""Run a scenario's replications (and its counterparts') until the answer is as precise as asked.

Like a lab that hands out samples to two technicians: each technician runs one replication,
writes its summary on a card and throws the raw readings away (only replication 0's readings
are kept, for the charts), so memory holds one replication per worker whatever their number.
With the precision stop rule the lab keeps handing out replications until the key figures'
intervals are narrow enough, the cap is reached or the work limit would be crossed.
Replication r of every run uses the seeds ``(seed, r, segment)``, so the figures do not
depend on the number of worker processes or on which engine simulated a segment.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

from planner.chart_tally import ChartData
from planner.engine_inputs import eligible_by_class, gpus_per_replica, segment_inputs
from planner.engines import EngineName, simulate, warm
from planner.plan import Plan
from planner.precision import (
    MIN_PRECISION_REPLICATIONS,
    precision_report,
    replications_needed,
)
from planner.preview import COUNTERPART_REPLICATIONS
from planner.preview_hold import HoldTally
from planner.scenario import Scenario
from planner.stats import across_replications, lowest_of, proportion_ci
from planner.summary import summarise_segments

Progress = Callable[[int, int], None]
Saturated = Callable[[dict[str, dict[str, float]]], None]
"""Told the figures of the counterparts whose first replication showed them far over their
capacity, as soon as it is known (``planner.sizing_ahead``)."""
RATES = ("slo_attainment", "fallback_rate", "drop_rate", "cloud.p_wait", "links.down_fraction")


def is_rate(key: str) -> bool:
    return key in RATES or key.endswith((".share", "utilization"))


@dataclass(frozen=True)
class Job:
    """One replication of one run (the main scenario or a counterpart)."""

    key: str
    scenario: Scenario
    plan: Plan
    replication: int
    engines: tuple[EngineName, ...]
    """The engine of each segment."""
    keep: bool
    """Return the charts' data (replication 0 of the main run)."""


@dataclass(frozen=True)
class Outcome:
    """What one replication left behind: its summary, and its charts' data only when kept."""

    key: str
    replication: int
    summary: dict[str, float]
    charts: ChartData | None
    wall_s: float
    simulated: int


def run_job(job: Job) -> Outcome:
    started = time.perf_counter()
    eligible = eligible_by_class(job.scenario)
    inputs = segment_inputs(job.scenario, job.plan, job.replication)
    # one segment at a time: each is tallied and its requests dropped before the next runs
    holds = HoldTally(job.scenario, job.plan, gpus_per_replica(job.scenario))
    segments = (
        holds.seen(g, simulate(i, eligible, e))
        for g, i, e in zip(job.plan.segments, inputs, job.engines, strict=True)
    )
    summary, charts, simulated = summarise_segments(job.scenario, job.plan, segments, job.keep)
    holds.correct(summary)  # a preview's pool holds at their real length (planner.preview_hold)
    return Outcome(
        job.key, job.replication, summary, charts, time.perf_counter() - started, simulated
    )


class Workers:
    """The worker processes of one run, forked when first needed and shared by its
    replications and the decision's sizing probes (a pool forked and closed for each probe
    round cost about as much as a seasonal probe itself).

    Jobs take turns: one is handed to the pool only when a worker is idle, and a waiting urgent
    job (a sizing probe the decision waits on, ``planner.sizing_ahead``) goes before the
    replications; while a sizing ahead prepares its next round, one worker is kept for it."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.size = 0
        self.turns = threading.Condition()
        self.idle = 0
        self.urgent_waiting = self.urgent_running = 0
        self.sizings = 0
        """Sizings running ahead: each keeps a worker while it has no probe running."""
        self.ended = False

    def get(self, workers: int) -> ProcessPoolExecutor:
        if self.ended:  # a sizing ahead still running after its run failed: no new pool
            raise RuntimeError("the run's worker processes are closed")
        workers = usable_workers(workers)
        if self.pool is None or self.size < workers:
            self.close()
            self.pool = fork_pool(workers)
            self.size = self.idle = workers
        return self.pool

    def take_turn(self, urgent: bool) -> None:
        with self.turns:
            self.urgent_waiting += urgent
            while not self.may_start(urgent):
                self.turns.wait()
            self.urgent_waiting -= urgent
            self.urgent_running += urgent
            self.idle -= 1

    def may_start(self, urgent: bool) -> bool:
        if urgent:
            return self.idle > 0
        kept = max(0, self.sizings - self.urgent_running)
        return self.idle > kept and not self.urgent_waiting

    def end_turn(self, urgent: bool, _: object = None) -> None:
        with self.turns:
            self.idle += 1
            self.urgent_running -= urgent
            self.turns.notify_all()

    def sizing(self, change: int) -> None:
        """A sizing ahead starts (+1) or ends (-1)."""
        with self.turns:
            self.sizings += change
            self.turns.notify_all()

    def run(self, jobs: list[Job], urgent: bool) -> Iterator[Outcome]:
        """Outcomes in job order, each job handed to the pool when it is its turn."""
        pool = self.get(self.size)
        pending: deque[Future[Outcome]] = deque()
        for job in jobs:
            while pending and pending[0].done():
                yield pending.popleft().result()
            self.take_turn(urgent)
            fut = pool.submit(run_job, job)
            fut.add_done_callback(partial(self.end_turn, urgent))
            pending.append(fut)
        while pending:
            yield pending.popleft().result()

    def close(self, end: bool = False) -> None:
        self.ended = self.ended or end
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None


WORKERS: ContextVar[Workers | None] = ContextVar("WORKERS", default=None)


@contextmanager
def shared_workers() -> Iterator[None]:
    """Inside it, ``execute`` reuses one pool of worker processes (closed on leaving)."""
    if WORKERS.get() is not None:  # an outer run's pool serves this one too
        yield
        return
    workers = Workers()
    token = WORKERS.set(workers)
    try:
        yield
    finally:
        WORKERS.reset(token)
        workers.close(end=True)


def usable_workers(workers: int) -> int:
    """At most one worker a core: more only thrash (the figures do not depend on the number), and
    a link's ``simulation.processes: 64`` must not fork 64 processes on a shared server."""
    return max(1, min(workers, os.cpu_count() or 1))


def fork_pool(workers: int) -> ProcessPoolExecutor:
    # fork: workers inherit the imported engine (no re-import of __main__, no start-up cost)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


IN_PROCESS_MAX_REQUESTS = 300_000
"""A replication expected to simulate more requests than this runs in a worker process even
when it runs alone (unless ``simulation.processes`` is 1): the engine's arrays for one segment
take ~400 B a request at their peak, and they are then freed with the worker instead of
raising the parent's peak for the rest of its life (the parent holds the answer, not them)."""


def too_big_in_process(job: Job) -> bool:
    return job.plan.expected_requests > IN_PROCESS_MAX_REQUESTS


SMALL_BATCH_REQUESTS = 60_000
"""A batch of jobs expected to simulate fewer requests than this in all runs in this process,
one after the other, while no worker has been forked: forking the workers, loading them and
sending the summaries back costs more than the second core saves on ~60k requests (~0.06 s of
work). A small scenario in a fresh process (``benchmarks/engine_targets.py fresh``) spent
0.13 s more CPU with workers."""


def in_process(jobs: list[Job], processes: int, urgent: bool = False) -> bool:
    """Whether ``execute`` runs the jobs here rather than in worker processes."""
    if processes <= 1:
        return True
    shared = WORKERS.get()
    forked = shared is not None and shared.pool is not None
    if urgent and forked:
        return False
    if not forked and sum(job.plan.expected_requests for job in jobs) < SMALL_BATCH_REQUESTS:
        return True
    return len(jobs) <= 1 and not any(map(too_big_in_process, jobs))


def execute(
    jobs: list[Job], processes: int, progress: Progress | None, urgent: bool = False
) -> list[Outcome]:
    """Run jobs, in worker processes when allowed and worth it (``in_process``; the run's
    shared pool where there is one, ``shared_workers``, taking turns with other threads' jobs:
    ``urgent`` ones first, and in it even alone); outcomes in job order."""
    out: list[Outcome] = []
    workers = min(processes, len(jobs))
    shared = WORKERS.get()
    if not in_process(jobs, processes, urgent):
        if any("compiled" in job.engines for job in jobs):
            # compile or load the kernels once here: forked workers inherit them instead of
            # each loading numba's cache (seconds apiece)
            warm()
        ex: ProcessPoolExecutor | None = None
        if shared is not None:
            shared.get(max(workers, processes))
            results: Iterable[Outcome] = shared.run(jobs, urgent)
        else:
            ex = fork_pool(usable_workers(workers))
            results = ex.map(run_job, jobs)
        try:
            for res in results:
                out.append(res)
                if progress:
                    progress(len(out), len(jobs))
        finally:
            if ex is not None:
                ex.shutdown()
    else:
        for job in jobs:
            out.append(run_job(job))
            if progress:
                progress(len(out), len(jobs))
    return out


POOL_WORK = 3.0
"""Work of a request that reaches a GPU pool (its batching, scaler ticks and links) against one
served on a device alone, roughly, as measured per simulated request (the kiosk 0.9 vs
0.5 us, the seasonal app's hybrid 1.5 vs 0.4 us): the order in which jobs start."""


def expected_work(job: Job) -> float:
    """A job's expected simulated requests, weighted by what a request costs to simulate."""
    weight = 1.0 if job.scenario.policy.routing.kind == "edge_only" else POOL_WORK
    return job.plan.expected_requests * weight


def longest_first(jobs: list[Job], processes: int, progress: Progress | None) -> list[Outcome]:
    """``execute`` with the longest jobs started first (the last job to start is then a short
    one, so neither worker idles long at the end), outcomes still in job order."""
    order = sorted(range(len(jobs)), key=lambda i: -expected_work(jobs[i]))
    done = execute([jobs[i] for i in order], processes, progress)
    out: list[Outcome | None] = [None] * len(jobs)
    for i, outcome in zip(order, done, strict=True):
        out[i] = outcome
    return [o for o in out if o is not None]


def combine(
    per_rep: list[dict[str, float]],
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Means across replications and their 95 % intervals (rates: t and Wilson combined); a
    peak is the largest replication's, with the lowest as ``<key>_min`` (``stats.MAXIMA``)."""
    figures: dict[str, float] = {}
    ci95: dict[str, tuple[float, float]] = {}
    n = float(sum(rep["requests.arrived"] for rep in per_rep))
    for key in per_rep[0]:
        samples = [rep[key] for rep in per_rep]
        mean, lo, hi = across_replications(key, samples)
        figures[key] = mean
        if is_rate(key) and len(per_rep) > 1:
            lo, hi = proportion_ci(samples, n)
        if not math.isnan(lo):
            ci95[key] = (lo, hi)
    figures.update(lowest_of(per_rep))
    return figures, ci95


@dataclass(frozen=True)
class Replicated:
    outcomes: list[Outcome]
    stopped_because: str
    saturated: tuple[str, ...] = ()
    """Counterparts run for one replication only: it showed them far over their capacity, so
    the decision prices them at a size it finds (``planner.sizing``), not as configured."""


def first_count(s: Scenario) -> int:
    sim = s.simulation
    if sim.stop_rule == "precision":
        return min(max(sim.replications, MIN_PRECISION_REPLICATIONS), sim.max_replications)
    return sim.replications


def cap_count(s: Scenario, plan: Plan, max_requests: int) -> tuple[int, str]:
    """The most replications the precision rule may run, and what caps it."""
    sim = s.simulation
    within = int(max_requests // max(plan.expected_requests, 1.0))
    if within < sim.max_replications:
        return max(within, first_count(s)), "the work limit"
    return sim.max_replications, f"simulation.max_replications ({sim.max_replications})"


def replicate(
    variants: dict[str, Scenario],
    plans: dict[str, Plan],
    engines: dict[str, tuple[EngineName, ...]],
    max_requests: int,
    progress: Progress | None = None,
    fixed: int | None = None,
    on_saturated: Saturated | None = None,
) -> Replicated:
    """Run the replications the stop rule asks for (``fixed``: exactly that many of the main run
    and ``COUNTERPART_REPLICATIONS`` of each counterpart, as a preview does); counterparts run
    the same replications, except one far over its capacity after its first
    (``first_replications``)."""
    s = variants["main"]
    sim = s.simulation

    def job(k: str, r: int) -> Job:
        return Job(k, variants[k], plans[k], r, engines[k], k == "main" and r == 0)

    def batch(lo: int, hi: int, keys: list[str]) -> list[Outcome]:
        jobs = [job(k, r) for k in keys for r in range(lo, hi)]
        return longest_first(jobs, sim.processes, progress)

    n = fixed or first_count(s)
    saturated: list[str] = []
    if fixed:  # a preview: the main run's replications, and one of each counterpart
        others = [k for k in variants if k != "main"]
        jobs = [job("main", r) for r in range(n)]
        jobs += [job(k, r) for k in others for r in range(COUNTERPART_REPLICATIONS)]
        outcomes = longest_first(jobs, sim.processes, progress)
    elif n < 2 or len(variants) == 1:
        outcomes = batch(0, n, list(variants))
    else:
        outcomes, saturated = first_replications(
            variants, n, job, sim.processes, progress, on_saturated
        )
    if fixed:
        return Replicated(outcomes, f"preview: fixed replications ({n})")
    if sim.stop_rule != "precision":
        return Replicated(outcomes, f"fixed replications ({n})", tuple(saturated))
    cap, cap_why = cap_count(s, plans["main"], max_requests)
    while True:
        report = assess(outcomes, sim.relative_precision, sim.stop_rule)
        if report["met"]:
            return Replicated(outcomes, "target met", tuple(saturated))
        if n >= cap:
            return Replicated(outcomes, f"reached {cap_why} ({n} replications)", tuple(saturated))
        want = replications_needed(report, n)
        step = min(max(want - n, sim.processes), cap - n)
        outcomes += batch(n, n + step, [k for k in variants if k not in saturated])
        n += step


def first_replications(
    variants: dict[str, Scenario],
    n: int,
    job: Callable[[str, int], Job],
    processes: int,
    progress: Progress | None,
    on_saturated: Saturated | None = None,
) -> tuple[list[Outcome], list[str]]:
    """The main run's first ``n`` replications with each counterpart's first, then the
    counterparts' other replications, except those whose first showed them far over their
    capacity (``planner.sizing.surely_undersized``): the decision prices those at a size it
    finds, so their other replications would only refine the drop rate it quotes for them."""
    from planner.sizing_rules import surely_undersized

    others = [k for k in variants if k != "main"]
    head = [job("main", r) for r in range(n)] + [job(k, 0) for k in others]
    total = n * len(variants)

    def step(base: int) -> Progress | None:
        return (lambda done, _: progress(base + done, total)) if progress else None

    done = longest_first(head, processes, step(0))
    first = {o.key: o.summary for o in done if o.key != "main"}
    saturated = [k for k in others if surely_undersized(k, first[k])]
    if on_saturated is not None and saturated:
        on_saturated({k: first[k] for k in saturated})  # their sizing may start at once
    rest = [job(k, r) for k in others if k not in saturated for r in range(1, n)]
    total = len(head) + len(rest)
    return done + longest_first(rest, processes, step(len(head))), saturated


def assess(
    outcomes: list[Outcome], target: float, stop_rule: str, why: str = ""
) -> dict[str, object]:
    per_rep = [o.summary for o in outcomes if o.key == "main"]
    figures, ci95 = combine(per_rep)
    return precision_report(figures, ci95, target, stop_rule, why)
