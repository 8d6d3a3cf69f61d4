"""Queueing theory as a yardstick: the engine configured as M/M/c or M/D/1, beside the formulas.

Like calibrating a scale with a known weight: configure the whole engine (cloud only, a fixed
pool of c replicas, batch size 1, an ideal network, flat Poisson traffic) so theory has an exact
answer, then compare the simulated mean wait and P(wait > 0) with Erlang C (M/M/c) or
Pollaczek-Khinchine (M/D/1), with 99 % intervals across independent replications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planner.catalog import load_catalog
from planner.presets import validate
from planner.run import RunResult, run
from planner.scenario import DAYS_PER_MONTH, Scenario
from planner.stats import mean_ci

Service = Literal["exponential", "deterministic"]
GPU = "t4"


def erlang_c(c: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c with offered load a = lambda x S (a < c)."""
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= offered / k
        total += term
    last = term * offered / c / (1 - offered / c)
    return last / (total + last)


def theory_wait(c: int, rho: float, mean_service_s: float, service: Service) -> tuple[float, float]:
    """(mean wait s, P(wait > 0)) from Erlang C or Pollaczek-Khinchine."""
    lam = rho * c / mean_service_s
    if service == "exponential":
        p_wait = erlang_c(c, lam * mean_service_s)
        return p_wait / (c / mean_service_s - lam), p_wait
    if c != 1:
        raise ValueError(
            "--service deterministic needs --servers 1 (M/D/1 is the only closed form)"
        )
    return lam * mean_service_s**2 / (2 * (1 - rho)), rho


def theory_scenario(
    c: int, rho: float, service: Service, requests: int, replications: int, seed: int
) -> Scenario:
    """A scenario whose engine run is an M/M/c or M/D/1 queue with ``requests`` per day."""
    check_args(c, rho, requests)
    mean_service_s = rho * c * 86_400 / requests
    return validate(
        {
            "name": f"theory M/{'M' if service == 'exponential' else 'D'}/{c} rho={rho:g}",
            "workload": {
                "requests_per_month": requests * DAYS_PER_MONTH,
                "request_classes": [
                    {"kind": "vision", "name": "jobs", "payload_kb": 1, "response_kb": 1}
                ],
            },
            "edge": {"device": "pi5_8gb_hailo8", "device_count": 1, "sites": 1, "mtbf_hours": 1e7},
            "network": {"link": "fibre", "ideal": True},
            "cloud": {
                "gpu": GPU,
                "min_replicas": c,
                "max_replicas": c,
                "autoscaler": {"kind": "fixed"},
                "batching": {"max_batch_size": 1, "max_queue_delay_ms": 0},
                "batch1_ms": mean_service_s * 1000,
                "service_variability": service,
                "request_overhead_ms": 0,
            },
            "policy": {"routing": {"kind": "cloud_only"}},
            "simulation": {
                "seed": seed,
                "replications": replications,
                "horizon": "representative_days",
                "warmup_hours": 2,
                "max_simulated_requests": 1_000_000_000,
            },
        }
    )


def check_args(c: int, rho: float, requests: int, replications: int | None = None) -> None:
    """The command's own ranges, named by flag (a ValueError), before any scenario is built.

    ``replications`` is checked only for the command's interval; a scenario alone may have one.
    """
    problems = [
        (c >= 1, f"--servers must be >= 1, got {c}"),
        (0 < rho < 1, f"--utilization must be in (0, 1), got {rho}"),
        (requests >= 1_000, f"--requests must be >= 1000, got {requests}"),
        (
            replications is None or replications >= 2,
            f"--replications must be >= 2 for an interval, got {replications}",
        ),
    ]
    for ok, message in problems:
        if not ok:
            raise ValueError(message)


@dataclass(frozen=True)
class TheoryCheck:
    servers: int
    utilization: float
    service: Service
    mean_service_s: float
    simulated_mean_wait_s: tuple[float, float, float]
    """mean, 99 % low, 99 % high across replications."""
    theory_mean_wait_s: float
    simulated_p_wait: tuple[float, float, float]
    theory_p_wait: float
    result: RunResult

    @property
    def agrees(self) -> bool:
        _, lo, hi = self.simulated_mean_wait_s
        _, plo, phi = self.simulated_p_wait
        return lo <= self.theory_mean_wait_s <= hi and plo <= self.theory_p_wait <= phi


def check_theory(
    c: int,
    rho: float,
    service: Service,
    requests: int = 100_000,
    replications: int = 10,
    seed: int = 1,
    processes: int = 2,
) -> TheoryCheck:
    check_args(c, rho, requests, replications)
    scenario = theory_scenario(c, rho, service, requests, replications, seed)
    scenario = scenario.with_updates({"simulation.processes": processes})
    result = run(scenario)
    gpu = load_catalog().gpus[GPU]
    mean_service_s = (scenario.cloud.batch1_ms or gpu.vision.batch1_ms.v) / 1000
    wq, pw = theory_wait(c, rho, mean_service_s, service)
    waits = [rep["cloud.mean_wait_ms"] / 1000 for rep in result.replications]
    pwaits = [rep["cloud.p_wait"] for rep in result.replications]
    return TheoryCheck(
        c,
        rho,
        service,
        mean_service_s,
        mean_ci(waits, 0.99),
        wq,
        mean_ci(pwaits, 0.99),
        pw,
        result,
    )


def check_dict(chk: TheoryCheck) -> dict[str, object]:
    mean, lo, hi = chk.simulated_mean_wait_s
    pm, plo, phi = chk.simulated_p_wait
    return {
        "model": f"M/{'M' if chk.service == 'exponential' else 'D'}/{chk.servers}",
        "servers": chk.servers,
        "utilization": chk.utilization,
        "mean_service_s": chk.mean_service_s,
        "simulated_mean_wait_s": {"mean": mean, "ci99_low": lo, "ci99_high": hi},
        "theory_mean_wait_s": chk.theory_mean_wait_s,
        "simulated_p_wait": {"mean": pm, "ci99_low": plo, "ci99_high": phi},
        "theory_p_wait": chk.theory_p_wait,
        "agrees": chk.agrees,
        "engine": {
            "wall_s": chk.result.engine["wall_s"],
            "simulated_requests_per_s": chk.result.engine["simulated_requests_per_s"],
            "simulated_requests": chk.result.engine["simulated_requests"],
        },
    }
