"""Answers sized to precision, previews on a fixed budget, and the per-engine work limit."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

import planner.plan as plan_mod
from planner.engines import COSTS
from planner.errors import ScenarioError
from planner.plan import Plan, WorkLimitError, build_plan, check_work
from planner.precision import figure_precision, replications_needed
from planner.prepare import prepare
from planner.presets import load
from planner.preview import MIN_SLICE_S, PREVIEW_REPLICATIONS, PREVIEW_REQUESTS, preview_plan
from planner.preview_parts import EXTRA_BUDGETS
from planner.run import run

TINY = {
    "workload.requests_per_month": 1e5,
    "simulation.horizon": "representative_days",
    "simulation.replications": 2,
    "simulation.warmup_hours": 0.5,
}


def test_relative_half_width_against_the_target() -> None:
    p = figure_precision(100.0, (97.0, 103.0), 0.02, rate=False)
    assert p["half_width"] == 3.0 and p["relative"] == pytest.approx(0.03) and not p["met"]
    # a rate near 0 is judged against 1 %, not against itself
    r = figure_precision(0.001, (0.0009, 0.0011), 0.02, rate=True)
    assert r["relative"] == pytest.approx(0.0001 / 0.01) and r["met"]
    assert figure_precision(math.nan, None, 0.02, rate=False)["met"]  # not measured: no target
    assert not figure_precision(5.0, None, 0.02, rate=False)["met"]  # one replication: unknown


def test_needed_replications_follow_one_over_root_n() -> None:
    report = {
        "target_relative": 0.02,
        "figures": {"a": {"relative": 0.04, "met": False}, "b": {"relative": 0.01, "met": True}},
    }
    # half-width ~ 1/sqrt(n): twice too wide needs four times the replications (+10 %)
    assert replications_needed(report, 3) == math.ceil(3 * 4 * 1.1)


def test_precision_rule_stops_when_the_target_is_met() -> None:
    s = load("article_1m_chat", {**TINY, "simulation.stop_rule": "precision"})
    # GPU-hours of this small month: a 95 % half-width of 0.2-0.5 of their mean after three
    # replications, by the draws; seed 2's is 0.25 (the preset's own seed, 0.5+)
    s = s.with_updates({"simulation.relative_precision": 0.5, "simulation.seed": 2})
    r = run(s, decide_too=False)
    p = r.engine["precision"]
    assert p["met"] and p["stopped_because"] == "target met"
    assert r.engine["replications"] == 3  # the precision rule starts at three
    assert all(v["relative"] <= 0.5 for v in p["figures"].values() if v["relative"] is not None)


def test_precision_rule_stops_at_the_cap_and_says_so() -> None:
    s = load(
        "article_1m_chat",
        {
            **TINY,
            "simulation.stop_rule": "precision",
            "simulation.relative_precision": 0.0001,
            "simulation.max_replications": 4,
        },
    )
    r = run(s, decide_too=False)
    p = r.engine["precision"]
    assert r.engine["replications"] == 4 and not p["met"]
    assert "simulation.max_replications (4)" in p["stopped_because"]


def test_precision_fields_are_validated_by_name() -> None:
    with pytest.raises(ScenarioError, match="simulation.relative_precision"):
        load("article_1m_chat", {"simulation.relative_precision": 0})
    with pytest.raises(ScenarioError, match="simulation.max_replications"):
        load(
            "article_1m_chat",
            {
                "simulation.stop_rule": "precision",
                "simulation.replications": 10,
                "simulation.max_replications": 5,
            },
        )


def test_preview_keeps_the_month_total_on_its_budget() -> None:
    s = load("seasonal_burst_app", {"workload.requests_per_month": 2e6})
    plan = preview_plan(s)
    assert plan.horizon == "preview"
    slice_s = plan.segments[0].bin_s
    assert MIN_SLICE_S < slice_s < 3600
    # the budget sizes the compressed hours; the pool's settling warm-up and the hours a
    # preview must not compress (planner.preview_parts) add at most their own budgets
    assert PREVIEW_REQUESTS <= plan.expected_requests <= (2 + EXTRA_BUDGETS) * PREVIEW_REQUESTS
    # each compressed day stands for its days x (3600 / slice) real ones: the month adds up to
    # the full plan's (hour means preserve each day's total)
    full = build_plan(s, check=False)

    def month(p: Plan) -> float:
        return sum(
            float(g.rates[round(g.warmup_s / g.bin_s) :].sum()) * g.bin_s * g.weight
            for g in p.segments
        )

    assert month(plan) == pytest.approx(month(full), rel=1e-9)


def test_preview_run_says_what_it_is() -> None:
    s = load("article_1m_chat", {"workload.requests_per_month": 1e7})
    r = run(s, mode="preview", decide_too=False)
    assert r.engine["mode"] == "preview" and r.engine["horizon"] == "preview"
    assert r.engine["replications"] == PREVIEW_REPLICATIONS
    assert r.engine["precision"]["stopped_because"].startswith("preview")
    assert any(n.startswith("preview:") for n in r.engine["notes"])
    per_rep = r.engine["simulated_requests"] / PREVIEW_REPLICATIONS
    assert per_rep < (2 + EXTRA_BUDGETS) * PREVIEW_REQUESTS
    # the month's total arrivals, estimated from the preview's sample: Poisson noise only
    assert r.get("requests_per_month.arrived") == pytest.approx(1e7, rel=0.05)
    assert set(r.latency_by_hour["hour"]) <= set(range(24)) and len(r.latency_by_hour) > 12


def test_one_billion_is_refused_with_an_estimate_at_once() -> None:
    # whole days: 73M requests a replication; sampled hours (the default above 200k a
    # replication): 15.8M a replication, 47M for three, over the compiled engine's 30M default
    for sampled in (200_000, None):
        s = load(
            "article_1m_chat",
            {
                "workload.requests_per_month": 1e9,
                "simulation.sampled_hours_above_requests": sampled,
            },
        )
        started = time.perf_counter()
        with pytest.raises(WorkLimitError, match="would simulate about"):
            prepare(s)
        assert time.perf_counter() - started < 30  # planning only; nothing simulated


def test_hundred_million_fits_the_compiled_engine_not_simpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plan_mod, "available_memory_bytes", lambda: 16e9)
    # devices down under 0.1 % of the time: no failure strata, one segment per day type; whole
    # days (3.6M requests a replication), not sampled hours
    s = load(
        "article_1m_chat",
        {
            "workload.requests_per_month": 1e8,
            "edge.mttr_hours": 8,
            "simulation.sampled_hours_above_requests": None,
        },
    )
    plan = build_plan(s, check=False)
    assert len(plan.segments) == 1
    check_work(plan, s, COSTS["compiled"])
    with pytest.raises(WorkLimitError, match="work limit is 3,000,000"):
        check_work(plan, s, COSTS["simpy"])


def test_precision_rule_is_capped_by_the_work_limit() -> None:
    from planner.replicate import cap_count

    s = load("article_1m_chat", {**TINY, "simulation.stop_rule": "precision"})
    plan = build_plan(s)
    assert cap_count(s, plan, 10**9) == (20, "simulation.max_replications (20)")
    cap, why = cap_count(s, plan, int(plan.expected_requests * 5.5))
    assert (cap, why) == (5, "the work limit")


def test_preview_keeps_the_full_plans_failure_strata_within_its_budget() -> None:
    s = load("article_1m_chat", {"workload.requests_per_month": 1e7})
    full, quick = build_plan(s, check=False), preview_plan(s)
    assert {g.devices_down for g in quick.segments} == {g.devices_down for g in full.segments}
    assert len({g.devices_down for g in full.segments}) > 1  # the article's rare failures
    assert quick.expected_requests <= (2 + EXTRA_BUDGETS) * PREVIEW_REQUESTS
    # each stratum's days a month, whether the day is simulated whole or in parts (the evening
    # peak at 10M is a part of its own: planner.preview_parts)

    def days(p: Plan) -> set[tuple[int, float]]:
        return {(g.devices_down, round(g.weight / g.time_scale, 9)) for g in p.segments}

    assert days(quick) == days(full)


def test_a_previews_counterparts_are_sized_by_previews(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 100M requests a month the cloud-only counterpart is undersized and gets sized by
    engine runs; in a preview those probes are previews too (full runs took minutes)."""
    import planner.probes as probes_mod

    original = probes_mod.prepare
    modes: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        modes.append(kwargs.get("mode", "full"))
        return original(*args, **kwargs)

    monkeypatch.setattr(probes_mod, "prepare", spy)
    s = load("article_1m_chat", {"workload.requests_per_month": 1e8})
    r = run(s, mode="preview")
    assert r.engine["mode"] == "preview"
    assert modes and set(modes) == {"preview"}
    from planner.sizing import PREVIEW_RUNS

    assert r.verdict is not None
    sized = [a.sizing for a in r.verdict.architectures if a.sizing is not None]
    assert sized and all(z.runs <= PREVIEW_RUNS for z in sized)  # a quick answer's search
    assert len(modes) == sum(z.runs for z in sized)


