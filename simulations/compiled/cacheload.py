"""Loading a cached kernel without parsing its LLVM bitcode until something links it.

numba caches a compiled function as its machine code (an ELF object) and the LLVM bitcode of
everything in it. Loading parses that bitcode at once, to learn which names the machine code
defines (the execution engine looks up only names it knows) and to keep a module ready for a
function compiled later that would inline this one. For ``kloop.run`` that is 2.4 MB of
bitcode, most of a fresh process's kernel load (about 0.08 s of its 0.17 s over the eleven
cached functions). Here the names come from the object's own symbol table (the same set: the
machine code is the bitcode compiled; ``tests/unit/test_cacheload.py`` compares them) and the
bitcode is parsed only if another library links this one. Where the object is not a 64-bit
little-endian ELF file, or numba's internals differ from what is expected, numba loads as usual.
"""

from __future__ import annotations

import functools
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SHT_SYMTAB = 2
SHN_UNDEF = 0
STT_SECTION, STT_FILE = 3, 4
SECTION = struct.Struct("<IIQQQQIIQQ")
"""An ELF64 section header: name, type, flags, addr, offset, size, link, info, align, entsize."""
SYMBOL = struct.Struct("<IBBHQQ")
"""An ELF64 symbol: name, info (binding << 4 | type), other, section index, value, size."""


def defined_symbols(obj: bytes) -> set[str] | None:
    """The names an ELF64 little-endian object file defines (functions and data, local or
    global; what numba collects from the bitcode's definitions); None for any other format
    (or a damaged file: numba then loads it its own way)."""
    if obj[:4] != b"\x7fELF" or obj[4:6] != b"\x02\x01":
        return None
    try:
        return _elf_symbols(obj)
    except (struct.error, IndexError, ValueError):
        return None


def _elf_symbols(obj: bytes) -> set[str] | None:
    (shoff,) = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    if shentsize != SECTION.size:
        return None
    sections = [SECTION.unpack_from(obj, shoff + i * shentsize) for i in range(shnum)]
    names: set[str] = set()
    for sec in sections:
        if sec[1] != SHT_SYMTAB:
            continue
        offset, size, link, entsize = sec[4], sec[5], sec[6], sec[9]
        strings = sections[link][4]
        for at in range(offset, offset + size, entsize or SYMBOL.size):
            name, info, _, shndx, _, _ = SYMBOL.unpack_from(obj, at)
            if name == 0 or shndx == SHN_UNDEF or info & 0xF in (STT_SECTION, STT_FILE):
                continue
            start = strings + name
            names.add(obj[start : obj.index(b"\0", start)].decode())
    return names


@functools.cache
def _linking_on_demand(base: type) -> type:
    """``base`` (numba's JIT code library) whose module for linking is parsed when first asked."""

    class LinkingOnDemand(base):  # type: ignore[misc]
        _pending_bitcode: bytes | None = None

        def _get_module_for_linking(self) -> Any:
            # a function compiled later links this one: the bitcode numba would have parsed
            # at load (numba holds its global compiler lock while linking)
            pending, self._pending_bitcode = self._pending_bitcode, None
            if pending is not None:
                from numba.core.codegen import ll  # type: ignore[attr-defined]

                self._shared_module = ll.parse_bitcode(pending)
                self._codegen._engine._load_defined_symbols(self._shared_module)
            return super()._get_module_for_linking()

    return LinkingOnDemand


def _unserialize(codegen: Any, state: tuple[str, str, Any]) -> Any:
    """numba's ``CPUCodeLibrary._unserialize`` for object code, the bitcode left unparsed."""
    name, kind, data = state
    base = codegen._library_class
    names = defined_symbols(data[0]) if kind == "object" else None
    if names is None:
        return base._unserialize(codegen, state)
    object_code, shared_bitcode = data
    library = _linking_on_demand(base)(codegen, name)
    library.enable_object_caching()
    library._set_compiled_object(object_code)
    library._pending_bitcode = shared_bitcode
    library._finalize_final_module()
    codegen._engine._defined_symbols |= names
    return library


def _applies(codegen: Any) -> bool:
    """Whether numba's internals are those ``_unserialize`` copies (else numba loads as usual)."""
    base = getattr(codegen, "_library_class", None)
    engine = getattr(codegen, "_engine", None)
    needed = ("_unserialize", "_get_module_for_linking", "enable_object_caching")
    return (
        base is not None
        and all(hasattr(base, n) for n in needed)
        and hasattr(base, "_set_compiled_object")
        and isinstance(getattr(engine, "_defined_symbols", None), set)
        and hasattr(engine, "_load_defined_symbols")
    )


_LOCK = threading.Lock()
_USERS: dict[int, int] = {}
"""How many threads are loading through each codegen (its ``unserialize_library`` replaced)."""


@contextmanager
def bitcode_on_demand(codegen: Any) -> Iterator[None]:
    """While inside, ``codegen`` loads cached libraries without parsing their bitcode. Threads
    may nest it; numba's method is back once the last one leaves."""
    if not _applies(codegen):
        yield
        return
    key = id(codegen)
    with _LOCK:
        if not _USERS.get(key):
            codegen.unserialize_library = functools.partial(_unserialize, codegen)
        _USERS[key] = _USERS.get(key, 0) + 1
    try:
        yield
    finally:
        with _LOCK:
            _USERS[key] -= 1
            if not _USERS[key]:
                del _USERS[key]
                del codegen.unserialize_library
