"""``planner.run`` on every preset (decision included, default settings) against a yardstick.

The machine is shared, so a bare wall time says little: each preset's warm run (wall, and the CPU
seconds of the process and its workers, which a busy machine disturbs less) is printed beside
one engine replication measured in the same process just before it (replication 0 of
``article_1m_chat``'s main run on the compiled engine, ~73k simulated requests), and as a multiple
of it. Issue 13's targets: every preset <= 1 s median warm; a preview at any volume <= 0.5 s;
``article_1m_chat`` at 100M requests a month <= 10 s; the Compare page <= 2 s (it reads the run's
verdict: its own work is the rows and the chart, printed after each run).

    .venv/bin/python benchmarks/run_speed.py                 # every preset, median of 3
    .venv/bin/python benchmarks/run_speed.py --repeat 2 retail_kiosk_vision
    .venv/bin/python benchmarks/run_speed.py --volume 1e8     # also article_1m_chat at 100M
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from planner.engines import warm
from planner.presets import load, preset_names
from planner.run import RunResult, run


def yardstick_s() -> float:
    """Wall seconds of one engine replication of a fixed piece of work."""
    from planner.prepare import prepare
    from planner.replicate import Job, run_job

    prep = prepare(load("article_1m_chat"), decide_too=False)
    job = Job("main", prep.variants["main"], prep.plans["main"], 0, prep.picks["main"], False)
    started = time.perf_counter()
    run_job(job)
    return time.perf_counter() - started


def cpu_s() -> float:
    """CPU seconds of this process and its finished worker processes."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(name: str, mode: str, overrides: dict[str, float]) -> tuple[float, dict[str, object]]:
    s = load(name, overrides)
    started, cpu0 = time.perf_counter(), cpu_s()
    r = run(s, mode=mode)
    wall, cpu = time.perf_counter() - started, cpu_s() - cpu0
    v = r.verdict
    sized = [
        f"{a.key} {a.sizing.sized} ({a.sizing.runs} runs)"
        for a in (v.architectures if v else ())
        if a.sizing is not None
    ]
    started = time.perf_counter()
    compare_page(r)
    page_s = time.perf_counter() - started
    return wall, {
        "compare_page_s": page_s,
        "cpu_s": cpu,
        "horizon": r.engine["horizon"],
        "simulated": r.engine["simulated_requests_all_runs"],
        "recommended": v.decision.architecture if v else "-",
        "sized": ", ".join(sized) or "-",
    }


def compare_page(r: RunResult) -> None:
    """What the Compare page computes from a result: the verdict's rows and its chart (the
    simulation is the run's, not repeated)."""
    from planner.compare import verdict_rows
    from ui import charts

    if r.verdict is not None:
        verdict_rows(r.verdict)
        charts.fig_compare(r)


def line(label: str, walls: list[float], base: list[float], info: dict[str, object]) -> str:
    med, ref = statistics.median(walls), statistics.median(base)
    return (
        f"{label:40s} {med:7.2f} s  (runs {' '.join(f'{w:.2f}' for w in walls)}; "
        f"CPU {info['cpu_s']:.2f} s)  "
        f"yardstick {ref:5.2f} s  x{med / ref:6.1f}  {info['horizon']}, "
        f"{info['simulated']:,} simulated, {info['recommended']}; sized: {info['sized']}; "
        f"Compare page from the result {info['compare_page_s']:.3f} s"
    )


def bench(label: str, name: str, mode: str, overrides: dict[str, float], repeat: int) -> None:
    timed(name, mode, overrides)  # warm this scenario's imports and caches
    walls, base = [], []
    info: dict[str, object] = {}
    for _ in range(repeat):
        base.append(yardstick_s())
        wall, info = timed(name, mode, overrides)
        walls.append(wall)
    print(line(label, walls, base, info), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("presets", nargs="*", help="preset names (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--volume", type=float, help="also article_1m_chat at this monthly volume")
    ap.add_argument("--preview", action="store_true", help="also each preset as a preview")
    args = ap.parse_args()
    print(f"warm-up (compile or load the kernels): {warm():.1f} s", flush=True)
    for name in args.presets or preset_names():
        bench(name, name, "full", {}, args.repeat)
        if args.preview:
            bench(f"{name} (preview)", name, "preview", {}, args.repeat)
    if args.volume:
        over = {"workload.requests_per_month": args.volume}
        bench(f"article_1m_chat at {args.volume:,.0f}/month", "article_1m_chat", "full", over, 1)
        bench("... as a preview", "article_1m_chat", "preview", over, args.repeat)


if __name__ == "__main__":
    main()
