"""Cost lines against hand arithmetic, the source article's worked example, and monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cost import break_even_month, cumulative_cash, egress_usd, estimate_monthly_cost
from planner.presets import apply_overrides, load
from planner.scenario import Scenario


def figures(**kw: float) -> dict[str, float]:
    base = {
        "cloud.gpu_hours": 0.0,
        "cloud.gpu_hours_billed": 0.0,
        "cloud.gpu_hours_above_reserved": 0.0,
        "edge.energy_kwh": 0.0,
        "egress_gb": 0.0,
        "requests_per_month.arrived": 1_000_000.0,
        "slo_attainment": 1.0,
        "latency_ms_by_path.edge.share": 1.0,
    }
    return {**base, **kw}


def article(kind: str) -> Scenario:
    return apply_overrides(load("article_1m_chat"), {"policy.routing.kind": kind})


def test_article_edge_option() -> None:
    # 50 devices x $200 = $10k capex; 20 %/yr maintenance, power and replacement = $2k/yr
    c = estimate_monthly_cost(article("edge_only"), figures())
    assert c.capex_usd == 10_000
    assert c.monthly_usd["edge_maintenance"] * 12 == pytest.approx(2_000)
    assert c.first_year_usd == pytest.approx(12_000)
    assert c.monthly_usd["cloud_gpu"] == 0 and c.monthly_usd["cloud_fixed"] == 0


@pytest.mark.parametrize("gpu_hours", [200.0, 300.0])
def test_article_cloud_option(gpu_hours: float) -> None:
    # $10/GPU-hour x 200-300 h = $2-3k/month; plus ~$6k/yr storage, networking, management
    f = figures(
        **{
            "cloud.gpu_hours": gpu_hours,
            "cloud.gpu_hours_billed": gpu_hours,
            "latency_ms_by_path.edge.share": 0.0,
        }
    )
    c = estimate_monthly_cost(article("cloud_only"), f)
    assert c.monthly_usd["cloud_gpu"] == pytest.approx(gpu_hours * 10)
    assert c.monthly_usd["cloud_gpu"] * 12 == pytest.approx(gpu_hours * 120)  # $24k-36k/yr
    assert c.monthly_usd["cloud_fixed"] * 12 == pytest.approx(6_000)
    assert c.first_year_usd == pytest.approx(gpu_hours * 120 + 6_000)
    assert c.capex_usd == 0
    # a cloud-only design that still serves some requests on site pays for the devices
    served_locally = estimate_monthly_cost(article("cloud_only"), figures())
    assert served_locally.capex_usd == 10_000


def test_pricing_models() -> None:
    s = apply_overrides(load("seasonal_burst_app"), {"cloud.gpu_hourly_usd": 2.0})
    f = figures(**{"cloud.gpu_hours": 100.0, "cloud.gpu_hours_billed": 100.4})
    on_demand = estimate_monthly_cost(s, f)
    # billed hours (per second, 60 s minimum per start) x price; never whole started hours
    assert on_demand.monthly_usd["cloud_gpu"] == pytest.approx(200.8)
    serverless = estimate_monthly_cost(apply_overrides(s, {"cloud.pricing": "serverless"}), f)
    assert serverless.monthly_usd["cloud_gpu"] == pytest.approx(200.8)
    reserved = apply_overrides(
        s,
        {
            "cloud.pricing": "reserved",
            "cloud.reserved_replicas": 1,
            "cloud.reserved_discount_pct": 50,
        },
    )
    r = estimate_monthly_cost(reserved, {**f, "cloud.gpu_hours_billed": 730.0})
    # 1 GPU x 720 h x $1 committed + 10 h overflow at the $2 on-demand rate
    assert r.monthly_usd["cloud_gpu"] == pytest.approx(720 + 20)


def test_egress_tiers() -> None:
    tiers = [(10_240.0, 0.09), (40_960.0, 0.085), (None, 0.05)]
    assert egress_usd(50, 100, tiers) == 0
    assert egress_usd(1_100, 100, tiers) == pytest.approx(90.0)
    assert egress_usd(100 + 10_240 + 1_000, 100, tiers) == pytest.approx(10_240 * 0.09 + 85.0)
    assert egress_usd(100 + 10_240 + 40_960 + 10, 100, tiers) == pytest.approx(
        10_240 * 0.09 + 40_960 * 0.085 + 0.5
    )


def test_power_and_fees() -> None:
    s = apply_overrides(
        load("clinic_llm_assistant_pii"),
        {
            "costs.electricity_usd_per_kwh": 0.2,
            "costs.ops_usd_per_device_month": 3,
            "costs.connectivity_usd_per_site_month": 10,
            "edge.spares": 5,
        },
    )
    c = estimate_monthly_cost(s, figures(**{"edge.energy_kwh": 100.0}))
    assert c.monthly_usd["edge_power"] == pytest.approx(20.0)
    assert c.monthly_usd["edge_ops_fees"] == pytest.approx(75.0)
    assert c.monthly_usd["connectivity"] == pytest.approx(250.0)
    assert c.capex_usd == pytest.approx(317 * 30)
    assert c.monthly_usd["edge_amortization"] == pytest.approx(317 * 30 / 36)


def test_cumulative_renews_capex_at_end_of_life() -> None:
    cum = cumulative_cash(1000, 10, 12, 24)
    assert cum[0] == 1000 and cum[12] == 2120 and cum[24] == 2240


def test_break_even_month() -> None:
    edge = cumulative_cash(1000, 10, 36, 36)
    cloud = [m * 100.0 for m in range(37)]
    assert break_even_month(edge, cloud) == 12  # 1000 + 10 m <= 100 m from m = 11.1
    assert break_even_month(cloud, [0.0] * 37) is None


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0, 5000),
    st.floats(0, 500),
    st.floats(0, 1e5),
    st.integers(1, 500),
    st.floats(0, 50),
    st.floats(0, 2),
)
def test_costs_never_negative_and_monotone(
    gpu_h: float, kwh: float, gb: float, devices: int, price: float, elec: float
) -> None:
    s = apply_overrides(
        load("local_first_hybrid"),
        {
            "edge.device_count": devices,
            "edge.sites": 1,
            "cloud.gpu_hourly_usd": price,
            "costs.electricity_usd_per_kwh": elec,
        },
    )
    f = figures(
        **{
            "cloud.gpu_hours": gpu_h,
            "cloud.gpu_hours_billed": gpu_h,
            "edge.energy_kwh": kwh,
            "egress_gb": gb,
        }
    )
    base = estimate_monthly_cost(s, f)
    assert all(v >= 0 for v in base.monthly_usd.values())
    more = [
        estimate_monthly_cost(s.with_updates({"edge.device_count": devices + 1}), f),
        estimate_monthly_cost(s.with_updates({"cloud.gpu_hourly_usd": price + 1}), f),
        estimate_monthly_cost(s, {**f, "cloud.gpu_hours_billed": gpu_h + 1}),
        estimate_monthly_cost(s, {**f, "egress_gb": gb + 1000}),
    ]
    for m in more:
        assert m.monthly_usd["total"] >= base.monthly_usd["total"]
        assert m.horizon_usd >= base.horizon_usd


def test_break_even_volume_runs_the_engine_across_volumes() -> None:
    from planner.compare import break_even_volume, crossing

    s = apply_overrides(load("clinic_llm_assistant_pii"), {"simulation.replications": 1})
    rows, _ = break_even_volume(s, factors=(0.5, 1.0))
    assert [r["requests_per_month"] for r in rows] == pytest.approx([33_000, 66_000])
    # more traffic never makes the cloud-only design cheaper
    assert rows[1]["cloud_usd"] >= rows[0]["cloud_usd"]
    # the crossing of two straight lines in log-volume
    line = [
        {"requests_per_month": 1e3, "edge_usd": 100.0, "cloud_usd": 50.0},
        {"requests_per_month": 1e5, "edge_usd": 100.0, "cloud_usd": 150.0},
    ]
    assert crossing(line) == pytest.approx(1e4)


@pytest.mark.parametrize("years", [1, 2, 3, 5])
def test_three_year_cost_is_three_years_whatever_the_horizon(years: int) -> None:
    """A finance lead reads "3-year cost" as 36 months of cash: capex at purchase (and again at
    the end of a 24-month life), plus 36 months of opex, whatever costs.horizon_years says."""
    s = apply_overrides(
        article("edge_only"), {"costs.horizon_years": years, "edge.amortization_months": 24}
    )
    c = estimate_monthly_cost(s, figures())
    by_hand = 2 * c.capex_usd + 36 * c.opex_monthly_usd  # bought at month 0 and month 24
    assert c.as_dict()["three_year_usd"] == pytest.approx(by_hand)
    assert c.horizon_usd == pytest.approx(
        c.capex_usd * -(-12 * years // 24) + 12 * years * c.opex_monthly_usd
    )
