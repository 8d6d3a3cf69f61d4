"""Before a run: its plans, the engine of every segment, and the work limit of those engines.

Like a dispatcher reading an order before it reaches the floor: which variants to make (the
scenario and the decision's counterparts), which line makes each part (the compiled engine
where it covers a segment, else the SimPy reference, with the reason), and whether the order
fits the shop (the work limit of the engine that will do it); an order too big is refused with
the estimate before any work starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from planner.engine_inputs import segment_inputs
from planner.engines import (
    DEFAULT_ENGINE,
    ENGINES,
    EngineCost,
    EngineName,
    check_engine,
    choose,
    cost_of,
    notices,
    used,
)
from planner.errors import ScenarioError
from planner.plan import Plan, WorkLimitError, build_plan, check_work
from planner.presets import apply_overrides
from planner.preview import preview_plan
from planner.scenario import Scenario

Mode = Literal["full", "preview"]
MODES: tuple[Mode, ...] = ("full", "preview")


def check_mode(name: str) -> Mode:
    """The answer mode, or ValueError naming the allowed values."""
    if name not in MODES:
        raise ValueError(f"mode '{name}' is not one of: {', '.join(MODES)}")
    return name


def counterparts(scenario: Scenario, horizon: str | None = None) -> dict[str, Scenario]:
    """The edge-only and cloud-only versions of the scenario, for the decision.

    They keep the main run's replications and (given ``horizon``) its horizon, so replication r
    of each runs the same day types on the same seeds: common random numbers, and intervals
    as wide as the main run's.
    """
    out: dict[str, Scenario] = {}
    kind = scenario.policy.routing.kind
    # sampled hours are representative days cut short: each counterpart sizes its own by its
    # volume (the cloud-only one of a fleet sharing a pool sees every site's traffic)
    day_horizon = "representative_days" if horizon == "sampled_hours" else horizon
    same = {"simulation.horizon": day_horizon} if day_horizon else {}
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
    scenario: Scenario, decide_too: bool, mode: Mode = "full"
) -> tuple[dict[str, Scenario], dict[str, Plan], list[str]]:
    """Plans of the main run and its counterparts, not yet checked against the work limit
    (that depends on the engine each segment runs on)."""
    main_plan = plan_for(scenario, mode)
    variants, plans, notes = {"main": scenario}, {"main": main_plan}, []
    if decide_too:
        # a preview's counterparts follow the horizon of the main run's full plan
        horizon = build_plan(scenario, check=False).horizon if mode == "preview" else None
        for arch, v in counterparts(scenario, horizon or main_plan.horizon).items():
            try:
                plans[arch] = plan_for(v, mode)
            except WorkLimitError as e:
                notes.append(f"the {arch.replace('_', '-')} counterpart was not simulated: {e}")
                continue
            variants[arch] = v
    return variants, plans, notes


def plan_for(s: Scenario, mode: Mode) -> Plan:
    return preview_plan(s) if mode == "preview" else build_plan(s, check=False)


def pick_engines(
    variants: dict[str, Scenario], plans: dict[str, Plan], asked: EngineName
) -> tuple[dict[str, tuple[EngineName, ...]], list[str]]:
    """Each run's engine per segment (asked of the compiled engine on replication 0's inputs:
    the other replications differ only in their seeds) and the notices where it refused."""
    picks: dict[str, tuple[EngineName, ...]] = {}
    refusals: dict[str, list[str]] = {}
    for key, v in variants.items():
        chosen, refusals[key] = choose(segment_inputs(v, plans[key], 0), asked)
        picks[key] = tuple(chosen)
    sizes = {k: len(p.segments) for k, p in plans.items() if k in variants}
    return picks, notices(refusals, sizes)


def check_variants(
    variants: dict[str, Scenario],
    plans: dict[str, Plan],
    picks: dict[str, tuple[EngineName, ...]],
    skipped: list[str],
) -> dict[str, Scenario]:
    """The work limit of each run's engine: the main run's refusal propagates, a counterpart
    over it is left out with a note."""
    kept = {}
    for key, v in variants.items():
        try:
            check_work(plans[key], v, cost_of(list(picks[key])))
        except WorkLimitError as e:
            if key == "main":
                raise
            skipped.append(f"the {key.replace('_', '-')} counterpart was not simulated: {e}")
            continue
        kept[key] = v
    return kept


def engine_block(
    asked: EngineName,
    mode: Mode,
    picks: dict[str, tuple[EngineName, ...]],
    engine_notices: list[str],
) -> dict[str, Any]:
    """What ran the segments: the result's ``engine.used``, ``requested``, ``mode``, notices."""
    return {
        "requested": asked,
        "used": used({k: list(v) for k, v in picks.items()}),
        "mode": mode,
        "notices": engine_notices,
        "segments_by_engine": {e: sum(p.count(e) for p in picks.values()) for e in ENGINES},
    }


@dataclass(frozen=True)
class Prepared:
    """A run ready to go: its variants and plans, each one's engine per segment, the notices."""

    asked: EngineName
    mode: Mode
    variants: dict[str, Scenario]
    plans: dict[str, Plan]
    picks: dict[str, tuple[EngineName, ...]]
    notices: list[str]
    skipped: list[str]
    """Counterparts left out (over the work limit, or not runnable), in words."""

    @property
    def cost(self) -> EngineCost:
        """The constants of the engine(s) the main run uses."""
        return cost_of(list(self.picks["main"]))

    def engine_block(self) -> dict[str, Any]:
        return engine_block(self.asked, self.mode, self.picks, self.notices)


def prepare(
    scenario: Scenario, decide_too: bool = True, engine: str = DEFAULT_ENGINE, mode: str = "full"
) -> Prepared:
    """Plan the run and pick its engines; WorkLimitError (naming the estimate) if the main run
    is over the work limit of the engine that would run it, ValueError for an unknown engine
    or mode."""
    asked, mode_ = check_engine(engine), check_mode(mode)
    variants, plans, skipped = plan_variants(scenario, decide_too, mode_)
    picks, engine_notices = pick_engines(variants, plans, asked)
    variants = check_variants(variants, plans, picks, skipped)
    picks = {k: picks[k] for k in variants}
    return Prepared(asked, mode_, variants, plans, picks, engine_notices, skipped)


def predicted_wall_s(prep: Prepared) -> float:
    """A rough wall time of the whole run: every run's requests over the engine's rate and the
    worker processes (precision-sized runs may take longer)."""
    s = prep.variants["main"]
    requests = sum(prep.plans[k].expected_requests for k in prep.variants)
    workers = max(1, min(s.simulation.processes, s.simulation.replications * len(prep.variants)))
    return requests * s.simulation.replications / (prep.cost.requests_per_s * workers)
