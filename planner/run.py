"""``run(scenario) -> RunResult``: the one entry point from every face to the engine.

Like a laboratory running the same experiment several times with fresh samples: it plans the
segments, runs each replication (in parallel processes when asked), closes the books per
replication and reports each figure as the mean with a 95 % interval across replications.
The dashboard, the CLI's JSON and the memo all read the RunResult; none recomputes a figure.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from planner.engine_inputs import edge_eligibility_notes, eligible_by_class, segment_inputs
from planner.errors import ScenarioError
from planner.plan import Plan, WorkLimitError, build_plan
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.stats import mean_ci, proportion_ci
from planner.summary import pool_records, summarise
from planner.verdict import Verdict
from simulations.engine import run_segment
from simulations.records import DROP_REASONS, PATHS, SERIES, SegmentRecords

SAMPLE_ROWS = 20_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    """What a run produced: the scenario, figures with intervals, series, samples, logs."""

    scenario: Scenario
    plan: Plan
    figures: dict[str, float]
    """Point estimates (mean over replications), flat dotted names with units."""
    ci95: dict[str, tuple[float, float]]
    """95 % t intervals across replications (only with >= 2 replications)."""
    replications: list[dict[str, float]]
    series: pd.DataFrame
    """Per minute of every segment of replication 0."""
    sample: pd.DataFrame
    """A bounded random sample of measured requests of replication 0."""
    latency_by_hour: pd.DataFrame
    scaling_log: pd.DataFrame
    engine: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None
    """Each architecture's figures and cost, the decision and the checklist (``run`` sets it)."""

    def get(self, name: str) -> float:
        return self.figures.get(name, math.nan)


Job = tuple[str, Scenario, Plan, int]


def _run_replication(job: Job) -> tuple[str, list[SegmentRecords], float]:
    key, scenario, plan, replication = job
    started = time.perf_counter()
    eligible = eligible_by_class(scenario)
    records = [run_segment(inp, eligible) for inp in segment_inputs(scenario, plan, replication)]
    return key, records, time.perf_counter() - started


def counterparts(scenario: Scenario, horizon: str | None = None) -> dict[str, Scenario]:
    """The edge-only and cloud-only versions of the scenario, for the decision.

    They keep the main run's replications and (given ``horizon``) its horizon, so replication r
    of each runs the same day types on the same seeds: common random numbers, and intervals
    as wide as the main run's.
    """
    out: dict[str, Scenario] = {}
    kind = scenario.policy.routing.kind
    same = {"simulation.horizon": horizon} if horizon else {}
    hybrid = () if kind in ("local_first", "split") else ("local_first",)
    for arch in ("edge_only", "cloud_only", *hybrid):
        if arch == kind or (arch != "cloud_only" and scenario.edge.device_count == 0):
            continue
        try:
            out[arch] = apply_overrides(scenario, {"policy.routing.kind": arch, **same})
        except ScenarioError:
            continue  # e.g. a context too long for edge_only: that option is not runnable
    return out


def plan_variants(
    scenario: Scenario, decide_too: bool
) -> tuple[dict[str, Scenario], dict[str, Plan], list[str]]:
    """Plans of the main run and its counterparts; a counterpart over the work limit is left
    out with a note (the main run's WorkLimitError propagates)."""
    main_plan = build_plan(scenario)
    variants, plans, notes = {"main": scenario}, {"main": main_plan}, []
    if decide_too:
        for arch, v in counterparts(scenario, main_plan.horizon).items():
            try:
                plans[arch] = build_plan(v)
            except WorkLimitError as e:
                notes.append(f"the {arch.replace('_', '-')} counterpart was not simulated: {e}")
                continue
            variants[arch] = v
    return variants, plans, notes


def execute(
    jobs: list[Job], processes: int, progress: Progress | None
) -> list[tuple[str, list[SegmentRecords], float]]:
    """Run replication jobs, in worker processes when allowed; results in job order."""
    results = []
    workers = min(processes, len(jobs))
    if workers > 1:
        # fork: workers inherit the imported engine (no re-import of __main__, no start-up cost)
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            for i, res in enumerate(ex.map(_run_replication, jobs)):
                results.append(res)
                if progress:
                    progress(i + 1, len(jobs))
    else:
        for i, job in enumerate(jobs):
            results.append(_run_replication(job))
            if progress:
                progress(i + 1, len(jobs))
    return results


