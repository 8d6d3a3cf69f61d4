"""The faster summary pieces give the same numbers as the definitions they replace.

``grouped_quantiles`` (one sort for all paths) against ``weighted_quantiles`` per group and
against the definition of a weighted quantile written out by brute force; the compiled engine's
``reason_texts`` (words built once per decision kind) against the per-row wording it replaced.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.stats import grouped_quantiles, weighted_quantiles
from simulations.compiled import layout as L
from simulations.compiled.finish import reason_texts
from simulations.compiled.warmup import tiny_segment
from simulations.inputs import PoolInput, ScalerInput

QS = [0.5, 0.95, 0.99]


def brute_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight (values in ascending order, ties in index
    order) reaches q times the total: the inverse of the weighted ECDF, by a plain loop."""
    pairs = sorted(zip(values.tolist(), range(values.size), weights.tolist(), strict=True))
    cum = [0.0]
    for _, _, w in pairs:
        cum.append(cum[-1] + w)
    total = cum[-1]
    for k, (v, _, _) in enumerate(pairs):
        if cum[k + 1] >= q * total:
            return v
    return pairs[-1][0]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.integers(1, 4))
def test_grouped_quantiles_equal_one_sort_per_group(seed: int, n: int, distinct_w: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 40, n) * 0.25  # many ties: the stable order matters
    weights = rng.choice(rng.uniform(0.5, 8.0, distinct_w), n)
    groups = rng.integers(0, 4, n)
    overall, by_group = grouped_quantiles(values, weights, groups, [0, 1, 2, 3, 7], QS)
    assert overall == weighted_quantiles(values, weights, QS)
    for code in (0, 1, 2, 3, 7):
        sel = groups == code
        assert by_group[code] == pytest.approx(
            weighted_quantiles(values[sel], weights[sel], QS), nan_ok=True
        )
        if sel.any():
            assert by_group[code] == weighted_quantiles(values[sel], weights[sel], QS)
        else:
            assert all(math.isnan(x) for x in by_group[code])


def test_weighted_quantiles_match_the_definition() -> None:
    rng = np.random.default_rng(13)
    for n in (1, 2, 7, 50, 301):
        values = rng.integers(0, 20, n) * 1.5
        weights = rng.uniform(0.1, 5.0, n)
        got = weighted_quantiles(values, weights, QS)
        # float sums may round differently between np.cumsum and the loop only where a
        # cumulative weight sits exactly on a target; random weights avoid that
        assert got == [brute_quantile(values, weights, q) for q in QS]


