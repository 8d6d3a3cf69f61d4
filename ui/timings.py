"""Sensitivity wall times measured on this machine, kept across server restarts.

Like a stopwatch log pinned by the machine: the Overview estimates how long a sensitivity run
will take from what earlier runs took here, so the log must outlive a restart. It lives in a
small JSON file in the user's cache directory (``PLANNER_CACHE_DIR``, else
``$XDG_CACHE_HOME/edge-cloud-planner``, else ``~/.cache/edge-cloud-planner``); the path comes
from the environment of whoever started the server, never from a link. The file is advisory:
anything wrong with it (missing, malformed, oversized, a symlink, a value out of range) reads as
"nothing measured yet"; servers sharing it merge under a file lock and replace it atomically.
No Streamlit here: the page wraps one ``Timings`` per server.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import stat
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ENV_CACHE_DIR = "PLANNER_CACHE_DIR"
FILE_NAME = "sensitivity_timings.json"
MAX_BYTES = 64_000
"""A larger file is not ours (200 entries take about 25 kB): read as empty."""
MAX_KEYS = 200
KEEP_RATIOS = 8
MAX_SECONDS = 7 * 24 * 3600.0
MAX_RATIO = 1e4
FORMAT = 1


def cache_dir() -> Path:
    """Where the planner keeps its small files: the environment's choice, else the user's."""
    given = os.environ.get(ENV_CACHE_DIR, "").strip()
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "edge-cloud-planner"


def digest(key: str) -> str:
    """A scenario's key as stored: its SHA-256 (the canonical scenario JSON runs to kB)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def finite_in(x: Any, hi: float) -> bool:
    """A plain positive number up to ``hi`` (not a bool, NaN or infinity)."""
    number = isinstance(x, int | float) and not isinstance(x, bool)
    return number and math.isfinite(x) and 0 < x <= hi


Entry = tuple[float, int, float]
"""(wall seconds, evaluations, when measured as a Unix time)."""


def parse(data: Any) -> tuple[dict[str, Entry], list[float]]:
    """The valid part of a decoded file; anything else is dropped, entry by entry."""
    by_key: dict[str, Entry] = {}
    ratios: list[float] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return by_key, ratios
    entries = data.get("by_key")
    for k, v in entries.items() if isinstance(entries, dict) else ():
        if not (isinstance(k, str) and len(k) == 64 and all(c in "0123456789abcdef" for c in k)):
            continue
        if not (isinstance(v, list) and len(v) == 3):
            continue
        seconds, evaluations, at = v
        if (
            finite_in(seconds, MAX_SECONDS)
            and isinstance(evaluations, int)
            and not isinstance(evaluations, bool)
            and 0 <= evaluations <= 1_000_000
            and finite_in(at, 1e11)
        ):
            by_key[k] = (float(seconds), evaluations, float(at))
    raw = data.get("ratios")
    ratios = [float(x) for x in raw if finite_in(x, MAX_RATIO)] if isinstance(raw, list) else []
    newest = sorted(by_key.items(), key=lambda kv: kv[1][2])[-MAX_KEYS:]
    return dict(newest), ratios[-KEEP_RATIOS:]


def read_file(path: Path) -> tuple[dict[str, Entry], list[float]]:
    """The file's valid entries; empty when it is missing, not a regular file (a symlink is
    not followed), too large, not UTF-8 JSON, or of another format."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}, []
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return {}, []
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return {}, []
    try:
        return parse(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}, []


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock shared by every server writing into ``folder``."""
    fd = os.open(folder / (FILE_NAME + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_file(path: Path, by_key: dict[str, Entry], ratios: list[float]) -> None:
    """Replace the file atomically: readers see the old or the new file, never half of one."""
    body = json.dumps(
        {"format": FORMAT, "by_key": {k: list(v) for k, v in by_key.items()}, "ratios": ratios},
        separators=(",", ":"),
    )
    fd, tmp = tempfile.mkstemp(prefix=".timings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, path)  # replaces a symlink itself, never its target
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Timings:
    """Sensitivity wall times: per scenario (and screen replications) the last one, and the last
    few ratios of a measured time to the naive prediction (the minimum number of evaluations at
    the stated run's speed). Sensitivity gets faster as the sweep improves; an estimate from a
    constant goes stale, a measured one follows. With a ``folder`` the log is read at start and
    each record is merged into the file; without one (or when the folder cannot be written) it
    lives in memory only."""

    def __init__(self, folder: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.path = folder / FILE_NAME if folder is not None else None
        self.by_key: dict[str, Entry] = {}
        self.ratios: deque[float] = deque(maxlen=KEEP_RATIOS)
        if self.path is not None:
            by_key, ratios = read_file(self.path)
            self.by_key.update(by_key)
            self.ratios.extend(ratios)

    def record(self, key: str, seconds: float, evaluations: int, naive_s: float | None) -> None:
        entry = (float(seconds), int(evaluations), time.time())
        ratio = seconds / naive_s if naive_s and naive_s > 0 else None
        with self.lock:
            self.by_key[digest(key)] = entry
            if ratio is not None and finite_in(ratio, MAX_RATIO):
                self.ratios.append(ratio)
            self.save(digest(key), entry, ratio)

    def save(self, k: str, entry: Entry, ratio: float | None) -> None:
        """Merge this record into the file under the lock (another server's records kept)."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with locked(self.path.parent):
                by_key, ratios = read_file(self.path)
                by_key[k] = entry
                if ratio is not None and finite_in(ratio, MAX_RATIO):
                    ratios.append(ratio)
                newest = sorted(by_key.items(), key=lambda kv: kv[1][2])[-MAX_KEYS:]
                write_file(self.path, dict(newest), ratios[-KEEP_RATIOS:])
        except OSError:
            pass  # a read-only or full disk: the estimate still works from memory

    def measured(self, key: str) -> tuple[float, int] | None:
        with self.lock:
            entry = self.by_key.get(digest(key))
        return (entry[0], entry[1]) if entry else None

    def sorted_ratios(self) -> list[float]:
        with self.lock:
            return sorted(self.ratios)

    def clear(self) -> None:
        """Forget in memory (the file stays: another server's measurements are its own)."""
        with self.lock:
            self.by_key.clear()
            self.ratios.clear()
