"""Issue 13's targets, measured in one run (called by ``benchmarks/engine_speed.py``).

Each line prints a figure beside its target (wall times with the load average, CPU seconds of
the process and its workers, peak RSS); ``engine_targets.py volume fresh`` runs only those parts.
Where the compiled engine refuses a scenario
(``simulations.compiled.supports``), the line says "SimPy only" with the reason and reports the
SimPy model alone, so the benchmark runs before and after the compiled engine lands.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.engines import compile_bytecode, simulate, warm
from planner.errors import ScenarioError
from planner.prepare import predicted_wall_s, prepare
from planner.presets import list_presets, load
from planner.run import run
from simulations import compiled

VOLUME_PRESET = "article_1m_chat"


def refusal(preset: str, overrides: dict[str, object] | None = None) -> str | None:
    """Why the compiled engine does not cover the preset's main run (None if it does)."""
    s = load(preset, overrides or {})
    plan = prepare(s, decide_too=False, engine="simpy").plans["main"]
    reasons = [compiled.supports(inp) for inp in segment_inputs(s, plan, 0)]
    return next((r for r in reasons if r is not None), None)


def engine_rate(preset: str, engine: str) -> tuple[float, int]:
    """Simulated requests/s of one engine on replication 0 of the preset's main run."""
    s = load(preset)
    prep = prepare(s, decide_too=False, engine="simpy")
    inputs = segment_inputs(s, prep.plans["main"], 0)
    eligible = eligible_by_class(s)
    started = time.perf_counter()
    n = sum(int(simulate(i, eligible, engine).arrival_s.size) for i in inputs)  # type: ignore[arg-type]
    return n / (time.perf_counter() - started), n


def compare_engines() -> None:
    print(
        "compiled engine vs the SimPy model, same inputs (target >= 30x; >= 3M/s per core on "
        "the default preset):"
    )
    for preset in (VOLUME_PRESET, "seasonal_burst_app"):
        simpy_rate, n = engine_rate(preset, "simpy")
        why = refusal(preset)
        if why:
            print(
                f"  {preset:22} SimPy only: {simpy_rate:,.0f} requests/s ({n:,} requests); "
                f"compiled engine does not cover it: {why}"
            )
            continue
        fast, _ = engine_rate(preset, "compiled")
        print(
            f"  {preset:22} compiled {fast:,.0f}/s vs SimPy {simpy_rate:,.0f}/s = "
            f"x{fast / simpy_rate:.1f}"
        )


ACCURACY_VOLUMES = (1e6, 1e7, 1e8)
TOLERANCE = {
    "latency_ms.p95": ("relative", 0.10),
    "slo_attainment": ("points", 0.02),
    "fallback_rate": ("points", 0.02),
    "cloud.gpu_hours": ("relative", 0.10),
}
"""How far a preview's key figures may be from the full answer's: p95 and GPU-hours within
10 % of it, SLO attainment and fallback rate within 2 percentage points."""


def off_by(key: str, quick: float, full: float) -> tuple[str, bool]:
    """The preview's distance from the full answer in the tolerance's terms, and whether it is
    within the tolerance."""
    kind, limit = TOLERANCE[key]
    if kind == "points":
        d = quick - full
        return f"{d * 100:+.2f} pt", abs(d) <= limit
    d = quick / full - 1 if full else 0.0
    return f"{d * 100:+.1f} %", abs(d) <= limit


def preview_accuracy(volumes: tuple[float, ...] = ACCURACY_VOLUMES) -> None:
    """A preview against the full answer of the article at each volume (main run only): how
    far its key figures are, against ``TOLERANCE``."""
    for volume in volumes:
        s = load(VOLUME_PRESET, {"workload.requests_per_month": volume})
        started = time.perf_counter()
        quick = run(s, decide_too=False, mode="preview")
        quick_s = time.perf_counter() - started
        started = time.perf_counter()
        full = run(s, decide_too=False)
        full_s = time.perf_counter() - started
        parts = []
        for key in TOLERANCE:
            text, ok = off_by(key, quick.get(key), full.get(key))
            parts.append(f"{key} {full.get(key):.4g} -> {text}{'' if ok else ' OUTSIDE'}")
        print(
            f"preview vs full, {VOLUME_PRESET} at {volume:,.0f}/month ({quick_s:.2f} s vs "
            f"{full_s:.2f} s, {load_average()}): " + "; ".join(parts),
            flush=True,
        )


MAX_VOLUME = 1e11
"""workload.requests_per_month's upper bound: the kiosk at 10x (136B) is run at this."""


