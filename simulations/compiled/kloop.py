"""The compiled engine's event loop: processes of ``simulations.engine.Segment`` as event kinds.

``run`` starts the processes in the SimPy model's order (their first steps run at time 0 before
any timeout, as SimPy's urgent Initialize events do), then pops events in (time, sequence)
order until the end of the segment; events at exactly the end are not run (SimPy's ``until`` is
urgent). A second call drains: it runs on until no request is inside or the cap
(``Segment.drain``). Returns 0, or 1 when a capacity ran out (the caller enlarges it and runs
again).
"""

from __future__ import annotations

import math

from simulations.compiled import kedge, knodes, kpool, krouter, kscaler, kservice, kticks
from simulations.compiled.kbase import pop, push, push_register
from simulations.compiled.layout import (
    C_MTBF,
    C_MTTR,
    C_TICK,
    C_WARMUP,
    CI_HAS_FAIL,
    CI_INIT_REP,
    CI_N_MINUTES,
    CI_SCALER,
    DI_FIDX,
    DI_PHASE,
    DRAIN,
    E_ARR,
    E_BEND,
    E_DEV,
    E_EXPIRE,
    E_FAIL,
    E_GIVEUP,
    E_GUARD,
    E_LWAIT,
    E_MON,
    E_NEXP,
    E_NREADY,
    E_OUT,
    E_REACH,
    E_RREADY,
    E_SNAP,
    E_STEP,
    E_TICK,
    E_TIMER,
    E_WAKE,
    F1,
    F2,
    G_NOW,
    G_REG,
    GI_ARR_NEXT,
    GI_BATCH_ITEMS,
    GI_BATCHES,
    GI_CNT0,
    GI_DEV_DOWN,
    GI_EDGE_IN_SYS,
    GI_EVENTS,
    GI_HN,
    GI_IN_SERVICE,
    GI_IN_TRANSIT,
    GI_KEPT_BREAKER,
    GI_KEPT_LINKDOWN,
    GI_KIND,
    GI_LINKS_DOWN,
    GI_MON_I,
    GI_N_REP,
    GI_OVERFLOW,
    GI_REGSEQ,
    GI_SEQ,
    GI_VDIRTY,
    GI_VOK,
    GI_WAITING,
    GONE,
    LF_DOWN_S,
    LF_DSINCE,
    LI_BOPENS,
    LI_OIDX,
    LI_PHASE,
    LI_UP,
    LS_IDEAL,
    LS_MEAN,
    LS_RATE,
    M_BATCHES,
    M_BR_OPENS,
    M_DEV_BUSY,
    M_DEV_DOWN,
    M_GPU_BUSY,
    M_GPU_READY,
    M_ITEMS,
    M_KEPT_BREAKER,
    M_KEPT_LINKDOWN,
    M_OUTAGE,
    N_REG,
    PROV,
    QF_ARR,
    READY,
    RF_BSINCE,
    RF_BUSY_S,
    RF_END,
    RF_READY,
    RI_STATE,
    SC_FIXED,
    SER_DEVS,
    SER_EDGE,
    SER_LINKS,
    SER_PQ,
    SER_PROV,
    SER_PSVC,
    SER_READY,
    entry,
    inline,
    jit,
)
from simulations.compiled.stateref import borrow

MINUTE_S = 60.0
LINK_TIMEOUT = 8


@jit
def _draw(st, arr: F2, k: int, col: int) -> float:  # type: ignore[no-untyped-def]
    if col >= arr.shape[1]:
        st.GI[GI_OVERFLOW] = 1
        return 1.0
    return float(arr[k, col])