def run(scenario: Scenario, progress: Progress | None = None, decide_too: bool = True) -> RunResult:
    """Simulate the scenario's replications and summarise them (WorkLimitError if too big).

    With ``decide_too`` the edge-only and cloud-only versions run on the same traffic (common
    random numbers) so that the recommendation can quote both; their figures are in
    ``extras['counterparts']``.
    """
    started = time.perf_counter()
    variants, plans, skipped = plan_variants(scenario, decide_too)
    jobs = [
        (k, v, plans[k], r) for k, v in variants.items() for r in range(v.simulation.replications)
    ]
    results = execute(jobs, scenario.simulation.processes, progress)
    main = [(recs, wall) for key, recs, wall in results if key == "main"]
    per_rep = [summarise(scenario, plans["main"], recs) for recs, _ in main]
    result = assemble(scenario, plans["main"], main, per_rep, time.perf_counter() - started)
    result.engine["notes"].extend(skipped)
    others, others_ci = {}, {}
    for key in variants:
        if key != "main":
            reps = [
                summarise(variants[key], plans[key], recs) for k, recs, _ in results if k == key
            ]
            stats = {f: mean_ci([r[f] for r in reps]) for f in reps[0]}
            others[key] = {f: m for f, (m, _, _) in stats.items()}
            others_ci[key] = {f: (lo, hi) for f, (_, lo, hi) in stats.items() if not math.isnan(lo)}
    result = attach_decision(result, others, fair=decide_too, skipped=skipped)
    result.extras["counterparts_ci95"] = others_ci
    return result


def attach_decision(
    result: RunResult,
    others: dict[str, dict[str, float]],
    fair: bool = True,
    skipped: list[str] | None = None,
) -> RunResult:
    """The verdict (each architecture's figures and cost, the decision, the checklist) on the
    result, and its plain-data form in ``extras`` for the CLI's JSON."""
    from planner.pool_bill import verdict_pool_readings
    from planner.verdict import build_verdict

    if not others and not fair:
        return result
    v = build_verdict(result.scenario, result.figures, others, fair, tuple(skipped or ()))
    own = v.own.cost
    result.extras.update(
        {
            "cost": {
                **own.as_dict(),
                "break_even_month": v.break_even_month,
                "architecture": v.own.key,
                "summary": cost_summary(own),
                "gpu_pool": verdict_pool_readings(v),
            },
            "decision": {
                **v.decision.as_dict(),
                "summary": f"{v.decision.architecture}: "
                + (v.decision.reasons[0] if v.decision.reasons else "no criterion applied"),
                "flips": list(v.flips),
                "architectures": [
                    {
                        "key": a.key,
                        "option": a.option,
                        "name": a.name,
                        "monthly_usd": a.monthly_usd,
                        "horizon_usd": a.horizon_usd,
                        "slo_attainment": a.get("slo_attainment"),
                        "drop_rate": a.get("drop_rate"),
                        "gaps": list(a.gaps),
                        "sizing": a.sizing.text(a.name) if a.sizing else None,
                    }
                    for a in v.architectures
                ],
            },
            "compliance": v.checklist.as_dict(),
        }
    )
    return replace(result, verdict=v)


def cost_summary(c: Any) -> str:
    return (
        f"${c.monthly_usd['total']:,.0f}/month, ${c.first_year_usd:,.0f} first year, "
        f"${c.horizon_usd:,.0f} over {c.horizon_years} years"
    )


RATES = ("slo_attainment", "fallback_rate", "drop_rate", "cloud.p_wait", "links.down_fraction")


def is_rate(key: str) -> bool:
    return key in RATES or key.endswith((".share", "utilization"))


def assemble(
    scenario: Scenario,
    plan: Plan,
    results: list[tuple[list[SegmentRecords], float]],
    per_rep: list[dict[str, float]],
    wall_s: float,
) -> RunResult:
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
    for key in (
        "requests.arrived",
        "requests.completed",
        "requests.dropped",
        "requests.in_flight_at_end",
        "requests.unfinished_by_book",
        "requests.in_system_at_end",
        "sensitive_left_site",
    ):
        figures[key] = float(sum(rep[key] for rep in per_rep))
    figures["requests.conservation_holds"] = float(
        all(rep["requests.conservation_holds"] == 1.0 for rep in per_rep)
    )
    for name in DROP_REASONS[1:]:
        key = f"requests.dropped_by_reason.{name}"
        figures[key] = float(sum(rep[key] for rep in per_rep))
    records = results[0][0]
    simulated = sum(int(r.arrival_s.size) for recs, _ in results for r in recs)
    engine = {
        "wall_s": wall_s,
        "replication_wall_s": [w for _, w in results],
        "simulated_requests": simulated,
        "simulated_requests_per_s": simulated / wall_s if wall_s > 0 else math.nan,
        "horizon": plan.horizon,
        "segments": [f"{g.label}" for g in plan.segments],
        "sites_simulated": plan.sites_simulated,
        "notes": list(plan.notes) + edge_eligibility_notes(scenario),
        "replications": len(per_rep),
    }
    return RunResult(
        scenario=scenario,
        plan=plan,
        figures=figures,
        ci95=ci95,
        replications=per_rep,
        series=series_frame(plan, records, scenario),
        sample=sample_frame(scenario, plan, records),
        latency_by_hour=latency_by_hour(plan, records),
        scaling_log=scaling_frame(plan, records),
        engine=engine,
    )


