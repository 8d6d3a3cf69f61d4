"""Scenario <-> URL query string: a shareable link that reopens the identical scenario.

Like a recipe card that says "grandma's pancakes, but with 3 eggs": the link names the preset
and lists only the fields that differ from it, readable (``edge.device_count=30``), with a
version (``v=1``). Decoding validates every field; what is malformed, tampered with or from an
unknown version is reported by name and that part falls back to the preset's value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from planner.errors import ScenarioError
from planner.presets import DEFAULT_PRESET, apply_overrides, list_presets, load
from planner.scenario import Scenario

LINK_VERSION = "1"
MAX_PARAMS = 200
MAX_CHARS = 8_000
RESERVED = ("v", "preset")


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


def decode_value(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except (yaml.YAMLError, ValueError):  # ValueError: integers beyond Python's digit limit
        return text


def base_of(s: Scenario) -> Scenario:
    names = {n for n, _ in list_presets()}
    return load(s.preset if s.preset in names else DEFAULT_PRESET)


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
                f"link version '{version[:20]}' is not supported (this planner "
                f"reads version {LINK_VERSION}): opened the default scenario"
            ],
        )
    preset = params.get("preset", DEFAULT_PRESET)
    try:
        base = load(preset)
    except ScenarioError:
        messages.append(f"preset '{preset[:60]}' does not exist: used {DEFAULT_PRESET}")
        base = load()
    updates = {k: decode_value(v) for k, v in params.items() if k not in RESERVED}
    return apply_leniently(base, updates, messages)


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
            first = str(exc).splitlines()[0]
            messages.append(f"ignored {path[:80]}: {first} (kept {preset_value(current, path)})")
    return Decoded(current, messages)


def preset_value(s: Scenario, path: str) -> str:
    value = flatten(s.model_dump(mode="json")).get(path, "no such field")
    text = encode_value(value)
    return text if len(text) <= 40 else text[:37] + "..."
