"""A sweep's decision, architecture by architecture, reusing the runs an input cannot change.

Like re-quoting a building job after the price of steel moved: the plumber's quote does not
change, so it is not asked for again. A sweep evaluates the scenario with one input moved; the
decision needs the scenario's own run and its edge-only and cloud-only (and hybrid)
counterparts. A counterpart whose engine inputs are the same to the last bit as the stated
point's (an edge-only fleet under another RTT, cold start or GPU price) would replay the same
replications: its replication summaries are taken from the stated point instead, and its
sizing, if it needed one, is the stated point's too (``planner.sensitivity_sizing``).

The figures are those ``planner.run(scenario)`` gives: the scenario alone, then each
counterpart alone on the same horizon, replications and seeds, then the same verdict. Under
the precision stop rule (the counterparts follow the main run's replication count) the whole
decision is simulated by ``run`` as usual.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from typing import Any

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.engines import DEFAULT_ENGINE
from planner.errors import ScenarioError
from planner.plan import build_plan
from planner.run import PROBE_SETTINGS, RunResult, attach_decision, counterparts, run
from planner.scenario import Scenario
from planner.stats import across_replications

Summaries = list[dict[str, float]]
Replays = dict[str, dict[str, Any]]
"""By counterpart kind: {'digest': its engine inputs' digest, 'reps': replication summaries}."""


def inputs_digest(v: Scenario) -> str:
    """The engine inputs of a run (plan, every segment's inputs of replication 0, which classes
    the devices can serve, the replication count): equal digests replay equal replications.
    A GPU price with no budget to enforce is no input of the engine (it only bills)."""
    plan = build_plan(v, check=False)
    inputs = segment_inputs(v, plan, 0)
    inputs = [without_unused_price(i) for i in inputs]
    blob = pickle.dumps(
        (plan.segments, plan.horizon, inputs, eligible_by_class(v), v.simulation.replications),
        protocol=5,
    )
    return hashlib.sha256(blob).hexdigest()


def without_unused_price(inp: Any) -> Any:
    from dataclasses import fields, replace

    policy = getattr(inp, "policy", None)
    budget = getattr(policy, "budget_usd", None)
    if budget is not None and math.isfinite(budget):
        return inp
    pool = inp.pool
    if "price_per_replica_s" not in {f.name for f in fields(pool)}:
        return inp
    return replace(inp, pool=replace(pool, price_per_replica_s=0.0))


def decide(s: Scenario, replays: Replays | None, record: Replays) -> RunResult:
    """``run(s)``'s result, each counterpart replayed from ``replays`` where its engine inputs
    are unchanged; every counterpart's digest and summaries are written to ``record``."""
    if s.simulation.stop_rule == "precision":
        return run(s)
    main = run(s, decide_too=False)
    others: dict[str, dict[str, float]] = {}
    skipped: list[str] = []
    for key, v in counterparts(s, main.plan.horizon).items():
        try:
            digest = inputs_digest(v)
            given = (replays or {}).get(key)
            if given is not None and given["digest"] == digest:
                reps: Summaries = given["reps"]
            else:
                reps = run(v, decide_too=False).replications
        except ScenarioError as e:  # e.g. over the work limit: left out, as run() does
            skipped.append(f"the {key.replace('_', '-')} counterpart was not simulated: {e}")
            continue
        record[key] = {"digest": digest, "reps": reps}
        others[key] = {f: across_replications(f, [r[f] for r in reps])[0] for f in reps[0]}
    token = PROBE_SETTINGS.set((DEFAULT_ENGINE, "full"))  # as run() sizes its counterparts
    try:
        return attach_decision(main, others, fair=True, skipped=skipped)
    finally:
        PROBE_SETTINGS.reset(token)
