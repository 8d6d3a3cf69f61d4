"""The work a request brings to an edge device, and what a device delivers with n requests on it.

Like a workshop's job card: before a job reaches the bench, the card already says how many
single-stream seconds it needs (and after how many its first token is out); the bench's speed
with n jobs sharing it is a property of the bench. Both engines read these (the SimPy model in
``simulations.edge``/``simulations.engine``, the compiled one in ``simulations.compiled``); no
SimPy here, so the compiled engine's path never imports it. Time in seconds.
"""

from __future__ import annotations

import math

import numpy as np

from simulations.inputs import ClassInput, EdgeInput
from simulations.traffic import Requests


def aggregate_speedup(n: int, speedup: tuple[int, float]) -> float:
    """Throughput with n requests in service, in units of one stream's (capped at S_ref)."""
    n_ref, s_ref = speedup
    if n <= 0:
        return 0.0
    if n_ref <= 1 or s_ref <= 1.0:
        return 1.0  # no measured gain: concurrent requests share one stream's throughput
    b = (n_ref / s_ref - 1.0) / (n_ref - 1)
    return min(n / ((1.0 - b) + b * n), s_ref)


def edge_service(
    edge: EdgeInput, classes: tuple[ClassInput, ...], req: Requests
) -> tuple[np.ndarray, np.ndarray]:
    """Per-request single-stream device work and its time-to-first-token part, in seconds
    (infinite where the device cannot serve the request's class)."""
    n = len(req)
    service, first = np.full(n, math.inf), np.full(n, math.inf)
    for k, c in enumerate(classes):
        # one class: every request, as a slice (no mask; the same arithmetic)
        idx = slice(None) if len(classes) == 1 else req.cls == k
        if c.is_llm:
            speeds = edge.llm_by_class[k] if k < len(edge.llm_by_class) else None
            if speeds is None:
                continue
            prefill, decode, overhead = speeds
            first[idx] = overhead + req.prompt_tokens[idx] / prefill
            service[idx] = first[idx] + req.output_tokens[idx] / decode
        elif edge.vision is not None:
            p50, p99 = edge.vision
            sigma = math.log(max(p99 / p50, 1.0)) / 2.3263478740408408
            service[idx] = first[idx] = p50 * np.exp(sigma * req.z_service[idx])
    return service, first
