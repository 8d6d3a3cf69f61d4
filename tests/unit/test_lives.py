"""The GPU-hour figures from arrays of lives (``planner.lives``) are the loop's numbers.

``summary.cloud_figures`` once walked every replica and node life in Python; it now clips and
sums them as arrays, adding in the same order. These tests keep the loop as the reference and
require the very same floats, on presets with scale-to-zero, node keep-alive, a reservation and
billing minimums, and on lives made to sit on the window's edges.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner import lives
from planner.plan import build_plan
from planner.summary import cloud_figures
from simulations.billing import BillingTerms, billed_total_s, seconds_above
from simulations.records import SegmentRecords
from tests.helpers import records, small


def loop_lives(
    r: SegmentRecords, intervals: list[tuple[float, float]]
) -> tuple[list[tuple[float, bool]], list[tuple[float, float]]]:
    """The reference: the loop ``summary.measured_lives`` was."""
    out, spans = [], []
    for start, end in intervals:
        a, b = max(start, r.warmup_s), min(end, r.end_s)
        if b > a:
            out.append((b - a, start >= r.warmup_s))
            spans.append((a, b))
    return out, spans


def loop_starting_s(r: SegmentRecords) -> float:
    total = 0.0
    for start, ready, end in r.instances:
        stop = min(end if math.isnan(ready) else ready, end, r.end_s)
        total += max(0.0, stop - max(start, r.warmup_s))
    return total


def check_segment(r: SegmentRecords, terms: BillingTerms, committed: float) -> None:
    inst = lives.instances(r)
    spans = lives.node_spans(r, inst)
    node_lives = lives.measured(r, spans[:, 0], spans[:, 1])
    want, want_spans = loop_lives(r, r.nodes or [(a, end) for a, _r, end in r.instances])
    assert lives.running_sum(node_lives.life_s) == sum(life for life, _ in want)
    assert lives.billed_s(node_lives, terms) == billed_total_s(want, terms)
    assert lives.seconds_above(node_lives, committed) == seconds_above(want_spans, committed)
    assert lives.starting_s(r, inst) == loop_starting_s(r)


@pytest.mark.parametrize(
    ("preset", "updates"),
    [
        ("article_1m_chat", {}),
        ("local_first_hybrid", {}),
        ("article_1m_chat", {"cloud.pricing": "reserved", "cloud.reserved_replicas": 1}),
    ],
)
def test_lives_sum_to_the_loops_numbers(preset: str, updates: dict[str, object]) -> None:
    s = small(preset, **{"workload.requests_per_month": 50_000, **updates})
    recs = records(s)
    assert any(r.instances for r in recs)
    for r in recs:
        for terms in (BillingTerms(), BillingTerms(60.0, 60.0), BillingTerms(1.0, 600.0)):
            for committed in (0, 1, 2.5):
                check_segment(r, terms, committed)
    assert cloud_figures(s, build_plan(s), recs)["cloud.gpu_hours"] >= 0


def test_lives_on_the_windows_edges() -> None:
    """Lives that start or end exactly at the warm-up or the end, zero-length ones, ties."""
    rng = np.random.default_rng(3)
    r = records(small(**{"workload.requests_per_month": 20_000}))[0]
    w, e = r.warmup_s, r.end_s
    points = [0.0, w, w, (w + e) / 2, e, e, e + 5.0]
    inst = [
        (a, rng.choice([math.nan, min(a + 30.0, b)]), b) for a in points for b in points if b >= a
    ]
    nodes = [(a, b) for a, _, b in inst]
    for case in (SegmentRecords(**{**r.__dict__, "instances": inst, "nodes": nodes}),):
        for committed in (0, 1, 3):
            check_segment(case, BillingTerms(1.0, 60.0), committed)
