"""Compiled GPU nodes, the billing clock and the budget guard.

Mirrors ``simulations.nodes.NodePool``, ``simulations.billing.billed_s``, the pool's metering
and ``simulations.budget.BudgetGuard``. The guard's trip releases replicas, which lives in
``kpool`` (imported late: the two call each other). Time in seconds, money in USD.
"""

from __future__ import annotations

import math

import numpy as np

from simulations.compiled.kbase import grown_f2, grown_i1, grown_i2, push
from simulations.compiled.layout import (
    C_BILL_INC,
    C_BILL_MIN,
    C_BUDGET,
    C_COMMITTED,
    C_COMMITTED_USD,
    C_END,
    C_FLOOR_EXTRA,
    C_KEEP_ALIVE,
    C_PRICE,
    C_PRIOR_USD,
    CI_CAPPING,
    CI_FLOOR,
    E_GUARD,
    E_NEXP,
    E_NREADY,
    EPS,
    G_CLOSED_BILLED,
    G_NOW,
    G_OVER_AREA,
    G_OVER_T,
    GI_GUARD_GEN,
    GI_N_NLIVE,
    GI_N_NODES,
    GI_TRIPPED,
    INF,
    N_GONE,
    N_PROV,
    N_READY,
    NF_END,
    NF_READY,
    NF_REQ,
    NI_IGEN,
    NI_IMG,
    NI_OCC,
    NI_STATE,
    NI_WAIT,
    R_CAP,
    entry,
    jit,
)
from simulations.compiled.stateref import borrow


@jit
def billed_s(life: float, inc: float, minimum: float) -> float:
    if life <= 0:
        return 0.0
    span = max(life, minimum)
    return math.ceil(span / inc - EPS) * inc


# ---------------------------------------------------------------- billing clock
@jit
def meter(st) -> None:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    over = max(st.GI[GI_N_NLIVE] - st.C[C_COMMITTED], 0.0)
    st.G[G_OVER_AREA] += over * (now - st.G[G_OVER_T])
    st.G[G_OVER_T] = now


@jit
def node_change(st, after: bool) -> None:  # type: ignore[no-untyped-def]
    if after:
        if st.CI[CI_CAPPING]:
            rearm(st)
    else:
        meter(st)


# ---------------------------------------------------------------- nodes
@jit
def node_take(st) -> int:  # type: ignore[no-untyped-def]
    """An empty live node for a new pod (ready ones first, lowest id), or -1."""
    first_empty, first_ready = -1, -1
    for i in range(st.GI[GI_N_NLIVE]):
        n = st.NLIVE[i]
        if not st.NI[n, NI_OCC]:
            if first_empty < 0:
                first_empty = n
            if st.NI[n, NI_STATE] == N_READY:
                first_ready = n
                break
    node = first_ready if first_ready >= 0 else first_empty
    if node < 0:
        return -1
    st.NI[node, NI_OCC] = 1
    st.NI[node, NI_IGEN] += 1
    return int(node)


@jit
def node_new(st, provision_s: float, ready_now: bool) -> int:  # type: ignore[no-untyped-def]
    node_change(st, False)
    nid = st.GI[GI_N_NODES]
    if nid >= st.NF.shape[0]:
        st.NF, st.NI = grown_f2(st.NF, 2 * nid), grown_i2(st.NI, 2 * nid)
        st.NLIVE = grown_i1(st.NLIVE, 2 * nid, 0)
    now = st.G[G_NOW]
    st.GI[GI_N_NODES] = nid + 1
    st.NF[nid, NF_REQ], st.NF[nid, NF_READY], st.NF[nid, NF_END] = now, math.nan, math.nan
    st.NI[nid, NI_STATE], st.NI[nid, NI_OCC], st.NI[nid, NI_IMG] = N_PROV, 1, 0
    st.NI[nid, NI_IGEN], st.NI[nid, NI_WAIT] = 0, -1
    st.NLIVE[st.GI[GI_N_NLIVE]] = nid
    st.GI[GI_N_NLIVE] += 1
    if ready_now:
        st.NI[nid, NI_STATE], st.NF[nid, NF_READY], st.NI[nid, NI_IMG] = N_READY, now, 1
    else:
        push(st, now + provision_s, E_NREADY, nid, 0, 0.0)
    node_change(st, True)
    return int(nid)


