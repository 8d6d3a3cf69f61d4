"""Billing as providers bill: per-second increments, a minimum per node start, reservations in
full; and a monthly budget that caps every billed dollar of the pool."""

from __future__ import annotations

import pytest

from planner.catalog import load_catalog
from planner.cost import estimate_monthly_cost, gpu_bill_rows
from simulations.billing import BillingTerms, billed_s, billed_total_s, seconds_above
from tests.helpers import L4_SECOND_USD, budgeted, figures, small

ON_DEMAND = BillingTerms(increment_s=1.0, minimum_s=60.0)


def test_per_second_with_a_minimum_per_start() -> None:
    assert billed_s(10.0, ON_DEMAND) == 60.0  # AWS/GCP: 60 s minimum
    assert billed_s(61.2, ON_DEMAND) == 62.0  # then whole seconds
    assert billed_s(0.0, ON_DEMAND) == 0.0
    # a node carried over from before the window had its start billed already
    assert billed_s(10.0, ON_DEMAND, started=False) == 10.0
    assert billed_s(10.4, BillingTerms(1.0, 0.0)) == 11.0  # serverless: no minimum
    assert billed_total_s([(10.0, True), (3600.0, True)], ON_DEMAND) == 3660.0


def test_overflow_above_a_commitment() -> None:
    # two nodes over [0, 100] and [50, 150]: with one committed, 50 s above it
    assert seconds_above([(0.0, 100.0), (50.0, 150.0)], 1) == pytest.approx(50.0)
    assert seconds_above([(0.0, 100.0)], 0) == pytest.approx(100.0)


def test_catalog_offers_carry_sourced_billing_terms() -> None:
    for key, gpu in load_catalog().gpus.items():
        b = gpu.billing
        assert b.on_demand_increment_s.v == 1 and b.on_demand_minimum_s.v == 60, key
        assert b.serverless_increment_s.v == 1 and b.serverless_minimum_s.v == 0, key
        assert "billing" in b.on_demand_minimum_s.src


def test_short_lived_replicas_are_not_billed_whole_hours() -> None:
    # defect: seasonal_burst_app billed 1,535 h for 774 replica-hours (every life rounded up to
    # an hour per simulated day); per-second billing adds at most the 60 s minimum per start
    s = small("seasonal_burst_app")
    f = figures(s)
    held, billed = f["cloud.gpu_hours"], f["cloud.gpu_hours_billed"]
    assert held <= billed <= held * 1.02
    c = estimate_monthly_cost(s, f)
    rows = gpu_bill_rows(s, f)
    assert c.monthly_usd["cloud_gpu"] == pytest.approx(sum(h * p for _, h, p in rows))
    assert rows[0][1] == pytest.approx(billed)


def test_billed_hours_by_state_add_up() -> None:
    f = figures(small("seasonal_burst_app"))
    parts = f["cloud.gpu_hours_busy"] + f["cloud.gpu_hours_ready_idle"]
    parts += f["cloud.gpu_hours_starting"] + f["cloud.gpu_hours_keep_alive"]
    assert parts == pytest.approx(f["cloud.gpu_hours"], rel=1e-6)
    assert f["cloud.gpu_hours_keep_alive"] > 0  # on-demand nodes stay 10 min after emptying


def test_billed_hours_never_fall_when_only_volume_rises() -> None:
    # defect: 100k -> 400k requests made billed hours fall from 1,535 to 1,194
    base = small("seasonal_burst_app", **{"simulation.horizon": "representative_days"})
    billed = [
        figures(base.with_updates({"workload.requests_per_month": v}))["cloud.gpu_hours_billed"]
        for v in (50_000, 100_000, 200_000)
    ]
    assert billed == sorted(billed)


def test_budget_caps_spend_every_class_included() -> None:
    # defect: budgets of $400, $100 and $20 all gave ~$1,930 of billed GPU
    spend = []
    for budget in (40.0, 10.0):
        s = budgeted(budget)
        f = figures(s)
        spend.append(estimate_monthly_cost(s, f).monthly_usd["cloud_gpu"])
        assert spend[-1] <= budget + L4_SECOND_USD
        assert f["requests.dropped_by_reason.budget_exhausted"] > 0
    assert spend[1] < spend[0]


def test_allow_mode_overspends_and_counts_alerts() -> None:
    s = budgeted(5.0, "allow")
    f = figures(s)
    assert estimate_monthly_cost(s, f).monthly_usd["cloud_gpu"] > 5.0
    assert f["cloud.budget_alerts"] > 0
    assert f["requests.dropped_by_reason.budget_exhausted"] == 0


def test_a_budget_below_the_floor_names_both_fields() -> None:
    with pytest.raises(ValueError) as err:
        small(
            "local_first_hybrid",
            **{"cloud.min_replicas": 1, "policy.routing.monthly_budget_usd": 400},
        )
    msg = str(err.value)
    assert "policy.routing.monthly_budget_usd (400)" in msg
    assert "cloud.min_replicas (1)" in msg and "579.60" in msg
