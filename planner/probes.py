"""Sizing probes: one replication of each of several resized counterparts, side by side.

Like a tailor's fittings: the same customer (the same traffic, replication 0's seeds: common
random numbers) tries on a few sizes at once, one per fitting room (worker process), and only
the measurements are written down, no photographs (no chart frames, no records kept). A probe
runs on the engine and in the mode of the run being decided (a preview's probes are previews,
of one replication: they ask whether the load is carried, not for the preview's interval).
"""

from __future__ import annotations

from planner.errors import ScenarioError
from planner.plan import build_plan
from planner.prepare import prepare
from planner.presets import apply_overrides
from planner.replicate import Job, combine, execute
from planner.sampled_hours import peak_per_s, steady_flat
from planner.scenario import Scenario

Figures = dict[str, float]
PROBE_REQUESTS = 50_000
"""Simulated requests a probe aims at: representative days are cut to sampled hours of about
this many (never under the floor of the scenario's time constants, ``planner.sampled_hours``);
the chosen size is then confirmed on the counterpart's own plan."""
SHORTER = 0.7
"""A shortened probe plan is used only where it is at most this share of the full one."""


def settings() -> tuple[str, str]:
    """(engine, mode) of the run being decided."""
    from planner.run import PROBE_SETTINGS

    return PROBE_SETTINGS.get()


def jobs_for(s: Scenario, engine: str, mode: str, tag: str) -> list[Job]:
    """The jobs of one probe (ScenarioError, e.g. WorkLimitError, if it cannot run)."""
    one = apply_overrides(s, {"simulation.replications": 1})
    prep = prepare(one, decide_too=False, engine=engine, mode=mode)
    plan, picks = prep.plans["main"], prep.picks["main"]
    return [Job(tag, prep.variants["main"], plan, 0, picks, False)]


def probe_many(scenarios: list[Scenario], processes: int) -> list[Figures | None]:
    """Figures of one replication (replication 0) of each scenario, run in up to
    ``processes`` worker processes; None where the scenario cannot run (over the work limit)."""
    engine, mode = settings()
    jobs: list[Job] = []
    for i, s in enumerate(scenarios):
        try:
            jobs += jobs_for(s, engine, mode, str(i))
        except ScenarioError:
            continue
    # urgent: the decision waits on a probe, so it goes before a replication waiting for a worker
    done = execute(jobs, processes, None, urgent=True) if jobs else []
    out: list[Figures | None] = []
    for i in range(len(scenarios)):
        reps = [o.summary for o in done if o.key == str(i)]
        out.append(figures_of(reps) if reps else None)
    return out


def figures_of(per_rep: list[Figures]) -> Figures:
    """A probe's figures as ``planner.run`` reports them: means, and counts summed."""
    from planner.run import summed_counts

    return {**combine(per_rep)[0], **summed_counts(per_rep)}


def shortened(s: Scenario, steady_too: bool = False) -> Scenario:
    """The scenario a probe runs: with representative days cut to sampled hours of about
    PROBE_REQUESTS simulated requests (never under the floor of the scenario's own time
    constants), or ``s`` itself where that plan would be no shorter, the hours are steady
    (``planner.sampled_hours.steady_flat``; ``steady_too``: cut them too) or the run is a
    preview."""
    if settings()[1] == "preview":
        return s
    above = s.simulation.sampled_hours_above_requests
    if above is not None and above <= PROBE_REQUESTS:
        return s
    short = apply_overrides(s, {"simulation.sampled_hours_above_requests": PROBE_REQUESTS})
    try:
        full, cut = build_plan(s, check=False), build_plan(short, check=False)
    except ScenarioError:
        return s
    if not steady_too and steady_flat(s, peak_per_s(s, full)):
        # every hour is the same steady hour: a shorter one changes only the noise, so the probe
        # runs the counterpart's own plan and the size it finds needs no confirmation run
        return s
    return short if cut.expected_requests < SHORTER * full.expected_requests else s
