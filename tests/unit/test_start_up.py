"""A fresh process answering a small scenario loads only what the answer needs.

Issue 13's "compile once" target is a fresh process answering a small scenario in under a
second once numba's cache exists. pandas (~0.45 s to import, ~100 MB) is imported only when a
run's chart frames are first read, and scipy (imported by numba's target set-up only to learn
whether BLAS exists; the kernels use none) is left out while the kernels load. What the process
imports is the property tested here; the time is measured by ``benchmarks/engine_targets.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHECK = """
import json, sys
from planner.presets import load
from planner.run import run
s = load("article_1m_chat", {"workload.requests_per_month": 20000,
    "simulation.replications": 1, "simulation.processes": 1})
r = run(s)
before = {m: m in sys.modules for m in ("pandas", "scipy", "multiprocessing")}
frames = len(r.sample), len(r.series)
import scipy.linalg  # imports as usual afterwards
print(json.dumps({"before": before, "after": "pandas" in sys.modules, "frames": frames,
                  "p95": r.get("latency_ms.p95")}))
"""


def test_a_small_run_imports_neither_pandas_nor_scipy_until_its_frames_are_read() -> None:
    """Nor multiprocessing: a run small enough for one process forks no workers."""
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["before"] == {"pandas": False, "scipy": False, "multiprocessing": False}
    assert got["after"] is True  # reading the sample built the frames
    assert got["frames"][0] > 0 and got["frames"][1] > 0
    assert got["p95"] > 0


PACKAGE = """
import json, sys
import planner
bare = sorted(m for m in ("numpy", "pydantic", "numba") if m in sys.modules)
import planner.run as module_or_function
from planner import RunResult, Scenario, list_presets, load, run
print(json.dumps({"bare": bare, "run": [callable(planner.run), planner.run is run,
    module_or_function is run, sys.modules["planner.run"].run is run],
    "names": [n for n in planner.__all__ if not hasattr(planner, n)],
    "scenario": isinstance(load("article_1m_chat"), Scenario), "result": RunResult.__name__}))
"""


def test_the_package_imports_its_names_when_first_used() -> None:
    """``python -m planner`` imports the package before its ``__main__`` sets the process up:
    the package alone imports nothing heavy, and ``planner.run`` stays the function."""
    out = subprocess.run(
        [sys.executable, "-c", PACKAGE], capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["bare"] == []
    assert got["run"] == [True, True, True, True]
    assert got["names"] == []
    assert got["scenario"] is True and got["result"] == "RunResult"


BLAS = """
import os, runpy, sys
sys.argv = ["planner", "presets"]
try:
    runpy.run_module("planner", run_name="__main__")
except SystemExit:
    pass
print(os.environ.get("OPENBLAS_NUM_THREADS"))
"""


def test_the_command_line_starts_no_blas_threads_unless_asked() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", BLAS], capture_output=True, text=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "1"
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", BLAS], capture_output=True, text=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "2"
