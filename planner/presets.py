"""Preset scenarios: YAML files in ``presets/``, each a base plus named overrides.

A preset is like a template in a slide deck: a starting point an architect adapts. A preset
file holds a (partial) Scenario; ``base: other_preset`` starts from another preset and
deep-merges on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from planner.errors import ScenarioError, describe_validation_error
from planner.scenario import Scenario, set_dotted

PRESET_DIR = Path(__file__).resolve().parent.parent / "presets"
DEFAULT_PRESET = "article_1m_chat"
NOT_PRESETS = {"catalog"}
MAX_BASE_DEPTH = 5


def list_presets() -> list[tuple[str, str]]:
    """(name, one-line description) of every preset, the default first."""
    names = sorted(p.stem for p in PRESET_DIR.glob("*.yaml") if p.stem not in NOT_PRESETS)
    names.sort(key=lambda n: n != DEFAULT_PRESET)
    return [(n, str(_read_raw(PRESET_DIR / f"{n}.yaml").get("description", ""))) for n in names]


def _read_raw(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path.name}: not valid YAML ({exc})") from exc
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path.name}: must hold a mapping of scenario sections")
    return data


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A new dict: ``over`` merged into ``base`` (mappings recursively, the rest replaced)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_raw(path: Path, depth: int = 0) -> dict[str, Any]:
    """The preset file's data with its ``base`` chain merged in."""
    if depth > MAX_BASE_DEPTH:
        raise ScenarioError(f"{path.name}: 'base' chain deeper than {MAX_BASE_DEPTH}")
    data = _read_raw(path)
    base = data.pop("base", None)
    if base is None:
        return data
    base_path = PRESET_DIR / f"{base}.yaml"
    if not base_path.exists():
        raise ScenarioError(f"{path.name}: base preset '{base}' does not exist")
    return deep_merge(resolve_raw(base_path, depth + 1), data)


def preset_path(name_or_file: str) -> Path:
    """A preset name ('clinic_llm_assistant_pii') or a path to a scenario YAML file."""
    candidate = Path(name_or_file)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    path = PRESET_DIR / f"{name_or_file}.yaml"
    if name_or_file in NOT_PRESETS or not path.exists():
        names = ", ".join(n for n, _ in list_presets())
        raise ScenarioError(f"preset '{name_or_file}' not found; choose one of: {names}")
    return path


def load(name_or_file: str = DEFAULT_PRESET, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a preset or file, apply dotted-path overrides, validate; ScenarioError if invalid."""
    path = preset_path(name_or_file)
    data = resolve_raw(path)
    if path.parent == PRESET_DIR:
        data.setdefault("preset", path.stem)
    scenario = validate(data)
    return apply_overrides(scenario, overrides) if overrides else scenario


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A re-validated copy with dotted-path overrides; setting a union's ``kind`` resets it."""
    data = scenario.model_dump(mode="json")
    for dotted, value in overrides.items():
        try:
            if dotted.endswith(".kind"):
                set_dotted(data, dotted.removesuffix(".kind"), {"kind": value})
            else:
                set_dotted(data, dotted, value)
        except KeyError as exc:
            raise ScenarioError(f"{exc.args[0]}") from None
    return validate(data)


def validate(data: dict[str, Any]) -> Scenario:
    """Scenario from plain data, raising ScenarioError with one line per problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc)) from None