def old_reason_text(code: int, flags: int, win: int, val: float, pool: PoolInput) -> str:
    """The wording ``finish.reason_text`` had when it was built per row (the reference)."""
    kpa = pool.scaler.kpa
    if code == L.R_PANIC:
        panic_window_s = max(1.0, kpa.stable_window_s * kpa.panic_window_pct / 100)
        text = f"panic: {val:.1f} in flight over {panic_window_s:g} s"
    elif code == L.R_STABLE:
        text = f"stable: {val:.1f} in flight over {kpa.stable_window_s:g} s"
    elif code == L.R_HPA_NOPODS:
        text = "no pods: no metric"
    elif code == L.R_HPA_TOL:
        text = f"within tolerance (ratio {val:.2f})"
    elif code == L.R_HPA_RATIO:
        text = f"ratio {val:.2f}"
    elif code == L.R_SCHED_IN:
        start, end, _ = pool.scaler.windows[win]
        text = f"schedule window {start / 3600:g}-{end / 3600:g} h"
    elif code == L.R_SCHED_OUT:
        text = "schedule: outside windows"
    elif code == L.R_ACTIVATOR:
        text = "activator: request while at zero"
    elif code == L.R_CAP:
        text = "budget exhausted: nodes above the floor released"
    else:
        text = "fixed"
    suffixes = (
        (L.FL_DELAY, "; scale-down delay hold"),
        (L.FL_UP_LIMIT, "; scale-up policy limit"),
        (L.FL_DOWN_LIMIT, "; scale-down policy limit"),
        (L.FL_STAB, "; stabilisation window hold"),
        (L.FL_MIN, f"; raised to min {pool.min_replicas}"),
        (L.FL_MAX, f"; capped at max {pool.max_replicas}"),
        (L.FL_GRACE, "; no traffic for the stable window, grace over"),
        (L.FL_HELD, "; held at the floor (budget exhausted)"),
    )
    for bit, suffix in suffixes:
        if flags & bit:
            text += suffix
    return text


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 400))
def test_reason_texts_equal_the_per_row_wording(seed: int, n: int) -> None:
    inp, _ = tiny_segment()
    windows = ((3600.0, 7200.0, 3), (28_800.0, 64_800.0, 5))
    scaler = ScalerInput("schedule", windows=windows)
    pool = replace(inp.pool, min_replicas=2, max_replicas=7, scaler=scaler)
    inp = replace(inp, pool=pool)
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 10, n).tolist()
    flags = rng.integers(0, 256, n).tolist()
    wins = rng.integers(0, len(windows), n).tolist()
    vals = (rng.standard_normal(n) * 10 ** rng.uniform(-3, 4, n)).tolist()
    got = reason_texts(inp, codes, flags, wins, vals)
    want = [old_reason_text(*row, pool) for row in zip(codes, flags, wins, vals, strict=True)]
    assert got == want


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400), st.sampled_from([1.0, 0.3, 119.55]))
def test_equal_weights_select_the_same_numbers_a_sort_gives(seed: int, n: int, w: float) -> None:
    """One segment's requests all weigh the same: the quantiles come from a selection
    (``np.partition``) instead of a sort, and are the very numbers the sort gives."""
    from planner.stats import quantiles_of_sorted

    rng = np.random.default_rng(seed)
    values = rng.integers(0, 40, n) * 0.25
    values[rng.random(n) < 0.1] = math.nan  # nan sorts last in both
    weights = np.full(n, w)
    groups = rng.integers(0, 4, n)
    order = np.argsort(values, kind="stable")
    by_sort = quantiles_of_sorted(values[order], weights[order], QS)
    assert np.array_equal(weighted_quantiles(values, weights, QS), by_sort, equal_nan=True)
    overall, by_group = grouped_quantiles(values, weights, groups, [0, 1, 2, 3, 7], QS)
    assert np.array_equal(overall, by_sort, equal_nan=True)
    for code in (0, 1, 2, 3, 7):
        sel = groups == code
        o = np.argsort(values[sel], kind="stable")
        expect = quantiles_of_sorted(values[sel][o], weights[sel][o], QS)
        assert np.array_equal(by_group[code], expect, equal_nan=True)


def test_summary_reads_percentiles_from_histograms_above_the_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Below ``HISTOGRAM_ABOVE`` the percentiles are exact and the summary says 0; above it they
    come from the histograms, within the stated relative error, and the summary says 1."""
    from planner import summary
    from planner.plan import build_plan
    from tests.helpers import records, small

    s = small(**{"workload.requests_per_month": 40_000})
    plan = build_plan(s)
    recs = records(s)
    exact = summary.summarise(s, plan, recs)
    assert exact["stats.percentiles_from_histogram"] == 0.0
    assert exact["stats.percentile_relative_error"] == 0.0
    monkeypatch.setattr(summary, "HISTOGRAM_ABOVE", 100)
    approx = summary.summarise(s, plan, recs)
    assert approx["stats.percentiles_from_histogram"] == 1.0
    bound = approx["stats.percentile_relative_error"] * (1 + 1e-9)
    assert bound > 0
    keys = [k for k in exact if k.endswith((".p50", ".p95", ".p99")) and not math.isnan(exact[k])]
    assert any(k.startswith("latency_ms.") for k in keys)
    assert any(k.startswith("ttft_ms.") for k in keys)
    for k in keys:
        assert abs(approx[k] - exact[k]) <= bound * abs(exact[k]), k
    others = [k for k in exact if k not in keys and not k.startswith("stats.")]
    assert all(approx[k] == exact[k] or math.isnan(exact[k]) for k in others)
