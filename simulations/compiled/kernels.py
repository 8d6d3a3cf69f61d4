"""Compiling the kernels: once each, with explicit types, callees before callers.

numba specialises a jitted function for every distinct argument type it is called with, and a
module constant passed as an argument has its own literal type, so lazy compilation would build
dozens of copies of ``push``. Here every kernel gets one signature from its annotations (``st``:
the state StructRef; int, float, bool; F1/F2/I1/I2 arrays), callees are compiled first and then
closed to further compilation, so callers bind to that one version. The call graph is acyclic
(``kpool._terminate_quiet`` and friends exist for that). numba's cache makes later runs load.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import types as pytypes
from pathlib import Path
from typing import Any

from simulations import collector

_DONE: set[int] = set()


with collector.paused():  # numba itself: the largest import of a fresh process
    importlib.import_module("numba.core.caching")


@functools.cache
def annotation_types() -> dict[str, Any]:
    """numba's type for each annotation a kernel parameter may carry."""
    from numba import types

    return {
        "int": types.int64,
        "float": types.float64,
        "bool": types.boolean,
        "F1": types.Array(types.float64, 1, "A"),
        "F2": types.Array(types.float64, 2, "A"),
        "I1": types.Array(types.int64, 1, "A"),
        "I2": types.Array(types.int64, 2, "A"),
    }


def state_type() -> Any:
    """The kernels' state (``st``: borrowed); entries take the StructRef (``ref``)."""
    from simulations.compiled.stateref import BORROWED_T, STATE_T

    return {"st": BORROWED_T, "ref": STATE_T}


def signature(dispatcher: Any, state: Any) -> tuple[Any, ...]:
    params = inspect.signature(dispatcher.py_func).parameters.values()
    known = annotation_types()
    out = []
    for p in params:
        ann = p.annotation
        if p.name in state:
            out.append(state[p.name])
        elif ann in known:
            out.append(known[ann])
        else:
            raise TypeError(f"kernel {dispatcher.py_func.__qualname__}: no type for {p.name}")
    return tuple(out)


def callees(dispatcher: Any) -> list[Any]:
    """Kernels the function may call: globals and attributes of imported kernel modules."""
    from simulations.compiled import layout

    py = dispatcher.py_func
    names, found = py.__code__.co_names, []
    known = {id(k) for k in layout.KERNELS}
    for name in names:
        obj = py.__globals__.get(name)
        if id(obj) in known:
            found.append(obj)
        elif isinstance(obj, pytypes.ModuleType):
            for attr in names:
                sub = getattr(obj, attr, None)
                if id(sub) in known:
                    found.append(sub)
    return found


def sources_digest() -> str:
    """One digest of every kernel source: numba's cache checks only a function's own file, but a
    cached caller holds its callees' code, so any kernel edit must drop the whole cache."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    kernels = [f for f in here.glob("k*.py") if f.name != "kernels.py"]  # this file: no kernel
    kernel_files = [*kernels, here / "layout.py", here / "stateref.py"]
    for f in sorted(kernel_files):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def drop_stale_cache() -> None:
    cache = Path(__file__).parent / "__pycache__"
    stamp = cache / "kernels.digest"
    digest = sources_digest()
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            f.unlink()
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass  # a read-only installation: numba keeps its own cache elsewhere


def _cached(d: Any, sig: tuple[Any, ...]) -> bool:
    """Whether numba's cache holds ``d`` compiled for ``sig``: a look at the cache's index,
    without loading the code (``load_overload`` would rebuild it, and ``compile`` then loads it
    a second time: that doubled a fresh process's start-up)."""
    cache = d._cache
    try:
        key = cache._index_key(sig, d.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except (AttributeError, OSError):  # another numba's internals: load to find out
        return cache.load_overload(sig, d.targetctx) is not None


def compile_all() -> None:
    """Compile (or load from the cache) every kernel, callees first. With a warm cache only the
    entry points are loaded (each holds the code of everything it calls)."""
    if _DONE:
        return
    # paused while modules import, not while loading or compiling (a load that fails compiles,
    # and numba's compiler makes cyclic garbage)
    with collector.paused():
        from simulations.compiled import finish, kloop, knodes, layout, stateref

        drop_stale_cache()
        state = state_type()
        entries: list[Any] = [kloop.run, kloop.measures, kloop.grown, knodes.spent_usd]
        sigs = [signature(d, state) for d in entries]
        cached = all(_cached(d, sig) for d, sig in zip(entries, sigs, strict=True))
    if cached:
        for d, sig in zip(entries, sigs, strict=True):
            d.compile(sig)
            # closed like every compiled kernel: a call with a C-contiguous array then uses
            # the 'A' version instead of loading (or compiling) a second one
            d.disable_compile()
            _DONE.add(id(d))
        del finish, stateref
        return
    active: set[int] = set()

    def visit(d: Any) -> None:
        if id(d) in _DONE:
            return
        if id(d) in active:
            raise RuntimeError(f"kernel call cycle through {d.py_func.__qualname__}")
        active.add(id(d))
        for c in callees(d):
            if c is not d:
                visit(c)
        d.compile(signature(d, state))
        d.disable_compile()
        active.discard(id(d))
        _DONE.add(id(d))

    for d in list(layout.KERNELS):
        visit(d)