# ---------------------------------------------------------------- processes
@jit
def _arrivals(st, woken: bool, until: float) -> int:  # type: ignore[no-untyped-def]
    """Arrive every request due now, then wait for the next one. ``woken``: the wait for the
    next request is over, and it arrives now even where now + (arrival - then) rounded a bit
    below its arrival time (SimPy's ``arrivals`` does not look again after its timeout).

    In the window's loop (``until``: its end; -inf elsewhere) a next arrival due before every
    other pending event and before ``until`` runs here at once, as the loop's next event: the
    loop would take it next, since its timeout is the latest scheduled (a tie in time goes to
    the other event), and nothing runs between two events of the window. Its timeout still
    takes its sequence number. Returns how many events ran so (the loop counts them)."""
    qf, g, gi = st.QF, st.G, st.GI
    n = qf.shape[0]
    rid = gi[GI_ARR_NEXT]
    ran = 0
    while rid < n:
        now = g[G_NOW]
        dt = qf[rid, QF_ARR] - now
        if dt > 0 and not woken:
            t = now + dt
            if not (t < until and not gi[GI_OVERFLOW] and _comes_first(st, t)):
                push_register(st, t, E_ARR)
                return ran
            gi[GI_SEQ] += 1  # the timeout's sequence number (push_register's)
            g[G_NOW] = t
            gi[GI_KIND + E_ARR] += 1
            ran += 1
        woken = False
        krouter.arrive(st, rid)
        rid += 1
        gi[GI_ARR_NEXT] = rid
    return ran


@inline
def _comes_first(st, t: float) -> bool:  # type: ignore[no-untyped-def]
    """Whether an event scheduled now at t would be the next to run: every pending event (the
    heap's top and the registers but the arrivals', which is empty) is later than t."""
    g, gi = st.G, st.GI
    if gi[GI_HN] > 0 and st.HT[0, 0] <= t:
        return False
    for j in range(E_ARR + 1, N_REG):  # noqa: SIM110 (numba)
        if gi[GI_REGSEQ + j] >= 0 and g[G_REG + j] <= t:
            return False
    return True


@jit
def _monitor(st) -> None:  # type: ignore[no-untyped-def]
    kedge.settle_all(st, st.G[G_NOW])
    i, gi, ser = st.GI[GI_MON_I], st.GI, st.SER
    ser[SER_EDGE, i] = gi[GI_EDGE_IN_SYS]
    ser[SER_PQ, i] = gi[GI_WAITING]
    ser[SER_PSVC, i] = gi[GI_IN_SERVICE]
    ser[SER_READY, i] = gi[GI_CNT0 + READY] + gi[GI_CNT0 + DRAIN]
    ser[SER_PROV, i] = gi[GI_CNT0 + PROV]
    ser[SER_LINKS, i] = gi[GI_LINKS_DOWN]
    ser[SER_DEVS, i] = gi[GI_DEV_DOWN]
    gi[GI_MON_I] = i + 1
    if i + 1 < st.CI[CI_N_MINUTES]:
        push_register(st, st.G[G_NOW] + MINUTE_S, E_MON)


@jit
def _failure(st, d: int) -> None:  # type: ignore[no-untyped-def]
    """The device's failure process resumes: phase 1 = it is down (repair due), 2 = it is up."""
    now, mtbf, mttr = st.G[G_NOW], st.C[C_MTBF], st.C[C_MTTR]
    idx = st.DI[d, DI_FIDX]
    if st.DI[d, DI_PHASE] == 1:
        kedge.repair(st, d)
        push(st, now + mtbf * _draw(st, st.FDRAW, d, idx), E_FAIL, d, 0, 0.0)
        st.DI[d, DI_PHASE] = 2
    else:
        krouter.device_failed(st, kedge.fail(st, d))
        push(st, now + mttr * _draw(st, st.FDRAW, d, idx), E_FAIL, d, 0, 0.0)
        st.DI[d, DI_PHASE] = 1
    st.DI[d, DI_FIDX] = idx + 1


@jit
def _go_down(st, k: int) -> None:  # type: ignore[no-untyped-def]
    st.LI[k, LI_UP] = 0
    st.GI[GI_LINKS_DOWN] += 1
    st.LF[k, LF_DSINCE] = st.G[G_NOW]


