"""A stranger's link cannot make the shared dashboard server work for an hour.

SECURITY.md: a link must not hang the server, and colleagues sharing it must not be starved.
A link that raised ``simulation.max_simulated_requests`` to 10^9 had 300M requests a month at
64 replications accepted (about 440M simulated requests, ~37 min of one core before the
counterparts), and ``simulation.processes: 64`` forked 64 workers on a 2-core machine.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from planner import replicate
from planner.engines import COSTS
from planner.links import from_params
from planner.run import run
from tests.helpers import small

LIMIT = COSTS["compiled"].max_requests


def test_a_link_cannot_raise_the_work_limit_above_the_servers() -> None:
    d = from_params(
        {
            "v": "1",
            "preset": "article_1m_chat",
            "simulation.max_simulated_requests": "1000000000",
            "workload.requests_per_month": "300000000",
            "simulation.replications": "64",
        }
    )
    assert d.scenario.simulation.max_simulated_requests in (None, LIMIT)
    (message,) = [m for m in d.messages if "max_simulated_requests" in m]
    assert message.startswith("ignored simulation.max_simulated_requests")
    assert f"1,000 to {LIMIT:,}" in message
    lower = from_params({"v": "1", "simulation.max_simulated_requests": "500000"})
    assert lower.scenario.simulation.max_simulated_requests == 500_000 and not lower.messages


def test_a_run_never_forks_more_workers_than_the_machine_has_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    real = replicate.fork_pool

    def recording(workers: int) -> Any:
        asked.append(workers)
        return real(1)

    monkeypatch.setattr(replicate, "fork_pool", recording)
    s = small(**{"simulation.processes": 64, "simulation.replications": 3})
    run(s, decide_too=False)
    assert asked and max(asked) <= (os.cpu_count() or 1)
