"""Compiled GPU pool: replicas come and go, the balancer assigns requests, the activator wakes it.

Mirrors ``simulations.gpu_pool.Pool`` (the serving half is ``kservice``). Replica rows are never
reused (ids grow as in the SimPy model); ``LIVE`` holds the live ones in id order. Time in s.
"""

from __future__ import annotations

import math

import numpy as np

from simulations.compiled import kservice, kticks
from simulations.compiled.kbase import (
    drop,
    grown_f2,
    grown_i1,
    grown_i2,
    push,
    q_append,
    q_popleft,
    q_remove,
)
from simulations.compiled.knodes import may_start, node_new, node_release, node_take, trip
from simulations.compiled.layout import (
    C_QTIMEOUT,
    CI_CAPPING,
    CI_HAS_QTIMEOUT,
    CI_LB,
    CI_MIN_REP,
    CI_N_STAGES,
    CI_QLIMIT,
    CI_SCALER,
    CI_SHARED,
    DRAIN,
    E_EXPIRE,
    E_RREADY,
    E_WAKE,
    F2,
    FL_HELD,
    G_CAP,
    G_IN_AREA,
    G_IN_T,
    G_NOW,
    GI_CNT0,
    GI_COLD_IDX,
    GI_EXP_ARMED,
    GI_EXP_HEAD,
    GI_EXP_TAIL,
    GI_IN_SERVICE,
    GI_LAST_RID,
    GI_LB_IDX,
    GI_N_LIVE,
    GI_N_REP,
    GI_NLOG,
    GI_OVERFLOW,
    GI_WAITING,
    GI_WAKE,
    GONE,
    I1,
    I2,
    INF,
    LB_LEAST,
    LB_P2C,
    LB_RANDOM,
    LB_RR,
    LOGI_AFTER,
    LOGI_BEFORE,
    LOGI_CODE,
    LOGI_FLAGS,
    LOGI_WIN,
    N_READY,
    NI_IMG,
    NI_STATE,
    NI_WAIT,
    PROV,
    QF_ENQ,
    QI_ENEXT,
    QI_QID,
    R_ACTIVATOR,
    READY,
    RF_BSINCE,
    RF_BUSY_S,
    RF_END,
    RF_KVU,
    RF_LAST_T,
    RF_READY,
    RF_REQ,
    RF_TAT,
    RI_BUSY,
    RI_GEN,
    RI_NBATCH,
    RI_NENDS,
    RI_NODE,
    RI_NPRE,
    RI_PHEAD,
    RI_STATE,
    RI_TGEN,
    SC_KPA,
    inline,
    jit,
)

Z95 = 1.6448536269514722
REASON_BUDGET = 6
REASON_CLOUD_TIMEOUT = 10


# ---------------------------------------------------------------- counts
@inline
def active(st) -> int:  # type: ignore[no-untyped-def]
    return int(st.GI[GI_CNT0 + PROV] + st.GI[GI_CNT0 + READY])


@jit
def outstanding(st, r: int) -> int:  # type: ignore[no-untyped-def]
    return int(st.QL[r + 1] + st.RI[r, RI_BUSY])


@jit
def track(st) -> None:  # type: ignore[no-untyped-def]
    """The in-flight area to now: every change of the count in flight calls it first."""
    kticks.before_change(st)
    now = st.G[G_NOW]
    inflight = st.GI[GI_WAITING] + st.GI[GI_IN_SERVICE]
    st.G[G_IN_AREA] += inflight * (now - st.G[G_IN_T])
    st.G[G_IN_T] = now


@jit
def set_state(st, r: int, state: int) -> None:  # type: ignore[no-untyped-def]
    kticks.before_change(st)
    st.GI[GI_CNT0 + st.RI[r, RI_STATE]] -= 1
    st.GI[GI_CNT0 + state] += 1
    st.RI[r, RI_STATE] = state


@jit
def log(st, before: int, after: int, code: int, flags: int, win: int, val: float) -> None:  # type: ignore[no-untyped-def]
    k = st.GI[GI_NLOG]
    if k >= st.LOGF.shape[0]:
        st.LOGF = grown_f2(st.LOGF, 2 * k)
        st.LOGI = grown_i2(st.LOGI, 2 * k)
    st.LOGF[k, 0], st.LOGF[k, 1] = st.G[G_NOW], val
    st.LOGI[k, LOGI_BEFORE], st.LOGI[k, LOGI_AFTER], st.LOGI[k, LOGI_CODE] = before, after, code
    st.LOGI[k, LOGI_FLAGS], st.LOGI[k, LOGI_WIN] = flags, win
    st.GI[GI_NLOG] = k + 1


