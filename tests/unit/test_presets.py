from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import ScenarioError
from planner.presets import DEFAULT_PRESET, list_presets, load

REQUIRED = {
    "article_1m_chat",
    "retail_kiosk_vision",
    "factory_robotics_control_loop",
    "clinic_llm_assistant_pii",
    "remote_farm_sensors_satellite",
    "seasonal_burst_app",
    "local_first_hybrid",
}


def test_seven_presets_default_first() -> None:
    names = [n for n, _ in list_presets()]
    assert REQUIRED <= set(names)
    assert names[0] == DEFAULT_PRESET
    assert all(d for _, d in list_presets())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_preset_loads(name: str) -> None:
    s = load(name)
    assert s.preset == name


def test_article_preset_carries_the_articles_assumptions() -> None:
    s = load("article_1m_chat")
    assert s.workload.requests_per_month == 1_000_000
    assert (s.edge.device_count, s.edge.capex_usd_per_device) == (50, 200)
    assert s.edge.device == "pi5_8gb_hailo10h"
    assert (s.cloud.gpu, s.cloud.gpu_hourly_usd) == ("rubin_class", 10.0)
    assert s.costs.fixed_cloud_usd_per_month * 12 == 6000
    assert s.costs.maintenance_pct_capex_per_year == 20


def test_base_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("base: clinic_llm_assistant_pii\nname: mine\nedge: {device_count: 50}\n")
    s = load(str(f))
    assert (s.name, s.edge.device_count, s.edge.sites) == ("mine", 50, 25)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- 1\n- 2\n", "must hold a mapping"),
        ("edge: {device_count: [}\n", "not valid YAML"),
        ("base: nowhere\n", "base preset 'nowhere' does not exist"),
        ("edge: {device_count: 1e12}\n", "edge.device_count"),
    ],
)
def test_malformed_files_give_clear_errors(tmp_path: Path, text: str, fragment: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError, match=fragment.replace("[", r"\[")):
        load(str(f))


def test_unknown_preset_lists_choices() -> None:
    with pytest.raises(ScenarioError, match="choose one of: article_1m_chat"):
        load("nope")
