"""One style sheet for numbers: durations, shares, money, unit costs, labels."""

from __future__ import annotations

import math

from planner.formatting import cell, compact, label, ms, pct, per_requests, usd


def test_durations_read_in_the_right_unit() -> None:
    assert ms(0.42) == "0.42 ms" and ms(35.2) == "35 ms" and ms(1234) == "1.23 s"
    assert ms(27_949) == "27.9 s" and ms(200_000) == "3.3 min" and ms(math.nan) == "n/a"


def test_shares_never_hide_a_tiny_rate_as_zero() -> None:
    assert pct(0.757) == "75.7 %" and pct(0.0) == "0.0 %" and pct(1.0) == "100.0 %"
    assert pct(0.0002) == "<0.1 %" and pct(0.9994) == ">99.9 %"


def test_money_and_unit_costs() -> None:
    assert usd(4111.5904) == "$4,112" and usd(18.531) == "$18.53" and usd(0.0) == "$0"
    assert per_requests(394.0, 3.11e9) == "$0.13 per 1M requests"
    assert per_requests(444.0, 1e6) == "$0.44 per 1,000 requests"


def test_labels_and_cells() -> None:
    assert label("edge_only") == "edge-only" and label("not_applicable") == "not applicable"
    assert "_" not in label("some_new_thing")
    assert cell("ttft", math.nan, is_llm=False) == "n/a (vision)"
    assert cell("ttft", math.nan) == "—" and cell("pct", 0.5) == "50.0 %"
    assert compact(3.11e9) == "3.11B" and compact(150_000) == "150k"
