"""Scenario <-> URL query string: a shareable link that reopens the identical scenario.

Like a recipe card that says "grandma's pancakes, but with 3 eggs": the link names the preset
and lists only the fields that differ from it, readable (``edge.device_count=30``), with a
version (``v=1``). Decoding validates every field; what is malformed, tampered with or from an
unknown version is reported by name and that part falls back to the preset's value. A link comes
from strangers: its size is checked before anything is parsed, every value is read by
``planner.safe_input`` (no anchors, bounded size and nesting), and ``preset`` must be one of the
catalogue's preset names, never a path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from planner.errors import ScenarioError, excerpt
from planner.presets import DEFAULT_PRESET, apply_overrides, load, preset_names
from planner.safe_input import MAX_LINK_CHARS, MAX_LINK_PARAMS, check_path, parse_value
from planner.scenario import Scenario

LINK_VERSION = "1"
MAX_PARAMS = MAX_LINK_PARAMS
MAX_CHARS = MAX_LINK_CHARS
RESERVED = ("v", "preset")
LINK_WORK_LIMIT = 30_000_000
"""The most simulated requests a link may allow (``simulation.max_simulated_requests``): the
compiled engine's default work limit (``planner.engines.COSTS``; a test holds them equal). A
stranger's link must not raise it and keep a shared server busy for an hour; a larger run is
the command line's (a scenario file or ``--set``)."""


@dataclass(frozen=True)
class Decoded:
    scenario: Scenario
    messages: list[str] = field(default_factory=list)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested mappings as dotted paths; lists are leaves."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): data}


def encode_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def decode_value(text: str, path: str = "value") -> Any:
    """A link value as YAML (within safe_input's limits); InputError when unreadable."""
    return parse_value(text, path)


def base_of(s: Scenario) -> Scenario:
    return load(s.preset if s.preset in preset_names() else DEFAULT_PRESET)


def to_params(s: Scenario) -> dict[str, str]:
    """Query parameters: version, preset and every leaf that differs from the preset."""
    base = base_of(s)
    mine = flatten(s.model_dump(mode="json"))
    theirs = flatten(base.model_dump(mode="json"))
    params = {"v": LINK_VERSION, "preset": base.preset or DEFAULT_PRESET}
    for path in sorted(mine, key=order_key):
        if path in ("preset",):
            continue
        if path not in theirs or mine[path] != theirs[path]:
            params[path] = encode_value(mine[path])
    return params


def order_key(path: str) -> tuple[int, str]:
    """Union kinds first, so that a changed kind is applied before its member's fields."""
    return (0 if path.endswith(".kind") else 1, path)


def from_params(params: dict[str, str]) -> Decoded:
    """A scenario from query parameters; never raises, reports what it could not use."""
    messages: list[str] = []
    size = sum(len(k) + len(v) for k, v in params.items())
    if len(params) > MAX_PARAMS or size > MAX_CHARS:
        return Decoded(
            load(),
            [
                f"link too large ({len(params)} fields, {size} characters; at "
                f"most {MAX_PARAMS} fields and {MAX_CHARS} characters): "
                "opened the default scenario"
            ],
        )
    version = params.get("v", LINK_VERSION)
    if version != LINK_VERSION:
        return Decoded(
            load(),
            [
                f"link version {excerpt(version, 20)} is not supported (this planner "
                f"reads version {LINK_VERSION}): opened the default scenario"
            ],
        )
    preset = params.get("preset", DEFAULT_PRESET)
    if preset not in preset_names():
        messages.append(
            f"preset {excerpt(preset)} does not exist (a link names one of the presets: "
            f"{', '.join(preset_names())}): used {DEFAULT_PRESET}"
        )
        preset = DEFAULT_PRESET
    updates = {}
    for key, raw in params.items():
        if key in RESERVED:
            continue
        try:
            path = check_path(key)  # before the value, whose messages name it
            updates[path] = decode_value(raw, path)
        except ScenarioError as exc:
            messages.append(ignored(key, first_line(exc)))
    cap_work(updates, messages)
    return apply_leniently(load(preset), updates, messages)


def cap_work(updates: dict[str, Any], messages: list[str]) -> None:
    """Drop a link's work limit above the server's, saying so with the allowed range."""
    path = "simulation.max_simulated_requests"
    asked = updates.get(path)
    if isinstance(asked, int | float) and not isinstance(asked, bool) and asked > LINK_WORK_LIMIT:
        del updates[path]
        messages.append(
            f"ignored {path} = {asked:,.0f}: a link may set 1,000 to {LINK_WORK_LIMIT:,} (the "
            "server's work limit); simulate a larger run from the command line"
        )


def first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def ignored(path: str, problem: str) -> str:
    """'ignored edge.sites = 0: ...', naming the field once."""
    shown = excerpt(path, 80, quote=False)
    if problem.startswith(path) and problem[len(path) : len(path) + 1] in (" ", ":", "."):
        return f"ignored {problem}"
    return f"ignored {shown}: {problem}"


def apply_leniently(base: Scenario, updates: dict[str, Any], messages: list[str]) -> Decoded:
    """All updates at once if they validate together, else one by one, skipping bad ones."""
    try:
        return Decoded(apply_overrides(base, updates), messages)
    except ScenarioError:
        pass
    current = base
    for path in sorted(updates, key=order_key):
        try:
            current = apply_overrides(current, {path: updates[path]})
        except ScenarioError as exc:
            kept = preset_value(current, path)
            messages.append(ignored(path, first_line(exc)) + (f" (kept {kept})" if kept else ""))
    return Decoded(current, messages)


def preset_value(s: Scenario, path: str) -> str:
    value: Any = s.model_dump(mode="json")
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return ""  # the message already says the field does not exist
    return excerpt(encode_value(value), 40, quote=False)
