"""Optimise: the cheapest configurations that meet the SLO, as a Pareto front.

Like a buyer short-listing quotes: many candidate set-ups (device count and type, GPU, pool
bounds, autoscaler target, routing thresholds, budget) are each simulated on the same traffic
(common random numbers), those breaking a hard rule (SLO attainment below target, sensitive
data leaving a site, too many drops) are set aside, and of the rest only those not beaten on
every objective at once (monthly cost, SLO attainment, p95 latency) are kept.

Method: a space small enough is searched exhaustively; a larger one with Optuna's NSGA-II
(seeded, constraint-aware), asked a generation at a time so the generation is simulated in
parallel. Successive halving on replications: every candidate runs one replication; the
short-list (the feasible front plus the cheapest near-feasible points) is re-simulated with the
scenario's full replications, and only those figures are reported.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.errors import ScenarioError
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.search_space import Dimension, default_space
from planner.sweeps import Outcome, Sweeper

HARD_DEADLINE_ATTAINMENT = 0.999
"""A hard real-time deadline: all but one request in a thousand (a simulation cannot show 0)."""
NEAR_ATTAINMENT = 0.02
"""A one-replication point this close below the attainment target is short-listed anyway."""


@dataclass(frozen=True)
class Constraints:
    min_slo_attainment: float | None
    max_drop_rate: float = 0.01
    residency: bool = True
    """Sensitive requests must never leave their site (when the scenario forbids it)."""

    def violations(self, o: Outcome) -> list[str]:
        if "error" in o:
            return [f"invalid: {o['error']}"]
        out = []
        att = o["slo_attainment"]
        if self.min_slo_attainment is not None and not att >= self.min_slo_attainment:
            out.append(f"slo_attainment {att:.4f} < {self.min_slo_attainment:g}")
        if not o["drop_rate"] <= self.max_drop_rate:
            out.append(f"drop_rate {o['drop_rate']:.4f} > {self.max_drop_rate:g}")
        if self.residency and o["sensitive_left_site"] > 0:
            out.append(f"{o['sensitive_left_site']:.0f} sensitive requests left their site")
        return out


def default_constraints(s: Scenario) -> Constraints:
    """Attainment target from the tightest stated percentile (p99 -> 0.99, p95 -> 0.95, ...);
    a hard deadline asks for HARD_DEADLINE_ATTAINMENT."""
    slo = s.slo
    levels = [q for q, v in ((0.99, slo.p99_ms), (0.95, slo.p95_ms), (0.5, slo.p50_ms)) if v]
    if slo.ttft_p95_ms:
        levels.append(0.95)
    if slo.hard_deadline and levels:
        levels.append(HARD_DEADLINE_ATTAINMENT)
    return Constraints(
        min_slo_attainment=max(levels) if levels else None,
        residency=s.workload.sensitive_share > 0 and not s.policy.sensitive_may_leave_site,
    )


@dataclass(frozen=True)
class Point:
    overrides: dict[str, Any]
    outcome: Outcome
    violations: list[str]

    @property
    def feasible(self) -> bool:
        return not self.violations

    def objectives(self) -> tuple[float, float, float]:
        """(monthly USD, -attainment, p95 ms), all minimised; missing figures count as worst."""
        o = self.outcome
        if "error" in o:
            return (math.inf, math.inf, math.inf)
        att = o["slo_attainment"]
        return (o["monthly_usd"], -att if att == att else 0.0, _finite(o["p95_ms"]))

    def as_dict(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "overrides": self.overrides,
            "monthly_usd": o.get("monthly_usd"),
            "slo_attainment": o.get("slo_attainment"),
            "p95_ms": o.get("p95_ms"),
            "drop_rate": o.get("drop_rate"),
            "feasible": self.feasible,
            "violations": self.violations,
        }


def _finite(x: float) -> float:
    return x if x == x and x is not None else math.inf


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and a != b


def pareto(points: list[Point]) -> list[Point]:
    """Points no other point dominates (distinct objectives), cheapest first."""
    front = [
        p for p in points if not any(dominates(q.objectives(), p.objectives()) for q in points)
    ]
    seen, out = set(), []
    for p in sorted(front, key=lambda p: (p.objectives(), repr(p.overrides))):
        if p.objectives() not in seen:
            seen.add(p.objectives())
            out.append(p)
    return out


@dataclass
class Search:
    """The bookkeeping of one optimisation: candidates asked, their outcomes, per rung."""

    scenario: Scenario
    space: list[Dimension]
    constraints: Constraints
    sweeper: Sweeper
    evaluated: dict[str, int] = field(default_factory=lambda: {"1": 0, "2": 0})

    def variant(self, overrides: dict[str, Any], replications: int) -> Scenario | str:
        try:
            return apply_overrides(
                self.scenario, {**overrides, "simulation.replications": replications}
            )
        except ScenarioError as exc:
            return str(exc)

    def evaluate(self, candidates: list[dict[str, Any]], replications: int) -> list[Point]:
        candidates = [price_overrides(self.scenario, ov) for ov in candidates]
        variants = [self.variant(ov, replications) for ov in candidates]
        valid = [v for v in variants if isinstance(v, Scenario)]
        before = self.sweeper.evaluations
        outcomes = iter(self.sweeper.map(valid))
        self.evaluated["1" if replications == 1 else "2"] += self.sweeper.evaluations - before
        points = []
        for ov, v in zip(candidates, variants, strict=True):
            o: Outcome = next(outcomes) if isinstance(v, Scenario) else {"error": v}
            points.append(Point(ov, o, self.constraints.violations(o)))
        return points


def overrides_of(space: list[Dimension], indices: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in space:
        value = d.choices[indices[d.name]]
        for path in d.paths:
            out[path] = value
    lo, hi = out.get("cloud.min_replicas"), out.get("cloud.max_replicas")
    if lo is not None and hi is not None and lo > hi:
        out["cloud.max_replicas"] = lo  # keep min <= max: the max follows the min
    return out


def price_overrides(s: Scenario, ov: dict[str, Any]) -> dict[str, Any]:
    """A price typed for one GPU or device does not carry to another: use the catalog's."""
    extra: dict[str, Any] = {}
    if ov.get("cloud.gpu", s.cloud.gpu) != s.cloud.gpu and s.cloud.gpu_hourly_usd is not None:
        extra["cloud.gpu_hourly_usd"] = None
    device_changed = ov.get("edge.device", s.edge.device) != s.edge.device
    if device_changed and s.edge.capex_usd_per_device is not None:
        extra["edge.capex_usd_per_device"] = None
    return {**ov, **extra}


