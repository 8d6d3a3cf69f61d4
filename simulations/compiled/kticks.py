"""The KPA's quiet ticks, skipped: the autoscaler's areas, and the ticks that cannot act.

The KPA ticks every 2 s while the pool is awake: 0.84 ticks a request on ``article_1m_chat``,
nearly all of which change nothing but the ring of in-flight areas. A tick reads the pool's
in-flight count, its ready and provisioning replicas and the budget's cap (its *inputs*) and
the ring; while the inputs stay as they are, the ticks ahead are fixed, so after a tick
``next_tick`` works out how many of them are *quiet* -- they would not scale, enter panic, move
the activator's proxy state or the scale-to-zero clock, or put the scaler to sleep -- and sets
the tick register to the first one that may act. The quiet ticks are *skipped*: their areas are
appended to the ring (``catch_up``) when something next changes an input (``before_change``,
called by ``kpool`` before it does) or when the register's tick runs; if the inputs did change
(``recheck``, after the event), the ticks after the last one caught up are worked out again from
the new inputs. The ring, the scaling log and every figure are the SimPy model's: the areas are
the same expressions at the same tick times.

Which ticks are quiet, without running them:

* nothing in flight: the areas ahead all equal the last, so both windows' averages can only
  fall, tick after tick, and every part of the decision moves one way with them; the ticks from
  the next on are quiet up to the first that is not, found by bisection;
* requests in flight: a window's average is the mean of its ticks' own averages (in flight per
  tick interval), so it lies between the least and the largest of them over the last stable
  window, the next tick's (exact) and the count in flight now, and it is at least its last
  interval's average over the window's length; the decision depends on each average one way, so
  where it is the same at both ends (with a margin for rounding), every tick of the next four
  stable windows is quiet.

Only the KPA without a scale-down delay skips ticks, and only where no cold-start stage takes a
fixed time: a fixed stage could put a replica's start exactly on a tick's instant, and the tick
after skipped ones comes after every event at its instant (``LATE_SEQ``; a tick's own sequence
number would have been taken at the tick before). Time in seconds.
"""

from __future__ import annotations

import math

from simulations.compiled.kbase import push_register
from simulations.compiled.layout import (
    C_KPA_BURST,
    C_KPA_CCT,
    C_KPA_DELAY,
    C_KPA_DOWN_RATE,
    C_KPA_PANIC_THRESH,
    C_KPA_TARGET,
    C_KPA_UP_RATE,
    C_TICK,
    CI_MAX_REP,
    CI_MIN_REP,
    CI_PANIC_N,
    CI_SCALER,
    CI_STABLE_N,
    E_TICK,
    G_CAP,
    G_IN_AREA,
    G_IN_T,
    G_NOW,
    G_PANIC_SINCE,
    G_PROXY_SINCE,
    G_REG,
    G_VCAP,
    G_VT,
    GI_AREA_COUNT,
    GI_AREA_LEN,
    GI_CNT0,
    GI_IN_SERVICE,
    GI_REGSEQ,
    GI_TICKS_SKIPPED,
    GI_VC,
    GI_VDIRTY,
    GI_VJUMP,
    GI_VOK,
    GI_VPROV,
    GI_VREADY,
    GI_VTODO,
    GI_WAITING,
    GI_ZERO_SINCE_SET,
    INF,
    LATE_SEQ,
    PROV,
    READY,
    SC_KPA,
    inline,
    jit,
)

EPS64 = 2.220446049250313e-16


# ---------------------------------------------------------------- the ring of areas
@inline
def inflight_area_now(st) -> float:  # type: ignore[no-untyped-def]
    g, gi = st.G, st.GI
    inflight = gi[GI_WAITING] + gi[GI_IN_SERVICE]
    return float(g[G_IN_AREA] + inflight * (g[G_NOW] - g[G_IN_T]))


