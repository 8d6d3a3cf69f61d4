"""Readable one-line messages for invalid scenarios, presets, links and --set values.

An error here is like a form's red outline: it names the field, shows what was entered and says
what is allowed, so a person can fix it without reading a traceback. What was entered is quoted
as a short excerpt built within a fixed budget: a hostile value (a huge list, a 10,000-digit
number, an expanded YAML bomb) is never turned into text in full.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

MAX_VALUE_CHARS = 60
MAX_MESSAGE_CHARS = 400
MAX_ITEMS = 8
MAX_LEVELS = 3


class ScenarioError(ValueError):
    """A scenario could not be built; ``str(err)`` is one line per problem."""


def excerpt(value: object, limit: int = MAX_VALUE_CHARS, quote: bool = True) -> str:
    """A printable, one-line excerpt of at most ``limit`` characters, built within a budget."""
    text = (
        _bounded(value, limit + 1, MAX_LEVELS)
        if quote or not isinstance(value, str)
        else (_printable(value[: limit + 1]))
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shorten(value: object) -> str:
    return excerpt(value)


def _printable(text: str) -> str:
    """Control characters escaped, so a message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _bounded(value: Any, budget: int, levels: int) -> str:
    """repr-like text, stopping once ``budget`` characters or ``levels`` of nesting are used."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 3 * budget + 10:
            return f"<an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits>"
        return repr(value)
    if isinstance(value, str):
        return repr(value[:budget])
    if isinstance(value, list | tuple | dict):
        return _container(value, budget, levels)
    return f"<{type(value).__name__}>"


def _container(
    value: list[Any] | tuple[Any, ...] | dict[Any, Any], budget: int, levels: int
) -> str:
    brackets = {list: "[]", tuple: "()", dict: "{}"}.get(type(value), "[]")
    opening, closing = brackets[0], brackets[1]
    if levels <= 0:
        return opening + "..." + closing
    pairs: list[tuple[Any, Any]] = (
        list(value.items())[:MAX_ITEMS]
        if isinstance(value, dict)
        else [(None, v) for v in value[:MAX_ITEMS]]
    )
    parts: list[str] = []
    used = 2
    for key, item in pairs:
        part = _bounded(item, budget - used, levels - 1)
        if isinstance(value, dict):
            part = f"{_bounded(key, budget, 1)}: {part}"
        parts.append(part)
        used += len(part) + 2
        if used > budget:
            break
    more = ", ..." if len(parts) < len(value) else ""
    return opening + ", ".join(parts) + more + closing


def describe_validation_error(err: ValidationError, prefix: str = "") -> str:
    """One line per field: ``field.path = value: what is allowed`` (union branches merged)."""
    lines: dict[str, str] = {}
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not _is_union_tag(p))
        where = prefix + loc if loc else (prefix.rstrip(".") or "scenario")
        where = _printable(where)
        msg = _printable(e["msg"].removeprefix("Value error, "))[:MAX_MESSAGE_CHARS]
        whole_model = not loc or isinstance(e.get("input"), dict)
        shown = "" if e["type"] == "missing" or whole_model else f" = {excerpt(e.get('input'))}"
        if e["type"] == "extra_forbidden":
            msg = "unknown field (not in the scenario schema)"
        if e["type"] == "union_tag_invalid":  # pydantic's message quotes the whole input
            ctx = e.get("ctx") or {}
            where = f"{where}.{str(ctx.get('discriminator', 'kind')).strip(chr(39))}"
            shown = f" = {excerpt(ctx.get('tag'))}"
            msg = f"must be one of {_printable(str(ctx.get('expected_tags', '')))[:200]}"
        if where in lines:
            # a union's branches each complain about the same field: one line, both reasons
            if msg not in lines[where] and len(lines[where]) < 400:
                lines[where] += f"; or {msg}"
            continue
        lines[where] = f"{where}{shown}: {msg}"
    return "\n".join(lines.values())


UNION_TAGS = frozenset(
    {
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
)


def _is_union_tag(part: object) -> bool:
    # pydantic puts the chosen union member ("kpa", "llm", "list[float]", "literal['flat']",
    # "function-after[...]") into the error location
    if not isinstance(part, str):
        return False
    return part in UNION_TAGS or "[" in part or part in ("str", "int", "float", "bool", "none")
