"""Edge-Cloud Inference Planner: the product's domain (scenario, plan, run, cost, decision).

``planner.run(scenario) -> RunResult`` is the one entry point every face uses.

The names below are imported when first used, not with the package: ``python -m planner``
imports this package before its ``__main__`` runs, and the command line sets its process up
(``planner.__main__``) before numpy, pydantic and numba are imported.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.presets import list_presets, load
    from planner.run import RunResult, run
    from planner.scenario import Scenario

__all__ = ["RunResult", "Scenario", "list_presets", "load", "run"]
__version__ = "0.1.0"
_HOMES = {
    "list_presets": "planner.presets",
    "load": "planner.presets",
    "RunResult": "planner.run",
    "Scenario": "planner.scenario",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """``planner.run`` is the function, as when this package imported it eagerly: the import
    system binds the ``planner.run`` module here on its first import, and that is not kept
    (the module is ``sys.modules["planner.run"]``)."""

    @property
    def run(self) -> Any:
        return importlib.import_module("planner.run").run

    @run.setter
    def run(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
