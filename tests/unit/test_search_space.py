"""The default search space of every preset: reachable baseline, valid one-knob changes."""

from __future__ import annotations

import pytest

from planner.errors import ScenarioError
from planner.optimise import Point, default_constraints, dominates, overrides_of, pareto
from planner.presets import apply_overrides, list_presets, load
from planner.search_space import default_space, dim, parse_vary


@pytest.mark.parametrize("preset", [n for n, _ in list_presets()])
def test_default_space_holds_the_scenario_and_valid_neighbours(preset: str) -> None:
    from planner.optimise import price_overrides

    s = load(preset)
    space = default_space(s)
    assert space, preset
    data = s.model_dump(mode="json")
    tried = failed = 0
    for d in space:
        assert len(d.choices) > 1
        current = data
        for part in d.paths[0].split("."):
            current = current[part]
        assert current in d.choices, (d.name, current)
        for value in d.choices:
            tried += 1
            try:
                apply_overrides(s, price_overrides(s, {p: value for p in d.paths}))
            except ScenarioError:
                failed += 1
    assert failed <= 0.1 * tried, (preset, failed, tried)


def test_constraints_from_the_slo() -> None:
    s = load("factory_robotics_control_loop")
    c = default_constraints(s)
    assert s.slo.hard_deadline and c.min_slo_attainment == 0.999
    assert default_constraints(load("article_1m_chat")).min_slo_attainment == 0.95


def test_pareto_and_overrides_helpers() -> None:
    space = [dim("cloud.min_replicas", [3, 1, 2]), dim("cloud.max_replicas", [1, 4])]
    assert space[0].choices == (1, 2, 3)
    assert overrides_of(space, {"cloud.min_replicas": 2, "cloud.max_replicas": 0}) == {
        "cloud.min_replicas": 3,
        "cloud.max_replicas": 3,  # the max follows the min
    }
    pts = [
        Point({"a": i}, {"monthly_usd": c, "slo_attainment": a, "p95_ms": p}, [])
        for i, (c, a, p) in enumerate([(1, 0.9, 10), (2, 0.95, 10), (2, 0.9, 10), (3, 0.99, 5)])
    ]
    front = pareto(pts)
    assert [p.overrides["a"] for p in front] == [0, 1, 3]
    assert dominates(pts[0].objectives(), pts[2].objectives())
    assert parse_vary(["cloud.gpu=l4,a10g"])[0].choices == ("l4", "a10g")
