"""Compiled autoscalers: KPA, HPA and the pre-warm schedule, and the autoscaling process.

Mirrors ``simulations.autoscaler`` and ``Segment.autoscale`` in ``simulations.engine``. A decision
is (replicas, reason code, flags, schedule window, value); ``prepare`` turns it back into the
SimPy model's reason text. Time in seconds.
"""

from __future__ import annotations

import math

from simulations.compiled import kpool, kticks
from simulations.compiled.kbase import push_register, unrolled_ring
from simulations.compiled.kticks import area_append, inflight_area_now, window_avg
from simulations.compiled.layout import (
    C_DAY_OFFSET,
    C_GRACE,
    C_HPA_DOWN_STAB,
    C_HPA_MAX_PERIOD,
    C_HPA_TARGET,
    C_HPA_TOL,
    C_HPA_UP_STAB,
    C_KPA_BURST,
    C_KPA_CCT,
    C_KPA_DELAY,
    C_KPA_DOWN_RATE,
    C_KPA_PANIC_THRESH,
    C_KPA_STABLE_S,
    C_KPA_TARGET,
    C_KPA_UP_RATE,
    C_SCHED_LEAD,
    C_TICK,
    CI_DOWN_SELECT,
    CI_MAX_REP,
    CI_MIN_REP,
    CI_PANIC_N,
    CI_SCALER,
    CI_STABLE_N,
    CI_UP_SELECT,
    E_TICK,
    FL_DELAY,
    FL_DOWN_LIMIT,
    FL_GRACE,
    FL_MAX,
    FL_MIN,
    FL_STAB,
    FL_UP_LIMIT,
    G_CAP,
    G_NOW,
    G_PANIC_SINCE,
    G_PROXY_SINCE,
    G_ZERO_SINCE,
    GI_AREA_LEN,
    GI_CNT0,
    GI_HE_HEAD,
    GI_HE_LEN,
    GI_HH_HEAD,
    GI_HH_LEN,
    GI_IN_SERVICE,
    GI_MAX_PANIC,
    GI_REC_HEAD,
    GI_REC_LEN,
    GI_WAITING,
    GI_WAKE,
    GI_ZERO_SINCE_SET,
    PROV,
    R_HPA_NOPODS,
    R_HPA_RATIO,
    R_HPA_TOL,
    R_PANIC,
    R_SCHED_IN,
    R_SCHED_OUT,
    R_STABLE,
    READY,
    SC_HPA,
    SC_KPA,
    SEL_DISABLED,
    SEL_MIN,
    inline,
    jit,
)

DAY_S = 86_400.0


# ---------------------------------------------------------------- KPA
@inline
def kpa_decide(st, ready_n: int, stable: float, panic: float) -> tuple[int, int, int, float]:  # type: ignore[no-untyped-def]
    c, g, gi = st.C, st.G, st.GI
    now = g[G_NOW]
    target = c[C_KPA_TARGET]
    ready = max(1, ready_n)
    lo = math.floor(ready / c[C_KPA_DOWN_RATE])
    hi = math.ceil(c[C_KPA_UP_RATE] * ready)
    dspc = min(max(math.ceil(stable / target), lo), hi)
    wanted = math.ceil(panic / target)
    dppc = min(max(wanted, lo), hi)
    over = wanted / ready >= c[C_KPA_PANIC_THRESH]  # before the clamp, as Knative does
    if over:
        if math.isnan(g[G_PANIC_SINCE]):
            gi[GI_MAX_PANIC] = ready_n
        g[G_PANIC_SINCE] = now
    elif not math.isnan(g[G_PANIC_SINCE]) and now >= g[G_PANIC_SINCE] + c[C_KPA_STABLE_S]:
        g[G_PANIC_SINCE] = math.nan
        gi[GI_MAX_PANIC] = 0
    if not math.isnan(g[G_PANIC_SINCE]):
        desired = max(dspc, dppc, gi[GI_MAX_PANIC])
        gi[GI_MAX_PANIC] = desired
        code, val = R_PANIC, panic
    else:
        desired, code, val = dspc, R_STABLE, stable
    flags = 0
    if c[C_KPA_DELAY] > 0:
        head, n = st.GI[GI_REC_HEAD], st.GI[GI_REC_LEN]
        if n >= st.REC.shape[0]:
            st.REC, head = unrolled_ring(st.REC, head, n), 0
        cap = st.REC.shape[0]
        st.REC[(head + n) % cap, 0], st.REC[(head + n) % cap, 1] = now, desired
        n += 1
        while n and st.REC[head, 0] < now - c[C_KPA_DELAY]:
            head, n = (head + 1) % cap, n - 1
        st.GI[GI_REC_HEAD], st.GI[GI_REC_LEN] = head, n
        held = -(2**62)
        for i in range(n):
            held = max(held, int(st.REC[(head + i) % cap, 1]))
        if held != desired:
            desired, flags = held, FL_DELAY
    return int(desired), code, flags, val