@inline
def area_back(st, back: int) -> float:  # type: ignore[no-untyped-def]
    """The area ``back`` ticks before the last. GI_AREA_COUNT is the ring's next slot (kept
    below the ring's length, with no integer division: a tick is on the loop's hot path), and
    ``back`` < the ring's length (at most 4 stable windows are kept)."""
    i = st.GI[GI_AREA_COUNT] - 1 - back
    return float(st.AREAS[i + st.AREAS.shape[0] if i < 0 else i])


@inline
def window_avg(st, n: int) -> float:  # type: ignore[no-untyped-def]
    back = min(n, st.GI[GI_AREA_LEN] - 1)
    if not back:
        return 0.0
    return (area_back(st, 0) - area_back(st, back)) / float(back * st.C[C_TICK])


@inline
def area_append(st, value: float) -> None:  # type: ignore[no-untyped-def]
    gi, areas = st.GI, st.AREAS
    i = gi[GI_AREA_COUNT]
    areas[i] = value
    gi[GI_AREA_COUNT] = 0 if i + 1 == areas.shape[0] else i + 1
    gi[GI_AREA_LEN] += 1


@inline
def area_tick(st, value: float) -> None:  # type: ignore[no-untyped-def]
    """A tick's area: appended, and the ring trimmed to at most 4 stable windows."""
    area_append(st, value)
    stable_n = st.CI[CI_STABLE_N]
    if st.GI[GI_AREA_LEN] > 4 * stable_n:
        st.GI[GI_AREA_LEN] -= 2 * stable_n


# ---------------------------------------------------------------- skipped ticks
@jit
def may_skip(st) -> bool:  # type: ignore[no-untyped-def]
    """Whether this segment's quiet ticks may be skipped (the KPA, no scale-down delay, no
    cold-start stage of a fixed length)."""
    if st.CI[CI_SCALER] != SC_KPA or st.C[C_KPA_DELAY] > 0:
        return False
    for j in range(st.STAGES.shape[0]):
        if st.STAGES[j, 0] > 0 and st.STAGES[j, 1] <= st.STAGES[j, 0]:
            return False
    return True


@jit
def catch_up(st, now: float) -> None:  # type: ignore[no-untyped-def]
    """Append the areas of the skipped ticks before now (the inputs have not changed since the
    last of them: ``before_change`` runs before they do). ``area_tick``'s steps, in locals."""
    g, gi, areas = st.G, st.GI, st.AREAS
    tick, todo = st.C[C_TICK], gi[GI_VTODO]
    base, since = g[G_IN_AREA], g[G_IN_T]
    inflight = gi[GI_WAITING] + gi[GI_IN_SERVICE]
    i, size = gi[GI_AREA_COUNT], areas.shape[0]
    last, t, v = g[G_VT], g[G_VT] + tick, 0
    while v < todo and t < now:
        areas[i] = base + inflight * (t - since)
        i = 0 if i + 1 == size else i + 1
        last, t, v = t, t + tick, v + 1
    if not v:
        return
    gi[GI_VTODO] = todo - v
    gi[GI_AREA_COUNT] = i
    g[G_VT] = last
    gi[GI_TICKS_SKIPPED] += v
    n, length = st.CI[CI_STABLE_N], gi[GI_AREA_LEN]
    if length + v <= 4 * n:  # each tick: one more, and 2 stable windows fewer above 4
        gi[GI_AREA_LEN] = length + v
    else:
        gi[GI_AREA_LEN] = 2 * n + 1 + (length + v - 4 * n - 1) % (2 * n)


@inline
def before_change(st) -> None:  # type: ignore[no-untyped-def]
    """An input of the ticks (in flight, replicas, the cap) is about to change now."""
    if st.GI[GI_VJUMP]:
        catch_up(st, st.G[G_NOW])
        st.GI[GI_VDIRTY] = 1


@jit
def recheck(st) -> None:  # type: ignore[no-untyped-def]
    """After an event that may have changed the ticks' inputs: if it did, the ticks after the
    last one caught up are worked out again from the new inputs (``skip``)."""
    g, gi = st.G, st.GI
    gi[GI_VDIRTY] = 0
    if not gi[GI_VJUMP]:
        return
    same = (
        gi[GI_WAITING] + gi[GI_IN_SERVICE] == gi[GI_VC]
        and gi[GI_CNT0 + READY] == gi[GI_VREADY]
        and gi[GI_CNT0 + PROV] == gi[GI_VPROV]
        and g[G_CAP] == g[G_VCAP]
    )
    if not same:
        skip(st, g[G_VT])