@jit
def _outage(st, k: int) -> None:  # type: ignore[no-untyped-def]
    """The link's outage process resumes: phase 1 = it is down (return due), 2 = it is up."""
    now = st.G[G_NOW]
    idx = st.LI[k, LI_OIDX]
    if st.LI[k, LI_PHASE] == 1:
        st.LI[k, LI_UP] = 1
        st.GI[GI_LINKS_DOWN] -= 1
        if not math.isnan(st.LF[k, LF_DSINCE]):
            st.LF[k, LF_DOWN_S] += now - st.LF[k, LF_DSINCE]
            st.LF[k, LF_DSINCE] = math.nan
        krouter.link_up_fire(st, k)
        up_mean = 1.0 / st.LS[k, LS_RATE]
        push(st, now + up_mean * _draw(st, st.ODRAW, k, idx), E_OUT, k, 0, 0.0)
        st.LI[k, LI_PHASE] = 2
    else:
        _go_down(st, k)
        push(st, now + st.LS[k, LS_MEAN] * _draw(st, st.ODRAW, k, idx), E_OUT, k, 0, 0.0)
        st.LI[k, LI_PHASE] = 1
    st.LI[k, LI_OIDX] = idx + 1


@jit
def _start(st) -> None:  # type: ignore[no-untyped-def]
    """start_processes: the warm pool, then each process's first step in SimPy's order."""
    kpool.start_warm(st, st.CI[CI_INIT_REP])
    _arrivals(st, False, -math.inf)
    push(st, 0.0, E_MON, 0, 0, 0.0)
    push(st, st.C[C_WARMUP], E_SNAP, 0, 0, 0.0)
    st.GI[GI_VOK] = kticks.may_skip(st)
    if st.CI[CI_SCALER] != SC_FIXED:
        kticks.area_append(st, 0.0)
        push(st, st.C[C_TICK], E_TICK, 0, 0, 0.0)
    if st.CI[CI_HAS_FAIL]:
        mtbf, mttr = st.C[C_MTBF], st.C[C_MTTR]
        for d in range(st.DI.shape[0]):
            if st.FDRAW[d, 0] < mttr / (mtbf + mttr):
                krouter.device_failed(st, kedge.fail(st, d))
                push(st, mttr * _draw(st, st.FDRAW, d, 1), E_FAIL, d, 0, 0.0)
                st.DI[d, DI_PHASE] = 1
            else:
                push(st, mtbf * _draw(st, st.FDRAW, d, 1), E_FAIL, d, 0, 0.0)
                st.DI[d, DI_PHASE] = 2
            st.DI[d, DI_FIDX] = 2
    for k in range(st.LI.shape[0]):
        if st.LS[k, LS_IDEAL] > 0 or st.LS[k, LS_RATE] <= 0:
            continue
        up_mean = 1.0 / st.LS[k, LS_RATE]
        mean = st.LS[k, LS_MEAN]
        if st.ODRAW[k, 0] < mean / (up_mean + mean):
            _go_down(st, k)
            push(st, mean * _draw(st, st.ODRAW, k, 1), E_OUT, k, 0, 0.0)
            st.LI[k, LI_PHASE] = 1
        else:
            push(st, up_mean * _draw(st, st.ODRAW, k, 1), E_OUT, k, 0, 0.0)
            st.LI[k, LI_PHASE] = 2
        st.LI[k, LI_OIDX] = 2


