"""Engine speed against idiomatic SimPy and Ciw on the same M/M/8, the default preset, and
issue 13's targets (compiled engine vs the SimPy model, run() per preset, preview, volume).

Run on demand: ``.venv/bin/python benchmarks/engine_speed.py [--requests N] [--repeats K]``.
Every figure is measured in this run and printed as a ratio against the baselines measured in
the same run, so a busy machine slows all of them alike. Where the compiled engine does not
cover a scenario yet, the line says so and reports the SimPy model alone. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import load
from planner.run import run
from planner.theory import theory_scenario
from simulations.engine import run_segment

SERVERS, RHO = 8, 0.8


def idiomatic_simpy(n: int, lam: float, mean_s: float, seed: int) -> float:
    """The textbook SimPy M/M/c: a process per request and a Resource. Returns wall seconds."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    waits: list[float] = []

    def customer(service: float):  # type: ignore[no-untyped-def]
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source():  # type: ignore[no-untyped-def]
        for _ in range(n):
            yield env.timeout(rng.exponential(1 / lam))
            env.process(customer(rng.exponential(mean_s)))

    started = time.perf_counter()
    env.process(source())
    env.run()
    return time.perf_counter() - started


def ciw_mmc(n: int, lam: float, mean_s: float, seed: int) -> float:
    import ciw

    ciw.seed(seed)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(lam)],
        service_distributions=[ciw.dists.Exponential(1 / mean_s)],
        number_of_servers=[SERVERS],
    )
    started = time.perf_counter()
    sim = ciw.Simulation(net)
    sim.simulate_until_max_time(n / lam)
    return time.perf_counter() - started


def engine_mmc(n: int, seed: int, fast: bool) -> tuple[float, int]:
    """Wall seconds and simulated requests of the engine on the same M/M/8 (one replication)."""
    s = theory_scenario(SERVERS, RHO, "exponential", n, 1, seed)
    s = s.with_updates({"simulation.warmup_hours": 0, "simulation.processes": 1})
    (inp,) = segment_inputs(s, build_plan(s), 0)
    started = time.perf_counter()
    rec = run_segment(inp, eligible_by_class(s), allow_fastpath=fast)
    return time.perf_counter() - started, int(rec.arrival_s.size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3, help="runs per preset for the medians")
    args = ap.parse_args()
    n = args.requests
    mean_s = RHO * SERVERS * 86_400 / n
    lam = n / 86_400
    print(f"M/M/{SERVERS} at rho {RHO}, {n:,} requests, this machine, this run")
    fast_wall, fast_n = engine_mmc(n, 1, fast=True)
    model_wall, model_n = engine_mmc(n, 1, fast=False)
    simpy_wall = idiomatic_simpy(n, lam, mean_s, 1)
    ciw_wall = ciw_mmc(n, lam, mean_s, 1)
    rates = {
        "engine (fast path)": fast_n / fast_wall,
        "engine (SimPy model)": model_n / model_wall,
        "idiomatic SimPy": n / simpy_wall,
        "Ciw": n / ciw_wall,
    }
    for name, rate in rates.items():
        ratio = rate / rates["idiomatic SimPy"]
        print(f"  {name:22} {rate:>10,.0f} requests/s   x{ratio:.2f} vs idiomatic SimPy")
    s = load().with_updates({"simulation.replications": 1, "simulation.processes": 1})
    started = time.perf_counter()
    r = run(s)
    wall = time.perf_counter() - started
    simulated = r.engine["simulated_requests"]
    print(
        f"default preset ({s.preset}), 1 replication: {wall:.2f} s wall (target < 2 s), "
        f"{simulated:,} simulated requests, {simulated / wall:,.0f}/s = "
        f"x{simulated / wall / rates['idiomatic SimPy']:.2f} idiomatic SimPy's rate"
    )
    issue_13_targets(args.repeats)


def issue_13_targets(repeats: int) -> None:
    from engine_targets import report_all  # beside this script (benchmarks/ is on sys.path)

    report_all(repeats)


if __name__ == "__main__":
    main()
