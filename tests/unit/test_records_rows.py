"""The compiled engine's record containers read as the SimPy engine's lists of tuples.

``records.Rows`` (replica and node lives kept as an array) and ``finish.ScalingLog`` (reasons
worded when first read) stand where the SimPy engine returns lists of tuples: iteration,
indexing, length, truthiness, equality with those lists and ``np.array`` must all agree.
"""

from __future__ import annotations

import numpy as np

from simulations.compiled import layout as L
from simulations.compiled.finish import ScalingLog, reason_text
from simulations.compiled.warmup import tiny_segment
from simulations.records import Rows


def test_rows_read_as_a_list_of_tuples() -> None:
    a = np.array([[0.0, 1.5, 9.0], [2.0, np.nan, 4.0]])
    rows = Rows[tuple[float, float, float]](a)
    want = [(0.0, 1.5, 9.0), (2.0, float("nan"), 4.0)]
    assert len(rows) == 2 and bool(rows)
    assert rows[0] == want[0] and rows[-1][0] == 2.0 and rows[:1] == want[:1]
    assert [r[0] for r in rows] == [0.0, 2.0]
    assert Rows[tuple[float, float, float]](a[:1]) == want[:1]
    assert Rows[tuple[float, float]](np.array([[1.0, 2.0]])) == [(1.0, 2.0)]
    np.testing.assert_array_equal(np.array(rows, dtype=float), a)
    got = np.array(rows, dtype=float)
    got[0, 0] = 7.0  # a copy: the records' array is not changed
    assert rows[0][0] == 0.0


def test_empty_rows_are_an_empty_list() -> None:
    rows = Rows[tuple[float, float]](np.zeros((0, 2)))
    assert not rows and len(rows) == 0 and list(rows) == [] and rows == []
    assert np.array(rows).shape == np.array([]).shape


def test_the_scaling_log_is_the_list_the_records_had() -> None:
    inp, _ = tiny_segment()
    logf = np.array([[1.0, 2.5], [3.0, 0.0]])
    logi = np.zeros((2, L.N_LOGI), dtype=np.int64)
    logi[:, L.LOGI_BEFORE], logi[:, L.LOGI_AFTER] = (0, 1), (1, 0)
    logi[:, L.LOGI_CODE] = (L.R_STABLE, L.R_ACTIVATOR)
    log = ScalingLog(inp, logf, logi)
    want = [
        (t, int(b), int(a), reason_text(inp, int(c), int(f), int(w), v))
        for (t, v), (b, a, c, f, w) in zip(logf.tolist(), logi.tolist(), strict=True)
    ]
    assert len(log) == 2 and log == want and want == log
    assert list(log) == want and log[1] == want[1] and log[:1] == want[:1]
    assert "stable" in log[0][3] and "activator" in log[1][3]
    assert ScalingLog(inp, logf[:0], logi[:0]) == []