def grid(space: list[Dimension]) -> list[dict[str, Any]]:
    names = [d.name for d in space]
    combos = itertools.product(*(range(len(d.choices)) for d in space))
    return [overrides_of(space, dict(zip(names, c, strict=True))) for c in combos]


def search_nsga2(search: Search, evaluations: int, seed: int) -> list[Point]:
    """NSGA-II over choice indices, a generation at a time (each simulated in parallel)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    population = max(6, min(20, evaluations // 3))
    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    study = optuna.create_study(directions=["minimize"] * 3, sampler=sampler)
    for start in initial_design(search.space, population, seed):
        study.enqueue_trial(start)
    points: list[Point] = []
    while len(points) < evaluations:
        trials = [study.ask() for _ in range(min(population, evaluations - len(points)))]
        candidates = [
            overrides_of(
                search.space,
                {d.name: t.suggest_int(d.name, 0, len(d.choices) - 1) for d in search.space},
            )
            for t in trials
        ]
        batch = search.evaluate(candidates, 1)
        for t, p in zip(trials, batch, strict=True):
            for key, value in constraint_values(search.constraints, p).items():
                t.set_constraint(key, value)
            study.tell(t, [min(v, 1e18) for v in p.objectives()])
        points += batch
    return points


def constraint_values(c: Constraints, p: Point) -> dict[str, float]:
    """Optuna's convention: each value <= 0 means satisfied."""
    o = p.outcome
    if "error" in o:
        return {"slo": 1.0, "drops": 1.0, "residency": 1.0}
    att = o["slo_attainment"]
    return {
        "slo": (c.min_slo_attainment - att)
        if c.min_slo_attainment is not None and att == att
        else 0.0,
        "drops": o["drop_rate"] - c.max_drop_rate,
        "residency": float(o["sensitive_left_site"]) if c.residency else 0.0,
    }


