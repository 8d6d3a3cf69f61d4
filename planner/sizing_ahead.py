"""Sizing ahead: a counterpart whose first replication shows it far over its capacity is sized
while the run's other replications go on, not after them.

Like a removal firm that orders the bigger van the moment the survey shows the quoted one is
far too small, while the clerk still types up the rest of the quote: the van's size does not
depend on the typing. ``planner.replicate`` reports such counterparts (``surely_undersized``)
once every run's first replication is in; their sizing (``planner.sizing.size``) then runs in
a thread of the parent process, and its probes take the next idle worker before the
replications (``planner.replicate.Workers``), since the decision waits on them. It finds what
the decision would find after the replications, with the same probes, seeds and rules; the
decision takes it only where the figures it sizes from are the ones the sizing started from,
to the last bit, and sizes the counterpart itself otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar, copy_context

from planner.criteria import required_level
from planner.presets import apply_overrides
from planner.replicate import WORKERS
from planner.scenario import Scenario
from planner.sensitivity_sizing import same_figures
from planner.sizing import SIZE_HOOK, Sized, size
from planner.sizing_rules import Figures


class Ahead:
    """The sizings started ahead of the decision, by counterpart kind."""

    def __init__(self, s: Scenario, settings: tuple[str, str]) -> None:
        self.s, self.settings = s, settings
        self.threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sizing-ahead")
        self.started: dict[str, tuple[Figures, Future[Sized]]] = {}

    def start(self, first: dict[str, Figures]) -> None:
        """Size each counterpart from its first replication's figures, in the background."""
        for key, f0 in first.items():
            ctx = copy_context()  # the run's shared workers and settings
            future = self.threads.submit(ctx.run, self.sized, key, dict(f0))
            self.started[key] = (dict(f0), future)

    def sized(self, key: str, f0: Figures) -> Sized:
        from planner.run import PROBE_SETTINGS

        workers = WORKERS.get()
        token = PROBE_SETTINGS.set(self.settings)
        if workers is not None:
            workers.sizing(+1)
        try:
            v = apply_overrides(self.s, {"policy.routing.kind": key})
            return size(v, key, f0, required_level(self.s))
        finally:
            if workers is not None:
                workers.sizing(-1)
            PROBE_SETTINGS.reset(token)

    def take(self, key: str, f0: Figures) -> Sized | None:
        """The sizing started from exactly ``f0`` (waiting for it to end), else None."""
        got = self.started.get(key)
        if got is None or not same_figures(got[0], f0):
            return None
        return got[1].result()


AHEAD: ContextVar[Ahead | None] = ContextVar("AHEAD", default=None)
"""The run's sizings ahead, which ``planner.verdict.counterpart`` takes where they apply."""


@contextmanager
def sizing_ahead(
    s: Scenario, settings: tuple[str, str], fair: bool
) -> Iterator[Callable[[dict[str, Figures]], None] | None]:
    """Inside it, the callback to start sizings ahead (None where none may start: no decision,
    one worker process, or a sweep's own sizer, ``SIZE_HOOK``)."""
    if not fair or s.simulation.processes < 2 or SIZE_HOOK.get() is not None:
        yield None
        return
    ahead = Ahead(s, settings)
    token = AHEAD.set(ahead)
    failed = False
    try:
        yield ahead.start
    except BaseException:
        failed = True
        raise
    finally:
        AHEAD.reset(token)
        # on failure the run's workers close next and end a sizing still running
        ahead.threads.shutdown(wait=not failed, cancel_futures=True)
