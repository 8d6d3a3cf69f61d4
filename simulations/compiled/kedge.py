"""Compiled edge devices: processor sharing with a speedup curve, a FCFS queue, failures.

Mirrors ``simulations.edge.Device`` expression by expression. A device's callbacks (first tokens,
completions, the requests a failure hands back) are returned in scratch rows for the router to
handle, so this module calls nothing above it. Time in seconds.
"""

from __future__ import annotations

import math

import numpy as np

from simulations.compiled.kbase import push
from simulations.compiled.layout import (
    C_FULL_RATE,
    CI_CONC,
    CI_DEV_QLIMIT,
    CI_POLICY,
    DF_BACKLOG,
    DF_BSINCE,
    DF_BUSY_S,
    DF_DOWN_S,
    DF_DSINCE,
    DF_L0,
    DF_LAST_T,
    DF_PT,
    DF_PTGT,
    DF_V,
    DF_V0,
    DF_VT,
    DI_GEN,
    DI_NEND,
    DI_NFIRST,
    DI_NSVC,
    DI_PEND,
    DI_QHEAD,
    DI_QLEN,
    DI_QTAIL,
    DI_UP,
    DI_VRID,
    E_DEV,
    EPS,
    F2,
    G_NOW,
    GI_DEV_AHEAD,
    GI_DEV_DOWN,
    GI_DEV_SETTLED,
    GI_EDGE_IN_SYS,
    I2,
    INF,
    POL_SPLIT,
    QF_ARR,
    QF_DFIRST,
    QF_DONE,
    QF_DSTART,
    QF_DWORK,
    QF_SVC,
    QF_TTFT,
    QF_WAIT,
    QI_DNEXT,
    QI_SITE,
    QI_SPLIT,
    inline,
    jit,
)


# ---------------------------------------------------------------- (value, rid) min-heaps in rows
@inline
def _lt(v: F2, r: I2, d: int, i: int, j: int) -> bool:
    return v[d, i] < v[d, j] or (v[d, i] == v[d, j] and r[d, i] < r[d, j])


@inline
def _sw(v: F2, r: I2, d: int, i: int, j: int) -> None:
    v[d, i], v[d, j] = v[d, j], v[d, i]
    r[d, i], r[d, j] = r[d, j], r[d, i]


@inline
def hpush(v: F2, r: I2, d: int, n: int, value: float, rid: int) -> None:
    """Push onto the heap of row d holding n items."""
    v[d, n], r[d, n] = value, rid
    while n > 0:
        p = (n - 1) >> 1
        if _lt(v, r, d, n, p):
            _sw(v, r, d, n, p)
            n = p
        else:
            break


@inline
def hpop(v: F2, r: I2, d: int, n: int) -> int:
    """Pop the smallest of row d's n items; returns its rid."""
    rid = r[d, 0]
    n -= 1
    _sw(v, r, d, 0, n)
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        c = left
        if left + 1 < n and _lt(v, r, d, left + 1, left):
            c = left + 1
        if _lt(v, r, d, c, i):
            _sw(v, r, d, c, i)
            i = c
        else:
            break
    return int(rid)


# ---------------------------------------------------------------- device
@inline
def in_system(st, d: int) -> int:  # type: ignore[no-untyped-def]
    return int(st.DI[d, DI_QLEN] + st.DI[d, DI_NSVC])


@inline
def can_queue(st, d: int) -> bool:  # type: ignore[no-untyped-def]
    return st.DI[d, DI_NSVC] < st.CI[CI_CONC] or st.DI[d, DI_QLEN] < st.CI[CI_DEV_QLIMIT]


@inline
def expected_wait_s(st, d: int) -> float:  # type: ignore[no-untyped-def]
    if st.DI[d, DI_NSVC] < st.CI[CI_CONC]:
        return 0.0
    return st.DF[d, DF_BACKLOG] / st.C[C_FULL_RATE]


@inline
def pick_device(st, rid: int) -> int:  # type: ignore[no-untyped-def]
    """The up device at the request's site with the fewest requests in it (-1: none)."""
    site = st.QI[rid, QI_SITE]
    best = -1
    now = st.G[G_NOW]
    di = st.DI
    first = st.SITE0[site]
    for d in range(first, first + st.SITEN[site]):
        settle(st, d, now)
        if di[d, DI_UP] and (best < 0 or in_system(st, d) < in_system(st, best)):
            best = d
    return best


@jit
def admit(st, d: int, rid: int, work: float, first_work: float) -> None:  # type: ignore[no-untyped-def]
    """Take a request (first_work < 0: its first token comes with its end)."""
    admit_inline(st, d, rid, work, first_work)