@jit
def node_ready(st, nid: int) -> int:  # type: ignore[no-untyped-def]
    """The node finished provisioning: returns the replica waiting to start on it, or -1."""
    if st.NI[nid, NI_STATE] != N_PROV:
        return -1
    st.NI[nid, NI_STATE], st.NF[nid, NF_READY] = N_READY, st.G[G_NOW]
    if st.NI[nid, NI_OCC] and st.NI[nid, NI_WAIT] >= 0:
        r = st.NI[nid, NI_WAIT]
        st.NI[nid, NI_WAIT] = -1
        return int(r)
    if not st.NI[nid, NI_OCC]:
        _idle(st, nid)
    return -1


@jit
def node_release(st, nid: int, keep_alive: bool) -> None:  # type: ignore[no-untyped-def]
    st.NI[nid, NI_OCC] = 0
    st.NI[nid, NI_WAIT] = -1
    st.NI[nid, NI_IGEN] += 1
    if st.NI[nid, NI_STATE] == N_READY:
        if keep_alive:
            _idle(st, nid)
        else:
            node_remove(st, nid)


@jit
def _idle(st, nid: int) -> None:  # type: ignore[no-untyped-def]
    if st.C[C_KEEP_ALIVE] <= 0:
        node_remove(st, nid)
        return
    push(st, st.G[G_NOW] + st.C[C_KEEP_ALIVE], E_NEXP, nid, st.NI[nid, NI_IGEN], 0.0)


@jit
def node_expire(st, nid: int, gen: int) -> None:  # type: ignore[no-untyped-def]
    ni = st.NI
    if gen == ni[nid, NI_IGEN] and not ni[nid, NI_OCC] and ni[nid, NI_STATE] == N_READY:
        node_remove(st, nid)


@jit
def node_remove(st, nid: int) -> None:  # type: ignore[no-untyped-def]
    if st.NI[nid, NI_STATE] == N_GONE:
        return
    node_change(st, False)
    _unlive_node(st, nid)
    node_change(st, True)


@jit
def node_release_quiet(st, nid: int) -> None:  # type: ignore[no-untyped-def]
    """``node_release`` without keep-alive while the guard trips (no re-arming)."""
    st.NI[nid, NI_OCC] = 0
    st.NI[nid, NI_WAIT] = -1
    st.NI[nid, NI_IGEN] += 1
    if st.NI[nid, NI_STATE] == N_READY:
        _remove_quiet(st, nid)


@jit
def _remove_quiet(st, nid: int) -> None:  # type: ignore[no-untyped-def]
    """``node_remove`` while the guard trips: meter, remove, no re-arming (it is tripped)."""
    if st.NI[nid, NI_STATE] == N_GONE:
        return
    meter(st)
    _unlive_node(st, nid)


@jit
def _unlive_node(st, nid: int) -> None:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    st.NI[nid, NI_STATE], st.NF[nid, NF_END] = N_GONE, now
    n = st.GI[GI_N_NLIVE]
    j = 0
    while st.NLIVE[j] != nid:
        j += 1
    for i in range(j, n - 1):
        st.NLIVE[i] = st.NLIVE[i + 1]
    st.GI[GI_N_NLIVE] = n - 1
    life = st.NF[nid, NF_END] - st.NF[nid, NF_REQ]
    st.G[G_CLOSED_BILLED] += billed_s(life, st.C[C_BILL_INC], st.C[C_BILL_MIN])


@jit
def drop_idle(st) -> None:  # type: ignore[no-untyped-def]
    n = st.GI[GI_N_NLIVE]
    idle = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        nid = st.NLIVE[i]
        if not st.NI[nid, NI_OCC]:
            idle[k] = nid
            k += 1
    for i in range(k):
        st.NI[idle[i], NI_IGEN] += 1
        _remove_quiet(st, idle[i])