def test_a_fleet_sharing_a_fixed_pool_previews_within_a_few_budgets() -> None:
    """The kiosk's 300 stores share one fixed pool (9,000 frames a second): its counterparts'
    preview hours go down to half a second, as vision frames take milliseconds; an LLM or an
    autoscaled pool keeps the 30 s floor (requests and the scaler need seconds)."""
    from planner.preview import MIN_FAST_SLICE_S, min_slice_s

    kiosk = load("retail_kiosk_vision")
    prep = prepare(kiosk, mode="preview")
    for key, plan in prep.plans.items():
        assert plan.expected_requests <= 4 * PREVIEW_REQUESTS, key
        assert plan.segments[0].bin_s >= MIN_FAST_SLICE_S
    assert min_slice_s(kiosk) == MIN_FAST_SLICE_S
    assert min_slice_s(load("article_1m_chat")) == MIN_SLICE_S  # LLM
    vision_kpa = load("retail_kiosk_vision", {"policy.routing.kind": "cloud_only"})
    vision_kpa = vision_kpa.with_updates({"cloud.autoscaler": {"kind": "kpa"}})
    assert min_slice_s(vision_kpa) == MIN_SLICE_S


def test_an_edge_only_preview_samples_its_identical_sites_instead_of_overshooting() -> None:
    """Edge-only sites share nothing: at 100M a month the article's edge-only preview at the
    30 s floor would simulate 4.5 budgets; a sample of its sites keeps it near the budget, and
    the month's arrivals still add up (each sampled site stands for sites / k)."""
    s = load(
        "article_1m_chat",
        {"workload.requests_per_month": 1e8, "policy.routing.kind": "edge_only"},
    )
    quick, full = preview_plan(s), build_plan(s, check=False)
    assert quick.sites_simulated < s.edge.sites
    assert any("identical sites" in n for n in quick.notes)
    strata = len(quick.segments) // len({g.name for g in quick.segments})
    assert quick.expected_requests <= 1.2 * PREVIEW_REQUESTS * strata

    def month(p: Plan) -> float:
        return (
            p.sites_simulated
            * p.site_scale
            * sum(
                float(g.rates[round(g.warmup_s / g.bin_s) :].sum()) * g.bin_s * g.weight
                for g in p.segments
            )
        )

    assert month(quick) == pytest.approx(month(full), rel=1e-9)
    # a pool shared by the sites is never sampled
    shared = load("article_1m_chat", {"workload.requests_per_month": 1e8})
    assert preview_plan(shared).sites_simulated == shared.edge.sites


def test_a_previews_counterparts_run_one_replication() -> None:
    s = load("article_1m_chat", {"workload.requests_per_month": 1e6})
    r = run(s, mode="preview")
    assert r.engine["replications"] == PREVIEW_REPLICATIONS
    assert set(r.extras["counterparts_ci95"]) >= {"edge_only", "cloud_only"}
    assert all(not ci for ci in r.extras["counterparts_ci95"].values())  # one: no interval
