"""Preset scenarios: YAML files in ``presets/``, each a base plus named overrides.

A preset is like a template in a slide deck: a starting point an architect adapts. A preset
file holds a (partial) Scenario; ``base: other_preset`` starts from another preset (or from a
file beside it, ``base: my_base.yaml``) and deep-merges on top. Files are read through
``planner.safe_input`` (size, encoding, YAML limits); ``base`` is a name, never a path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner import parse_cache
from planner.errors import ScenarioError, describe_validation_error, excerpt
from planner.safe_input import InputError, check_name, parse_yaml, read_text_file
from planner.scenario import Scenario, set_dotted

PRESET_DIR = Path(__file__).resolve().parent.parent / "presets"
DEFAULT_PRESET = "article_1m_chat"
NOT_PRESETS = {"catalog"}
MAX_BASE_DEPTH = 5


def preset_names() -> list[str]:
    """The catalogue's preset names, the default first: the allow-list for links."""
    names = sorted(p.stem for p in PRESET_DIR.glob("*.yaml") if p.stem not in NOT_PRESETS)
    names.sort(key=lambda n: n != DEFAULT_PRESET)
    return names


def list_presets() -> list[tuple[str, str]]:
    """(name, one-line description) of every preset, the default first."""
    return [
        (n, str(_read_raw(PRESET_DIR / f"{n}.yaml").get("description", ""))) for n in preset_names()
    ]


def _read_raw(path: Path) -> dict[str, Any]:
    name = excerpt(path.name, 80, quote=False)
    text = read_text_file(path)
    if path.parent == PRESET_DIR:  # the installation's presets: kept parsed (parse_cache)
        data = parse_cache.parsed(path, "preset", text, lambda t: parse_yaml(t, name))
    else:
        data = parse_yaml(text, name)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{excerpt(path.name, 80, quote=False)}: must hold a mapping of scenario sections"
        )
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
    return deep_merge(resolve_raw(base_path(base, path), depth + 1), data)


def base_path(base: object, path: Path) -> Path:
    """The file ``base:`` names: a preset, else a file in the same folder; never elsewhere."""
    where = f"{excerpt(path.name, 80, quote=False)}: base"
    if not isinstance(base, str):
        raise InputError(f"{where} = {excerpt(base)}: must be a preset name or a file name")
    check_name(base, where)
    if base in preset_names():
        return PRESET_DIR / f"{base}.yaml"
    folder = path.resolve().parent
    for candidate in (folder / base, folder / f"{base}.yaml"):
        resolved = candidate.resolve()
        if resolved.suffix in (".yaml", ".yml") and resolved.is_file():
            if resolved.parent != folder:  # a symlink pointing out of the folder
                raise InputError(f"{where} {excerpt(base)} leads outside the file's folder")
            return resolved
    raise InputError(
        f"{excerpt(path.name, 80, quote=False)}: base preset {excerpt(base)} does not exist "
        f"(neither a preset: {', '.join(preset_names())}; nor a YAML file beside this one)"
    )


def preset_path(name_or_file: str) -> Path:
    """A preset name ('clinic_llm_assistant_pii') or a path to a scenario YAML file.

    Files are for the command line and tests (the person at the shell owns the files); a link
    only ever names a preset (``planner.links`` checks the allow-list first).
    """
    if name_or_file in preset_names():
        return PRESET_DIR / f"{name_or_file}.yaml"
    candidate = Path(name_or_file)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    names = ", ".join(preset_names())
    raise ScenarioError(
        f"preset {excerpt(name_or_file)} not found (nor a .yaml file); choose one of: {names}"
    )


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
            raise ScenarioError(excerpt(exc.args[0], 200, quote=False)) from None
    return validate(data)


def validate(data: dict[str, Any]) -> Scenario:
    """Scenario from plain data, raising ScenarioError with one line per problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, model=Scenario)) from None