# ---------------------------------------------------------------- measures
@jit
def _measures(st, out: F1) -> None:  # type: ignore[no-untyped-def]
    kedge.settle_all(st, st.G[G_NOW])
    busy = down = 0.0
    for d in range(st.DI.shape[0]):
        busy += kedge.busy_until_now(st, d)
        down += kedge.down_until_now(st, d)
    outage = 0.0
    now = st.G[G_NOW]
    for k in range(st.LI.shape[0]):
        ds = st.LF[k, LF_DSINCE]
        outage += st.LF[k, LF_DOWN_S] + (now - ds if not math.isnan(ds) else 0.0)
    gbusy = gready = 0.0
    for r in range(st.GI[GI_N_REP]):
        end = st.RF[r, RF_END] if st.RI[r, RI_STATE] == GONE else now
        bs = st.RF[r, RF_BSINCE]
        gbusy += st.RF[r, RF_BUSY_S] + (now - bs if not math.isnan(bs) else 0.0)
        if not math.isnan(st.RF[r, RF_READY]):
            gready += max(end - st.RF[r, RF_READY], 0.0)
    out[M_DEV_BUSY], out[M_DEV_DOWN], out[M_OUTAGE] = busy, down, outage
    out[M_GPU_BUSY], out[M_GPU_READY] = gbusy, gready
    out[M_BATCHES], out[M_ITEMS] = st.GI[GI_BATCHES], st.GI[GI_BATCH_ITEMS]
    opens = 0
    for k in range(st.LI.shape[0]):
        opens += st.LI[k, LI_BOPENS]
    out[M_BR_OPENS] = opens
    out[M_KEPT_BREAKER] = st.GI[GI_KEPT_BREAKER]
    out[M_KEPT_LINKDOWN] = st.GI[GI_KEPT_LINKDOWN]


@entry
def measures(ref, out: F1) -> None:  # type: ignore[no-untyped-def]
    """The segment's measures so far into ``out`` (M_*), for Python."""
    _measures(borrow(ref), out)


GROWN = ("HT", "HI", "RF", "RI", "QH", "QT", "QL", "LIVE", "CAND", "EV", "ER", "PR", "PT", "PO")
GROWN += ("BT", "NF", "NI", "NLIVE", "WQ", "REC", "HH", "HE", "LOGF", "LOGI")
"""The state's arrays a run may have replaced by larger ones (``kbase.grown_*``)."""


@entry
def grown(ref) -> tuple[F2, ...]:  # type: ignore[no-untyped-def]
    """The arrays of ``GROWN``, in that order, as they are after the run."""
    st = borrow(ref)
    return (
        st.HT, st.HI, st.RF, st.RI, st.QH, st.QT, st.QL, st.LIVE, st.CAND, st.EV, st.ER, st.PR,
        st.PT, st.PO, st.BT, st.NF, st.NI, st.NLIVE, st.WQ, st.REC, st.HH, st.HE, st.LOGF,
        st.LOGI,
    )  # fmt: skip


# ---------------------------------------------------------------- the loop
@inline
def _handle(st, kind: int, a: int, b: int, x: float, until: float) -> int:  # type: ignore[no-untyped-def]
    """Run the event; returns how many more events ran with it (``_arrivals``)."""
    if kind == E_ARR:
        return _arrivals(st, True, until)
    if kind == E_STEP:
        kservice.step_event(st, a, b, x)
    elif kind == E_REACH:
        krouter.reach_pool(st, a)
    elif kind == E_DEV:
        nf, ne = kedge.device_event(st, a, b, x)
        conc = st.DSV.shape[1]
        for i in range(nf):
            krouter.edge_first(st, int(st.SCR[a, i]))
        for i in range(ne):
            krouter.edge_done(st, int(st.SCR[a, conc + i]), st.SCR[a, 2 * conc + i])
    elif kind == E_BEND:
        kservice.batch_end(st, a, b)
    elif kind == E_TIMER:
        kservice.timer_event(st, a, b)
    elif kind == E_TICK:
        kscaler.tick(st)
    elif kind == E_WAKE:
        kscaler.wake(st)
    elif kind == E_MON:
        _monitor(st)
    elif kind == E_SNAP:
        _measures(st, st.SNAP)
        st.SNAPPED[0] = 1
    elif kind == E_EXPIRE:
        kpool.expire(st, a)
    elif kind == E_NREADY:
        r = knodes.node_ready(st, a)
        if r >= 0:
            kpool.pod_start(st, r, a)
    elif kind == E_NEXP:
        knodes.node_expire(st, a, b)
    elif kind == E_RREADY:
        kpool.replica_ready(st, a)
    elif kind == E_GUARD:
        knodes.guard_timer(st, b)
    elif kind == E_FAIL:
        _failure(st, a)
    elif kind == E_OUT:
        _outage(st, a)
    elif kind == E_LWAIT:
        krouter.wait_timeout(st, a)
    elif kind == E_GIVEUP:
        krouter.give_up(st, a, LINK_TIMEOUT)
    return 0


