"""Readable one-line messages for invalid scenarios, presets, links and --set values.

An error here is like a form's red outline: it names the field, shows what was entered and says
what is allowed, so a person can fix it without reading a traceback.
"""

from __future__ import annotations

from pydantic import ValidationError

MAX_VALUE_CHARS = 60


class ScenarioError(ValueError):
    """A scenario could not be built; ``str(err)`` is one line per problem."""


def _shorten(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def describe_validation_error(err: ValidationError, prefix: str = "") -> str:
    """One line per error: ``field.path = value: what is allowed``."""
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not _is_union_tag(p))
        where = prefix + loc if loc else (prefix.rstrip(".") or "scenario")
        msg = e["msg"].removeprefix("Value error, ")
        whole_model = not loc or isinstance(e.get("input"), dict)
        shown = "" if e["type"] == "missing" or whole_model else f" = {_shorten(e.get('input'))}"
        if e["type"] == "extra_forbidden":
            msg = "unknown field (not in the scenario schema)"
        lines.append(f"{where}{shown}: {msg}")
    return "\n".join(lines)


def _is_union_tag(part: object) -> bool:
    # pydantic puts the chosen union member ("kpa", "llm", ...) into the error location
    return isinstance(part, str) and part in {
        "fixed",
        "kpa",
        "hpa",
        "schedule",
        "llm",
        "vision",
        "edge_only",
        "cloud_only",
        "local_first",
        "split",
    }
