"""The budget caps every billed dollar: whatever the budget, mode, pool size and seed, the
month's billed GPU spend stays within one billing increment of the budget."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import L4_SECOND_USD, budgeted, gpu_usd


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.floats(0.5, 60.0),
    st.sampled_from(["queue_locally", "drop"]),
    st.integers(1, 4),
    st.integers(0, 10**6),
    st.sampled_from(["on_demand", "serverless"]),
)
def test_billed_spend_never_exceeds_the_budget(
    budget: float, mode: str, max_replicas: int, seed: int, pricing: str
) -> None:
    # serverless L4 bills 1 s at $0.80/h, under the on-demand increment the bound allows
    s = budgeted(
        budget,
        mode,
        **{"cloud.max_replicas": max_replicas, "simulation.seed": seed, "cloud.pricing": pricing},
    )
    assert gpu_usd(s) <= budget + L4_SECOND_USD