# ---------------------------------------------------------------- HPA
@jit
def _hpa_changes(st, now: float, period: float) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    cap = st.HE.shape[0]
    added = removed = 0
    for i in range(st.GI[GI_HE_LEN]):
        j = (st.GI[GI_HE_HEAD] + i) % cap
        t, ch = st.HE[j, 0], int(st.HE[j, 1])
        if t > now - period and ch > 0:
            added += ch
        if t > now - period and ch < 0:
            removed += -ch
    return added, removed


@jit
def _hpa_limit_up(st, now: float, current: int) -> int:  # type: ignore[no-untyped-def]
    sel = st.CI[CI_UP_SELECT]
    if sel == SEL_DISABLED:
        return current
    best = 0
    for i in range(st.HPU.shape[0]):
        added, removed = _hpa_changes(st, now, st.HPU[i, 2])
        start = current - added + removed
        if st.HPU[i, 0] == 0:
            p = start + int(st.HPU[i, 1])
        else:
            p = math.ceil(start * (1 + st.HPU[i, 1] / 100))
        if i == 0 or (p < best if sel == SEL_MIN else p > best):
            best = p
    return int(best)


@jit
def _hpa_limit_down(st, now: float, current: int) -> int:  # type: ignore[no-untyped-def]
    sel = st.CI[CI_DOWN_SELECT]
    if sel == SEL_DISABLED:
        return current
    best = 0
    for i in range(st.HPD.shape[0]):
        added, removed = _hpa_changes(st, now, st.HPD[i, 2])
        start = current - added + removed
        if st.HPD[i, 0] == 0:
            p = start - int(st.HPD[i, 1])
        else:
            p = int(start * (1 - st.HPD[i, 1] / 100))
        if i == 0 or (p > best if sel == SEL_MIN else p < best):
            best = p
    return int(best)


@jit
def _hpa_stabilise(st, now: float, current: int, rec: int) -> int:  # type: ignore[no-untyped-def]
    c = st.C
    up = down = rec
    head, n = st.GI[GI_HH_HEAD], st.GI[GI_HH_LEN]
    if n >= st.HH.shape[0]:
        st.HH, head = unrolled_ring(st.HH, head, n), 0
    cap = st.HH.shape[0]
    for i in range(n):
        j = (head + i) % cap
        t, r = st.HH[j, 0], int(st.HH[j, 1])
        if t > now - c[C_HPA_UP_STAB]:
            up = min(up, r)
        if t > now - c[C_HPA_DOWN_STAB]:
            down = max(down, r)
    st.HH[(head + n) % cap, 0], st.HH[(head + n) % cap, 1] = now, rec
    n += 1
    horizon = max(c[C_HPA_UP_STAB], c[C_HPA_DOWN_STAB])
    while n and st.HH[head, 0] <= now - horizon:
        head, n = (head + 1) % cap, n - 1
    st.GI[GI_HH_HEAD], st.GI[GI_HH_LEN] = head, n
    return min(max(current, up), down)


@jit
def hpa_decide(st, pods: int, inflight: int, current: int) -> tuple[int, int, int, float]:  # type: ignore[no-untyped-def]
    c, now = st.C, st.G[G_NOW]
    if pods == 0:
        return current, R_HPA_NOPODS, 0, 0.0
    ratio = (inflight / pods) / c[C_HPA_TARGET]
    if abs(ratio - 1) <= c[C_HPA_TOL]:
        rec, code = current, R_HPA_TOL
    else:
        rec, code = int(math.ceil(pods * ratio)), R_HPA_RATIO  # noqa: RUF046
    stable = _hpa_stabilise(st, now, current, rec)
    if stable > current:
        desired = min(stable, max(_hpa_limit_up(st, now, current), current))
    elif stable < current:
        desired = max(stable, min(_hpa_limit_down(st, now, current), current))
    else:
        desired = stable
    head, n = st.GI[GI_HE_HEAD], st.GI[GI_HE_LEN]
    if desired != current and n >= st.HE.shape[0]:
        st.HE, head = unrolled_ring(st.HE, head, n), 0
    cap = st.HE.shape[0]
    if desired != current:
        st.HE[(head + n) % cap, 0], st.HE[(head + n) % cap, 1] = now, desired - current
        n += 1
    while n and st.HE[head, 0] <= now - c[C_HPA_MAX_PERIOD]:
        head, n = (head + 1) % cap, n - 1
    st.GI[GI_HE_HEAD], st.GI[GI_HE_LEN] = head, n
    flags = 0
    if desired != stable:
        flags = FL_UP_LIMIT if desired > current else FL_DOWN_LIMIT
    elif stable != rec:
        flags = FL_STAB
    return desired, code, flags, ratio


