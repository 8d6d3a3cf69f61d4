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
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from planner.chart_tally import ChartData
from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.engines import EngineName, simulate, warm
from planner.plan import Plan
from planner.precision import (
    MIN_PRECISION_REPLICATIONS,
    precision_report,
    replications_needed,
)
from planner.scenario import Scenario
from planner.stats import mean_ci, proportion_ci
from planner.summary import summarise_segments

Progress = Callable[[int, int], None]
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
    segments = (simulate(i, eligible, e) for i, e in zip(inputs, job.engines, strict=True))
    summary, charts, simulated = summarise_segments(job.scenario, job.plan, segments, job.keep)
    return Outcome(
        job.key, job.replication, summary, charts, time.perf_counter() - started, simulated
    )


def execute(jobs: list[Job], processes: int, progress: Progress | None) -> list[Outcome]:
    """Run jobs, in worker processes when allowed; outcomes in job order."""
    out: list[Outcome] = []
    workers = min(processes, len(jobs))
    if workers > 1:
        if any("compiled" in job.engines for job in jobs):
            # compile or load the kernels once here: forked workers inherit them instead of
            # each loading numba's cache (seconds apiece)
            warm()
        # fork: workers inherit the imported engine (no re-import of __main__, no start-up cost)
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            for res in ex.map(run_job, jobs):
                out.append(res)
                if progress:
                    progress(len(out), len(jobs))
    else:
        for job in jobs:
            out.append(run_job(job))
            if progress:
                progress(len(out), len(jobs))
    return out


def combine(
    per_rep: list[dict[str, float]],
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Means across replications and their 95 % intervals (rates: t and Wilson combined)."""
    figures: dict[str, float] = {}
    ci95: dict[str, tuple[float, float]] = {}
    n = float(sum(rep["requests.arrived"] for rep in per_rep))
    for key in per_rep[0]:
        samples = [rep[key] for rep in per_rep]
        mean, lo, hi = mean_ci(samples)
        figures[key] = mean
        if is_rate(key) and len(per_rep) > 1:
            lo, hi = proportion_ci(samples, n)
        if not math.isnan(lo):
            ci95[key] = (lo, hi)
    return figures, ci95


@dataclass(frozen=True)
class Replicated:
    outcomes: list[Outcome]
    stopped_because: str


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
) -> Replicated:
    """Run the replications the stop rule asks for (``fixed``: exactly that many, as a preview
    does); counterparts run the same replications."""
    s = variants["main"]
    sim = s.simulation

    def batch(lo: int, hi: int) -> list[Outcome]:
        jobs = [
            Job(k, v, plans[k], r, engines[k], k == "main" and r == 0)
            for k, v in variants.items()
            for r in range(lo, hi)
        ]
        return execute(jobs, sim.processes, progress)

    n = fixed or first_count(s)
    outcomes = batch(0, n)
    if fixed:
        return Replicated(outcomes, f"preview: fixed replications ({n})")
    if sim.stop_rule != "precision":
        return Replicated(outcomes, f"fixed replications ({n})")
    cap, cap_why = cap_count(s, plans["main"], max_requests)
    while True:
        report = assess(outcomes, sim.relative_precision, sim.stop_rule)
        if report["met"]:
            return Replicated(outcomes, "target met")
        if n >= cap:
            return Replicated(outcomes, f"reached {cap_why} ({n} replications)")
        want = replications_needed(report, n)
        step = min(max(want - n, sim.processes), cap - n)
        outcomes += batch(n, n + step)
        n += step


def assess(
    outcomes: list[Outcome], target: float, stop_rule: str, why: str = ""
) -> dict[str, object]:
    per_rep = [o.summary for o in outcomes if o.key == "main"]
    figures, ci95 = combine(per_rep)
    return precision_report(figures, ci95, target, stop_rule, why)
