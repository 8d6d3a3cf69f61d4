"""Sizing hints for sweeps: a sweep's counterpart takes the stated point's size where the input
cannot have changed it.

Like a tailor who does not re-measure a customer whose measurements did not change: when an
edge-only or cloud-only counterpart cannot carry the load as configured, ``planner.sizing.size``
searches for the smallest fleet or pool that does, in several one-replication runs. A sweep asks
that question again for every evaluation, of a scenario that differs from its stated point by
one input. Where that input did not change what the counterpart simulates at its configured
size -- its figures are equal to the stated point's to the last bit (a GPU price with no budget
to enforce, the RTT or cold start of an edge-only fleet) -- every larger size it would try
replays the stated point's too, so the stated point's answer is taken as it is, with no run.
Otherwise the counterpart is sized by ``size`` as in any run (its own start from the configured
run's figures), so a sweep's answer is always the one ``planner.run`` gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from planner.scenario import Scenario
from planner.sizing import SIZE_HOOK, Sized, size
from planner.sizing_rules import Figures, Sizing, resized

Hint = dict[str, Any]
"""{'sizing': Sizing as a dict, 'figures': the sized figures, 'configured': the configured
figures it started from (None where unknown)}."""
Hints = dict[str, Hint]
"""By counterpart kind (edge_only, cloud_only)."""


def same_figures(a: Figures, b: Figures) -> bool:
    """Equal to the last bit (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    return all(x == y or (x != x and y != y) for x, y in ((a[k], b[k]) for k in a))


def hint_of(sizing: Sizing, figures: Figures, configured: Figures | None) -> Hint:
    return {"sizing": asdict(sizing), "figures": figures, "configured": configured}


def plain_size(s: Scenario, kind: str, f0: Figures, level: float) -> Sized:
    """``size`` as any run calls it (no sweep's sizer in the way)."""
    token = SIZE_HOOK.set(None)
    try:
        return size(s, kind, f0, level)
    finally:
        SIZE_HOOK.reset(token)


def hinted_size(s: Scenario, kind: str, f0: Figures, level: float, hint: Hint) -> Sized:
    """The hint's size where the configured run is bit-identical to the hint's, else searched."""
    base = Sizing(**hint["sizing"])
    same = hint["configured"] is not None and same_figures(f0, hint["configured"])
    if base.sized is None or not same:
        return plain_size(s, kind, f0, level)
    return base, resized(s, kind, base.sized), hint["figures"]


@contextmanager
def sizing_hints(hints: Hints | None, record: Hints) -> Iterator[None]:
    """Within the block, counterparts are sized from ``hints`` (by kind) where given, and
    every sizing (with the configured figures it started from) is written to ``record``."""

    def sizer(s: Scenario, kind: str, f0: Figures, level: float) -> Sized:
        hint = (hints or {}).get(kind)
        out = (
            plain_size(s, kind, f0, level)
            if hint is None
            else hinted_size(s, kind, f0, level, hint)
        )
        sizing, _, f = out
        if f is not None:
            record[kind] = hint_of(sizing, f, f0)
        return out

    token = SIZE_HOOK.set(sizer)
    try:
        yield
    finally:
        SIZE_HOOK.reset(token)
