"""Readable one-line messages for invalid scenarios, presets, links and --set values.

An error here is like a form's red outline: it names the field, shows what was entered and says
what is allowed, so a person can fix it without reading a traceback. What was entered is quoted
as a short excerpt built within a fixed budget: a hostile value (a huge list, a 10,000-digit
number, an expanded YAML bomb) is never turned into text in full.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

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


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (itself, a list's items, a union's members)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (list, tuple, dict, typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _models_in(a)]
    return []


def _field_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    """The schema field an error location points at (list indices and union tags stepped
    over), or None when it is not a field."""
    models, info = [model], None
    for part in loc:
        if isinstance(part, int):
            continue
        tagged = [m for m in models if _kind_of(m) == part]
        if tagged:
            models = tagged
            continue
        owner = next((m for m in models if part in m.model_fields), None)
        if owner is None:
            return None if info is None or not _is_union_tag(part) else info
        info = owner.model_fields[part]
        models = _models_in(info.annotation)
    return info


def _kind_of(model: type[BaseModel]) -> object:
    kind = model.model_fields.get("kind")
    return None if kind is None else kind.default


def _number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"


def allowed_range(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    """' (allowed: 0 to 100,000)' for a field with numeric bounds, else ''."""
    info = _field_at(model, loc) if model is not None else None
    if info is None:
        return ""
    lo = hi = None
    lo_open = hi_open = False
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            lo_open = isinstance(m, annotated_types.Gt)
            lo = float(m.gt if isinstance(m, annotated_types.Gt) else m.ge)  # type: ignore[arg-type]
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            hi_open = isinstance(m, annotated_types.Lt)
            hi = float(m.lt if isinstance(m, annotated_types.Lt) else m.le)  # type: ignore[arg-type]
    if lo is None and hi is None:
        return ""
    if lo is not None and hi is not None and not lo_open and not hi_open:
        return f" (allowed: {_number(lo)} to {_number(hi)})"
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {_number(lo)}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {_number(hi)}")
    return f" (allowed: {' and '.join(parts)})"


def describe_validation_error(
    err: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> str:
    """One line per field: ``field.path = value: what is allowed`` (union branches merged);
    with ``model`` (the validated schema), a bounded number's line ends with its range."""
    lines: dict[str, str] = {}
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not _is_union_tag(p))
        where = prefix + loc if loc else (prefix.rstrip(".") or "scenario")
        where = _printable(where)
        msg = _printable(e["msg"].removeprefix("Value error, "))[:MAX_MESSAGE_CHARS]
        msg += allowed_range(model, tuple(e["loc"]))
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
