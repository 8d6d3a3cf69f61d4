"""Imports point one way: app/ui -> planner -> simulations (STYLE.md rule 1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_EVERYWHERE = {"streamlit", "plotly", "fpdf", "kaleido", "matplotlib"}
# the command-line face, like app.py, may import ui (for the memo command)
FACES = {"planner/__main__.py"}
FORBIDDEN = {
    "planner": FORBIDDEN_EVERYWHERE | {"ui", "app"},
    "simulations": FORBIDDEN_EVERYWHERE | {"ui", "app", "planner", "pydantic", "pandas", "yaml"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_layers_import_one_way() -> None:
    violations = []
    for package, forbidden in FORBIDDEN.items():
        files = sorted((ROOT / package).rglob("*.py"))
        assert files, package
        for f in files:
            if str(f.relative_to(ROOT)) in FACES:
                continue
            bad = imported_roots(f) & forbidden
            if bad:
                violations.append(f"{f.relative_to(ROOT)} imports {sorted(bad)}")
    assert not violations


def test_ui_charts_and_memo_import_no_streamlit() -> None:
    """Chart builders and the memo are pure: the CLI builds the memo without Streamlit."""
    for name in ("charts.py", "capacity_chart.py", "timings.py", "memo.py", "memo_cli.py"):
        assert "streamlit" not in imported_roots(ROOT / "ui" / name), name


def test_simulations_import_only_numpy_simpy_numba_and_the_stdlib() -> None:
    """The engines' dependencies: numpy, SimPy (the reference) and numba (the compiled one),
    with llvmlite, numba's own code generator (numba pins its version), for an intrinsic."""
    allowed = {"numpy", "simpy", "numba", "llvmlite", "simulations"} | set(sys.stdlib_module_names)
    found: dict[str, set[str]] = {}
    for f in sorted((ROOT / "simulations").rglob("*.py")):
        extra = imported_roots(f) - allowed
        if extra:
            found[str(f.relative_to(ROOT))] = extra
    assert not found