@inline
def admit_inline(st, d: int, rid: int, work: float, first_work: float) -> None:  # type: ignore[no-untyped-def]
    """``admit``'s body, inlined on the arrivals' path alone."""
    st.GI[GI_EDGE_IN_SYS] += 1
    df, di = st.DF, st.DI
    df[d, DF_BACKLOG] += work
    first = work if first_work < 0 else min(first_work, work)
    if di[d, DI_NSVC] < st.CI[CI_CONC]:
        v = _advance(st, d, st.G[G_NOW])
        _start(st, d, rid, work, first, v)
        _schedule(st, d, v)
    else:
        qi = st.QI
        st.QF[rid, QF_DWORK] = work
        st.QF[rid, QF_DFIRST] = first
        qi[rid, QI_DNEXT] = -1
        tail = di[d, DI_QTAIL]
        if tail >= 0:
            qi[tail, QI_DNEXT] = rid
        else:
            di[d, DI_QHEAD] = rid
        di[d, DI_QTAIL] = rid
        di[d, DI_QLEN] += 1


@inline
def _advance(st, d: int, now: float) -> float:  # type: ignore[no-untyped-def]
    """The device's clock to now; returns its virtual time (DF_V)."""
    df = st.DF
    n = st.DI[d, DI_NSVC]
    v = df[d, DF_V]
    if n:
        v += (now - df[d, DF_LAST_T]) * st.RATE[n]
        df[d, DF_V] = v
    df[d, DF_LAST_T] = now
    return v


@inline
def _start(st, d: int, rid: int, work: float, first: float, v: float) -> None:  # type: ignore[no-untyped-def]
    """Serve the request from now; v is the device's virtual time (DF_V)."""
    df, di, qf = st.DF, st.DI, st.QF
    now = st.G[G_NOW]
    if math.isnan(df[d, DF_BSINCE]):
        df[d, DF_BSINCE] = now
    n = di[d, DI_NSVC]
    st.DSV[d, n] = rid
    di[d, DI_NSVC] = n + 1
    qf[rid, QF_DSTART] = now
    qf[rid, QF_DWORK] = work
    nfirst = di[d, DI_NFIRST]
    hpush(st.DFV, st.DFR, d, nfirst, v + first, rid)
    di[d, DI_NFIRST] = nfirst + 1
    nend = di[d, DI_NEND]
    hpush(st.DEV, st.DER, d, nend, v + work, rid)
    di[d, DI_NEND] = nend + 1


@inline
def _schedule(st, d: int, v: float) -> None:  # type: ignore[no-untyped-def]
    """The device's next event; v is its virtual time (DF_V)."""
    di = st.DI
    di[d, DI_GEN] += 1
    di[d, DI_PEND] = 0
    n = di[d, DI_NSVC]
    if not n:
        return
    first = st.DFV[d, 0] if di[d, DI_NFIRST] else INF
    end = st.DEV[d, 0]
    target = min(first, end)
    dt = max(target - v, 0.0) / st.RATE[n]
    t = st.G[G_NOW] + dt
    if first < end and n == st.CI[CI_CONC] and _ahead(st, d, n, t, target):
        return
    _post(st, d, t, target)


@inline
def _post(st, d: int, t: float, target: float) -> None:  # type: ignore[no-untyped-def]
    """Schedule the device's next event. Without a split stage (where an edge end sends the
    request on to the cloud) the event stays on the device, run by ``settle`` when something
    next looks at the device: an edge request's first token and end write only its records,
    the device's own state and the fleet's in-system gauge, and every reader of those settles
    first (the router through ``pick_device``, a failure, the monitor, the measures, the
    segment's end). Events at the same instant are settled after, not before, the event that
    looks (no such exact ties occur with continuous times)."""
    if st.CI[CI_POLICY] != POL_SPLIT:
        df = st.DF
        st.DI[d, DI_PEND] = 1
        df[d, DF_PT], df[d, DF_PTGT] = t, target
    else:
        push(st, t, E_DEV, d, st.DI[d, DI_GEN], target)


@inline
def settle(st, d: int, now: float) -> None:  # type: ignore[no-untyped-def]
    """Run device d's pending events due before now (``_post``)."""
    if st.DI[d, DI_PEND] and st.DF[d, DF_PT] < now:
        catch_up(st, d, now)


@jit
def catch_up(st, d: int, now: float) -> None:  # type: ignore[no-untyped-def]
    """``settle``'s events, each at its time, with the router's edge callbacks of a request
    with no split stage (``krouter.edge_first``/``edge_done``): its TTFT, end, service and
    wait."""
    _catch_up(st, d, now)


