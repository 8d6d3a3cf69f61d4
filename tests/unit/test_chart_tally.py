"""``chart_tally.floor_div`` is numpy's ``//`` for the charts' whole divisors (minutes, hours).

The charts bin arrival and completion times by minute and hour; numpy's float ``//`` goes
through fmod and was a fifth of the charts' tally. The fast quotient must put every time in the
same bin, including times one ulp either side of a bin's edge.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.chart_tally import floor_div


@pytest.mark.parametrize("d", [60.0, 3600.0, 7.0, 1.0])
def test_floor_div_is_numpys_floor_division(d: float) -> None:
    rng = np.random.default_rng(int(d))
    edges = rng.integers(0, 10**6, 100_000) * d
    x = np.concatenate(
        [
            edges,
            np.nextafter(edges, -np.inf),
            np.nextafter(edges, np.inf),
            rng.uniform(0, 1e8, 100_000),
            rng.uniform(-1e6, 0, 1_000),
            [np.nan, 0.0, -0.0],
        ]
    )
    np.testing.assert_array_equal(floor_div(x, d), x // d)
