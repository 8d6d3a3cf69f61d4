"""Fair counterparts: when edge-only or cloud-only cannot carry the load as configured, find the
smallest fleet or pool that does, with the engine, in a bounded number of runs.

Like pricing a removal van: if the van you were quoted leaves half the furniture behind, the
fair comparison is the smallest van that takes it all, and the volume of what was left behind
says roughly how big that van is. The search starts from that estimate: the configured run's
utilisation, scaled up by the requests it turned away (offered over served load), is the work
to carry; divided by the target utilisation it gives the size at which that work would run at
85 % (offered load over per-device or per-replica capacity at the target utilisation). Each
probe's own figures correct the estimate until a size carries the load. Then two sizes run side
by side: one just below (is it the smallest?) and four times it (can more capacity meet the
SLO at all? -- skipped where it cannot change the run: an autoscaled pool that never reached its
cap). Where the configured run missed the SLO, four times the first size already runs beside
it (the kiosk's cloud-only pool is sized in one round, not two; where probes run the
counterpart's own steady plan, as the kiosk's, that one only glimpses a shortened plan, to ask
whether the SLO can be met at all, and runs the own plan if so). Bisection in thirds, two
probes at a time, closes the gap to an eighth. Each probe is one replication of the whole plan
on the same traffic (common random numbers); the size found on a shortened plan is confirmed on
the counterpart's own, one size at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar

from planner.errors import ScenarioError
from planner.probes import probe_many, shortened
from planner.probes import settings as probe_settings
from planner.scenario import Scenario
from planner.sizing_rules import (
    CARRIED_DROP,
    LIMITS,
    Figures,
    Sizing,
    both,
    cap_binds,
    capacity_drop,
    carried,
    configured_size,
    estimate,
    meets,
    resized,
    running_size,
    tolerance,
)

MAX_RUNS = 6
PREVIEW_RUNS = 4
"""A preview's probes (previews themselves): a quick answer, the full run's search follows."""
SLO_REACH = 4
"""Largest size tried for the SLO, as a multiple of the smallest size found to carry the load
(two doublings: 'a few more doublings')."""
GROWTH = 1.25
"""Least growth between two sizes that did not carry the load."""
CONFIRMS = 3
"""Confirmations on the counterpart's own plan, each a size up where the last said no."""


def probe(s: Scenario) -> Figures:
    """One replication of a resized counterpart, on the engine and in the mode of the run
    being decided (ScenarioError if it cannot run)."""
    f = probe_many([s], 1)[0]
    if f is None:
        raise ScenarioError(f"the sizing probe of {s.name} is over the work limit")
    return f


Measure = Callable[[Scenario], Figures]


def probe_mode() -> str:
    return probe_settings()[1]


class Search:
    """The sizes tried so far and their figures (None: could not run), within MAX_RUNS."""

    def __init__(self, s: Scenario, kind: str, measure: Measure | None) -> None:
        self.s, self.kind, self.measure = s, kind, measure
        self.tried: dict[int, Figures | None] = {}
        self.confirmed: dict[int, Figures | None] = {}
        self.limit = LIMITS.get(kind, 10_000)
        self.width = 1 if measure is not None else max(1, s.simulation.processes)
        self.short = measure is None and shortened(s) is not s
        self.glimpses = measure is None and not self.short and shortened(s, True) is not s
        """Probes run the counterpart's own steady plan: a size run only on speculation, to ask
        whether the SLO can be met at all, runs on a shortened one (a glimpse: a fifth of the
        kiosk's replication), and a size it answers is run on the own plan when asked for."""
        self.glimpsed: dict[int, Figures | None] = {}
        preview = measure is None and probe_mode() == "preview"
        self.max_runs = PREVIEW_RUNS if preview else MAX_RUNS
        self.reach_likely = False
        """The configured run missed the SLO: the search may look for it above the size."""

    @property
    def runs(self) -> int:
        return len(self.tried) + len(self.confirmed) + len(self.glimpsed)

    def left(self) -> int:
        return self.max_runs - len(self.tried) - len(self.glimpsed)

    def run(self, sizes: list[int], aside: list[int] | None = None) -> None:
        """Probe the sizes not tried yet (as many as MAX_RUNS allows), side by side, with the
        sizes run on speculation (``aside``: glimpses where the search ``glimpses``)."""
        if not self.glimpses:
            sizes, aside = sizes + (aside or []), []
        new = list(dict.fromkeys(n for n in sizes if n not in self.tried))[: self.left()]
        looks = [n for n in aside or [] if n not in self.glimpsed and n not in new]
        looks = looks[: self.left() - len(new)]
        if not new and not looks:
            return
        found = self.figures(new + looks, short=self.short, glimpse=len(looks))
        self.tried.update(zip(new, found[: len(new)], strict=True))
        self.glimpsed.update(zip(looks, found[len(new) :], strict=True))

    def confirm(self, sizes: list[int]) -> None:
        """Run sizes on the counterpart's own plan (the probes' shortened one aside)."""
        new = [n for n in dict.fromkeys(sizes) if n not in self.confirmed]
        if self.short:
            self.confirmed.update(zip(new, self.figures(new, short=False), strict=True))

    def full(self, n: int) -> Figures | None:
        """Size ``n``'s figures on the counterpart's own plan."""
        return self.confirmed.get(n) if self.short else self.tried.get(n)

    def figures(self, sizes: list[int], short: bool, glimpse: int = 0) -> list[Figures | None]:
        """Figures of the sizes (the last ``glimpse`` of them on a shortened plan, steady or
        not), side by side."""
        variants: list[Scenario | None] = []
        for i, n in enumerate(sizes):
            try:
                v = resized(self.s, self.kind, n)
                look = i >= len(sizes) - glimpse
                variants.append(shortened(v, look) if short or look else v)
            except ScenarioError:
                variants.append(None)
        runnable = [v for v in variants if v is not None]
        if self.measure is None:
            got = probe_many(runnable, self.width)
        else:
            got = [self.measured(v) for v in runnable]
        return [got.pop(0) if v is not None else None for v in variants]

    def measured(self, v: Scenario) -> Figures | None:
        assert self.measure is not None
        try:
            return self.measure(v)
        except ScenarioError:
            return None

    def get(self, n: int) -> Figures | None:
        return self.tried.get(n)


