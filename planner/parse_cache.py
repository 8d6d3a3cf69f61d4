"""The installation's YAML files kept parsed beside them, under their content's hash.

Reading the catalog (29 kB) takes ~8 ms even with libyaml: its resolver and constructor run in
Python for every scalar. The same data marshalled loads in under 1 ms. A file's parsed data is
kept in ``__pycache__`` beside it, named by the SHA-256 of the parser's name and the file's
text: a changed file (or parser) has another name, so a cache entry can only ever hold the data
that text parses to (nothing relies on a file's time stamp). Only plain data is kept (marshal
refuses anything else, and such a file is then parsed each time); a folder that cannot be
written (a read-only installation) just means parsing each time. Entries of older texts are
removed when a new one is written.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

FOLDER = "__pycache__"


def entry(path: Path, parser: str, text: str) -> Path:
    """Where the data ``parser`` reads from ``text`` (the file at ``path``) is kept."""
    digest = hashlib.sha256(f"{parser}\0{text}".encode()).hexdigest()[:32]
    tag = sys.implementation.cache_tag  # marshal's format follows the interpreter
    return path.parent / FOLDER / f"{path.stem}.{parser}.{tag}.{digest}.marshal"


def parsed(path: Path, parser: str, text: str, parse: Callable[[str], Any]) -> Any:
    """``parse(text)``, or the data kept for this text and parser (a fresh copy each call)."""
    kept = entry(path, parser, text)
    try:
        return marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = parse(text)
    try:
        blob = marshal.dumps(data)
    except ValueError:  # not plain data (a date, say): parsed each time
        return data
    _write(kept, blob)
    return data


def _write(kept: Path, blob: bytes) -> None:
    try:
        kept.parent.mkdir(exist_ok=True)
        for old in kept.parent.glob(f"{kept.name.rsplit('.', 2)[0]}.*.marshal"):
            old.unlink(missing_ok=True)
        partial = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
        partial.write_bytes(blob)
        os.replace(partial, kept)  # whole or absent, whatever runs at the same time
    except OSError:
        pass
