"""The compiled engine: the same model as the SimPy reference, as a numba event loop (issue 13).

Interface (the planner depends only on these three names):

* ``supports(inp)`` -> None when this engine runs ``inp``, else a short reason naming the
  feature it does not cover yet (the planner then runs the SimPy engine and says why);
* ``run_segment(inp, eligible_by_class)`` -> the same ``SegmentRecords`` the SimPy engine's
  ``Segment(inp, eligible_by_class).run()`` returns, equal within 1e-9 relative;
* ``warm()`` compiles (or loads from numba's on-disk cache) every kernel on a tiny input.

How: ``prepare`` lays the segment out as flat numpy arrays (traffic drawn once, in Python, by
``simulations.traffic.generate``; the draws the SimPy model makes while it runs pre-drawn from
the same generators), ``kloop.run`` replays the SimPy model's processes as events in a binary
heap ordered by (time, sequence number) -- SimPy's tie rule -- and ``finish`` builds the records.
The kernels live in ``kbase`` (heap, queues, links, breakers), ``kedge`` (devices), ``knodes``
(nodes, billing, budget guard), ``kpool`` and ``kservice`` (replicas, balancer, batching),
``krouter`` (routing) and ``kscaler`` (autoscalers).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

import numpy as np

from simulations.inputs import DRAIN_CAP_S, SegmentInput
from simulations.records import SegmentRecords

MAX_GROW = 1 << 12


def supports(inp: SegmentInput) -> str | None:
    """None if the compiled engine covers ``inp``; otherwise why not."""
    pool, edge = inp.pool, inp.edge
    hpa = pool.scaler.hpa
    if pool.scaler.kind == "hpa" and (
        (not hpa.scale_up_policies and hpa.scale_up_select != "Disabled")
        or (not hpa.scale_down_policies and hpa.scale_down_select != "Disabled")
    ):
        return "an HPA direction with no scaling policies"
    if edge.concurrency < 1 and sum(edge.devices_per_site) > 0:
        return "devices with no concurrency"
    return None


def run_segment(inp: SegmentInput, eligible_by_class: np.ndarray) -> SegmentRecords:
    """Simulate one segment with the compiled engine (only where ``supports`` is None)."""
    reason = supports(inp)
    if reason is not None:
        raise ValueError(f"compiled engine cannot run this segment: {reason}")
    keep_freed_memory()
    with scipy_left_out():  # the kernels' modules set numba's target up when imported
        from simulations.compiled import kernels

        with loads_without_refresh():
            kernels.compile_all()
    # the set-up's own numba functions load on their first call: without the refresh too
    with loads_without_refresh():
        return simulate(inp, eligible_by_class)


def simulate(inp: SegmentInput, eligible_by_class: np.ndarray) -> SegmentRecords:
    """``run_segment`` once the kernels are loaded: the window, then the drain."""
    from simulations.compiled import finish, kloop, layout, prepare, stateref

    grow = 1
    while True:
        req = prepare.traffic(inp)
        with scipy_left_out(), loads_without_refresh():  # its row filler is a cached kernel
            qf, qi = prepare.requests(inp, req, eligible_by_class)
        req = prepare.recorded(req)  # the kernel reads its copies in qf; free the rest now
        st = prepare.build(inp, req, qf, qi, grow)
        prepare.init_globals(st, inp)
        ref = stateref.make(st)
        end_s = float(st.C[layout.C_END])
        if kloop.run(ref, end_s, False) == 0:
            st = st._replace(**dict(zip(kloop.GROWN, kloop.grown(ref), strict=True)))
            win = finish.window(inp, st, ref)  # read at the window's end, before the drain
            if kloop.run(ref, end_s + DRAIN_CAP_S, True) == 0:
                st = st._replace(**dict(zip(kloop.GROWN, kloop.grown(ref), strict=True)))
                return finish.records(inp, req, st, ref, win)
        if grow >= MAX_GROW:
            raise RuntimeError("compiled engine: the pre-drawn random numbers kept running out")
        grow *= 2


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's ``mallopt`` parameters (malloc.h)."""
MMAP_ABOVE = 32 << 20
"""Blocks from this size on are mapped apart and unmapped when freed (glibc's own ceiling for
its moving threshold); smaller ones come from the heap."""
TRIM_ABOVE = 64 << 20
"""Free heap beyond this is given back to the system."""
_TUNED: list[bool] = []


