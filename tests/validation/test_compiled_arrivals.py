"""The compiled engine's arrivals keep the SimPy model's clock, rounding included.

SimPy's ``arrivals`` sleeps ``arrival - now`` and then lets the request in at the time the
timeout lands on, ``now + (arrival - now)``, which rounds one ulp below the arrival time where
the next arrival is more than twice the previous one (early in a segment). A request served at
once then waits -1e-14 s in the SimPy model; the compiled engine used to look again, sleep the
missing ulp and record a wait of exactly 0, which the equality suite's random search found.
"""

from __future__ import annotations

import numpy as np

from simulations import compiled
from simulations.engine import Segment
from simulations.inputs import (
    ClassInput,
    EdgeInput,
    LinkInput,
    PolicyInput,
    PoolInput,
    ScalerInput,
    SegmentInput,
    TrafficInput,
)
from simulations.streams import spawn_streams
from simulations.traffic import generate


def edge_segment(seed: int) -> SegmentInput:
    cls = ClassInput(share=1.0, is_llm=False, request_kb=0.5, response_kb=0.5)
    return SegmentInput(
        traffic=TrafficInput(np.array([0.02, 0.5]), 240.0, 1, (cls,)),
        edge=EdgeInput((1,), 4, 8, float("inf"), 60.0, vision=(0.01, 0.02)),
        links=(LinkInput(0.02, 0.04, 0.06, 0.0, 10_000.0, 10_000.0, 0.0, 60.0),),
        pool=PoolInput(
            llm=False,
            min_replicas=0,
            max_replicas=1,
            initial_replicas=0,
            scaler=ScalerInput("fixed"),
            cold_start=(),
            batch1_s=0.01,
            batch8_s=0.02,
        ),
        policy=PolicyInput("edge_only"),
        warmup_s=0.0,
        seed=(seed,),
    )


def rounds_below(arrival_s: np.ndarray) -> bool:
    """Whether SimPy's timeout lands below some arrival time."""
    prev = np.concatenate([[0.0], arrival_s[:-1]])
    return bool(np.any(prev + (arrival_s - prev) < arrival_s))


def test_an_arrival_the_timeout_rounds_below_keeps_the_simpy_time() -> None:
    inp = next(
        i
        for i in map(edge_segment, range(200))
        if rounds_below(generate(i.traffic, spawn_streams(i)[:8]).arrival_s)
    )
    eligible = np.array([True])
    a, b = Segment(inp, eligible).run(), compiled.run_segment(inp, eligible)
    assert (a.path == 0).all()
    assert np.any(a.wait_s < 0)  # the case this test is about: SimPy's -1 ulp wait
    np.testing.assert_array_equal(a.wait_s, b.wait_s)
    np.testing.assert_array_equal(a.done_s, b.done_s)
