"""A site's uplink as a queue: fixed-size frames from Poisson arrivals make an M/D/1 queue.

Frames go through the real ``network.Link`` in a SimPy clock; the mean time a frame waits for
the lane is compared with Pollaczek-Khinchine, W = lambda S^2 / (2 (1 - rho)), inside the 99 %
interval of independent replications (no seeded number is pinned).
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import pytest
import simpy

from simulations.edge import Gauges
from simulations.inputs import LinkInput
from simulations.network import Link

pytestmark = pytest.mark.slow


def mean_lane_wait(rho: float, frame_kb: float, uplink_kbps: float, n: int, rep: int) -> float:
    spec = LinkInput(
        rtt_median_s=0.04,
        rtt_p95_s=0.08,
        rtt_p99_s=0.15,
        loss=0.0,
        uplink_kbps=uplink_kbps,
        downlink_kbps=uplink_kbps,
        outages_per_s=0.0,
        outage_mean_s=1.0,
    )
    tx_s = frame_kb * 8 / uplink_kbps
    rng = np.random.default_rng([17, rep])
    arrivals = np.cumsum(rng.exponential(tx_s / rho, n))
    z = rng.standard_normal(n)
    env = simpy.Environment()
    link = Link(env, spec, Gauges())
    waits = np.zeros(n)

    def feed() -> Generator[simpy.Event, None, None]:
        for i in range(n):
            yield env.timeout(arrivals[i] - env.now)
            sent = link.send_up(frame_kb, float(z[i]), 0.5, deadline_s=np.inf)
            assert sent is not None
            waits[i] = sent[1]

    env.process(feed())
    env.run()
    return float(waits[n // 10 :].mean())


@pytest.mark.parametrize("rho", [0.5, 0.85])
def test_uplink_is_md1_pollaczek_khinchine(rho: float) -> None:
    frame_kb, kbps = 60.0, 3000.0  # a 60 kB frame on a 3 Mbit/s GEO uplink: 0.16 s
    tx_s = frame_kb * 8 / kbps
    lam = rho / tx_s
    theory = lam * tx_s**2 / (2 * (1 - rho))
    reps = [mean_lane_wait(rho, frame_kb, kbps, 20_000, r) for r in range(10)]
    mean = float(np.mean(reps))
    half = 3.25 * float(np.std(reps, ddof=1)) / np.sqrt(len(reps))  # t(9), 99 %
    assert abs(mean - theory) <= half, (mean, half, theory)
    # deterministic frames wait half as long as exponential ones (M/M/1): not a random lane
    assert mean < 0.75 * rho * tx_s / (1 - rho)