@inline
def tick_starts(st) -> None:  # type: ignore[no-untyped-def]
    """The register's tick runs: the skipped ticks before it are caught up first, and the
    clock is the tick's own time, the sum the SimPy model's timeouts make (the register held
    the product: ``skip``)."""
    if st.GI[GI_VJUMP]:
        catch_up(st, INF)
        st.GI[GI_VJUMP] = 0
        st.G[G_NOW] = st.G[G_VT] + st.C[C_TICK]


@jit
def next_tick(st) -> None:  # type: ignore[no-untyped-def]
    """Schedule the tick after this one, or skip the quiet ticks ahead (``skip``)."""
    g, gi = st.G, st.GI
    if gi[GI_VOK] and not gi[GI_ZERO_SINCE_SET] and math.isnan(g[G_PANIC_SINCE]):
        skip(st, g[G_NOW])
    else:
        push_register(st, g[G_NOW] + st.C[C_TICK], E_TICK)


@jit
def skip(st, last: float) -> None:  # type: ignore[no-untyped-def]
    """The ticks after the one at ``last`` (the last run or caught up): the register is set to
    the first that may act (``quiet_ticks``) and the ones before it are skipped; where that is
    the next, it is scheduled as usual (after skipped ticks: ``LATE_SEQ``). The register holds
    last + m x tick, which is the m-th tick's time, a sum of m timeouts, up to its rounding:
    the tick runs at the sum (``tick_starts``)."""
    g, gi = st.G, st.GI
    tick = st.C[C_TICK]
    m = quiet_ticks(st, last)
    if m == 1:
        if gi[GI_VJUMP]:
            gi[GI_VJUMP] = 0
            g[G_REG + E_TICK] = last + tick
            gi[GI_REGSEQ + E_TICK] = LATE_SEQ
        else:
            push_register(st, last + tick, E_TICK)
        return
    gi[GI_VJUMP] = 1
    g[G_VT] = last
    gi[GI_VTODO] = m - 1 if m > 0 else 1 << 62
    gi[GI_VC] = gi[GI_WAITING] + gi[GI_IN_SERVICE]
    gi[GI_VREADY], gi[GI_VPROV] = gi[GI_CNT0 + READY], gi[GI_CNT0 + PROV]
    g[G_VCAP] = g[G_CAP]
    g[G_REG + E_TICK] = last + m * tick if m > 0 else INF
    gi[GI_REGSEQ + E_TICK] = LATE_SEQ


@jit
def quiet_ticks(st, last: float) -> int:  # type: ignore[no-untyped-def]
    """The first tick after the one at ``last`` (1: the next) that may act while the inputs
    stay as they are now, -1 where none may."""
    inflight = st.GI[GI_WAITING] + st.GI[GI_IN_SERVICE]
    if inflight:
        return _quiet_in_flight(st, inflight, last)
    if not _quiet_at(st, 1):
        return 1
    far = st.CI[CI_STABLE_N] + 1  # from here on both windows hold only the areas ahead
    if _quiet_at(st, far):
        return -1
    lo, hi = 1, far  # quiet at lo, not at hi: the ticks in between are one way then the other
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if _quiet_at(st, mid):
            lo = mid
        else:
            hi = mid
    return int(hi)


