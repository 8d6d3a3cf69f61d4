"""A run on the compiled engine never imports SimPy (a fresh process starts faster).

The SimPy model stays the reference, imported where a segment runs on it; the compiled engine's
Python side (``simulations.compiled.prepare``/``finish``) reads the device work and speed-up
from ``simulations.device_work``, which imports no SimPy.
"""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import planner.run, planner.engines
from simulations.compiled import finish, prepare
print("simpy" in sys.modules)
"""


def test_the_compiled_engines_path_does_not_import_simpy() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_moved_functions_are_still_where_the_simpy_model_reads_them() -> None:
    from simulations import device_work, edge, engine

    assert edge.aggregate_speedup is device_work.aggregate_speedup
    assert engine.edge_service is device_work.edge_service
