"""Which engine simulates each segment, and what each engine costs in memory and time.

Like a workshop with a hand-built reference machine and a fast production line that makes the
same part: each order goes to the fast line when it can make that part, otherwise to the
reference machine, and the order sheet says which made it and why. The SimPy model
(``simulations.engine``) is the readable reference; the compiled engine
(``simulations.compiled``) implements the same model and is proven equal to it, so the choice
changes the wall time, never the figures. Time in seconds; memory in bytes.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simulations import compiled
from simulations.inputs import SegmentInput
from simulations.records import SegmentRecords

EngineName = Literal["compiled", "simpy"]
ENGINES: tuple[EngineName, ...] = ("compiled", "simpy")
DEFAULT_ENGINE: EngineName = "compiled"


@dataclass(frozen=True)
class EngineCost:
    """What one simulated request costs an engine: the work limit's constants."""

    bytes_per_request: float
    """Peak memory per simulated request of the largest segment, in the process simulating it:
    a replication's requests are tallied and dropped segment by segment (``planner.tally``),
    so only one segment's requests are held at a time."""
    process_bytes: float
    """Memory of a process before it simulates: the interpreter, modules and kernels."""
    requests_per_s: float
    """Simulated requests per second per core, for wall-time predictions."""
    max_requests: int
    """Default work limit: simulated requests of all replications of the main run."""


COSTS: dict[EngineName, EngineCost] = {
    # measured on the SimPy model (one replication of article_1m_chat in one process, 0.1-0.36M
    # requests): peak RSS 296-340 B per request (SimPy's objects) and the records 84 B on top
    # while a segment's requests are tallied; 500 B leaves room for the summary's temporaries
    "simpy": EngineCost(
        bytes_per_request=500,
        process_bytes=150e6,
        requests_per_s=60_000,
        max_requests=3_000_000,
    ),
    # measured on the compiled engine (article_1m_chat at 100M a month, one replication of 3
    # segments of 769k requests, run_job in a fresh process, session 19; README, Benchmarks):
    # tracemalloc's peak 440 B per request of a segment (the traffic's columns, the kernel's
    # float and int tables QF and QI, 256 B, and the device work side by side), the process
    # 220 MB before (interpreter, numpy, pydantic, numba and the kernels; no pandas or scipy).
    # 200k requests/s on the shared 2-core machine. The default limit, 30M simulated requests
    # for the main run's replications, is about 75 s of work on two cores before the
    # counterparts: a link or CLI call asking for more (article_1m_chat at 1B requests a month:
    # 69M on sampled hours) is refused at once with the estimate instead of running for many
    # minutes; simulation.max_simulated_requests raises it
    "compiled": EngineCost(
        bytes_per_request=450,
        process_bytes=220e6,
        requests_per_s=200_000,
        max_requests=30_000_000,
    ),
}


def check_engine(name: str) -> EngineName:
    """The engine's name, or ValueError naming the allowed values."""
    if name not in ENGINES:
        raise ValueError(f"engine '{name}' is not one of: {', '.join(ENGINES)}")
    return name


def choose(inputs: list[SegmentInput], asked: EngineName) -> tuple[list[EngineName], list[str]]:
    """The engine for each segment and, where the compiled engine was asked but refused, why."""
    if asked == "simpy":
        return ["simpy"] * len(inputs), []
    picks: list[EngineName] = []
    reasons: list[str] = []
    for inp in inputs:
        why = compiled.supports(inp)
        picks.append("compiled" if why is None else "simpy")
        if why is not None:
            reasons.append(why)
    return picks, reasons


def notices(refusals: dict[str, list[str]], segments: dict[str, int]) -> list[str]:
    """One line per distinct reason the compiled engine refused, with how much it covered.

    ``refusals`` maps a run ('main', 'edge_only', ...) to its refusal reasons (one per refused
    segment), ``segments`` each run to its segment count.
    """
    counts = Counter(r for rs in refusals.values() for r in rs)
    total = sum(segments.values())
    return [
        f"SimPy engine used for {n} of {total} simulated segments: the compiled engine does not "
        f"cover this scenario ({why})"
        for why, n in counts.items()
    ]


def used(picks: dict[str, list[EngineName]]) -> str:
    """'compiled', 'simpy', or 'compiled+simpy' when segments were split between them."""
    names = {p for ps in picks.values() for p in ps}
    return "+".join(e for e in ENGINES if e in names) or "simpy"


def cost_of(picks: list[EngineName]) -> EngineCost:
    """The constants of the costlier engine among a run's segments (SimPy if any runs there)."""
    return COSTS["simpy"] if "simpy" in picks or not picks else COSTS["compiled"]


def simulate(inp: SegmentInput, eligible: np.ndarray, engine: EngineName) -> SegmentRecords:
    """One segment on the chosen engine (the compiled one only where it said it applies)."""
    if engine == "compiled":
        return compiled.run_segment(inp, eligible)
    from simulations.engine import run_segment as run_simpy  # SimPy: imported when used

    return run_simpy(inp, eligible)


def warm() -> float:
    """Compile (or load from the on-disk cache) the compiled engine's kernels; wall seconds."""
    import time

    started = time.perf_counter()
    compiled.warm()
    return time.perf_counter() - started


def compile_bytecode() -> float:
    """Write the packages' bytecode once, beside numba's cache (``make warm``): a process
    started with PYTHONDONTWRITEBYTECODE set (as on the project's machine) otherwise compiles
    every module it imports from source at each start. Wall seconds."""
    import compileall
    import time
    from pathlib import Path

    started = time.perf_counter()
    root = Path(__file__).resolve().parent.parent
    for package in ("planner", "simulations", "ui"):
        if (root / package).is_dir():
            compileall.compile_dir(root / package, quiet=1)
    return time.perf_counter() - started


def predicted_seconds(expected_requests: float, cost: EngineCost) -> float:
    """A rough wall-time prediction for one replication, rounded up to 0.1 s."""
    return math.ceil(expected_requests / cost.requests_per_s * 10) / 10


PRECISION_NAMES = {
    "latency_ms.p95": "p95 latency",
    "slo_attainment": "SLO attainment",
    "fallback_rate": "fallback rate",
    "cloud.gpu_hours": "GPU-hours",
}


def describe(e: dict[str, Any]) -> list[str]:
    """A result's engine block in words: which engine and mode answered, why SimPy where the
    compiled engine was asked, and the precision the key figures reached (CLI and dashboard)."""
    rate = e["simulated_requests_per_s"]
    lines = [
        f"engine: {e.get('used', 'simpy')} (asked {e.get('requested', 'simpy')}), "
        f"{e.get('mode', 'full')} answer, {e['replications']} replication"
        f"{'' if e['replications'] == 1 else 's'}, "
        f"{e['wall_s']:.2f} s wall, {rate:,.0f} simulated requests/s"
    ]
    lines += [f"engine notice: {n}" for n in e.get("notices", [])]
    p = e.get("precision")
    if p:
        parts = [
            f"{PRECISION_NAMES.get(k, k)} ±{v['relative'] * 100:.1f}%"
            if v["relative"] is not None
            else f"{PRECISION_NAMES.get(k, k)} n/a"
            for k, v in p["figures"].items()
            if v["value"] is not None
        ]
        met = "met" if p["met"] else "not met"
        lines.append(
            f"precision (95% half-width / value, target {p['target_relative'] * 100:g}%, {met}; "
            f"{p['stopped_because']}): " + ", ".join(parts)
        )
    return lines
