"""Cached kernels load without their bitcode: the names come from the machine code.

``simulations.compiled.cacheload`` takes the names a cached library defines from its ELF
object's symbol table instead of parsing its LLVM bitcode; the two must be the same set, and the
bitcode must still be there for a function compiled later that links the library.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from simulations.compiled.cacheload import _applies, bitcode_on_demand, defined_symbols


def cached_payload(dispatcher: Any) -> tuple[Any, ...]:
    """What numba's cache holds for the dispatcher's one signature: the serialised library,
    the function's descriptor, ..."""
    from simulations.compiled import kernels

    kernels.compile_all()
    (sig,) = dispatcher.signatures
    cache = dispatcher._cache
    key = cache._index_key(sig, dispatcher.targetctx.codegen())
    payload = cache._cache_file.load(key)
    assert payload is not None, "numba's cache has no entry: run `make warm`"
    return tuple(payload)


def bitcode_definitions(bitcode: bytes) -> set[str]:
    """What numba collects at load: every function and global the bitcode defines."""
    from numba.core import codegen

    module = codegen.ll.parse_bitcode(bitcode)
    return {
        g.name
        for group in (module.functions, module.global_variables)
        for g in group
        if not g.is_declaration
    }


def test_the_machine_code_defines_what_the_bitcode_defines() -> None:
    from simulations.compiled import kloop, knodes

    for dispatcher in (kloop.run, kloop.grown, knodes.spent_usd):
        (name, kind, (obj, bitcode)), fndesc, *_ = cached_payload(dispatcher)
        assert kind == "object"
        names = defined_symbols(obj)
        assert names is not None
        assert names == bitcode_definitions(bitcode), name
        assert fndesc.llvm_cpython_wrapper_name in names  # what numba looks up at load


def test_other_formats_are_left_to_numba() -> None:
    assert defined_symbols(b"\xcf\xfa\xed\xfe" + bytes(64)) is None  # Mach-O
    assert defined_symbols(b"\x7fELF\x01\x01" + bytes(64)) is None  # 32-bit ELF


def test_numbas_method_is_back_after_loading() -> None:
    from numba.core.registry import cpu_target

    codegen = cpu_target.target_context.codegen()
    assert _applies(codegen)
    with bitcode_on_demand(codegen), bitcode_on_demand(codegen):
        assert "unserialize_library" in vars(codegen)
    assert "unserialize_library" not in vars(codegen)


LINK = """
import json, sys
from simulations.compiled import kernels, kloop
from simulations import compiled
with compiled.scipy_left_out(), compiled.loads_without_refresh():
    kernels.compile_all()
library = kloop.run.overloads[kloop.run.signatures[0]].library
lazy = type(library).__name__, library._shared_module is None
module = library._get_module_for_linking()  # what a function compiled later would link
print(json.dumps({"lazy": lazy, "functions": sorted(f.name for f in module.functions
                                                    if not f.is_declaration)}))
"""


def test_a_library_loaded_lazily_still_links() -> None:
    from simulations.compiled import kloop

    (_, _, (_, bitcode)), *_ = cached_payload(kloop.run)
    out = subprocess.run([sys.executable, "-c", LINK], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["lazy"] == ["LinkingOnDemand", True]
    from numba.core import codegen

    module = codegen.ll.parse_bitcode(bitcode)
    assert got["functions"] == sorted(f.name for f in module.functions if not f.is_declaration)


def test_a_damaged_object_is_left_to_numba() -> None:
    from simulations.compiled import knodes

    (_, _, (obj, _)), *_ = cached_payload(knodes.spent_usd)
    assert defined_symbols(obj[:200]) is None
    assert defined_symbols(obj[:0x40] + b"\xff" * 64) is None
