"""The cyclic garbage collector around a process's large one-off imports and loads.

Importing numba and the compiled kernels' modules and loading the kernels creates some 10^5
long-lived objects and about 10^3 garbage ones. With the collector on, that ran ~120 collections,
each walking the young objects and, as the heap grew, all of it: about 0.1 s of a fresh
process's CPU, most of it finding nothing to free. Paused, the objects are walked once, at the
next collection after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE = False
"""Set by a process that keeps what it imports to its end (the command line,
``planner.__main__``): after a pause, every object is moved where collections never look
(``gc.freeze``), so none walks them again. A long-lived server (the dashboard) leaves it off:
freezing would keep for good any garbage that exists at that moment."""


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside (nothing changes where it is off already)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if FREEZE:
            gc.freeze()
        gc.enable()
