"""The models' field descriptions are pydantic's own, read from each module's source once."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import types

import pydantic
import pytest

from planner import catalog, model_docs, scenario

DESCRIPTIONS = """
import inspect, json, sys
import pydantic
import pytest
from planner import model_docs
if sys.argv[1] == "pydantic":
    model_docs.register = lambda module: None  # pydantic reads every docstring itself
from planner import catalog, scenario
models = [c for m in (scenario, catalog) for _, c in inspect.getmembers(m, inspect.isclass)
          if issubclass(c, pydantic.BaseModel) and c.__module__ == m.__name__]
print(json.dumps({f"{c.__module__}.{c.__name__}":
    {n: f.description for n, f in c.model_fields.items()} for c in models}))
"""


def descriptions(reader: str) -> dict[str, dict[str, str | None]]:
    out = subprocess.run(
        [sys.executable, "-c", DESCRIPTIONS, reader], capture_output=True, text=True, check=True
    )
    got: dict[str, dict[str, str | None]] = json.loads(out.stdout.strip().splitlines()[-1])
    return got


def test_every_field_has_the_description_pydantic_gives_it() -> None:
    ours, theirs = descriptions("model_docs"), descriptions("pydantic")
    assert ours == theirs
    assert sum(d is not None for fields in ours.values() for d in fields.values()) > 100


def test_each_model_reads_the_docstrings_pydantic_reads() -> None:
    assert model_docs._PYDANTIC, "pydantic's extraction was not replaced"
    pydantic_reads = model_docs._PYDANTIC[0]
    for module in (scenario, catalog):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, pydantic.BaseModel) and cls.__module__ == module.__name__:
                assert model_docs._extract(cls) == pydantic_reads(cls, use_inspect=True)


def test_other_classes_are_left_to_pydantic() -> None:
    class Local(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(use_attribute_docstrings=True)
        x: int = 0
        """A local model's field."""

    assert Local.model_fields["x"].description == "A local model's field."


def test_a_module_without_source_is_left_to_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("compiled_only")
    module.__file__ = "/nonexistent/compiled_only.pyc"
    monkeypatch.setitem(sys.modules, "compiled_only", module)
    monkeypatch.setitem(model_docs._CLASSES, "compiled_only", None)
    assert model_docs._classes("compiled_only") == {}  # so each class falls back to pydantic