@inline
def _next_register(st) -> int:  # type: ignore[no-untyped-def]
    """The register whose event comes next (by time, then sequence number), -1 when the heap's
    top comes first, -2 when nothing is pending."""
    g, gi = st.G, st.GI
    have = gi[GI_HN] > 0
    bt = st.HT[0, 0] if have else 0.0
    bs = st.HI[0, 0] if have else 0
    best = -1
    for j in range(N_REG):
        s = gi[GI_REGSEQ + j]
        if s < 0:
            continue
        t = g[G_REG + j]
        if not have or t < bt or (t == bt and s < bs):
            best, bt, bs, have = j, t, s, True
    return best if have else -2


@inline
def _inside(st) -> int:  # type: ignore[no-untyped-def]
    """Requests inside (devices, links, the pool's queues and service): the drain's stop test."""
    gi = st.GI
    return gi[GI_EDGE_IN_SYS] + gi[GI_IN_TRANSIT] + gi[GI_WAITING] + gi[GI_IN_SERVICE]


@entry
def run(ref, until: float, drain: bool) -> int:  # type: ignore[no-untyped-def]
    """The window (``drain`` False: start the processes, run to ``until``, the segment's end,
    whose events wait) or, after it, the drain (``drain`` True: run on while a request is
    inside, checked before each event, until ``until``, the cap: ``Segment.drain``)."""
    st = borrow(ref)
    if not drain:
        _start(st)
    gi, g = st.GI, st.G
    events = gi[GI_EVENTS]
    direct_until = -math.inf if drain else until  # arrivals run at once (``_arrivals``)
    while not gi[GI_OVERFLOW]:
        j = _next_register(st)
        if drain:
            # the devices' own events due before the next event run first (nothing else
            # touches a device till then: ``kedge._post``), so the stop test sees who is inside
            nxt = until
            if j >= 0:
                nxt = min(nxt, st.G[G_REG + j])
            elif j == -1:
                nxt = min(nxt, st.HT[0, 0])
            kedge.settle_all(st, nxt)
            if _inside(st) == 0:
                break
        if j == -2:
            break
        if j >= 0:
            t = g[G_REG + j]
            if t >= until:
                break
            gi[GI_REGSEQ + j] = -1
            kind, a, b, x = j, 0, 0, 0.0
        else:
            t = st.HT[0, 0]  # the heap's top, popped only if it runs (a drain may follow)
            if t >= until:
                break
            i = pop(st)
            hi = st.HI
            kind, a, b, x = hi[i, 1], hi[i, 2], hi[i, 3], st.HT[i, 1]
        g[G_NOW] = t
        events += 1
        gi[GI_KIND + kind] += 1
        events += _handle(st, kind, a, b, x, direct_until)  # one call site: it is inlined
        if gi[GI_VDIRTY]:  # the event changed what the skipped ticks read, or may have
            kticks.recheck(st)
    kedge.settle_all(st, until)
    if drain:  # the clock stops: first tokens run ahead to the cap or later never came
        kedge.unfire(st, until)
    else:  # the drain follows: a first token run ahead past the end comes in it
        g[G_NOW] = until
    gi[GI_EVENTS] = events
    return int(st.GI[GI_OVERFLOW])