@inline
def _catch_up(st, d: int, now: float) -> None:  # type: ignore[no-untyped-def]
    """``catch_up``'s body (inlined where most devices are settled: ``settle_all``)."""
    g, qf, conc, di, df, scr = st.G, st.QF, st.CI[CI_CONC], st.DI, st.DF, st.SCR
    while di[d, DI_PEND] and df[d, DF_PT] < now:
        t = df[d, DF_PT]
        di[d, DI_PEND] = 0
        g[G_NOW] = t
        st.GI[GI_DEV_SETTLED] += 1
        nf, ne = device_event(st, d, di[d, DI_GEN], df[d, DF_PTGT])
        for i in range(nf):
            rid = int(scr[d, i])
            qf[rid, QF_TTFT] = t - qf[rid, QF_ARR]
        for i in range(ne):
            rid, start = int(scr[d, conc + i]), scr[d, 2 * conc + i]
            qf[rid, QF_DONE] = t
            qf[rid, QF_SVC] = t - start
            qf[rid, QF_WAIT] = start - qf[rid, QF_ARR]
    g[G_NOW] = now


@jit
def settle_all(st, now: float) -> None:  # type: ignore[no-untyped-def]
    """Every device's pending events due before now. Most edge requests end here: the
    monitor settles the fleet once a minute, more often than a device's next arrival."""
    di, df = st.DI, st.DF
    for d in range(di.shape[0]):
        if di[d, DI_PEND] and df[d, DF_PT] < now:  # settle
            _catch_up(st, d, now)


@inline
def _ahead(st, d: int, n: int, t: float, target: float) -> bool:  # type: ignore[no-untyped-def]
    """Run the device's next event (at t) now, when it is one request's first token alone, and
    schedule the event after it: one heap event per edge request instead of two.

    The event's outcome is already fixed: the device is full (an admission before t only
    queues) and no end is due with the first token, so until t nothing but a failure or the
    segment's end can touch the device, and a first token only writes the request's TTFT. The
    same expressions as ``device_event`` at t give the same floats; the clock before it is kept
    (``DF_V0``, ``DF_L0``) so that ``fail`` and ``unfire`` can undo it. Only the order of exact
    time ties with the following event changes (it is scheduled before, not at, the first
    token): none occur with continuous times."""
    df, di = st.DF, st.DI
    v = max(df[d, DF_V] + (t - df[d, DF_LAST_T]) * st.RATE[n], target)
    lim = v + EPS * max(1.0, v)
    nfirst = di[d, DI_NFIRST]
    if st.DEV[d, 0] <= lim or (nfirst > 1 and st.DFV[d, 1] <= lim):
        return False
    if nfirst > 2 and st.DFV[d, 2] <= lim:
        return False
    rid = st.DFR[d, 0]
    if st.QI[rid, QI_SPLIT]:
        return False
    df[d, DF_VT], df[d, DF_V0], df[d, DF_L0] = t, df[d, DF_V], df[d, DF_LAST_T]
    di[d, DI_VRID] = rid + 1
    df[d, DF_V], df[d, DF_LAST_T] = v, t
    hpop(st.DFV, st.DFR, d, nfirst)
    di[d, DI_NFIRST] = nfirst - 1
    st.QF[rid, QF_TTFT] = t - st.QF[rid, QF_ARR]  # krouter.edge_first
    st.GI[GI_DEV_AHEAD] += 1
    di[d, DI_GEN] += 1
    first = st.DFV[d, 0] if nfirst > 1 else INF
    target = min(first, st.DEV[d, 0])
    dt = max(target - v, 0.0) / st.RATE[n]
    _post(st, d, t + dt, target)
    return True


@inline
def _undo_ahead(st, d: int) -> int:  # type: ignore[no-untyped-def]
    """Put the clock back to before the first token run ahead; returns its request."""
    rid = st.DI[d, DI_VRID] - 1
    st.DF[d, DF_V], st.DF[d, DF_LAST_T] = st.DF[d, DF_V0], st.DF[d, DF_L0]
    st.DI[d, DI_VRID] = 0
    return int(rid)


@jit
def unfire(st, end: float) -> None:  # type: ignore[no-untyped-def]
    """The segment ends: first tokens run ahead of time to ``end`` or later never came."""
    for d in range(st.DI.shape[0]):
        if st.DI[d, DI_VRID] and st.DF[d, DF_VT] >= end:
            st.QF[_undo_ahead(st, d), QF_TTFT] = math.nan


