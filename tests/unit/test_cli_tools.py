"""The planning-tool commands from the shell: optimize (in process, a tiny space) and errors."""

from __future__ import annotations

import json
from contextlib import suppress
from pathlib import Path

import pytest
import yaml

from planner.cli import main
from planner.theory import theory_scenario


@pytest.fixture()
def pool_yaml(tmp_path: Path) -> Path:
    s = theory_scenario(2, 0.7, "exponential", requests=3000, replications=2, seed=9)
    data = s.model_dump(mode="json")
    data["slo"]["p95_ms"] = 5 * (s.cloud.batch1_ms or 1.0)
    data["simulation"]["replications"] = 1
    path = tmp_path / "pool.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_optimize_json(pool_yaml: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["optimize", str(pool_yaml), "--scheduler", "inprocess", "--json"]
    argv += ["--vary", "cloud.min_replicas+cloud.max_replicas=1,2,3,4", "--evaluations", "4"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"front", "evaluated", "cheapest_feasible"} <= set(out)
    assert out["evaluated"] == 4 and out["method"] == "grid"
    for point in out["front"]:
        assert {"overrides", "monthly_usd", "slo_attainment", "p95_ms", "feasible"} <= set(point)
    best = out["cheapest_feasible"]
    assert best["feasible"] and best["overrides"]["cloud.min_replicas"] >= 2
    cheaper = [p for p in out["front"] if p["monthly_usd"] < best["monthly_usd"]]
    assert all(not p["feasible"] for p in cheaper)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--vary", "cloud.min_replicas"], "--vary 'cloud.min_replicas': expected"),
        (["--scheduler", "localhost"], "expected tcp://host:port"),
        (["--evaluations", "0"], "--evaluations 0: must be >= 1"),
    ],
)
def test_optimize_bad_arguments_exit_2(
    pool_yaml: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["optimize", str(pool_yaml), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_optimize_and_sensitivity_text_read_in_units(
    pool_yaml: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    argv = ["optimize", str(pool_yaml), "--scheduler", "inprocess", "--evaluations", "2"]
    assert main([*argv, "--vary", "cloud.min_replicas+cloud.max_replicas=2,3"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"\$[\d,]+/month, attainment [\d.<>]+ %, p95 [\d.,]+ (ms|s|min)", text), text
    assert not re.search(r"\d\.\d{4,}", text), text  # no raw float
    assert main(["sensitivity", str(pool_yaml), "--scheduler", "inprocess"]) == 0
    text = capsys.readouterr().out
    assert "GPU price" in text and "flips at" in text
    assert not re.search(r"\d\.\d{4,}", text), text


def test_sweeps_on_a_local_cluster_write_nothing_to_stderr(pool_yaml: Path) -> None:
    """A user running the tools on the default LocalCluster reads the answer, not distributed's
    shutdown chatter (a worker's failed heartbeat to a closed scheduler printed a traceback)."""
    import os
    import socket
    import subprocess
    import sys

    taken = socket.socket()  # as when another cluster's HTTP server holds distributed's port
    with suppress(OSError):
        taken.bind(("127.0.0.1", 8787))
        taken.listen()
    for argv in (
        ["sensitivity", str(pool_yaml), "--json"],
        ["optimize", str(pool_yaml), "--evaluations", "2", "--json"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "planner", *argv],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "PLANNER_DASK_SCHEDULER": ""},
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)
        assert done.stderr == "", (argv[0], done.stderr)
    taken.close()
