"""The compiled engine against the SimPy model on the presets, measured in the same run.

Run on demand: ``.venv/bin/python benchmarks/compiled_engine.py [PRESET ...]``. For one
replication of each preset, every segment is simulated by both engines (the SimPy ``Segment``,
without the exact fast path, and ``simulations.compiled.run_segment`` after ``warm()``); the
printed ratio is compiled requests/s over SimPy requests/s, so a busy machine slows both alike.
The compiled time includes its Python side (traffic, arrays, records). Nothing here is a test.
"""

from __future__ import annotations

import sys
import time

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from simulations import compiled
from simulations.engine import Segment

DEFAULT = ("article_1m_chat", "seasonal_burst_app")


def measure(name: str) -> tuple[int, float, float]:
    """(requests, SimPy seconds, compiled seconds) over one replication's segments."""
    s = apply_overrides(load(name), {"simulation.replications": 1, "simulation.processes": 1})
    eligible = eligible_by_class(s)
    inputs = list(segment_inputs(s, build_plan(s), 0))
    n, simpy_s, compiled_s = 0, 0.0, 0.0
    for inp in inputs:
        t0 = time.perf_counter()
        records = Segment(inp, eligible).run()
        t1 = time.perf_counter()
        compiled.run_segment(inp, eligible)
        t2 = time.perf_counter()
        n += records.arrival_s.size
        simpy_s, compiled_s = simpy_s + t1 - t0, compiled_s + t2 - t1
    return n, simpy_s, compiled_s


def main(names: list[str]) -> None:
    t = time.perf_counter()
    compiled.warm()
    print(f"warm-up (compile or cache load): {time.perf_counter() - t:.1f} s")
    for name in names:
        n, simpy_s, compiled_s = measure(name)
        print(
            f"{name:32s} {n:>9,d} requests  SimPy {n / simpy_s:>11,.0f} req/s  "
            f"compiled {n / compiled_s:>12,.0f} req/s  ratio {simpy_s / compiled_s:6.1f}x"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or list(DEFAULT))
