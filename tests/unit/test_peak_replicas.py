"""Peak GPU replicas is the highest replication's peak, read the same way everywhere.

Before, replications were combined by their mean, so "peak replicas" was the mean of the
replications' peaks (rounded: 2.5 read as 2, a count no minute of any replication showed as its
peak) and the pages, the memo and the CLI quoted it as a peak.
"""

from __future__ import annotations

import math

import pytest

from planner.cli_sim import text_report
from planner.formatting import number, peak_range
from planner.presets import apply_overrides, load
from planner.replicate import combine
from planner.run import RunResult, run
from ui.capacity import kpis
from ui.memo import kpi_rows


def rep(peak: float, gpu_hours: float) -> dict[str, float]:
    return {"requests.arrived": 100.0, "cloud.peak_replicas": peak, "cloud.gpu_hours": gpu_hours}


def test_combine_takes_the_highest_peak_and_keeps_the_lowest() -> None:
    figures, ci95 = combine([rep(3, 10.0), rep(5, 12.0), rep(4, 14.0)])
    assert figures["cloud.peak_replicas"] == 5  # the mean would read 4
    assert figures["cloud.peak_replicas_min"] == 3
    assert "cloud.peak_replicas" not in ci95  # a maximum has no t interval
    assert figures["cloud.gpu_hours"] == pytest.approx(12.0)  # other figures stay means
    assert "cloud.gpu_hours" in ci95


def test_one_replication_has_no_range() -> None:
    figures, _ = combine([rep(2, 1.0)])
    assert figures["cloud.peak_replicas"] == figures["cloud.peak_replicas_min"] == 2
    assert peak_range(figures, 1) == "peak of the one replication"


def test_nan_peaks_are_left_out() -> None:
    figures, _ = combine([rep(math.nan, 1.0), rep(2, 1.0)])
    assert figures["cloud.peak_replicas"] == 2


@pytest.fixture(scope="module")
def three() -> RunResult:
    s = apply_overrides(
        load("article_1m_chat"),
        {
            "workload.requests_per_month": 100_000,
            "simulation.replications": 3,
            "simulation.processes": 1,
        },
    )
    return run(s)


def test_pages_memo_and_cli_quote_the_same_peak(three: RunResult) -> None:
    f = three.figures
    peaks = [r["cloud.peak_replicas"] for r in three.replications]
    assert f["cloud.peak_replicas"] == max(peaks)
    assert f["cloud.peak_replicas_min"] == min(peaks)
    shown = number(max(peaks), 0)
    how = peak_range(f, 3)
    assert how.startswith("highest of 3 replications' peaks")
    memo = {row[0]: row for row in kpi_rows(three)}["peak GPU replicas"]
    assert memo[1:] == [shown, how]
    page = {k[0]: k for k in kpis(three)}["peak replicas"]
    assert page[1] == shown and page[2] is not None and how in page[2]
    cli = next(line for line in text_report(three).splitlines() if line.startswith("peak GPU"))
    assert shown in cli and how in cli
