from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from planner.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=120
    )


def test_presets_lists_seven_lines() -> None:
    out = run_cli("presets")
    assert out.returncode == 0
    lines = out.stdout.strip().splitlines()
    assert len(lines) >= 7 and all("\t" in line for line in lines)


def test_show_applies_set_and_prints_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "clinic_llm_assistant_pii", "--set", "edge.device_count=30"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["edge"]["device_count"] == 30


@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ("workload.requests_per_month=-5", "workload.requests_per_month = -5"),
        ("edge.device_count=lots", "edge.device_count = 'lots'"),
        ("edge.colour=red", "edge.colour = 'red': unknown field"),
        ("nothing", "expected dotted.path=value"),
        ("cloud.max_replicas=1e30", "cloud.max_replicas"),
        ("edge.device_count=" + "9" * 5000, "edge.device_count"),
    ],
)
def test_hostile_set_gets_one_clear_line(setting: str, fragment: str) -> None:
    out = run_cli("show", "--set", setting)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert fragment in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_validate_file(tmp_path: object) -> None:
    out = run_cli("validate", "presets/clinic_llm_assistant_pii.yaml")
    assert out.returncode == 0 and out.stdout.startswith("ok:")


def test_help_everywhere() -> None:
    for args in (["--help"], ["show", "--help"], ["presets", "--help"], ["validate", "--help"]):
        out = run_cli(*args)
        assert out.returncode == 0 and "usage:" in out.stdout