def initial_design(space: list[Dimension], n: int, seed: int) -> list[dict[str, int]]:
    """A stratified first generation (each dimension's range covered evenly, seeded shuffle)."""
    rng = np.random.default_rng([seed, 14])
    columns = {}
    for d in space:
        k = len(d.choices)
        idx = [min(k - 1, int((i + 0.5) * k / n)) for i in range(n)]
        columns[d.name] = [int(x) for x in rng.permutation(idx)]
    return [{name: col[i] for name, col in columns.items()} for i in range(n)]


def shortlist(points: list[Point], c: Constraints, k: int) -> list[dict[str, Any]]:
    """Rung-1 survivors: the feasible front plus the k cheapest (nearly) feasible points."""
    feasible = [p for p in points if p.feasible]

    def near(p: Point) -> bool:
        if "error" in p.outcome:
            return False
        relaxed = Constraints(
            None if c.min_slo_attainment is None else c.min_slo_attainment - NEAR_ATTAINMENT,
            c.max_drop_rate * 2,
            c.residency,
        )
        return not relaxed.violations(p.outcome)

    cheap = sorted((p for p in points if near(p)), key=lambda p: p.objectives())[:k]
    out: dict[str, dict[str, Any]] = {}
    for p in [*pareto(feasible), *cheap]:
        out.setdefault(repr(sorted(p.overrides.items())), p.overrides)
    return list(out.values())


@dataclass(frozen=True)
class OptimiseResult:
    method: str
    points: list[Point]
    front: list[Point]
    evaluated: dict[str, int]
    trials: int
    constraints: Constraints
    space: list[Dimension]
    where: str

    @property
    def cheapest_feasible(self) -> Point | None:
        ok = [p for p in self.points if p.feasible]
        return min(ok, key=lambda p: p.objectives()) if ok else None


def optimise(
    s: Scenario,
    sweeper: Sweeper,
    evaluations: int = 60,
    space: list[Dimension] | None = None,
    constraints: Constraints | None = None,
) -> OptimiseResult:
    """Search the space; report the re-simulated short-list's front and its cheapest point."""
    space = space or default_space(s)
    constraints = constraints or default_constraints(s)
    search = Search(s, space, constraints, sweeper)
    size = math.prod(len(d.choices) for d in space)
    if size <= evaluations:
        method, rung1 = "grid", search.evaluate(grid(space), 1)
    else:
        method, rung1 = "nsga2", search_nsga2(search, evaluations, s.simulation.seed)
    final = rung1
    if s.simulation.replications > 1:
        keep = shortlist(rung1, constraints, max(3, evaluations // 6))
        final = search.evaluate(keep, s.simulation.replications)
    feasible = [p for p in final if p.feasible]
    return OptimiseResult(
        method=method,
        points=final,
        front=pareto(feasible or final),
        evaluated=search.evaluated,
        trials=len(rung1),
        constraints=constraints,
        space=space,
        where=sweeper.where,
    )


def optimise_json(r: OptimiseResult) -> dict[str, Any]:
    best = r.cheapest_feasible
    return {
        "method": r.method,
        "front": [p.as_dict() for p in r.front],
        "cheapest_feasible": best.as_dict() if best else None,
        "evaluated": sum(r.evaluated.values()),
        "evaluated_by_rung": r.evaluated,
        "trials": r.trials,
        "constraints": {
            "min_slo_attainment": r.constraints.min_slo_attainment,
            "max_drop_rate": r.constraints.max_drop_rate,
            "residency": r.constraints.residency,
        },
        "space": [
            {"name": d.name, "paths": list(d.paths), "choices": list(d.choices)} for d in r.space
        ],
    }