def series_frame(
    plan: Plan, records: list[SegmentRecords], plan_scenario: Scenario
) -> pd.DataFrame:
    frames = []
    for k, r in enumerate(records):
        minutes = r.series["pool_queue"].size
        t_min = np.arange(minutes)
        data: dict[str, Any] = {
            "segment": plan.segments[k].label,
            "minute": t_min - r.warmup_s / 60,
        }
        data.update({name: r.series[name] for name in SERIES})
        arr_min = (r.arrival_s // 60).astype(np.int64)
        data["arrivals"] = np.bincount(arr_min, minlength=minutes)[:minutes]
        done = np.isfinite(r.done_s) & (r.path >= 0)
        for code, name in enumerate(PATHS):
            sel = done & (r.path == code)
            idx = np.minimum((r.done_s[sel] // 60).astype(np.int64), minutes - 1)
            data[f"completed_{name}"] = np.bincount(idx, minlength=minutes)[:minutes]
        data["dropped"] = np.bincount(arr_min[r.path == -1], minlength=minutes)[:minutes]
        frames.append(pd.DataFrame(data))
    df = pd.concat(frames, ignore_index=True)
    df["fallback_rate"] = df["completed_fallback"] / df["arrivals"].where(df["arrivals"] > 0)
    slots = df["replicas_ready"] * capacity_per_replica(plan_scenario)
    df["gpu_utilization"] = df["pool_in_service"] / slots.where(slots > 0)
    return df


def capacity_per_replica(s: Scenario) -> int:
    """Requests one replica serves at once: sequences (LLM) or the batch size (vision)."""
    b = s.cloud.batching
    return b.max_concurrent_sequences if s.workload.is_llm else b.max_batch_size


def sample_frame(scenario: Scenario, plan: Plan, records: list[SegmentRecords]) -> pd.DataFrame:
    p = pool_records(plan, records)
    rng = np.random.default_rng([scenario.simulation.seed, 999])
    n = p.path.size
    idx = np.sort(rng.choice(n, SAMPLE_ROWS, replace=False)) if n > SAMPLE_ROWS else np.arange(n)
    names = {**{i: name for i, name in enumerate(PATHS)}, -1: "dropped", -2: "in_flight"}
    return pd.DataFrame(
        {
            "segment": [plan.segments[int(k)].label for k in p.segment[idx]],
            "arrival_s": p.arrival_s[idx],
            "path": [names[int(c)] for c in p.path[idx]],
            "latency_ms": p.latency_ms[idx],
            "ttft_ms": p.ttft_ms[idx],
            "wait_ms": p.wait_ms[idx],
            "service_ms": p.service_ms[idx],
            "sensitive": p.sensitive[idx],
            "left_site": p.left_site[idx],
            "drop_reason": [DROP_REASONS[int(c)] for c in p.reason[idx]],
            "weight": p.weight[idx],
        }
    )


def latency_by_hour(plan: Plan, records: list[SegmentRecords]) -> pd.DataFrame:
    from planner.summary import latency_stats

    p = pool_records(plan, records)
    offsets = np.array(
        [plan.segments[k].day_offset_s + records[k].warmup_s for k in range(len(records))]
    )
    hour = (((p.arrival_s + offsets[p.segment]) // 3600) % 24).astype(int)
    rows = []
    for h in range(24):
        sel = p.completed & (hour == h)
        if sel.any():
            st = latency_stats(p.latency_ms[sel], p.weight[sel])
            rows.append({"hour": h, "requests": float(p.weight[hour == h].sum()), **st})
    return pd.DataFrame(rows, columns=["hour", "requests", "mean", "p50", "p95", "p99"])


def scaling_frame(plan: Plan, records: list[SegmentRecords]) -> pd.DataFrame:
    rows = [
        {
            "segment": plan.segments[k].label,
            "time_s": t - r.warmup_s,
            "from": a,
            "to": b,
            "reason": why,
        }
        for k, r in enumerate(records)
        for t, a, b, why in r.scaling_log
    ]
    return pd.DataFrame(rows, columns=["segment", "time_s", "from", "to", "reason"])