# ---------------------------------------------------------------- schedule
@jit
def schedule_decide(st) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    tod = (st.G[G_NOW] + st.C[C_DAY_OFFSET]) % DAY_S
    lead, base = st.C[C_SCHED_LEAD], st.CI[CI_MIN_REP]
    for i in range(st.WIN.shape[0]):
        start, end, replicas = st.WIN[i, 0], st.WIN[i, 1], int(st.WIN[i, 2])
        if (tod - (start - lead)) % DAY_S < end - start + lead and replicas > base:
            return replicas, R_SCHED_IN, i
    return int(base), R_SCHED_OUT, 0


# ---------------------------------------------------------------- the autoscaling process
@inline
def _activator_in_path(st, ready: int, panic: float) -> None:  # type: ignore[no-untyped-def]
    """engine.activator_in_path: since when the activator has been in the request path."""
    total = ready * st.C[C_KPA_CCT]
    if math.floor(total - st.C[C_KPA_BURST] - panic) < 0:
        if math.isnan(st.G[G_PROXY_SINCE]):
            st.G[G_PROXY_SINCE] = st.G[G_NOW]
    else:
        st.G[G_PROXY_SINCE] = math.nan


@jit
def tick(st) -> None:  # type: ignore[no-untyped-def]
    """One autoscaler tick (the body of ``Segment.autoscale``'s loop after its timeout)."""
    g, gi, ci = st.G, st.GI, st.CI
    kticks.tick_starts(st)
    now = g[G_NOW]
    stable_n = ci[CI_STABLE_N]
    kticks.area_tick(st, inflight_area_now(st))
    stable = window_avg(st, stable_n)
    panic = window_avg(st, ci[CI_PANIC_N])
    ready, prov = gi[GI_CNT0 + READY], gi[GI_CNT0 + PROV]
    inflight = gi[GI_WAITING] + gi[GI_IN_SERVICE]
    current = kpool.active(st)
    _activator_in_path(st, ready, panic)
    kind = ci[CI_SCALER]
    win = 0
    if kind == SC_KPA:
        desired, code, flags, val = kpa_decide(st, ready, stable, panic)
    elif kind == SC_HPA:
        desired, code, flags, val = hpa_decide(st, ready + prov, inflight, current)
    else:
        desired, code, win = schedule_decide(st)
        flags, val = 0, 0.0
    lo, hi = ci[CI_MIN_REP], ci[CI_MAX_REP]
    if desired < lo:
        desired, flags = lo, flags | FL_MIN
    elif desired > hi:
        desired, flags = hi, flags | FL_MAX
    if desired == 0 and current > 0:
        if not gi[GI_ZERO_SINCE_SET]:
            gi[GI_ZERO_SINCE_SET] = 1
            g[G_ZERO_SINCE] = now
        held_since = g[G_ZERO_SINCE]
        if not math.isnan(g[G_PROXY_SINCE]):
            held_since = min(held_since, g[G_PROXY_SINCE])
        if now - held_since < st.C[C_GRACE]:
            push_register(st, now + st.C[C_TICK], E_TICK)
            return
        flags |= FL_GRACE
    else:
        gi[GI_ZERO_SINCE_SET] = 0
    # scale_to holds desired to the cap and does nothing when that is the active count
    if (desired if desired <= g[G_CAP] else int(g[G_CAP])) != current:
        kpool.scale_to(st, desired, code, flags, win, val)
    inflight = gi[GI_WAITING] + gi[GI_IN_SERVICE]
    idle = stable == 0 and inflight == 0 and not gi[GI_ZERO_SINCE_SET]
    if kind == SC_KPA and idle and kpool.active(st) == ci[CI_MIN_REP]:
        gi[GI_WAKE] = 1
        return
    kticks.next_tick(st)  # or the first of the ticks ahead that may act


@jit
def wake(st) -> None:  # type: ignore[no-untyped-def]
    """The activator woke the sleeping scaler: it starts a fresh window and ticks again."""
    st.GI[GI_WAKE] = 0
    st.GI[GI_AREA_LEN] = 0
    area_append(st, inflight_area_now(st))
    push_register(st, st.G[G_NOW] + st.C[C_TICK], E_TICK)
