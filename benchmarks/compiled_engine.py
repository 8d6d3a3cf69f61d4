"""The compiled engine against the SimPy model on the presets, measured in the same run.

Run on demand: ``.venv/bin/python benchmarks/compiled_engine.py [--repeat K] [PRESET ...]``.
For one replication of each preset, every segment is simulated by both engines (the SimPy
``Segment``, without the exact fast path, and ``simulations.compiled.run_segment`` after
``warm()``); the printed ratio is compiled requests/s over SimPy requests/s. Times are CPU
seconds of this process (``time.process_time``: on a machine shared with other jobs, wall time
also counts the waits for a core), each the least of K runs (default 3: a busy machine only
ever adds time). The compiled time includes its Python side (traffic, arrays, records); a
second line splits one replication (the summary included) into traffic, arrays, the event loop
(``kloop.run``), the records and the summary (``summarise``: what ``planner.run`` does for
every replication but the main run's first, which also tallies the charts' data: printed
apart), and a third counts the loop's events per simulated request by kind.
Nothing here is a test.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from planner.summary import summarise, summarise_segments
from simulations import compiled
from simulations.compiled import finish, kloop, layout, prepare, stateref
from simulations.engine import Segment
from simulations.inputs import DRAIN_CAP_S, SegmentInput
from simulations.records import SegmentRecords

DEFAULT = ("article_1m_chat", "seasonal_burst_app")


PARTS = ("traffic", "arrays", "loop", "records", "summary")
OFF_HEAP = ("first token run ahead", "device event settled", "autoscaler tick skipped")
"""Work the loop does without an event (``layout.GI_DEV_AHEAD``, ``GI_DEV_SETTLED``,
``GI_TICKS_SKIPPED``, just after the kinds' counters): printed beside the events, not counted in
them."""
assert layout.GI_DEV_AHEAD == layout.GI_KIND + layout.N_KINDS
assert layout.GI_DEV_SETTLED == layout.GI_DEV_AHEAD + 1
assert layout.GI_TICKS_SKIPPED == layout.GI_DEV_SETTLED + 1


def measure(name: str, repeat: int) -> tuple[int, float, float, dict[str, float], np.ndarray]:
    """(requests, SimPy seconds, compiled seconds, the compiled engine's parts in seconds with
    its events, events by kind) over one replication's segments, each time the least of
    ``repeat`` runs."""
    runs = [measure_once(name) for _ in range(repeat)]
    n, _, _, _, kinds = runs[0]
    parts = {k: min(r[3][k] for r in runs) for k in runs[0][3]}
    return n, min(r[1] for r in runs), min(r[2] for r in runs), parts, kinds


def measure_once(name: str) -> tuple[int, float, float, dict[str, float], np.ndarray]:
    s = apply_overrides(load(name), {"simulation.replications": 1, "simulation.processes": 1})
    eligible = eligible_by_class(s)
    plan = build_plan(s)
    inputs = list(segment_inputs(s, plan, 0))
    n, simpy_s, compiled_s = 0, 0.0, 0.0
    parts = dict.fromkeys((*PARTS, "events", "summary_charts"), 0.0)
    kinds = np.zeros(layout.N_KINDS + len(OFF_HEAP))
    records = []
    for inp in inputs:
        t0 = time.process_time()
        n += Segment(inp, eligible).run().arrival_s.size
        t1 = time.process_time()
        compiled.run_segment(inp, eligible)
        t2 = time.process_time()
        simpy_s, compiled_s = simpy_s + t1 - t0, compiled_s + t2 - t1
        rec, times, by_kind = compiled_parts(inp, eligible)
        records.append(rec)
        kinds += by_kind
        for k, v in times.items():
            parts[k] += v
    t0 = time.process_time()
    summarise(s, plan, records)
    parts["summary"] = time.process_time() - t0
    # what planner.run's replication 0 of the main run does: the summary and the charts' data
    t0 = time.process_time()
    summarise_segments(s, plan, records, charts=True)
    parts["summary_charts"] = time.process_time() - t0
    return n, simpy_s, compiled_s, parts, kinds


def compiled_parts(
    inp: SegmentInput, eligible: np.ndarray
) -> tuple[SegmentRecords, dict[str, float], np.ndarray]:
    """``compiled.run_segment``'s steps timed one by one (seconds) with the events it ran, and
    the events by kind (``layout.EVENT_KINDS``)."""
    t0 = time.process_time()
    req = prepare.traffic(inp)
    t1 = time.process_time()
    qf, qi = prepare.requests(inp, req, eligible)
    req = prepare.recorded(req)
    st = prepare.build(inp, req, qf, qi, 1)
    prepare.init_globals(st, inp)
    ref = stateref.make(st)
    t2 = time.process_time()
    end_s = float(st.C[layout.C_END])
    if kloop.run(ref, end_s, False) != 0:
        raise RuntimeError("pre-drawn numbers ran out: time run_segment instead")
    t3 = time.process_time()
    st = st._replace(**dict(zip(kloop.GROWN, kloop.grown(ref), strict=True)))
    win = finish.window(inp, st, ref)
    t4 = time.process_time()
    if kloop.run(ref, end_s + DRAIN_CAP_S, True) != 0:  # the requests in flight finish
        raise RuntimeError("pre-drawn numbers ran out: time run_segment instead")
    t5 = time.process_time()
    st = st._replace(**dict(zip(kloop.GROWN, kloop.grown(ref), strict=True)))
    rec = finish.records(inp, req, st, ref, win)
    t6 = time.process_time()
    loop_s, records_s = (t3 - t2) + (t5 - t4), (t4 - t3) + (t6 - t5)
    times = {"traffic": t1 - t0, "arrays": t2 - t1, "loop": loop_s, "records": records_s}
    times["events"] = float(st.GI[layout.GI_EVENTS])
    kinds = st.GI[layout.GI_KIND : layout.GI_KIND + layout.N_KINDS + len(OFF_HEAP)]
    return rec, times, kinds.astype(float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("presets", nargs="*", default=list(DEFAULT))
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the least is kept")
    args = ap.parse_args()
    t = time.perf_counter()
    compiled.warm()
    print(f"warm-up (compile or cache load): {time.perf_counter() - t:.1f} s")
    for name in args.presets:
        n, simpy_s, compiled_s, p, kinds = measure(name, max(args.repeat, 1))
        print(
            f"{name:32s} {n:>9,d} requests  SimPy {n / simpy_s:>11,.0f} req/s  "
            f"compiled {n / compiled_s:>12,.0f} req/s  ratio {simpy_s / compiled_s:6.1f}x"
        )
        total = sum(p[k] for k in PARTS)
        shares = ", ".join(f"{k} {p[k]:.3f} s ({p[k] / total:.0%})" for k in PARTS)
        print(
            f"{'':32s} one replication {total:.3f} CPU s = {n / total:,.0f} req/s: {shares}; "
            f"loop {p['events'] / n:.2f} events/request, "
            f"{p['loop'] / p['events'] * 1e9:.0f} ns/event, {n / p['loop']:,.0f} req/s; "
            f"replication 0 (charts too) summary {p['summary_charts']:.3f} s"
        )
        names = (*layout.EVENT_KINDS, *OFF_HEAP)
        by_kind = ", ".join(
            f"{names[k]} {kinds[k] / n:.2f}" for k in np.flatnonzero(kinds[: layout.N_KINDS])
        )
        off = ", ".join(
            f"{names[layout.N_KINDS + i]} {kinds[layout.N_KINDS + i] / n:.2f}"
            for i in range(len(OFF_HEAP))
        )
        print(f"{'':32s} events/request by kind: {by_kind}")
        print(f"{'':32s} work per request without an event: {off}")


if __name__ == "__main__":
    main()
