"""Fuzzing the three doors user text comes through: a link, ``--set`` pairs and a scenario file.

Every case must end in a result (a Scenario) or a named-field error (ScenarioError, one line per
problem, bounded in length) — never another exception — within 2 s and 300 MB (tracemalloc's
peak of Python allocations, numpy's included). Strategies are structure-aware: the schema's own
dotted paths with hostile values (huge, infinite, NaN, booleans, YAML 1.1 forms, anchors, deep
nesting, control characters), plus raw text and raw bytes. Nothing here simulates: decoding and
validation only. ``FUZZ_EXAMPLES=2000 pytest tests/property/test_fuzz_inputs.py`` fuzzes longer.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cli import parse_set
from planner.errors import ScenarioError
from planner.links import flatten, from_params
from planner.presets import apply_overrides, load, preset_names
from planner.scenario import Scenario

MAX_SECONDS = 2.0
MAX_BYTES = 300_000_000
MAX_LINE = 1_000
SCHEMA_PATHS = sorted(
    {
        *flatten(load().model_dump(mode="json")),
        *(f"{p}.kind" for p in ("policy.routing", "cloud.autoscaler")),
        "workload.request_classes.0.kind",
        "workload.bursts",
        "workload.seasons",
        "network.site_links",
        "compliance.edge",
        "compliance.cloud",
        "cloud.autoscaler.windows",
        "preset",
    }
)
HOSTILE_TEXT = [
    "[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], [*b,*b,*b,*b,*b,*b,*b,*b,*b]]",
    "*a",
    "&a 1",
    "[" * 1500,
    "{a: " * 900,
    "- " * 500,
    ".inf",
    "-.inf",
    ".nan",
    "1e308",
    "-1e308",
    "1e999",
    "9" * 3000,
    "1:30",
    "190:20:30",
    "yes",
    "No",
    "ON",
    "off",
    "010",
    "0x1F",
    "0b101",
    "1_000",
    "true",
    "false",
    "null",
    "~",
    "",
    " ",
    "!!python/object/apply:os.system [id]",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "? [a]\n: 1",
    "'unterminated",
    '"\\x00"',
    "\x00",
    "\ufeff1",
    "a\nb: c",
    "[1, 2",
    "{a: 1, a: 2}",
    "2026-01-01",
    "[" + ", ".join(["1e308"] * 24) + "]",
    "[.nan" + ", 1" * 23 + "]",
    "[true" + ", 1" * 23 + "]",
    "[[.nan, 0.09], [null, 0.05]]",
    "{made_up: done}",
    "../../etc/passwd",
    "/etc/passwd",
    "x" * 3990,
]


def numbers_as_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.3e}"),
    )


def yaml_fragments() -> st.SearchStrategy[str]:
    leaf = st.one_of(numbers_as_text(), st.sampled_from(["true", "yes", ".inf", "a", "1:2"]))
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, max_size=6).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.dictionaries(st.sampled_from(["a", "kind", "share", "0"]), inner, max_size=4).map(
                lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
            ),
        ),
        max_leaves=30,
    )


VALUES = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    numbers_as_text(),
    yaml_fragments(),
    st.text(max_size=60),
    st.builds(lambda n, c: c * n, st.integers(1, 5000), st.sampled_from(["[", "{", "9", "a", "-"])),
)
PATHS = st.one_of(
    st.sampled_from(SCHEMA_PATHS),
    st.sampled_from(SCHEMA_PATHS).map(lambda p: p + ".0"),
    st.text(max_size=40),
    st.sampled_from(["v", "preset", "a" * 300, "workload.request_classes.\u00b2.share"]),
)


def bounded(call: Callable[[], Any]) -> Any:
    """Run ``call`` within MAX_SECONDS and MAX_BYTES; a ScenarioError is returned, not raised."""
    tracemalloc.start()
    started = time.process_time()  # CPU time: six test suites share two cores
    try:
        out: Any = call()
    except ScenarioError as exc:
        out = exc
    finally:
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"{elapsed:.2f} s"
    assert peak < MAX_BYTES, f"{peak / 1e6:.0f} MB"
    return out


def named_field_error(exc: ScenarioError) -> None:
    lines = str(exc).splitlines()
    assert lines, "an empty error"
    for line in lines:
        assert 0 < len(line) < MAX_LINE, line[:200]
        assert line.isprintable(), repr(line[:200])


FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),  # raise it to fuzz longer
    deadline=None,  # bounded() asserts the time of the call itself
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(
    st.dictionaries(PATHS, VALUES, max_size=4),
    st.one_of(st.none(), st.sampled_from(["1", "2", "", "1" * 50])),
    st.one_of(st.none(), st.sampled_from(preset_names()), st.sampled_from(HOSTILE_TEXT)),
)
def test_link_query_strings(params: dict[str, str], v: str | None, preset: str | None) -> None:
    if v is not None:
        params["v"] = v
    if preset is not None:
        params["preset"] = preset
    decoded = bounded(lambda: from_params(params))
    assert not isinstance(decoded, ScenarioError), f"from_params raised: {decoded}"
    assert isinstance(decoded.scenario, Scenario)
    for message in decoded.messages:
        assert 0 < len(message) < MAX_LINE and message.isprintable(), repr(message[:200])


@FUZZ
@given(st.lists(st.tuples(PATHS, VALUES), max_size=4))
def test_set_pairs(pairs: list[tuple[str, str]]) -> None:
    items = [f"{p}={v}" for p, v in pairs]
    out = bounded(lambda: load("article_1m_chat", parse_set(items)))
    if isinstance(out, ScenarioError):
        named_field_error(out)
    else:
        assert isinstance(out, Scenario)


def nested(path: str, raw: str) -> str:
    """'a.b.c' and '3' -> 'a: {b: {c: 3}}' (raw YAML text at the leaf)."""
    *parents, last = path.split(".")
    text = f"{{{last}: {raw}}}"
    for part in reversed(parents[1:]):
        text = f"{{{part}: {text}}}"
    return f"{parents[0]}: {text}" if parents else f"{last}: {raw}"


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(SCHEMA_PATHS), VALUES), min_size=1, max_size=5))
def test_yaml_documents_by_schema_path(tmp_path: Path, leaves: list[tuple[str, str]]) -> None:
    doc = tmp_path / "fuzz.yaml"
    doc.write_text("\n".join(nested(p, v.replace("\n", " ")) for p, v in leaves) + "\n")
    out = bounded(lambda: load(str(doc)))
    if isinstance(out, ScenarioError):
        named_field_error(out)
    else:
        assert isinstance(out, Scenario)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=500).map(lambda t: t.encode("utf-8")),
        st.sampled_from(HOSTILE_TEXT).map(lambda t: f"name: {t}\n".encode("utf-16")),
    )
)
def test_raw_bytes_as_a_file(tmp_path: Path, data: bytes) -> None:
    doc = tmp_path / "raw.yaml"
    doc.write_bytes(data)
    out = bounded(lambda: load(str(doc)))
    if isinstance(out, ScenarioError):
        named_field_error(out)
    else:
        assert isinstance(out, Scenario)


@FUZZ
@given(st.dictionaries(st.sampled_from(SCHEMA_PATHS), VALUES, max_size=3))
def test_form_style_overrides_of_parsed_values(updates: dict[str, str]) -> None:
    """Values already parsed (the dashboard's form path): apply_overrides never raises else."""
    parsed = {}
    for path, raw in updates.items():
        try:
            parsed[path] = parse_set([f"{path}={raw}"])[path]
        except ScenarioError:
            continue
    out = bounded(lambda: apply_overrides(load(), parsed))
    if isinstance(out, ScenarioError):
        named_field_error(out)
