"""Books that can fail: the engine's own count of what is inside, and counterparts on CRN."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.plan import build_plan
from planner.run import counterparts, run
from planner.scenario import Scenario
from planner.summary import summarise
from simulations import engine, routing
from tests.helpers import records, small


def lossy_scenario() -> Scenario:
    return small(
        "article_1m_chat",
        **{
            "workload.requests_per_month": 20_000,
            "policy.routing.kind": "cloud_only",
            "simulation.horizon": "representative_days",
        },
    )


def test_books_balance_on_an_honest_run() -> None:
    s = small("article_1m_chat", **{"workload.daily_profile": "flat"})
    f = summarise(s, build_plan(s), records(s))
    assert f["requests.conservation_holds"] == 1.0
    # the day ends with chats still being served: they finish after it (``Segment.drain``)
    assert f["requests.unfinished_by_book"] == f["requests.in_system_at_end"] == 0
    assert f["requests.in_flight_at_end"] == 0


@pytest.fixture
def clock_stops_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """No drain after the window: requests are still inside when the clock stops."""
    monkeypatch.setattr(engine, "DRAIN_CAP_S", 0.0)


@pytest.mark.usefixtures("clock_stops_at_the_end")
def test_books_balance_with_requests_inside_at_the_stop() -> None:
    s = small("article_1m_chat", **{"workload.daily_profile": "flat"})
    f = summarise(s, build_plan(s), records(s))
    assert f["requests.conservation_holds"] == 1.0
    assert f["requests.unfinished_by_book"] == f["requests.in_system_at_end"] > 0


def test_a_request_lost_inside_the_engine_breaks_the_books(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a pool hand-off that silently forgets every 50th request: the book still calls them
    # in flight, but nothing holds them any more
    real = routing.Router.reach_pool

    def forgetful(self: routing.Router, rid: int) -> None:
        if rid % 50 == 0:
            self.in_transit -= 1
            return
        real(self, rid)

    monkeypatch.setattr(routing.Router, "reach_pool", forgetful)
    s = lossy_scenario()
    recs = records(s)
    f = summarise(s, build_plan(s), recs)
    assert f["requests.conservation_holds"] == 0.0
    assert f["requests.unfinished_by_book"] > f["requests.in_system_at_end"]


@pytest.mark.usefixtures("clock_stops_at_the_end")
def test_a_book_that_claims_too_much_breaks_the_books() -> None:
    s = small("article_1m_chat", **{"workload.daily_profile": "flat"})
    recs = records(s)
    r = recs[0]
    unfinished = np.flatnonzero((r.path != -1) & np.isnan(r.done_s))
    assert unfinished.size > 0
    done = r.done_s.copy()
    done[unfinished[0]] = r.arrival_s[unfinished[0]] + 1.0  # the book claims it was served
    recs[0] = dataclasses.replace(r, done_s=done)
    f = summarise(s, build_plan(s), recs)
    assert f["requests.conservation_holds"] == 0.0


def test_counterparts_run_the_main_runs_replications_on_common_random_numbers() -> None:
    s = small(
        "article_1m_chat",
        **{
            "workload.requests_per_month": 20_000,
            "simulation.replications": 2,
            "simulation.horizon": "representative_days",
        },
    )
    plan = build_plan(s)
    others = counterparts(s, plan.horizon)
    assert set(others) == {"edge_only", "cloud_only"}
    for v in others.values():
        assert v.simulation.replications == 2
        assert v.simulation.horizon == plan.horizon
    cloud = others["cloud_only"]
    # the hybrid simulates each day with all devices up and with one down (failure strata);
    # the cloud-only design has no devices to fail: each stratum meets its day's one segment
    same_day = {g.index: i for i, g in enumerate(build_plan(cloud).segments)}
    for rep in (0, 1):
        theirs = records(cloud, rep)
        for g, a in zip(plan.segments, records(s, rep), strict=True):
            b = theirs[same_day[g.index]]
            np.testing.assert_array_equal(a.arrival_s, b.arrival_s)
            np.testing.assert_array_equal(a.output_tokens, b.output_tokens)
    r = run(s)
    ci = r.extras["counterparts_ci95"]
    assert "latency_ms.p95" in ci["cloud_only"] and "latency_ms.p95" in ci["edge_only"]
