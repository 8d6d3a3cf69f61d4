"""The whole engine configured as M/M/c and M/D/1, against Erlang C and Pollaczek-Khinchine.

Each check compares the formula's value with the 99 % interval of the replications' estimates;
no number here was pinned from a seeded run.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.run import run
from planner.theory import check_theory, erlang_c, theory_scenario, theory_wait

pytestmark = pytest.mark.slow


def test_erlang_c_formula_against_hand_values() -> None:
    # M/M/1: P(wait) = rho; M/M/2 with a = 1: C = 1/3 (textbook)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    wq, _ = theory_wait(1, 0.5, 2.0, "exponential")
    assert wq == pytest.approx(2.0)  # rho/(mu - lambda) = 0.5 / (0.5 - 0.25)
    wq, pw = theory_wait(1, 0.5, 2.0, "deterministic")
    assert (wq, pw) == (pytest.approx(1.0), 0.5)  # lambda S^2 / (2 (1 - rho))


@pytest.mark.parametrize(
    ("servers", "rho", "requests"),
    [(1, 0.5, 20_000), (1, 0.9, 40_000), (2, 0.8, 20_000), (4, 0.7, 20_000), (8, 0.9, 40_000)],
)
def test_mmc_agrees_with_erlang_c(servers: int, rho: float, requests: int) -> None:
    chk = check_theory(servers, rho, "exponential", requests=requests, replications=10, seed=7)
    _, lo, hi = chk.simulated_mean_wait_s
    assert lo <= chk.theory_mean_wait_s <= hi
    _, plo, phi = chk.simulated_p_wait
    assert plo <= chk.theory_p_wait <= phi
    assert chk.result.figures["requests.dropped"] == 0


def test_md1_agrees_with_pollaczek_khinchine() -> None:
    chk = check_theory(1, 0.8, "deterministic", requests=20_000, replications=10, seed=3)
    assert chk.agrees
    # deterministic service halves the M/M/1 wait: the engine must not be exponential here
    mm1, _ = theory_wait(1, 0.8, chk.mean_service_s, "exponential")
    assert chk.simulated_mean_wait_s[2] < 0.75 * mm1


def test_littles_law_on_the_series() -> None:
    s = theory_scenario(2, 0.8, "exponential", 20_000, 1, seed=5)
    r = run(s)
    day = r.series[r.series["minute"] >= 0]
    in_system = (day["pool_queue"] + day["pool_in_service"]).mean()
    lam_per_s = day["arrivals"].sum() / (len(day) * 60)
    sojourn_s = r.figures["latency_ms.mean"] / 1000
    assert in_system == pytest.approx(lam_per_s * sojourn_s, rel=0.05)


def test_engine_agrees_with_ciw() -> None:
    ciw = pytest.importorskip("ciw")
    servers, rho = 2, 0.7
    chk = check_theory(servers, rho, "exponential", requests=20_000, replications=8, seed=11)
    mean_s = chk.mean_service_s
    lam = rho * servers / mean_s
    waits = []
    for seed in range(8):
        ciw.seed(seed)
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(lam)],
            service_distributions=[ciw.dists.Exponential(1 / mean_s)],
            number_of_servers=[servers],
        )
        sim = ciw.Simulation(net)
        horizon = 86_400.0
        sim.simulate_until_max_time(horizon)
        recs = [r for r in sim.get_all_records() if r.arrival_date > 7200]
        waits.append(float(np.mean([r.waiting_time for r in recs])))
    ciw_mean = float(np.mean(waits))
    ciw_half = 2.998 * float(np.std(waits, ddof=1)) / np.sqrt(len(waits))
    _, lo, hi = chk.simulated_mean_wait_s
    # the two intervals overlap, and both contain Erlang C
    assert lo <= ciw_mean + ciw_half and ciw_mean - ciw_half <= hi
    assert abs(ciw_mean - chk.theory_mean_wait_s) <= ciw_half
