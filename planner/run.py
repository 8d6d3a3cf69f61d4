"""``run(scenario) -> RunResult``: the one entry point from every face to the engine.

Like a laboratory running the same experiment several times with fresh samples: it plans the
segments, runs each replication (in parallel processes when asked), closes the books per
replication and reports each figure as the mean with a 95 % interval across replications.
The dashboard, the CLI's JSON and the memo all read the RunResult; none recomputes a figure.
"""

from __future__ import annotations

import math
import time
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from planner.chart_tally import SAMPLE_ROWS as SAMPLE_ROWS
from planner.chart_tally import ChartData
from planner.engine_inputs import edge_eligibility_notes
from planner.engines import DEFAULT_ENGINE
from planner.plan import Plan, request_limit
from planner.precision import precision_report
from planner.prepare import MODES as MODES
from planner.prepare import Mode as Mode
from planner.prepare import Prepared, prepare
from planner.prepare import counterparts as counterparts
from planner.preview import PREVIEW_REPLICATIONS
from planner.replicate import RATES as RATES
from planner.replicate import Outcome, Replicated, assess, combine, replicate, shared_workers
from planner.replicate import Progress as Progress
from planner.replicate import is_rate as is_rate
from planner.sampled_hours import queue_notes
from planner.scenario import Scenario
from planner.sizing_ahead import sizing_ahead
from planner.stats import across_replications
from planner.verdict import Verdict
from simulations.records import DROP_REASONS

if TYPE_CHECKING:  # pandas is imported when a run builds its frames (planner.frames)
    import pandas as pd


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
    charts: ChartData | None
    """Replication 0's chart data, bounded whatever the volume (None where only figures are
    read: ``CHART_FRAMES``); the frames below are built from it when first read."""
    engine: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None
    """Each architecture's figures and cost, the decision and the checklist (``run`` sets it)."""

    def get(self, name: str) -> float:
        return self.figures.get(name, math.nan)

    @cached_property
    def frames(self) -> dict[str, pd.DataFrame]:
        """The charts' frames (pandas is imported here, not by a run that only reads figures)."""
        from planner import frames

        if self.charts is None:
            return frames.empty_frames()
        return frames.chart_frames(self.scenario, self.plan, self.charts)

    @property
    def series(self) -> pd.DataFrame:
        """Per minute of every segment of replication 0."""
        return self.frames["series"]

    @property
    def sample(self) -> pd.DataFrame:
        """A bounded random sample of measured requests of replication 0."""
        return self.frames["sample"]

    @property
    def latency_by_hour(self) -> pd.DataFrame:
        return self.frames["latency_by_hour"]

    @property
    def scaling_log(self) -> pd.DataFrame:
        return self.frames["scaling_log"]


PROBE_SETTINGS: ContextVar[tuple[str, str]] = ContextVar(
    "PROBE_SETTINGS", default=(DEFAULT_ENGINE, "full")
)
"""(engine, mode) of the run being decided: its sizing probes run the same way (a preview's
counterparts are sized by previews, not by full runs at the scenario's volume)."""


CHART_FRAMES: ContextVar[bool] = ContextVar("CHART_FRAMES", default=True)
"""False where only figures are read (a sweep's evaluations and the sizing probes they run):
replication 0's chart frames (series, sample, latency by hour, scaling log) are left empty."""


def run(
    scenario: Scenario,
    progress: Progress | None = None,
    decide_too: bool = True,
    engine: str = DEFAULT_ENGINE,
    mode: str = "full",
) -> RunResult:
    """Simulate the scenario's replications and summarise them (WorkLimitError if too big).

    With ``decide_too`` the edge-only and cloud-only versions run on the same traffic (common
    random numbers) so that the recommendation can quote both; their figures are in
    ``extras['counterparts']``. ``engine``: 'compiled' (where it covers a segment; the SimPy
    engine elsewhere, with a notice) or 'simpy'; the figures are the same either way.
    ``mode``: 'full', or 'preview' (a fixed budget of simulated requests, for quick answers).
    """
    with shared_workers():
        return simulate_and_decide(scenario, progress, decide_too, engine, mode)


