"""The streamed summary (``planner.tally``) against the exact summary of the same records.

A replication's requests are tallied segment by segment and dropped; these tests compute the
figures the direct way, from every measured request at once (``pool_records``), and hold the
streamed figures to them: equal within 1e-12 where percentiles are exact, within the histogram's
stated relative error where they are read from histograms. The chart data is held to the frames
the records give directly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner import summary
from planner.chart_tally import SAMPLE_ROWS
from planner.frames import chart_frames
from planner.plan import Plan, build_plan
from planner.stats import HISTOGRAM_RELATIVE_ERROR, weighted_quantiles
from planner.summary import pool_records
from planner.tally import PER_REQUEST, QS, tally_segments, without_requests
from simulations.records import PATH_DROPPED, PATH_EDGE, PATH_FALLBACK, PATHS, SegmentRecords
from tests.helpers import records, small


def exact_figures(s_llm: bool, plan: Plan, recs: list[SegmentRecords]) -> dict[str, float]:
    """The request figures from every measured request at once (the definition)."""
    p = pool_records(plan, recs)
    done, total_w = p.completed, p.weight.sum()
    lat, w, path = p.latency_ms[done], p.weight[done], p.path[done]
    out = {
        "requests.arrived": float(p.path.size),
        "requests.completed": float(done.sum()),
        "requests.dropped": float((p.path == PATH_DROPPED).sum()),
        "requests_per_month.arrived": float(total_w),
        "fallback_rate": float(p.weight[p.path == PATH_FALLBACK].sum() / total_w),
        "drop_rate": float(p.weight[p.path == PATH_DROPPED].sum() / total_w),
        "latency_ms.mean": float(np.average(lat, weights=w)),
        "egress_gb": float((p.response_kb[done & p.left_site] * p.weight[done & p.left_site]).sum())
        / 1e6,
        "sensitive_left_site": float((p.sensitive & p.left_site).sum()),
    }
    for name, q in zip(("p50", "p95", "p99"), weighted_quantiles(lat, w, QS), strict=True):
        out[f"latency_ms.{name}"] = q
    for code, name in enumerate(PATHS):
        sel = path == code
        out[f"latency_ms_by_path.{name}.share"] = float(w[sel].sum() / total_w)
        if sel.any():
            qs = weighted_quantiles(lat[sel], w[sel], QS)
            out[f"latency_ms_by_path.{name}.p95"] = qs[1]
            out[f"latency_ms_by_path.{name}.mean"] = float(np.average(lat[sel], weights=w[sel]))
    pool = done & (p.path != PATH_EDGE) & np.isfinite(p.wait_ms)
    if pool.any():
        out["cloud.mean_wait_ms"] = float(np.average(p.wait_ms[pool], weights=p.weight[pool]))
    if s_llm:
        ttft = p.ttft_ms[done]
        out["ttft_ms.mean"] = float(np.average(ttft, weights=w))
        out["ttft_ms.p95"] = weighted_quantiles(ttft, w, QS)[1]
    return out


PERCENTILES = (".p50", ".p95", ".p99")
CASES = [
    ("article_1m_chat", 400_000),  # LLM, representative days: segments of unequal weight
    ("local_first_hybrid", 12_000),  # whole month, one segment, fallbacks
    ("retail_kiosk_vision", 40_000),  # vision, edge-only
]


@pytest.mark.parametrize(("preset", "volume"), CASES)
@pytest.mark.parametrize("above", [10**9, 50])
def test_streamed_figures_equal_the_exact_summary(
    preset: str, volume: int, above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = small(preset, **{"workload.requests_per_month": volume})
    plan = build_plan(s)
    recs = records(s)
    monkeypatch.setattr(summary, "HISTOGRAM_ABOVE", above)
    got = summary.summarise(s, plan, recs)
    want = exact_figures(s.workload.is_llm, plan, recs)
    histogram = above < got["requests.arrived"]
    assert got["stats.percentiles_from_histogram"] == float(histogram)
    for key, value in want.items():
        bound = HISTOGRAM_RELATIVE_ERROR if histogram and key.endswith(PERCENTILES) else 1e-12
        assert math.isclose(got[key], value, rel_tol=bound * (1 + 1e-9), abs_tol=1e-300), key


def test_the_segments_records_are_dropped_once_tallied() -> None:
    """What a replication keeps of a segment after tallying it: no array per request."""
    s = small(**{"workload.requests_per_month": 400_000})
    plan = build_plan(s)
    recs = records(s)
    tally, kept = tally_segments(s, plan, iter(recs), 50, charts=True)
    assert len(kept) == len(recs) > 1
    for r in kept:
        assert r.arrival_s.size == r.path.size == r.done_s.size == r.left_site.size == 0
        assert r.series["pool_queue"].size > 0
    # folded into histograms: no value per request is held
    assert tally.latency.parts == [] and tally.ttft.parts == []
    assert tally.charts is not None and tally.charts.by_hour.parts == []
    assert without_requests(recs[0]).scaling_log == recs[0].scaling_log


def test_chart_data_gives_the_frames_the_records_give() -> None:
    """Series, latency by hour and scaling log as computed from every request at once; the
    sample is every measured request where there are fewer than SAMPLE_ROWS."""
    s = small(**{"workload.requests_per_month": 15_000})
    plan = build_plan(s)
    recs = records(s)
    tally, kept = tally_segments(s, plan, recs, 10**9, charts=True)
    assert tally.charts is not None
    frames = chart_frames(s, plan, tally.charts.data(kept))
    p = pool_records(plan, recs)
    assert p.path.size <= SAMPLE_ROWS
    sample = frames["sample"]
    np.testing.assert_array_equal(sample["arrival_s"].to_numpy(), p.arrival_s)
    np.testing.assert_array_equal(sample["weight"].to_numpy(), p.weight)
    series = frames["series"]
    assert int(series["arrivals"].sum()) == sum(r.arrival_s.size for r in recs)
    assert len(series) == sum(r.series["pool_queue"].size for r in recs)
    by_hour = frames["latency_by_hour"]
    assert math.isclose(by_hour["requests"].sum(), p.weight.sum(), rel_tol=1e-12)
    log = frames["scaling_log"]
    assert len(log) == sum(len(r.scaling_log) for r in recs)


def test_the_sample_is_bounded_and_drawn_the_same_in_any_segmenting() -> None:
    """Bottom-k sampling: at most SAMPLE_ROWS rows, in segment and arrival order, the same rows
    whether the requests come in one segment or several (one key per request, in order)."""
    s = small(**{"workload.requests_per_month": 200_000, "simulation.horizon": "full_month"})
    plan = build_plan(s)
    recs = records(s)
    assert len(recs) == 1
    tally, kept = tally_segments(s, plan, recs, 10**9, charts=True)
    assert tally.charts is not None
    sample = tally.charts.data(kept).sample
    n = pool_records(plan, recs).path.size
    assert n > SAMPLE_ROWS and sample["arrival_s"].size == SAMPLE_ROWS
    assert bool(np.all(np.diff(sample["arrival_s"]) >= 0))
    # the same requests, cut into two parts of the one segment
    from planner.chart_tally import ChartTally
    from planner.tally import measured_part

    r = recs[0]
    m = measured_part(r)
    assert isinstance(m, slice)
    cut = m.start + n // 3
    charts = ChartTally(s, plan)
    for part in (slice(m.start, cut), slice(cut, None)):
        sub = r.__class__(**{**r.__dict__, **{c: getattr(r, c)[part] for c in PER_REQUEST}})
        sub_m = measured_part(sub)
        arrival = sub.arrival_s[sub_m] - sub.warmup_s
        charts.add_sample(0, sub, sub_m, 1.0, arrival)
    got = charts.rows["arrival_s"][np.argsort(charts.rows["arrival_s"], kind="stable")]
    np.testing.assert_array_equal(got, sample["arrival_s"])


def test_the_measured_part_starts_at_the_first_arrival_after_the_warm_up() -> None:
    """``records_tally.sorted_from``: the first arrival at or after the warm-up where arrivals
    ascend (every one after it, where none is), -1 where they do not (a nan among them)."""
    from simulations.records_tally import sorted_from

    def one_pass(a: np.ndarray, w: float) -> int:
        first = -1
        for i in range(a.size):
            if i and not a[i] >= a[i - 1]:
                return -1
            if first < 0 and a[i] >= w:
                first = i
        return a.size if first < 0 else first

    rng = np.random.default_rng(0)
    cases = [np.array([]), np.array([math.nan]), np.array([5.0]), np.array([1.0, math.nan])]
    for _ in range(200):
        a = np.sort(rng.integers(0, 10, int(rng.integers(0, 8))).astype(float))
        if a.size and rng.random() < 0.3:
            a[rng.integers(0, a.size)] = rng.choice([math.nan, -1.0, 100.0])
        cases.append(a)
    for a in cases:
        for w in (0.0, 3.0, 4.5, 100.0, math.nan, -math.inf, math.inf):
            assert sorted_from(a, w) == one_pass(a, w), (a.tolist(), w)
