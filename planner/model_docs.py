"""Attribute docstrings of the scenario's and the catalog's models, read once per module.

The models set ``use_attribute_docstrings``: the docstring under a field is its description
(the dashboard's help text). pydantic finds each class's source by walking the interpreter's
frames and asking ``inspect`` which module each belongs to, then tokenises and parses the class
(Python < 3.13): a third of building the 42 models at import (~0.03 s of a fresh process).
Here a registered module's file is parsed once and each of its top-level classes reads its
docstrings with pydantic's own visitor, so the descriptions are the same
(``tests/unit/test_model_docs.py``). Any other class, a class not at the top level, a name
defined twice, or another pydantic, is left to pydantic.
"""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.Lock()
_CLASSES: dict[str, dict[str, dict[str, str]] | None] = {}
"""Per registered module: top-level class name -> {attribute: docstring} (None: not parsed)."""
_PYDANTIC: list[Callable[..., dict[str, str]]] = []
"""pydantic's own extraction, once replaced."""


def register(module: str) -> None:
    """Read ``module``'s model docstrings from its parsed file (call before its classes)."""
    try:
        from pydantic._internal import _docs_extraction, _fields
    except ImportError:  # another pydantic: it reads them itself
        return
    if not hasattr(_fields, "extract_docstrings_from_cls") or not hasattr(
        _docs_extraction, "DocstringVisitor"
    ):
        return
    with _LOCK:
        _CLASSES.setdefault(module, None)
        if not _PYDANTIC:
            _PYDANTIC.append(_fields.extract_docstrings_from_cls)
            _fields.extract_docstrings_from_cls = _extract


def _extract(cls: type[Any], use_inspect: bool = False) -> dict[str, str]:
    found = _classes(cls.__module__)
    if found is not None and cls.__qualname__ in found:
        return dict(found[cls.__qualname__])
    return _PYDANTIC[0](cls, use_inspect=use_inspect)


def _classes(module: str) -> dict[str, dict[str, str]] | None:
    if module not in _CLASSES:
        return None
    with _LOCK:
        found = _CLASSES[module]
        if found is None:
            found = _CLASSES[module] = _parse(module)
    return found


def _parse(module: str) -> dict[str, dict[str, str]]:
    from pydantic._internal._docs_extraction import DocstringVisitor

    path = getattr(sys.modules.get(module), "__file__", None)
    try:  # no source (bytecode only, say): pydantic reads each class as it can
        with open(str(path), encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[str, dict[str, str]] = {}
    twice: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            if node.name in found:
                twice.add(node.name)
            visitor = DocstringVisitor()
            visitor.generic_visit(node)
            found[node.name] = visitor.attrs
    return {name: attrs for name, attrs in found.items() if name not in twice}
