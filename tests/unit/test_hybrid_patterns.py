"""The source article's three hybrid patterns are each answered: the scenario's own marked, what
the planner simulates of it said, and the one it cannot simulate (federated aggregation) named."""

from __future__ import annotations

from planner.compliance import hybrid_patterns
from planner.presets import apply_overrides, load


def test_every_article_pattern_is_answered_and_the_scenarios_own_is_marked() -> None:
    s = load("article_1m_chat")  # local-first
    rows = {r["pattern"]: r for r in hybrid_patterns(s)}
    assert set(rows) == {
        "Local-first with cloud fallback",
        "Model splitting (split inference)",
        "Federated and private aggregation",
    }
    assert rows["Local-first with cloud fallback"]["this scenario"].startswith("yes")
    assert rows["Model splitting (split inference)"]["this scenario"] == "no"
    assert rows["Federated and private aggregation"]["in the planner"].startswith("not simulated")
    split = apply_overrides(s, {"policy.routing.kind": "split"})
    marked = [r["pattern"] for r in hybrid_patterns(split) if r["this scenario"] != "no"]
    assert marked == ["Model splitting (split inference)"]