# ---------------------------------------------------------------- budget guard
@jit
def metered_s(st, t: float) -> float:  # type: ignore[no-untyped-def]
    committed = st.C[C_COMMITTED]
    if committed != 0:
        over = max(st.GI[GI_N_NLIVE] - committed, 0.0)
        return st.G[G_OVER_AREA] + over * (t - st.G[G_OVER_T])
    m, inc = st.C[C_BILL_MIN], st.C[C_BILL_INC]
    live = 0.0
    for i in range(st.GI[GI_N_NLIVE]):
        live += billed_s(max(t - st.NF[st.NLIVE[i], NF_REQ], m), inc, m)
    return st.G[G_CLOSED_BILLED] + live


@jit
def spent(st, t: float) -> float:  # type: ignore[no-untyped-def]
    """Dollars spent by time t (``BudgetGuard.spent_usd``)."""
    return st.C[C_PRIOR_USD] + st.C[C_COMMITTED_USD] + metered_s(st, t) * st.C[C_PRICE]


@entry
def spent_usd(ref, t: float) -> float:  # type: ignore[no-untyped-def]
    """``spent`` for Python (the records' billed dollars)."""
    return spent(borrow(ref), t)


@jit
def limit_usd(st) -> float:  # type: ignore[no-untyped-def]
    margin = st.GI[GI_N_NLIVE] * st.C[C_BILL_INC] * st.C[C_PRICE]
    return st.C[C_BUDGET] - margin


@jit
def floor_usd(st, t: float) -> float:  # type: ignore[no-untyped-def]
    return st.C[C_FLOOR_EXTRA] * st.C[C_PRICE] * max(st.C[C_END] - t, 0.0)


@jit
def may_start(st) -> bool:  # type: ignore[no-untyped-def]
    if st.GI[GI_TRIPPED]:
        return False
    now, inc = st.G[G_NOW], st.C[C_BILL_INC]
    extra = st.C[C_BILL_MIN] if st.C[C_COMMITTED] == 0 else 0.0
    extra_usd = (max(extra, inc) + inc) * st.C[C_PRICE]
    return spent(st, now) + floor_usd(st, now) + extra_usd <= limit_usd(st)


@jit
def rearm(st) -> None:  # type: ignore[no-untyped-def]
    if st.GI[GI_TRIPPED]:
        return
    st.GI[GI_GUARD_GEN] += 1
    now = st.G[G_NOW]
    at = time_to_limit(st)
    if at <= now:
        trip(st)
    elif at < INF:
        push(st, now + (at - now), E_GUARD, 0, st.GI[GI_GUARD_GEN], 0.0)


@jit
def guard_timer(st, gen: int) -> None:  # type: ignore[no-untyped-def]
    if gen == st.GI[GI_GUARD_GEN] and not st.GI[GI_TRIPPED]:
        trip(st)


@jit
def time_to_limit(st) -> float:  # type: ignore[no-untyped-def]
    now, limit = st.G[G_NOW], limit_usd(st)
    value = spent(st, now) + floor_usd(st, now)
    if value >= limit:
        return now
    price, floor_extra = st.C[C_PRICE], st.C[C_FLOOR_EXTRA]
    nlive = st.GI[GI_N_NLIVE]
    if st.C[C_COMMITTED] != 0:
        rate = (max(nlive - st.C[C_COMMITTED], 0.0) - floor_extra) * price
        return now + (limit - value) / rate if rate > 0 else INF
    m = st.C[C_BILL_MIN]
    pending = np.empty(nlive + 1, dtype=np.float64)
    k = 0
    for i in range(nlive):
        req = st.NF[st.NLIVE[i], NF_REQ]
        if now - req < m:
            pending[k] = req + m
            k += 1
    bps = np.sort(pending[:k])
    running = nlive - k
    t = now
    for j in range(k + 1):
        bp = bps[j] if j < k else INF
        rate = (running - floor_extra) * price
        if rate > 0 and t + (limit - value) / rate <= bp:
            return t + (limit - value) / rate
        if bp == INF:
            return INF
        value += rate * (bp - t)
        t, running = bp, running + 1
    return INF


@jit
def trip(st) -> None:  # type: ignore[no-untyped-def]
    st.GI[GI_TRIPPED] = 1
    st.GI[GI_GUARD_GEN] += 1
    kpool.cap_at(st, st.CI[CI_FLOOR], R_CAP)


from simulations.compiled import kpool  # noqa: E402  (kpool imports this module)