def preset_accuracy(presets: list[str] | None = None, factors: tuple[float, ...] = (1, 10)) -> None:
    """A preview against the full answer of every preset at its default volume and at 10x
    (main run only), against ``TOLERANCE``: the behaviour, not only the article's points."""
    for preset in presets or [name for name, _ in list_presets()]:
        base = load(preset).workload.requests_per_month
        for factor in factors:
            volume = min(base * factor, MAX_VOLUME)
            s = load(preset, {"workload.requests_per_month": volume})
            started = time.perf_counter()
            quick = run(s, decide_too=False, mode="preview")
            quick_s = time.perf_counter() - started
            started = time.perf_counter()
            full = run(s, decide_too=False)
            full_s = time.perf_counter() - started
            parts = []
            for key in TOLERANCE:
                text, ok = off_by(key, quick.get(key), full.get(key))
                parts.append(f"{key} {full.get(key):.4g} -> {text}{'' if ok else ' OUTSIDE'}")
            print(
                f"preview vs full, {preset} x{factor:g} ({volume:,.0f}/month; {quick_s:.2f} s vs "
                f"{full_s:.2f} s {full.plan.horizon}, {load_average()}): " + "; ".join(parts),
                flush=True,
            )


HOLD_PRESETS = ("local_first_hybrid", "seasonal_burst_app")
HOLD_PARTS = ("busy", "ready_idle", "starting", "keep_alive")


def hold_accuracy(seeds: tuple[int, ...] = (0, 1, 2, 3)) -> None:
    """A preview's GPU-hours against the full answer where the pool holds nodes long against a
    compressed hour (``planner.preview_hold``), at 10x each preset's volume, over seeds: the
    total and its parts (busy, ready idle, starting, keep-alive), so a bias shows apart from
    the noise."""
    for preset in HOLD_PRESETS:
        base = load(preset).workload.requests_per_month
        offs = []
        for seed in seeds:
            s = load(preset, {"workload.requests_per_month": base * 10, "simulation.seed": seed})
            quick = run(s, decide_too=False, mode="preview")
            full = run(s, decide_too=False)
            text, _ = off_by(
                "cloud.gpu_hours", quick.get("cloud.gpu_hours"), full.get("cloud.gpu_hours")
            )
            offs.append(quick.get("cloud.gpu_hours") / full.get("cloud.gpu_hours") - 1)
            parts = ", ".join(
                f"{k} {quick.get(key):,.0f}/{full.get(key):,.0f}"
                for k in HOLD_PARTS
                for key in [f"cloud.gpu_hours_{k}"]
            )
            print(
                f"GPU-hours, preview vs full, {preset} x10 seed {seed}: "
                f"{quick.get('cloud.gpu_hours'):,.0f} vs {full.get('cloud.gpu_hours'):,.0f} "
                f"({text}); preview/full {parts}",
                flush=True,
            )
        print(f"  mean over seeds {statistics.mean(offs) * 100:+.1f} %", flush=True)


def run_medians(repeats: int) -> None:
    print(
        f"planner.run per preset, default settings, decision included, median of {repeats} "
        "warm runs (target <= 1 s):"
    )
    for preset, _ in list_presets():
        s = load(preset)
        run(s)  # warm: imports, caches, compiled kernels
        walls = []
        for _ in range(repeats):
            started = time.perf_counter()
            r = run(s)
            walls.append(time.perf_counter() - started)
        print(
            f"  {preset:32} {statistics.median(walls):6.2f} s  engine {r.engine['used']}, "
            f"{r.engine['simulated_requests_all_runs']:,} requests simulated"
        )


