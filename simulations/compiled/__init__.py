"""The compiled engine: the same model as the SimPy reference, as a numba event loop (issue 13).

Interface (the planner depends only on these three names):

* ``supports(inp)`` -> None when this engine runs ``inp``, else a short reason naming the
  feature it does not cover yet (the planner then runs the SimPy engine and says why);
* ``run_segment(inp, eligible_by_class)`` -> the same ``SegmentRecords`` the SimPy engine's
  ``Segment(inp, eligible_by_class).run()`` returns, equal within 1e-9 relative;
* ``warm()`` compiles (or loads from numba's on-disk cache) every kernel on a tiny input.

Not built yet: ``supports`` refuses everything, so every run uses the SimPy engine.
"""

from __future__ import annotations

import numpy as np

from simulations.inputs import SegmentInput
from simulations.records import SegmentRecords


def supports(inp: SegmentInput) -> str | None:
    """None if the compiled engine covers ``inp``; otherwise why not."""
    del inp
    return "the compiled engine is not built yet"


def run_segment(inp: SegmentInput, eligible_by_class: np.ndarray) -> SegmentRecords:
    """Simulate one segment with the compiled engine (only where ``supports`` is None)."""
    reason = supports(inp)
    raise ValueError(f"compiled engine cannot run this segment: {reason}")


def warm() -> None:
    """Compile or load every kernel (nothing to compile yet)."""