def climb(search: Search, start: int, lo: int) -> tuple[int | None, int]:
    """From ``start`` up until a size carries the load: (that size or None, the largest size
    that did not). Each next size is the last one's estimate where its utilisation is over the
    target, a doubling where only its drops are (they come at peaks a month's utilisation hides)
    or where an autoscaler sets the utilisation. An autoscaled pool that did not reach its cap
    ends the climb: any larger cap runs the same. The first size runs beside SLO_REACH times it
    (``beside``); where that carried the load and the size did not, it ends the climb."""
    n = start
    while search.left() > 0:
        search.run([n], beside(search, n))
        f = search.get(n)
        if f is None:
            return None, lo
        if carried(search.kind, f):
            return n, lo
        lo = n
        above = [m for m, g in search.tried.items() if m > n and g and carried(search.kind, g)]
        if above:
            return min(above), lo
        if n >= search.limit or not cap_binds(search.s, search.kind, n, f):
            break
        doubling = capacity_drop(search.kind, f) > CARRIED_DROP or not scales(search)
        grown = max(estimate(search.kind, n, f), 2 * n if doubling else math.ceil(n * GROWTH))
        n = min(search.limit, max(n + 1, grown))
    return None, lo


def beside(search: Search, n: int) -> list[int]:
    """What the first probe's idle worker runs: SLO_REACH times the size, the size ``refine``
    tries next for the SLO if ``n`` carries the load, and an upper bound if it does not. Only
    where a larger size changes the run whatever ``n`` shows (devices, a fixed pool) and the
    configured run missed the SLO (else the reach is seldom needed)."""
    if search.tried or search.width < 2 or not scales(search) or not search.reach_likely:
        return []
    top = min(search.limit, SLO_REACH * n)
    return [top] if top > n else []


def scales(search: Search) -> bool:
    """Whether utilisation falls as one over the size at the same work: devices and a fixed
    pool; an autoscaled pool sizes itself to its own target instead."""
    return search.kind == "edge_only" or search.s.cloud.autoscaler.kind == "fixed"


