"""Sizing ahead: a counterpart far over its capacity is sized while the other replications run,
and the decision prices it exactly as it would have sized it after them.

The turn-taking rule of the shared workers is checked on its own (urgent probes first, one
worker kept for a sizing between its rounds); then seasonal's run with the sizing ahead is
compared with the same run sized after the replications, figure by figure.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from planner.presets import load
from planner.replicate import Workers
from planner.run import run
from planner.sizing_ahead import Ahead


def workers(idle: int, sizings: int = 0, urgent_running: int = 0, waiting: int = 0) -> Workers:
    w = Workers()
    w.size, w.idle = 2, idle
    w.sizings, w.urgent_running, w.urgent_waiting = sizings, urgent_running, waiting
    return w


def test_urgent_probes_go_first_and_a_sizing_keeps_a_worker_between_rounds() -> None:
    assert workers(1).may_start(urgent=False)
    assert not workers(0).may_start(urgent=True)
    # an urgent probe waiting: a replication does not take the idle worker
    assert not workers(2, waiting=1).may_start(urgent=False)
    assert workers(1, waiting=1).may_start(urgent=True)
    # a sizing preparing its next round keeps one worker; a replication may take the other
    assert workers(2, sizings=1).may_start(urgent=False)
    assert not workers(1, sizings=1).may_start(urgent=False)
    assert workers(1, sizings=1).may_start(urgent=True)
    # while the sizing's probe runs, it keeps none
    assert workers(1, sizings=1, urgent_running=1).may_start(urgent=False)


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


def test_a_sizing_ahead_prices_the_counterpart_as_the_decision_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seasonal's edge-only fleet (one device turning away most requests) is sized ahead; the
    verdict equals the one of a run that sizes it after the replications."""
    taken: list[str] = []
    real_take = Ahead.take

    def take(self: Ahead, key: str, f0: dict[str, float]) -> Any:
        got = real_take(self, key, f0)
        if got is not None:
            taken.append(key)
        return got

    monkeypatch.setattr(Ahead, "take", take)
    s = load("seasonal_burst_app")
    assert s.simulation.processes >= 2
    ahead = run(s)
    assert taken == ["edge_only"]

    @contextlib.contextmanager
    def none(*_: Any) -> Iterator[None]:
        yield None

    monkeypatch.setattr(sys.modules["planner.run"], "sizing_ahead", none)
    after = run(s)
    assert ahead.verdict is not None and after.verdict is not None
    assert taken == ["edge_only"]  # the second run sized it itself
    assert ahead.verdict.decision == after.verdict.decision
    for a, b in zip(ahead.verdict.architectures, after.verdict.architectures, strict=True):
        assert (a.name, a.sizing) == (b.name, b.sizing)
        assert same(a.figures, b.figures)
        assert a.monthly_usd == b.monthly_usd
    assert same(ahead.figures, after.figures)