@inline
def device_event(st, d: int, gen: int, target: float) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A first token or an end on device d: returns (firsts, finished) counts; their rids (and
    the finished requests' start times) are in st.SCR[d]."""
    di, df, qf = st.DI, st.DF, st.QF
    if gen != di[d, DI_GEN]:
        return -1, -1
    conc = st.CI[CI_CONC]
    now = st.G[G_NOW]
    v = max(_advance(st, d, now), target)
    df[d, DF_V] = v
    tol = EPS * max(1.0, v)
    scr, dfv, dfr, dev, der = st.SCR, st.DFV, st.DFR, st.DEV, st.DER
    nf = 0
    while di[d, DI_NFIRST] and dfv[d, 0] <= v + tol:
        scr[d, nf] = hpop(dfv, dfr, d, di[d, DI_NFIRST])
        di[d, DI_NFIRST] -= 1
        nf += 1
    ne = 0
    while di[d, DI_NEND] and dev[d, 0] <= v + tol:
        scr[d, conc + ne] = hpop(dev, der, d, di[d, DI_NEND])
        di[d, DI_NEND] -= 1
        ne += 1
    for i in range(ne):
        rid = int(scr[d, conc + i])
        scr[d, 2 * conc + i] = qf[rid, QF_DSTART]
        _remove_in_service(st, d, rid)
        df[d, DF_BACKLOG] -= qf[rid, QF_DWORK]
        st.GI[GI_EDGE_IN_SYS] -= 1
    while di[d, DI_QLEN] and di[d, DI_NSVC] < conc:
        rid = di[d, DI_QHEAD]
        di[d, DI_QHEAD] = st.QI[rid, QI_DNEXT]
        di[d, DI_QLEN] -= 1
        if di[d, DI_QLEN] == 0:
            di[d, DI_QTAIL] = -1
        _start(st, d, rid, qf[rid, QF_DWORK], qf[rid, QF_DFIRST], v)
    if di[d, DI_NSVC] == 0 and not math.isnan(df[d, DF_BSINCE]):
        df[d, DF_BUSY_S] += now - df[d, DF_BSINCE]
        df[d, DF_BSINCE] = math.nan
    _schedule(st, d, v)
    return nf, ne


@inline
def _remove_in_service(st, d: int, rid: int) -> None:  # type: ignore[no-untyped-def]
    n, dsv = st.DI[d, DI_NSVC], st.DSV
    j = 0
    while dsv[d, j] != rid:
        j += 1
    for i in range(j, n - 1):
        dsv[d, i] = dsv[d, i + 1]
    st.DI[d, DI_NSVC] = n - 1


@jit
def fail(st, d: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Go down; return the requests that were on the device, oldest first."""
    now = st.G[G_NOW]
    settle(st, d, now)
    st.DI[d, DI_PEND] = 0
    nsvc, qlen = st.DI[d, DI_NSVC], st.DI[d, DI_QLEN]
    victims = np.empty(nsvc + qlen, dtype=np.int64)
    if st.DI[d, DI_VRID] and now <= st.DF[d, DF_VT]:
        _undo_ahead(st, d)  # the first token run ahead never came (its TTFT is voided)
    for i in range(nsvc):
        victims[i] = st.DSV[d, i]
    rid = st.DI[d, DI_QHEAD]
    for i in range(qlen):
        victims[nsvc + i] = rid
        rid = st.QI[rid, QI_DNEXT]
    st.GI[GI_EDGE_IN_SYS] -= nsvc + qlen
    st.GI[GI_DEV_DOWN] += 1
    if not math.isnan(st.DF[d, DF_BSINCE]):
        st.DF[d, DF_BUSY_S] += now - st.DF[d, DF_BSINCE]
        st.DF[d, DF_BSINCE] = math.nan
    st.DI[d, DI_NSVC] = 0
    st.DI[d, DI_QLEN] = 0
    st.DI[d, DI_QHEAD] = -1
    st.DI[d, DI_QTAIL] = -1
    st.DI[d, DI_NFIRST] = 0
    st.DI[d, DI_NEND] = 0
    st.DF[d, DF_BACKLOG] = 0.0
    st.DI[d, DI_GEN] += 1
    st.DI[d, DI_UP] = 0
    st.DF[d, DF_DSINCE] = now
    return victims


@jit
def repair(st, d: int) -> None:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    st.DI[d, DI_UP] = 1
    st.GI[GI_DEV_DOWN] -= 1
    st.DF[d, DF_LAST_T] = now
    if not math.isnan(st.DF[d, DF_DSINCE]):
        st.DF[d, DF_DOWN_S] += now - st.DF[d, DF_DSINCE]
        st.DF[d, DF_DSINCE] = math.nan


@jit
def busy_until_now(st, d: int) -> float:  # type: ignore[no-untyped-def]
    b = st.DF[d, DF_BSINCE]
    extra = st.G[G_NOW] - b if not math.isnan(b) else 0.0
    return st.DF[d, DF_BUSY_S] + extra


@jit
def down_until_now(st, d: int) -> float:  # type: ignore[no-untyped-def]
    b = st.DF[d, DF_DSINCE]
    extra = st.G[G_NOW] - b if not math.isnan(b) else 0.0
    return st.DF[d, DF_DOWN_S] + extra