def between(lo: int, hi: int, k: int) -> list[int]:
    """Up to ``k`` sizes splitting (lo, hi) into equal parts."""
    return sorted({lo + (hi - lo) * (i + 1) // (k + 1) for i in range(k)} - {lo, hi})


def candidates(search: Search, lo: int, hi: int, guided: bool) -> list[int]:
    """The next sizes to try in (lo, hi): where the utilisation at ``hi`` says where the
    smallest size lies (its estimate, above ``lo``), that size and one an eighth below it;
    otherwise sizes splitting the gap evenly, as many as run side by side."""
    f_hi = search.get(hi)
    guess = estimate(search.kind, hi, f_hi) if guided and f_hi is not None else lo
    if not lo < guess:
        return between(lo, hi, min(search.width, search.left()))
    first = min(guess, hi - tolerance(hi))
    points = [first, first - tolerance(first)][: min(search.width, search.left())]
    return sorted(p for p in set(points) if lo < p < hi)


def bisect(
    search: Search, lo: int, hi: int, ok: Callable[[Figures | None], bool], guided: bool
) -> tuple[int, int]:
    """Narrow (lo not ok, hi ok) to an eighth of hi (``guided``: by the utilisation's
    estimate where it helps)."""
    while search.left() > 0 and hi - lo > tolerance(hi):
        points = candidates(search, lo, hi, guided) or between(lo, hi, 1)
        search.run(points)
        good = [n for n in points if ok(search.get(n))]
        new_hi = min(good, default=hi)
        lo = max([n for n in points if n < new_hi and not ok(search.get(n))], default=lo)
        hi = new_hi
    return lo, hi


Sized = tuple[Sizing, Scenario | None, Figures | None]
SIZE_HOOK: ContextVar[Callable[[Scenario, str, Figures, float], Sized] | None] = ContextVar(
    "SIZE_HOOK", default=None
)
"""A sweep's sizer (``planner.sensitivity_sizing``): it takes a size it already knows where the
counterpart's configured run is unchanged, else calls ``size`` back with the hook unset; None:
size from the configured size."""


def size(
    s: Scenario, kind: str, f0: Figures, level: float, measure: Measure | None = None
) -> Sized:
    """The smallest size (within an eighth) that carries the load and, where SLO_REACH times
    that size meets the SLO, meets it; the size is then confirmed on the counterpart's own
    plan. At most MAX_RUNS probes and CONFIRMS confirmations (``measure``: what runs one; by
    default ``planner.probes``, several side by side on a shortened plan, unless a SIZE_HOOK
    sizer supplies its own)."""
    hook = SIZE_HOOK.get()
    if measure is None and hook is not None:
        return hook(s, kind, f0, level)
    n0 = configured_size(s, kind)
    search = Search(s, kind, measure)
    search.reach_likely = not meets(f0, level)
    first = estimate(kind, running_size(s, kind), f0)
    first = first if scales(search) else max(first, 2 * n0)
    start = min(search.limit, max(n0 + 1, first))
    hi, lo = climb(search, start, n0)
    f: Figures | None = None
    if hi is not None:
        hi = refine(search, lo, hi, level)
        hi, f = confirmed(search, hi)
    sizing = Sizing(
        what="devices" if kind == "edge_only" else "GPU replicas",
        configured=n0,
        sized=hi,
        tried=max([*search.tried, *search.confirmed], default=start),
        runs=search.runs,
        configured_drop_rate=f0.get("drop_rate", math.nan),
        meets_slo=bool(f is not None and meets(f, level)),
    )
    return sizing, (resized(s, kind, hi) if hi is not None else None), f


def confirmed(search: Search, n: int) -> tuple[int | None, Figures | None]:
    """The size the counterpart's own plan says carries the load: ``n``, or the next sizes up
    where a shortened probe said yes too early (an eighth up, then the estimate from the last
    one's figures). One at a time: a confirmation costs a whole replication of the counterpart
    and the first one nearly always holds (seasonal's 32 devices; a second run beside it was
    spent for nothing while the run's own replications waited for the worker)."""
    kind, m = search.kind, n
    while len(search.confirmed) < CONFIRMS:
        search.confirm([m])
        f = search.full(m)
        if f is None:
            return None, None
        if carried(kind, f):
            return m, f
        if not search.short or m >= search.limit:
            break
        step = m + tolerance(m)
        if len(search.confirmed) > 1:
            step = max(step, estimate(kind, m, f))
        m = min(search.limit, step)
    return None, None


def refine(search: Search, lo: int, hi: int, level: float) -> int:
    """From the first size that carries the load: the smallest one (within an eighth), or the
    smallest meeting the SLO where SLO_REACH times it does (that size runs beside the first
    sizes below)."""
    kind, f_hi = search.kind, search.get(hi)
    assert f_hi is not None
    top = min(search.limit, SLO_REACH * hi)
    reach = not meets(f_hi, level) and top > hi and cap_binds(search.s, kind, hi, f_hi)
    reach = reach and could_reach(search, top, level)
    want_slo = meets(f_hi, level)

    def ok(f: Figures | None) -> bool:
        return f is not None and carried(kind, f) and (meets(f, level) or not want_slo)

    guided = scales(search)
    down = candidates(search, lo, hi, guided) if hi - lo > tolerance(hi) else []
    if reach:
        down = down[: max(1, search.width - 1)]
    search.run(down + ([top] if reach else []))
    f_top = search.get(top) if reach else None
    if f_top is not None and both(kind, f_top, level):
        return bisect(search, hi, top, lambda f: f is not None and both(kind, f, level), False)[1]
    good = [n for n in down if ok(search.get(n))]
    new_hi = min(good, default=hi)
    lo = max([n for n in down if n < new_hi], default=lo)
    return bisect(search, lo, new_hi, ok, guided)[1]


def could_reach(search: Search, top: int, level: float) -> bool:
    """Whether ``top`` may carry the load and meet the SLO: not where a glimpse of it (a
    shortened plan) missed either beyond its own scatter (three standard errors of the SLO
    attainment: the kiosk's 100 L4 met 97.4 % of ~50k frames against the 99 % asked)."""
    g = search.glimpsed.get(top)
    if g is None:
        return True
    att, n = g.get("slo_attainment", math.nan), g.get("requests.arrived", 0.0)
    if math.isnan(att) or n <= 0:
        return carried(search.kind, g)
    scatter = 3 * math.sqrt(max(att * (1 - att), 1 / n) / n)
    return carried(search.kind, g) and att + scatter >= level
