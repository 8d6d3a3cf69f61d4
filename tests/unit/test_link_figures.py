"""Circuit-breaker openings and fallbacks kept at the site, as result figures: counted in the
measured window, weighted to the month, shown in the JSON's links block and the CLI text."""

from __future__ import annotations

import pytest

from planner.cli_sim import text_report
from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.formatting import count
from planner.plan import build_plan
from planner.report import result_dict
from planner.run import run
from planner.scenario import Scenario
from planner.summary import segment_weight, summarise
from simulations.engine import Segment
from tests.helpers import records, small

THIRD_DOWN = {"network.outages_per_day": 720, "network.outage_mean_min": 1}  # 1 min down, 2 up
NAMES = ("breaker_opens", "kept_local_by_breaker", "kept_local_link_down")


def flaky(**kw: object) -> Scenario:
    return small(
        "article_1m_chat",
        **THIRD_DOWN,
        **{"policy.routing.queue_threshold": 0, "simulation.horizon": "representative_days"},
        **kw,
    )


def test_link_counts_are_the_measured_window_weighted_to_the_month() -> None:
    s = flaky()
    plan = build_plan(s)
    recs = records(s)
    f = summarise(s, plan, recs)
    for name in NAMES:
        expected = sum(r.extra[name] * segment_weight(plan, k) for k, r in enumerate(recs))
        assert f[f"links.{name}_per_month"] == pytest.approx(expected)
        assert f[f"links.{name}_per_month"] > 0, name


def test_breaker_openings_of_the_warm_up_are_not_counted() -> None:
    s = flaky(**{"simulation.warmup_hours": 6})
    inp = segment_inputs(s, build_plan(s), 0)[0]
    seg = Segment(inp, eligible_by_class(s))
    rec = seg.run()
    every = sum(b.opens for b in seg.router.breakers)
    assert 0 < rec.extra["breaker_opens"] < every
    assert rec.extra["kept_local_link_down"] < seg.router.kept_local_link_down


def test_json_links_block_and_cli_text_show_the_breaker() -> None:
    r = run(flaky(), decide_too=False)
    links = result_dict(r)["links"]
    for name in NAMES:
        assert links[f"{name}_per_month"] == pytest.approx(r.figures[f"links.{name}_per_month"])
        assert links[f"{name}_per_month"] > 0
    # the text labels each figure in words (34 columns), its value after it
    rows = {x[:34].strip(): x[34:].split()[0] for x in text_report(r).splitlines() if x[34:]}
    labels = {
        "breaker_opens": "breaker openings / month",
        "kept_local_by_breaker": "kept local, breaker open / month",
        "kept_local_link_down": "kept local, link down / month",
    }
    for name, words in labels.items():
        assert rows[words] == count(r.figures[f"links.{name}_per_month"])
