from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from planner.errors import describe_validation_error
from planner.scenario import MAX_WEIGHT, MIN_WEIGHT_SUM, Edge, Scenario, Workload


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_volume_accepted_iff_in_range(v: float) -> None:
    ok = 1 <= v <= 1e11
    try:
        Workload(requests_per_month=v)
    except ValidationError as err:
        assert not ok
        assert describe_validation_error(err).startswith("requests_per_month")
    else:
        assert ok


@given(
    st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=-10, max_value=10**6)
)
def test_device_count_and_sites(count: int, sites: int) -> None:
    data = {"edge": {"device_count": count, "sites": sites}}
    ok = 1 <= count <= 100_000 and 1 <= sites <= min(count, 100_000)
    try:
        Scenario.model_validate(data)
    except ValidationError as err:
        assert not ok
        assert "edge." in describe_validation_error(err)
    else:
        assert ok


@settings(max_examples=80)
@given(
    st.lists(
        st.one_of(st.floats(min_value=0, max_value=10), st.floats(allow_nan=True)),
        min_size=24,
        max_size=24,
    )
)
def test_custom_daily_profile(weights: list[float]) -> None:
    ok = all(math.isfinite(w) and 0 <= w <= MAX_WEIGHT for w in weights)
    ok = ok and sum(weights) >= MIN_WEIGHT_SUM
    try:
        Workload(daily_profile=weights)
    except ValidationError as err:
        assert not ok
        assert describe_validation_error(err).startswith("daily_profile")
    else:
        assert ok


def test_edge_defaults() -> None:
    assert Edge().device_count >= Edge().sites