@inline
def _quiet_at(st, k: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the k-th tick ahead (k <= a stable window + 1) is quiet, nothing in flight:
    its windows' averages by ``window_avg``'s expressions, every area ahead the one now."""
    gi, ci = st.GI, st.CI
    n = ci[CI_STABLE_N]
    length = gi[GI_AREA_LEN] + k  # trimmed at most once on the way
    if length > 4 * n:
        length -= 2 * n
    now = st.G[G_IN_AREA]
    stable = _avg_ahead(st, n, length, k, now)
    panic = _avg_ahead(st, ci[CI_PANIC_N], length, k, now)
    return quiet(st, stable, panic, 0)


@inline
def _avg_ahead(st, n: int, length: int, k: int, ahead: float) -> float:  # type: ignore[no-untyped-def]
    back = min(n, length - 1)
    if not back:
        return 0.0
    old = back - k  # ticks before the last one run or caught up
    first = area_back(st, old) if old >= 0 else ahead
    return float((ahead - first) / (back * st.C[C_TICK]))


@jit
def _quiet_in_flight(st, inflight: int, last: float) -> int:  # type: ignore[no-untyped-def]
    """``quiet_ticks`` with requests in flight: bounds on every window's average ahead, from
    its ticks' own averages (the next one's exact: the inputs may have changed since ``last``)."""
    g, gi, n, tick, areas = st.G, st.GI, st.CI[CI_STABLE_N], st.C[C_TICK], st.AREAS
    size = areas.shape[0]
    i = gi[GI_AREA_COUNT] - 1
    i = i + size if i < 0 else i
    newer = areas[i]
    first = g[G_IN_AREA] + inflight * (last + tick - g[G_IN_T]) - newer  # the next interval
    lo = hi = first
    for _ in range(min(n, gi[GI_AREA_LEN] - 1)):  # the ring backwards from its last area
        i = i - 1 + size if i == 0 else i - 1
        older = areas[i]
        lo, hi = min(lo, newer - older), max(hi, newer - older)
        newer = older
    lo, hi = min(lo / tick, float(inflight)), max(hi / tick, float(inflight))
    horizon = 4 * n
    top = abs(g[G_IN_AREA]) + inflight * (last + (horizon + 2) * tick - g[G_IN_T])
    err = 16 * EPS64 * top / tick + 1e-12 * hi  # rounding of areas and of the averages
    lo, hi = lo - err, hi + err
    # Every window ahead ends with a tick interval of its own, in flight all along (the next
    # one: ``first``; the later ones: ``inflight``), and no interval adds less than nothing: a
    # window of w ticks averages at least that interval's average / w (after an idle stretch,
    # where the least interval is empty, this is what keeps the decision off zero).
    least = min(first / tick, inflight - err) * (1 - 1e-12)
    lo_stable = max(lo, least / n)
    lo_panic = max(lo, least / st.CI[CI_PANIC_N])
    if quiet(st, lo_stable, lo_panic, inflight) and quiet(st, hi, hi, inflight):
        return int(horizon + 1)
    return 1


@inline
def quiet(st, stable: float, panic: float, inflight: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether a tick with these averages changes nothing (``kscaler.tick`` and ``kpa_decide``'s
    expressions, out of panic and off the scale-to-zero clock, with no scale-down delay)."""
    c, g, gi, ci = st.C, st.G, st.GI, st.CI
    ready_n = gi[GI_CNT0 + READY]
    current = ready_n + gi[GI_CNT0 + PROV]
    total = ready_n * c[C_KPA_CCT]  # the activator stays in the path, or out of it
    if (math.floor(total - c[C_KPA_BURST] - panic) < 0) == math.isnan(g[G_PROXY_SINCE]):
        return False
    target = c[C_KPA_TARGET]
    ready = max(1, ready_n)
    lo = math.floor(ready / c[C_KPA_DOWN_RATE])
    hi = math.ceil(c[C_KPA_UP_RATE] * ready)
    if math.ceil(panic / target) / ready >= c[C_KPA_PANIC_THRESH]:
        return False  # it would panic
    desired = min(max(math.ceil(stable / target), lo), hi)
    if desired < ci[CI_MIN_REP]:
        desired = ci[CI_MIN_REP]
    elif desired > ci[CI_MAX_REP]:
        desired = ci[CI_MAX_REP]
    if desired == 0 and current > 0:
        return False  # the scale-to-zero clock
    if (desired if desired <= g[G_CAP] else int(g[G_CAP])) != current:
        return False
    return not (stable == 0 and inflight == 0 and current == ci[CI_MIN_REP])  # asleep
