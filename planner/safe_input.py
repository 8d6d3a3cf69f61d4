"""Limits before parsing: every piece of user text is weighed and X-rayed before it is opened.

Like a mailroom that weighs and scans each parcel before anybody unwraps it: a link, a ``--set``
value and a scenario file all pass through here. Sizes are checked before any parsing; YAML is
read with a loader that counts nodes and depth as it goes, refuses anchors, aliases and explicit
tags (an alias bomb expands a few hundred characters into gigabytes), and reads scalars the YAML
1.2 way: ``true``/``false`` only, decimal numbers only. Plain scalars that YAML 1.1 would have
read differently (``yes``, ``on``, ``1:30``, ``010``, ``1_000``) are refused, naming the field,
rather than guessed. Every refusal is an :class:`InputError` (a ScenarioError) of one line.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from planner.errors import ScenarioError, excerpt

MAX_FILE_BYTES = 1_000_000
"""A scenario file is a few kilobytes; a megabyte is generous."""
MAX_VALUE_CHARS = 4_000
"""One link or ``--set`` value (24 hourly weights take ~150 characters)."""
MAX_PATH_CHARS = 200
"""One dotted field path."""
MAX_LINK_PARAMS = 200
MAX_LINK_CHARS = 8_000
MAX_SET_ITEMS = 200
MAX_NODES = 5_000
"""YAML nodes in one document (a full scenario holds a few hundred)."""
MAX_DEPTH = 20
"""YAML nesting (a scenario nests at most six levels)."""
MAX_INT_DIGITS = 30
"""Digits of one integer (the largest field allows 2**53, 16 digits)."""
MAX_CSV_BYTES = 20_000_000
"""A pilot CSV: two weeks of requests at ~60 bytes a row fit many times over."""
MAX_CSV_ROWS = 200_000
"""Data rows of one CSV (a fit needs tens; bounds the memory a file of tiny rows takes)."""
MAX_CSV_COLUMNS = 50
MAX_CELL_CHARS = 200
"""One CSV cell (a number, a target, an ISO timestamp)."""
DECIMAL_RE = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")

PATH_RE = re.compile(r"^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$")
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
AMBIGUOUS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(?:yes|no|on|off|y|n)$", re.IGNORECASE),
        "is a boolean in YAML 1.1 but text in YAML 1.2: write true or false, or quote it",
    ),
    (
        re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
        "looks like a YAML 1.1 base-60 number (1:30 = 90): write the number, or quote it",
    ),
    (
        re.compile(r"^[-+]?0[0-9_]+$"),
        "has a leading zero (an octal number in YAML 1.1): write it without, or quote it",
    ),
    (
        re.compile(r"^[-+]?(?:0[bBxXoO][0-9a-fA-F_]+|[0-9][0-9_]*_[0-9_.eE+-]*)$"),
        "is a YAML 1.1 number form (0x, 0b, digits with _): write plain decimal digits",
    ),
)


class InputError(ScenarioError):
    """User text refused before (or while) parsing it; one line naming where it came from."""


class _Limits:
    nodes = 0
    depth = 0


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, BaseResolver):
    """PyYAML's safe loader with YAML 1.2 core scalars and limits enforced while composing."""

    def __init__(self, text: str, where: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        BaseResolver.__init__(self)
        self.where = where
        self.limits = _Limits()

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            raise InputError(f"{self.where}: YAML anchors and aliases (& and *) are not accepted")
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            raise InputError(f"{self.where}: explicit YAML tags ({excerpt(tag)}) are not accepted")
        self.limits.nodes += 1
        if self.limits.nodes > MAX_NODES:
            raise InputError(f"{self.where}: more than {MAX_NODES:,} YAML values")
        if self.limits.depth >= MAX_DEPTH:
            raise InputError(f"{self.where}: nested deeper than {MAX_DEPTH} levels")
        self.limits.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.limits.depth -= 1

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # the scanner looks ahead over every open bracket (quadratic): stop at the depth limit
        if self.flow_level >= MAX_DEPTH:
            raise InputError(f"{self.where}: nested deeper than {MAX_DEPTH} levels")
        super().fetch_flow_collection_start(TokenClass)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        return int(node.value)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        text = node.value.lower()
        if text.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        if text == ".nan":
            return math.nan
        return float(text)


_Loader.add_constructor(INT_TAG, _Loader.construct_yaml_int)  # type: ignore[type-var]
_Loader.add_constructor(FLOAT_TAG, _Loader.construct_yaml_float)  # type: ignore[type-var]
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    INT_TAG, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    FLOAT_TAG,
    re.compile(
        r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def parse_yaml(text: str, where: str, max_chars: int = MAX_FILE_BYTES, sep: str = ": ") -> Any:
    """One YAML document as plain data, within the limits; InputError otherwise.

    ``where`` names the source in messages (a file name, or a field path for one value); ``sep``
    joins it to a path inside the document ('my.yaml: edge.sites', 'edge.site_links.0').
    """
    if len(text) > max_chars:
        raise InputError(f"{where}: {len(text):,} characters; at most {max_chars:,}")
    loader: _Loader | None = None
    try:
        loader = _Loader(text, where)  # the reader refuses control characters here already
        node = loader.get_single_node()
        if node is None:
            return None
        _check_scalars(node, where, sep)
        return loader.construct_document(node)
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = excerpt(exc.problem or exc.context or "unreadable", 120, quote=False)
        raise InputError(f"{where}: not valid YAML ({problem}{at})") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{where}: not valid YAML ({excerpt(first, 80, quote=False)})") from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_scalars(root: Node, where: str, sep: str) -> None:
    """Refuse plain scalars YAML 1.1 would read differently, and oversized integers."""
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, ScalarNode) else "?"
                stack.append((value, f"{path}.{name}" if path else str(name)))
        elif isinstance(node, SequenceNode):
            stack.extend(
                (item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(node.value)
            )
        elif isinstance(node, ScalarNode) and node.style is None:
            _check_plain(node, f"{where}{sep}{path}" if path else where)


def _check_plain(node: ScalarNode, where: str) -> None:
    text = node.value
    if node.tag == INT_TAG and len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise InputError(
            f"{where} = an integer of {len(text.lstrip('+-')):,} digits: "
            f"at most {MAX_INT_DIGITS} digits"
        )
    if node.tag != STR_TAG:
        return
    for pattern, why in AMBIGUOUS:
        if pattern.match(text):
            raise InputError(f"{where} = {excerpt(text)}: {why}")


def parse_value(raw: str, where: str) -> Any:
    """A link or ``--set`` value: YAML within the per-value limit; '' stays ''."""
    if len(raw) > MAX_VALUE_CHARS:
        raise InputError(f"{where}: value of {len(raw):,} characters; at most {MAX_VALUE_CHARS:,}")
    if not raw.strip():
        return ""
    return parse_yaml(raw, where, MAX_VALUE_CHARS, sep=".")


def check_path(path: str, what: str = "field") -> str:
    """A dotted field path ('edge.device_count'), stripped; InputError when malformed."""
    clean = path.strip()
    if len(clean) > MAX_PATH_CHARS:
        raise InputError(
            f"{what} {excerpt(clean)}: {len(clean):,} characters; at most {MAX_PATH_CHARS}"
        )
    if not PATH_RE.match(clean):
        raise InputError(
            f"{what} {excerpt(clean)}: not a dotted field path (letters, digits, _ and dots, "
            "e.g. edge.device_count)"
        )
    return clean


def read_bytes(path: Path, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes of a file (one more is read to tell it is over); InputError naming
    the file when it cannot be read or is larger. ``what`` says what such a file usually holds."""
    name = excerpt(str(path), 80, quote=False)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    check_size(data, name, limit, what)
    return data


def check_size(data: bytes, name: str, limit: int, what: str) -> None:
    if len(data) > limit:
        raise InputError(f"{name}: larger than {limit:,} bytes ({what})")


def read_text_file(path: Path) -> str:
    """A UTF-8 text file of at most MAX_FILE_BYTES; InputError naming the file otherwise."""
    data = read_bytes(path, MAX_FILE_BYTES, "a scenario is a few kB")
    return decode_utf8(data, excerpt(str(path), 80, quote=False))


def decode_utf8(data: bytes, name: str) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is dropped); InputError for any other encoding."""
    for bom, label in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if data.startswith(bom):
            raise InputError(f"{name}: {label} text; save it as UTF-8")
    if b"\x00" in data:
        raise InputError(f"{name}: contains NUL bytes (UTF-16 or binary?); save it as UTF-8 text")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def check_name(name: str, what: str) -> str:
    """A preset or file name: letters, digits, _ . - only, no folders; InputError otherwise."""
    if not NAME_RE.match(name) or ".." in name:
        raise InputError(
            f"{what} {excerpt(name)}: not a name (letters, digits, _ . - only; no folders)"
        )
    return name


CsvRow = tuple[int, dict[str, str]]


def read_csv(
    data: bytes, name: str, max_bytes: int = MAX_CSV_BYTES
) -> tuple[list[str], list[CsvRow]]:
    """A CSV with a header row: (the header, (line, {column: cell}) per data row).

    Within the limits (size, rows, columns, cell length), UTF-8 only, every row as wide as the
    header, blank lines skipped; InputError naming the row (the file's line) and column otherwise.
    """
    check_size(data, name, max_bytes, "a pilot CSV of two weeks is a few MB")
    text = decode_utf8(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = csv_header(next_record(reader, name), name)
    rows: list[CsvRow] = []
    while True:
        line = reader.line_num + 1  # where the record starts (a quoted cell may span lines)
        record = next_record(reader, name)
        if record is None:
            break
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise InputError(
                f"{name} row {line}: {len(record):,} fields; the header has {len(header)}"
            )
        for col, cell in zip(header, record, strict=True):
            check_cell(cell, f"{name} row {line}, column {col}")
        if len(rows) >= MAX_CSV_ROWS:
            raise InputError(f"{name}: more than {MAX_CSV_ROWS:,} data rows")
        rows.append((line, dict(zip(header, record, strict=True))))
    return header, rows


def next_record(reader: Any, name: str) -> list[str] | None:
    start = reader.line_num + 1
    try:
        return next(reader, None)
    except csv.Error as exc:
        end = f" (to line {reader.line_num})" if reader.line_num > start else ""
        why = excerpt(str(exc), 80, quote=False)
        raise InputError(f"{name} row {start}{end}: not valid CSV ({why})") from None


def csv_header(record: list[str] | None, name: str) -> list[str]:
    if not record or not any(c.strip() for c in record):
        raise InputError(f"{name}: empty; expected a header row of column names")
    if len(record) > MAX_CSV_COLUMNS:
        raise InputError(f"{name}: {len(record):,} columns; at most {MAX_CSV_COLUMNS}")
    header = []
    for k, cell in enumerate(record):
        check_cell(cell, f"{name} header, column {k + 1}")
        clean = cell.strip()
        if clean in header:
            raise InputError(f"{name} header: column {excerpt(clean)} appears twice")
        header.append(clean)
    return header


def check_cell(cell: str, where: str) -> None:
    if len(cell) > MAX_CELL_CHARS:
        raise InputError(f"{where}: {len(cell):,} characters; at most {MAX_CELL_CHARS}")
    if not cell.isprintable():
        raise InputError(f"{where}: {excerpt(cell)} holds control characters")


def decimal(cell: str, where: str) -> float:
    """A finite decimal number ('12', '-3.5', '1e3'); InputError for anything else (nan, inf,
    1_000, 0x1F, 1,5), quoting an excerpt of the cell."""
    text = cell.strip()
    if not DECIMAL_RE.match(text):
        raise InputError(f"{where}: {excerpt(text)} is not a number (plain decimal digits)")
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"{where}: {excerpt(text)} is too large (not a finite number)")
    return value