def cpu_s() -> float:
    """CPU seconds of this process and its finished worker processes."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def load_average() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def previews(volumes: tuple[float, ...] = (1e6, 1e7, 1e8), repeats: int = 3) -> None:
    """A preview of the article at each volume, decision included: median wall and CPU."""
    for volume in volumes:
        s = load(VOLUME_PRESET, {"workload.requests_per_month": volume})
        run(s, mode="preview")  # warm this scenario's caches
        rows = []
        for _ in range(repeats):
            started, cpu0 = time.perf_counter(), cpu_s()
            r = run(s, mode="preview")
            rows.append((time.perf_counter() - started, cpu_s() - cpu0))
        wall, cpu = sorted(rows)[len(rows) // 2]
        print(
            f"preview of {VOLUME_PRESET} at {volume:,.0f}/month: {wall:.2f} s wall "
            f"({load_average()}), {cpu:.2f} s CPU (target <= 0.5 s), engine "
            f"{r.engine['used']}, {r.engine['simulated_requests_all_runs']:,} requests simulated "
            f"({r.engine['simulated_requests']:,} in the main run)",
            flush=True,
        )


def preview_and_volume() -> None:
    big = {"workload.requests_per_month": 1e8}
    s = load(VOLUME_PRESET, big)
    previews()
    try:
        prep = prepare(s)
    except ScenarioError as e:
        why = refusal(VOLUME_PRESET, big)
        who = f"SimPy only ({why}): " if why else ""
        print(f"{VOLUME_PRESET} at 100M/month, full answer: {who}refused: {str(e)[:160]}")
    else:
        if prep.notices:
            print(
                f"{VOLUME_PRESET} at 100M/month, full answer: not run (SimPy only, predicted "
                f"~{predicted_wall_s(prep):,.0f} s): {prep.notices[0]}"
            )
        else:
            full_answer_in_child(big)
    started = time.perf_counter()
    try:
        prepare(load(VOLUME_PRESET, {"workload.requests_per_month": 1e9}))
        print("1B/month: NOT refused (target: refused with an estimate)")
    except ScenarioError as e:
        print(f"1B/month refused in {time.perf_counter() - started:.2f} s: {str(e)[:150]}...")


CHILD = """
import json, os, resource, sys, time
from planner.presets import load
from planner.run import run
s = load(sys.argv[1], json.loads(sys.argv[2]))
started = time.perf_counter()
r = run(s)
wall = time.perf_counter() - started
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "parent_kb": me.ru_maxrss, "worker_kb": kids.ru_maxrss,
                  "cpu_parent_s": me.ru_utime + me.ru_stime,
                  "cpu_workers_s": kids.ru_utime + kids.ru_stime,
                  "load": os.getloadavg()[0], "engine": r.engine["used"],
                  "simulated": r.engine["simulated_requests_all_runs"]}))
"""


def full_answer_in_child(overrides: dict[str, object]) -> None:
    """A full answer in a fresh process: wall and CPU time, and the peak RSS of the parent and
    of the largest worker."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, VOLUME_PRESET, json.dumps(overrides)],
        capture_output=True,
        text=True,
        check=True,
    )
    d = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{VOLUME_PRESET} at 100M/month, full answer: {d['wall_s']:.1f} s wall (load "
        f"{d['load']:.1f}; target <= 10 s), CPU {d['cpu_parent_s']:.1f} s parent + "
        f"{d['cpu_workers_s']:.1f} s workers, {d['simulated']:,} requests simulated; peak RSS "
        f"parent {d['parent_kb'] / 1024:,.0f} MB, largest worker {d['worker_kb'] / 1024:,.0f} MB "
        f"(target <= 500 MB), engine {d['engine']}"
    )


def fresh_process() -> None:
    """A new process answering a small scenario, compiled kernels from the on-disk cache and
    bytecode written (``make warm``: ``planner warm``)."""
    seconds = warm()
    compile_bytecode()
    args = [
        "-m",
        "planner",
        "simulate",
        "--json",
        "--no-timings",
        "--replications",
        "2",
        "--set",
        "workload.requests_per_month=100000",
        "--set",
        "simulation.horizon=representative_days",
    ]
    rows = []
    for _ in range(3):
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
        rows.append((time.perf_counter() - started, cpu))
    wall, cpu = sorted(rows)[1]
    why = refusal(VOLUME_PRESET, {"workload.requests_per_month": 1e5})
    note = f" (SimPy only: {why})" if why else ""
    print(
        f"compile once: warm {seconds:.2f} s; a fresh process answers a small scenario in "
        f"{wall:.2f} s wall ({load_average()}), {cpu:.2f} s CPU with its workers, median of 3 "
        f"(target < 1 s){note}"
    )


def report_all(repeats: int) -> None:
    why = refusal(VOLUME_PRESET)
    print(f"issue 13 targets; compiled engine on {VOLUME_PRESET}: {why or 'covers it'}")
    fresh_process()
    compare_engines()
    preview_and_volume()
    preview_accuracy()
    run_medians(repeats)


PARTS = {
    "fresh": fresh_process,
    "engines": compare_engines,
    "volume": preview_and_volume,
    "accuracy": preview_accuracy,
    "presets": preset_accuracy,
    "holds": hold_accuracy,
}


def main() -> None:
    """``engine_targets.py [fresh|engines|volume|accuracy|presets ...]``: only those parts (all
    but presets, and planner.run per preset, when none is named: what engine_speed.py prints).
    ``presets``: the accuracy of a preview on every preset at its default volume and at 10x;
    ``holds``: a preview's GPU-hours where the pool's holds are long against its hours."""
    parts = sys.argv[1:]
    if not parts:
        report_all(3)
    for name in parts:
        PARTS[name]()


if __name__ == "__main__":
    main()
