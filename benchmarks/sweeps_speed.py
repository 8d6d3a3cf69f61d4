"""Sweep speed: ``optimize`` with 60 evaluations and ``sensitivity`` on a preset, against one
``planner.run`` of the same preset measured in the same run (the issue's targets on 2 cores:
optimize <= 60 s, sensitivity <= 30 s on any preset).

Run on demand: ``.venv/bin/python benchmarks/sweeps_speed.py [--preset article_1m_chat]
[--evaluations 60] [--scheduler inprocess|tcp://...] [--replications N] [--optimise-only]
[--all-presets [--presets a,b]]``. By default the sweeps start a Dask LocalCluster with one
worker process per core (its start-up is included in the time). Sensitivity screens with one
replication per point and confirms each flip with the scenario's own (as the Overview's
default) unless ``--replications`` sets the screen's; ``--all-presets`` times the sensitivity
of every preset (or of ``--presets``) and skips optimise, with a verdict line per preset.
Every figure is printed with the CPU seconds of this process and its (closed) Dask workers and
the load average: on a shared machine the wall time alone says little.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from planner.optimise import optimise
from planner.presets import apply_overrides, list_presets, load
from planner.run import run
from planner.sensitivity import sensitivity
from planner.sweeps import sweeper


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (the Dask workers, once closed)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), cpu_s()
    out = fn()
    wall = time.perf_counter() - started
    LAST.update(cpu_s=cpu_s() - cpu, load=os.getloadavg()[0])
    print(
        f"{label}: {wall:.1f} s wall, {LAST['cpu_s']:.1f} s CPU, load average {LAST['load']:.1f}",
        flush=True,
    )
    return out, wall


LAST: dict[str, float] = {}
"""CPU seconds (this process and its closed workers) and the 1-minute load average of the
last ``timed`` call: on a shared machine the wall time says little without them."""


OPTIMISE_TARGET_S = 60.0
SENSITIVITY_TARGET_S = 30.0


def verdict(seconds: float, target: float) -> str:
    return (
        f"meets the {target:.0f} s target"
        if seconds <= target
        else (f"misses the {target:.0f} s target (x{seconds / target:.1f})")
    )


def time_sensitivity(name: str, scheduler: str | None, replications: int | None) -> float:
    s = load(name)

    def do() -> dict:  # type: ignore[type-arg]
        with sweeper(scheduler) as sw:
            return sensitivity(s, sw, replications)

    tornado, t_sens = timed(f"sensitivity {name}", do)
    print(
        f"sensitivity {name}: {t_sens:.1f} s wall ({LAST['cpu_s']:.1f} s CPU, load average "
        f"{LAST['load']:.1f} on {os.cpu_count()} cores) for {tornado['evaluated']} evaluations "
        f"(each the scenario and its counterparts), screened with {tornado['replications']} "
        f"replication(s), confirmed with {tornado['confirm_replications']}: "
        f"{verdict(t_sens, SENSITIVITY_TARGET_S)}",
        flush=True,
    )
    return t_sens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="article_1m_chat")
    ap.add_argument("--evaluations", type=int, default=60)
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--replications", type=int, default=None, help="sensitivity's, per point")
    ap.add_argument("--all-presets", action="store_true", help="sensitivity of every preset")
    ap.add_argument("--presets", help="with --all-presets: only these (comma-separated)")
    ap.add_argument("--optimise-only", action="store_true", help="skip the preset's sensitivity")
    args = ap.parse_args()
    if args.all_presets:
        names = [n for n, _ in list_presets()]
        if args.presets:
            names = [n for n in names if n in args.presets.split(",")]
        times = {n: time_sensitivity(n, args.scheduler, args.replications) for n in names}
        worst = max(times, key=lambda n: times[n])
        print(
            f"slowest: {worst} {times[worst]:.1f} s: {verdict(times[worst], SENSITIVITY_TARGET_S)}"
            f" (load average {os.getloadavg()[0]:.1f})"
        )
        return
    s = load(args.preset)
    one = apply_overrides(s, {"simulation.replications": 1, "simulation.processes": 1})
    _, base = timed(
        "baseline: one planner.run, one replication, no counterparts",
        lambda: run(one, decide_too=False),
    )
    _, full = timed("baseline: planner.run as the dashboard runs it", lambda: run(s))

    def do_optimise():  # type: ignore[no-untyped-def]
        with sweeper(args.scheduler) as sw:
            return optimise(s, sw, args.evaluations), sw.where

    (res, where), t_opt = timed(
        f"optimize {args.preset}, {args.evaluations} evaluations", do_optimise
    )
    sims = sum(res.evaluated.values())
    print(
        f"optimize {args.preset}: {t_opt:.1f} s wall ({LAST['cpu_s']:.1f} s CPU, load average "
        f"{LAST['load']:.1f} on {os.cpu_count()} cores) for {sims} simulations: "
        f"{verdict(t_opt, OPTIMISE_TARGET_S)}",
        flush=True,
    )
    if args.optimise_only:
        return
    t_sens = time_sensitivity(args.preset, args.scheduler, args.replications)
    print(f"where: {where}")
    print(
        f"optimize: {t_opt:.1f} s for {sims} simulations ({res.method}; "
        f"x{t_opt / base:.1f} one run; {t_opt / sims:.2f} s per simulation): "
        f"{verdict(t_opt, OPTIMISE_TARGET_S)}"
    )
    print(
        f"sensitivity: {t_sens:.1f} s (x{t_sens / full:.1f} the dashboard's run): "
        f"{verdict(t_sens, SENSITIVITY_TARGET_S)}"
    )


if __name__ == "__main__":
    main()