@jit
def _grow_replicas(st, n: int) -> None:  # type: ignore[no-untyped-def]
    """Room for n replica rows (ids are never reused, so a long segment needs many)."""
    st.RF, st.RI = grown_f2(st.RF, n), grown_i2(st.RI, n)
    st.QH, st.QT = grown_i1(st.QH, n + 1, -1), grown_i1(st.QT, n + 1, -1)
    st.QL, st.LIVE = grown_i1(st.QL, n + 1, 0), grown_i1(st.LIVE, n, 0)
    st.CAND = grown_i1(st.CAND, n, 0)
    st.EV, st.ER = _live_rows_f2(st, st.EV, n), _live_rows_i2(st, st.ER, n)
    st.PR, st.PT = _live_rows_i2(st, st.PR, n), _live_rows_f2(st, st.PT, n)
    st.PO, st.BT = _live_rows_f2(st, st.PO, n), _live_rows_i2(st, st.BT, n)


# A replica's sequences and batch (EV, ER, PR, PT, PO, BT: max_sequences or max_batch wide, 128
# on the article) are read only while it is live: a gone replica has nothing in service and no
# pending event that reads them (its step, batch and timer events carry its generation). So a
# growth copies the live replicas' rows alone; copying every row was most of a segment's growth.
@jit
def _live_rows_f2(st, a: F2, n: int) -> F2:  # type: ignore[no-untyped-def]
    out = np.empty((n, a.shape[1]))
    for i in range(st.GI[GI_N_LIVE]):
        out[st.LIVE[i]] = a[st.LIVE[i]]
    return out


@jit
def _live_rows_i2(st, a: I2, n: int) -> I2:  # type: ignore[no-untyped-def]
    out = np.empty((n, a.shape[1]), dtype=np.int64)
    for i in range(st.GI[GI_N_LIVE]):
        out[st.LIVE[i]] = a[st.LIVE[i]]
    return out


@jit
def new_replica(st, state: int) -> int:  # type: ignore[no-untyped-def]
    kticks.before_change(st)
    r = st.GI[GI_N_REP]
    if r >= st.RF.shape[0]:
        _grow_replicas(st, 2 * r)
    st.GI[GI_N_REP] = r + 1
    rf, ri = st.RF, st.RI
    rf[r, :] = 0.0
    ri[r, :] = 0
    rf[r, RF_REQ] = st.G[G_NOW]
    rf[r, RF_READY] = rf[r, RF_END] = rf[r, RF_BSINCE] = math.nan
    rf[r, RF_TAT] = INF
    ri[r, RI_STATE] = state
    ri[r, RI_NODE] = -1
    st.QH[r + 1], st.QT[r + 1], st.QL[r + 1] = -1, -1, 0
    st.LIVE[st.GI[GI_N_LIVE]] = r
    st.GI[GI_N_LIVE] += 1
    st.GI[GI_CNT0 + state] += 1
    return int(r)


