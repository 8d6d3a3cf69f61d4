"""The compiled engine against the SimPy model on the presets, measured in the same run.

Run on demand: ``.venv/bin/python benchmarks/compiled_engine.py [PRESET ...]``. For one
replication of each preset, every segment is simulated by both engines (the SimPy ``Segment``,
without the exact fast path, and ``simulations.compiled.run_segment`` after ``warm()``); the
printed ratio is compiled requests/s over SimPy requests/s, so a busy machine slows both alike.
The compiled time includes its Python side (traffic, arrays, records); a second line splits it
into traffic and arrays (Python), the event loop (``kloop.run``) and the records (Python), with
events per simulated request and the loop's events/s. Nothing here is a test.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from simulations import compiled
from simulations.compiled import finish, kloop, layout, prepare, stateref
from simulations.engine import Segment
from simulations.inputs import SegmentInput

DEFAULT = ("article_1m_chat", "seasonal_burst_app")


def measure(name: str) -> tuple[int, float, float, dict[str, float]]:
    """(requests, SimPy seconds, compiled seconds, the compiled engine's parts) over one
    replication's segments."""
    s = apply_overrides(load(name), {"simulation.replications": 1, "simulation.processes": 1})
    eligible = eligible_by_class(s)
    inputs = list(segment_inputs(s, build_plan(s), 0))
    n, simpy_s, compiled_s = 0, 0.0, 0.0
    parts = dict.fromkeys(("python_in", "loop", "python_out", "events"), 0.0)
    for inp in inputs:
        t0 = time.perf_counter()
        records = Segment(inp, eligible).run()
        t1 = time.perf_counter()
        compiled.run_segment(inp, eligible)
        t2 = time.perf_counter()
        n += records.arrival_s.size
        simpy_s, compiled_s = simpy_s + t1 - t0, compiled_s + t2 - t1
        for k, v in compiled_parts(inp, eligible).items():
            parts[k] += v
    return n, simpy_s, compiled_s, parts


def compiled_parts(inp: SegmentInput, eligible: np.ndarray) -> dict[str, float]:
    """``compiled.run_segment``'s steps timed one by one (seconds), and the events it ran."""
    t0 = time.perf_counter()
    req = prepare.traffic(inp)
    qf, qi = prepare.requests(inp, req, eligible)
    req = prepare.recorded(req)
    st = prepare.build(inp, req, qf, qi, 1)
    prepare.init_globals(st, inp)
    ref = stateref.make(st)
    t1 = time.perf_counter()
    if kloop.run(ref) != 0:
        raise RuntimeError("pre-drawn numbers ran out: time run_segment instead")
    t2 = time.perf_counter()
    st = st._replace(**dict(zip(kloop.GROWN, kloop.grown(ref), strict=True)))
    finish.records(inp, req, st, ref)
    t3 = time.perf_counter()
    events = float(st.GI[layout.GI_EVENTS])
    return {"python_in": t1 - t0, "loop": t2 - t1, "python_out": t3 - t2, "events": events}


def main(names: list[str]) -> None:
    t = time.perf_counter()
    compiled.warm()
    print(f"warm-up (compile or cache load): {time.perf_counter() - t:.1f} s")
    for name in names:
        n, simpy_s, compiled_s, p = measure(name)
        print(
            f"{name:32s} {n:>9,d} requests  SimPy {n / simpy_s:>11,.0f} req/s  "
            f"compiled {n / compiled_s:>12,.0f} req/s  ratio {simpy_s / compiled_s:6.1f}x"
        )
        print(
            f"{'':32s} compiled parts: traffic+arrays {p['python_in']:.3f} s, event loop "
            f"{p['loop']:.3f} s ({p['events'] / n:.2f} events/request, "
            f"{p['events'] / p['loop'] / 1e6:.2f}M events/s, {n / p['loop']:,.0f} req/s), "
            f"records {p['python_out']:.3f} s"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or list(DEFAULT))
