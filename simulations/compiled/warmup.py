"""A tiny segment that makes numba compile (or load from its cache) every kernel."""

from __future__ import annotations

import numpy as np

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


def tiny_segment() -> tuple[SegmentInput, np.ndarray]:
    """Ten seconds of a little traffic: every kernel is compiled by running it once."""
    cls = ClassInput(share=1.0, is_llm=True, prompt_mean=50, output_mean=20)
    inp = SegmentInput(
        traffic=TrafficInput(np.array([0.5]), 10.0, 1, (cls,)),
        edge=EdgeInput((1,), 1, 4, float("inf"), 60.0, llm_by_class=((500.0, 20.0, 0.1),)),
        links=(LinkInput(0.02, 0.04, 0.06, 0.0, 10_000.0, 10_000.0, 0.0, 60.0),),
        pool=PoolInput(
            llm=True,
            min_replicas=1,
            max_replicas=2,
            initial_replicas=1,
            scaler=ScalerInput("kpa"),
            cold_start=((10.0, 20.0),),
            single_tps=50.0,
            aggregate_tps=400.0,
            prefill_tps=5000.0,
            max_sequences=8,
        ),
        policy=PolicyInput("local_first"),
        warmup_s=0.0,
    )
    return inp, np.array([True])