# ---------------------------------------------------------------- scaling
@jit
def start_warm(st, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        r = new_replica(st, READY)
        if r < 0:
            return
        st.RF[r, RF_READY] = st.RF[r, RF_LAST_T] = st.G[G_NOW]
        st.RI[r, RI_NODE] = node_new(st, 0.0, True)


@jit
def scale_to(st, desired: int, code: int, flags: int, win: int, val: float) -> None:  # type: ignore[no-untyped-def]
    if desired > st.G[G_CAP]:
        desired, flags = int(st.G[G_CAP]), flags | FL_HELD
    before = active(st)
    if desired == before:
        return
    if desired > before:
        _grow(st, desired - before)
    else:
        _shrink(st, before - desired)
    log(st, before, desired, code, flags, win, val)


@jit
def _grow(st, k: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(st.GI[GI_N_LIVE]):
        r = st.LIVE[i]
        if k and st.RI[r, RI_STATE] == DRAIN:
            set_state(st, r, READY)
            k -= 1
    for _ in range(k):
        if st.CI[CI_CAPPING] and not may_start(st):
            trip(st)
            return
        r = new_replica(st, PROV)
        if r < 0:
            return
        _place(st, r)
    kservice.flush(st)


@jit
def stage(st, j: int) -> float:  # type: ignore[no-untyped-def]
    median, p95 = st.STAGES[j, 0], st.STAGES[j, 1]
    if median <= 0:
        return 0.0
    sigma = math.log(max(p95 / median, 1.0)) / Z95
    i = st.GI[GI_COLD_IDX]
    if i >= st.COLD.shape[0]:
        st.GI[GI_OVERFLOW] = 1
        return 0.0
    st.GI[GI_COLD_IDX] = i + 1
    return median * math.exp(sigma * st.COLD[i])


@jit
def _place(st, r: int) -> None:  # type: ignore[no-untyped-def]
    node = node_take(st)
    if node < 0:
        node = node_new(st, stage(st, 0) if st.CI[CI_N_STAGES] else 0.0, False)
    st.RI[r, RI_NODE] = node
    if st.NI[node, NI_STATE] == N_READY:
        pod_start(st, r, node)
    else:
        st.NI[node, NI_WAIT] = r


@jit
def pod_start(st, r: int, node: int) -> None:  # type: ignore[no-untyped-def]
    first = 2 if st.NI[node, NI_IMG] else 1
    st.NI[node, NI_IMG] = 1
    delay = 0.0
    for j in range(first, st.CI[CI_N_STAGES]):
        delay += stage(st, j)
    push(st, st.G[G_NOW] + delay, E_RREADY, r, 0, 0.0)


@jit
def replica_ready(st, r: int) -> None:  # type: ignore[no-untyped-def]
    if st.RI[r, RI_STATE] != PROV:
        return
    set_state(st, r, READY)
    st.RF[r, RF_READY] = st.RF[r, RF_LAST_T] = st.G[G_NOW]
    if st.CI[CI_SHARED]:
        kservice.dispatch(st)
    else:
        kservice.flush(st)


@jit
def _lexsort3(keys: I2) -> np.ndarray:
    """Order of the rows of an (m, 3) integer key array, lexicographic (insertion sort)."""
    m = keys.shape[0]
    order = np.arange(m)
    for i in range(1, m):
        j = i
        while j > 0:
            a, b = order[j - 1], order[j]
            if (keys[b, 0], keys[b, 1], keys[b, 2]) < (keys[a, 0], keys[a, 1], keys[a, 2]):
                order[j - 1], order[j] = b, a
                j -= 1
            else:
                break
    return order


@jit
def _shrink(st, k: int) -> None:  # type: ignore[no-untyped-def]
    n = st.GI[GI_N_LIVE]
    cand = np.empty(n, dtype=np.int64)
    keys = np.empty((n, 3), dtype=np.int64)
    m = 0
    for i in range(n):
        r = st.LIVE[i]
        s = st.RI[r, RI_STATE]
        if s == PROV or s == READY:  # noqa: SIM109 (numba)
            cand[m] = r
            keys[m, 0] = 1 if s != PROV else 0
            keys[m, 1] = 1 if outstanding(st, r) > 0 else 0
            keys[m, 2] = -r
            m += 1
    order = _lexsort3(keys[:m])
    for j in range(min(k, m)):
        r = cand[order[j]]
        if outstanding(st, r) == 0:
            terminate(st, r)
        else:
            set_state(st, r, DRAIN)


@jit
def terminate(st, r: int) -> None:  # type: ignore[no-untyped-def]
    _unlive(st, r)
    node = st.RI[r, RI_NODE]
    if node >= 0:
        node_release(st, node, st.G[G_CAP] == INF)


@jit
def _unlive(st, r: int) -> None:  # type: ignore[no-untyped-def]
    set_state(st, r, GONE)
    st.RF[r, RF_END] = st.G[G_NOW]
    n = st.GI[GI_N_LIVE]
    j = 0
    while st.LIVE[j] != r:
        j += 1
    for i in range(j, n - 1):
        st.LIVE[i] = st.LIVE[i + 1]
    st.GI[GI_N_LIVE] = n - 1


@jit
def cap_at(st, floor: int, code: int) -> None:  # type: ignore[no-untyped-def]
    """Release every node above ``floor`` now (their requests are evicted); stay capped."""
    kticks.before_change(st)
    st.G[G_CAP] = floor
    before = active(st)
    n = st.GI[GI_N_LIVE]
    cand = st.LIVE[:n].copy()
    keys = np.empty((n, 3), dtype=np.int64)
    for i in range(n):
        r = cand[i]
        keys[i, 0] = 1 if st.RI[r, RI_STATE] == READY else 0
        keys[i, 1] = -st.RI[r, RI_BUSY]
        keys[i, 2] = -r
    order = _lexsort3(keys)
    for j in range(max(n - floor, 0)):
        r = cand[order[j]]
        evict(st, r)
        if st.RI[r, RI_STATE] != GONE:
            _terminate_quiet(st, r)
    log(st, before, active(st), code, 0, 0, 0.0)
    knodes.drop_idle(st)
    if floor == 0:
        hand_back(st, 0)
    kservice.dispatch(st)


@jit
def _terminate_quiet(st, r: int) -> None:  # type: ignore[no-untyped-def]
    """``terminate`` inside ``cap_at``: the guard has tripped, so its node is removed at once
    and the guard is not re-armed (a separate function keeps the call graph acyclic)."""
    _unlive(st, r)
    node = st.RI[r, RI_NODE]
    if node >= 0:
        knodes.node_release_quiet(st, node)


@jit
def hand_back(st, q: int) -> None:  # type: ignore[no-untyped-def]
    track(st)
    while st.QL[q]:
        rid = q_popleft(st, q)
        st.GI[GI_WAITING] -= 1
        drop(st, rid, REASON_BUDGET)


@jit
def evict(st, r: int) -> None:  # type: ignore[no-untyped-def]
    """Hand back the requests on replica r (its pending events become stale)."""
    ri = st.RI
    ri[r, RI_GEN] += 1
    ri[r, RI_TGEN] += 1
    ne, npre, nb = ri[r, RI_NENDS], ri[r, RI_NPRE], ri[r, RI_NBATCH]
    s = st.PR.shape[1]
    rids = np.empty(ne + npre + nb, dtype=np.int64)
    for i in range(ne):
        rids[i] = st.ER[r, i]
    for i in range(npre):
        rids[ne + i] = st.PR[r, (ri[r, RI_PHEAD] + i) % s]
    for i in range(nb):
        rids[ne + npre + i] = st.BT[r, i]
    ri[r, RI_NENDS] = ri[r, RI_NPRE] = ri[r, RI_NBATCH] = ri[r, RI_PHEAD] = 0
    st.RF[r, RF_KVU] = 0.0
    hand_back(st, r + 1)
    if rids.size:
        track(st)
        st.GI[GI_IN_SERVICE] -= rids.size
        st.RI[r, RI_BUSY] -= rids.size
        if st.RI[r, RI_BUSY] == 0 and not math.isnan(st.RF[r, RF_BSINCE]):
            st.RF[r, RF_BUSY_S] += st.G[G_NOW] - st.RF[r, RF_BSINCE]
            st.RF[r, RF_BSINCE] = math.nan
            if st.RI[r, RI_STATE] == DRAIN and not st.QL[r + 1]:
                _terminate_quiet(st, r)
    for rid in rids:
        drop(st, rid, REASON_BUDGET)


# ---------------------------------------------------------------- requests
@jit
def activity(st) -> None:  # type: ignore[no-untyped-def]
    """A request reached the pool: the activator scales from zero and wakes the scaler."""
    if st.CI[CI_SCALER] == SC_KPA and active(st) == 0:
        scale_to(st, max(1, st.CI[CI_MIN_REP]), R_ACTIVATOR, 0, 0, 0.0)
    if st.GI[GI_WAKE] == 1:
        st.GI[GI_WAKE] = 2
        push(st, st.G[G_NOW], E_WAKE, 0, 0, 0.0)


@jit
def submit(st, rid: int) -> bool:  # type: ignore[no-untyped-def]
    limit = st.CI[CI_QLIMIT]
    if st.G[G_CAP] == 0 or (limit >= 0 and st.GI[GI_WAITING] >= limit):
        return False
    track(st)
    st.GI[GI_WAITING] += 1
    st.QF[rid, QF_ENQ] = st.G[G_NOW]
    activity(st)
    if st.CI[CI_HAS_QTIMEOUT]:
        _deadline(st, rid)
    if st.CI[CI_SHARED]:
        q_append(st, 0, rid)
        kservice.dispatch(st)
    else:
        _assign(st, rid)
    return True


@jit
def _deadline(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    """The request joins the deadline list (pool-arrival order, so deadlines in order: one
    timeout for all); the one timeout event waits for the oldest (gpu_pool.Pool._deadline)."""
    tail = st.GI[GI_EXP_TAIL]
    if tail:
        st.QI[tail - 1, QI_ENEXT] = rid + 1
    else:
        st.GI[GI_EXP_HEAD] = rid + 1
    st.GI[GI_EXP_TAIL] = rid + 1
    if not st.GI[GI_EXP_ARMED]:
        st.GI[GI_EXP_ARMED] = 1
        push(st, st.G[G_NOW] + st.C[C_QTIMEOUT], E_EXPIRE, rid, 0, 0.0)


@jit
def expire(st, target: int) -> None:  # type: ignore[no-untyped-def]
    """The timeout event: every request on the list whose deadline has come (and the one the
    event was set for) is dropped if still waiting, left off if started; re-armed for the next."""
    now, timeout = st.G[G_NOW], st.C[C_QTIMEOUT]
    st.GI[GI_EXP_ARMED] = 0
    while st.GI[GI_EXP_HEAD]:
        rid = st.GI[GI_EXP_HEAD] - 1
        q = st.QI[rid, QI_QID]
        if q >= 0 and rid != target and st.QF[rid, QF_ENQ] + timeout > now:
            break
        st.GI[GI_EXP_HEAD] = st.QI[rid, QI_ENEXT]
        if not st.GI[GI_EXP_HEAD]:
            st.GI[GI_EXP_TAIL] = 0
        if q >= 0:
            track(st)
            q_remove(st, q, rid)
            st.GI[GI_WAITING] -= 1
            drop(st, rid, REASON_CLOUD_TIMEOUT)
    if st.GI[GI_EXP_HEAD]:
        head = st.GI[GI_EXP_HEAD] - 1
        st.GI[GI_EXP_ARMED] = 1
        push(st, now + ((st.QF[head, QF_ENQ] + timeout) - now), E_EXPIRE, head, 0, 0.0)


@jit
def _assign(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    n = st.GI[GI_N_LIVE]
    ready = st.CAND  # scratch: send() reads it before anything can refill it
    m = 0
    for i in range(n):
        r = st.LIVE[i]
        if st.RI[r, RI_STATE] == READY:
            ready[m] = r
            m += 1
    if m == 0 or st.QL[0]:
        q_append(st, 0, rid)
        kservice.flush(st)
        return
    send(st, rid, ready[:m])


@jit
def _uniform(st, n: int) -> int:  # type: ignore[no-untyped-def]
    i = st.GI[GI_LB_IDX]
    if i >= st.LBU.shape[0]:
        st.GI[GI_OVERFLOW] = 1
        return 0
    st.GI[GI_LB_IDX] = i + 1
    return min(int(st.LBU[i] * n), n - 1)


@jit
def pick(st, cands: I1) -> int:  # type: ignore[no-untyped-def]
    n = cands.size
    if n == 1:
        return 0
    lb = st.CI[CI_LB]
    if lb == LB_RR:
        last = st.GI[GI_LAST_RID]
        for i in range(n):
            if cands[i] > last:
                return i
        return 0
    if lb == LB_RANDOM:
        return _uniform(st, n)
    if lb == LB_P2C:
        a = _uniform(st, n)
        b = _uniform(st, n - 1)
        if b >= a:
            b += 1
        return b if outstanding(st, cands[b]) < outstanding(st, cands[a]) else a
    best = 0
    if lb == LB_LEAST:
        for i in range(n):
            if outstanding(st, cands[i]) < outstanding(st, cands[best]):
                best = i
    return best


@jit
def send(st, rid: int, cands: I1) -> None:  # type: ignore[no-untyped-def]
    r = cands[pick(st, cands)]
    st.GI[GI_LAST_RID] = r
    q_append(st, r + 1, rid)
    kservice.serve(st, r, r + 1, r)


from simulations.compiled import knodes  # noqa: E402