def keep_freed_memory() -> None:
    """Keep the memory a segment frees for the next one (once per process, where the C library
    is glibc's): a segment allocates and frees the same blocks of up to tens of MB (the
    traffic's columns, the request tables, the records' columns), and glibc's moving
    thresholds gave some of them back to the system and had them mapped and zeroed again, page
    by page, at the next use (about 1 ms of a replication's 13 ms of Python side on the
    default preset). A process's peak is the same; what it holds between segments is at most
    ``TRIM_ABOVE`` more."""
    if _TUNED:
        return
    _TUNED.append(True)
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (no mallopt): as it was
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt(M_MMAP_THRESHOLD, MMAP_ABOVE)
    mallopt(M_TRIM_THRESHOLD, TRIM_ABOVE)


class _NoScipy(MetaPathFinder):
    """Refuses scipy while numba initialises its target for the kernels' cache."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == "scipy" or fullname.startswith("scipy."):
            raise ImportError("the compiled engine's kernels use no BLAS")
        return None


@contextmanager
def scipy_left_out() -> Iterator[None]:
    """Load the kernels without scipy: numba's target set-up imports ``scipy.linalg`` only to
    learn whether BLAS exists (``numba.np.arraymath._check_blas``), which no kernel uses; that
    import (and the ``numpy.f2py`` it pulls in) was a third of a fresh process's kernel load.
    Where scipy is imported already, nothing changes; afterwards scipy imports as usual."""
    if "scipy" in sys.modules or "numba.np.arraymath" in sys.modules:
        yield
        return
    finder = _NoScipy()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


_PATCH_LOCK = threading.Lock()
_PATCH: list[Any] = []
"""While any thread is inside ``loads_without_refresh``: numba's own ``load_overload``."""


def _load_without_refresh(self: Any, sig: Any, target_context: Any) -> Any:
    from numba.core.runtime.nrt import rtsys

    rtsys.initialize(target_context)
    with self._guard_against_spurious_io_errors():
        return self._load_overload(sig, target_context)
    return None  # the guard swallowed an I/O error: compile instead


@contextmanager
def loads_without_refresh() -> Iterator[None]:
    """Load cached kernels without numba's target refresh: ``Cache.load_overload`` refreshes
    the target first, which imports and installs every lowering and typing registry numba has
    (arrays, linalg, random, typed containers, ...: the 'numba start-up', a third of loading
    the kernels in a fresh process). Those are needed to compile, not to run compiled code;
    what loaded code needs is the runtime (NRT), initialised here. A kernel missing from the
    cache still compiles as usual (numba's compiler refreshes the target itself). Threads may
    nest it: numba's method is put back when the last one leaves."""
    try:
        from numba.core.caching import Cache
    except ImportError:  # another numba: load as it does
        yield
        return
    if not hasattr(Cache, "_load_overload") or not hasattr(
        Cache, "_guard_against_spurious_io_errors"
    ):
        yield
        return
    with _PATCH_LOCK:
        if not _PATCH:
            _PATCH.append(Cache.load_overload)
            Cache.load_overload = _load_without_refresh  # type: ignore[method-assign]
        _PATCH.append(None)
    try:
        yield
    finally:
        with _PATCH_LOCK:
            _PATCH.pop()
            if len(_PATCH) == 1:
                Cache.load_overload = _PATCH.pop()  # type: ignore[method-assign]


def warm() -> None:
    """Compile or load every kernel by running a tiny segment, and the records' tally."""
    from simulations import records_tally
    from simulations.compiled.warmup import tiny_segment

    inp, eligible = tiny_segment()
    run_segment(inp, eligible)
    records_tally.warm()