def simulate_and_decide(
    scenario: Scenario,
    progress: Progress | None,
    decide_too: bool,
    engine: str,
    mode: str,
) -> RunResult:
    """``run`` inside one pool of worker processes (replications and sizing probes share it)."""
    started = time.perf_counter()
    prep = prepare(scenario, decide_too, engine, mode)
    variants, plans = prep.variants, prep.plans
    limit = request_limit(scenario, prep.cost)
    fixed = PREVIEW_REPLICATIONS if prep.mode == "preview" else None
    with sizing_ahead(scenario, (engine, mode), decide_too) as on_saturated:
        done = replicate(variants, plans, prep.picks, limit, progress, fixed, on_saturated)
        return finish(scenario, prep, done, started, engine, mode, decide_too)


def finish(
    scenario: Scenario,
    prep: Prepared,
    done: Replicated,
    started: float,
    engine: str,
    mode: str,
    decide_too: bool,
) -> RunResult:
    """The run's result from its replications, with the decision attached."""
    variants, plans = prep.variants, prep.plans
    main = [o for o in done.outcomes if o.key == "main"]
    result = assemble(scenario, plans["main"], main, time.perf_counter() - started)
    result.engine["notes"].extend(prep.skipped)
    result.engine.update(prep.engine_block())
    result.engine["precision"] = assess(
        main,
        scenario.simulation.relative_precision,
        scenario.simulation.stop_rule,
        done.stopped_because,
    )
    result.engine["simulated_requests_all_runs"] = sum(o.simulated for o in done.outcomes)
    others, others_ci = {}, {}
    for key in variants:
        if key != "main":
            reps = [o.summary for o in done.outcomes if o.key == key]
            stats = {f: across_replications(f, [r[f] for r in reps]) for f in reps[0]}
            others[key] = {f: m for f, (m, _, _) in stats.items()}
            others_ci[key] = {f: (lo, hi) for f, (_, lo, hi) in stats.items() if not math.isnan(lo)}
    result.engine["notes"].extend(queue_notes(plans, {"main": result.figures, **others}))
    result.engine["notes"].extend(saturated_notes(done.saturated, others))
    result.engine["counterparts_precision"] = {
        key: precision_report(
            others[key],
            others_ci[key],
            scenario.simulation.relative_precision,
            scenario.simulation.stop_rule,
            "one replication: priced at a size found" if key in done.saturated else "",
        )
        for key in others
    }
    token = PROBE_SETTINGS.set((engine, mode))
    try:
        result = attach_decision(result, others, fair=decide_too, skipped=prep.skipped)
    finally:
        PROBE_SETTINGS.reset(token)
    result.extras["counterparts_ci95"] = others_ci
    return result


def saturated_notes(keys: tuple[str, ...], others: dict[str, dict[str, float]]) -> list[str]:
    """Why a counterpart as configured ran one replication (``Replicated.saturated``)."""
    out = []
    for key in keys:
        f = others.get(key, {})
        util = f.get("cloud.utilization" if key == "cloud_only" else "edge.utilization", math.nan)
        out.append(
            f"the {key.replace('_', '-')} counterpart as configured ran one replication: it was "
            f"far over its capacity (busy {util:.0%} of the time, dropping "
            f"{f.get('drop_rate', math.nan):.1%} of requests), so the decision prices it at the "
            "size it finds; more replications would refine only the drop rate quoted for it"
        )
    return out


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


def assemble(scenario: Scenario, plan: Plan, main: list[Outcome], wall_s: float) -> RunResult:
    """The main run's figures, intervals and replication 0's chart data."""
    per_rep = [o.summary for o in main]
    figures, ci95 = combine(per_rep)
    figures.update(summed_counts(per_rep))
    charts = main[0].charts
    assert charts is not None  # replication 0 of the main run keeps its chart data
    simulated = sum(o.simulated for o in main)
    engine = {
        "wall_s": wall_s,
        "replication_wall_s": [o.wall_s for o in main],
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
        charts=charts if CHART_FRAMES.get() else None,
        engine=engine,
    )


COUNTS = (
    "requests.arrived",
    "requests.completed",
    "requests.completed_in_window",
    "requests.dropped",
    "requests.in_flight_at_end",
    "requests.unfinished_by_book",
    "requests.in_system_at_end",
    "sensitive_left_site",
    *(f"requests.dropped_by_reason.{name}" for name in DROP_REASONS[1:]),
)
"""Figures that are counts: a run reports their sum over its replications, not their mean."""


def summed_counts(per_rep: list[dict[str, float]]) -> dict[str, float]:
    """The counts summed over replications, and whether every replication conserved requests."""
    out = {key: float(sum(rep[key] for rep in per_rep)) for key in COUNTS}
    out["requests.conservation_holds"] = float(
        all(rep["requests.conservation_holds"] == 1.0 for rep in per_rep)
    )
    return out
