"""Compiled engine basics: the event heap, intrusive FIFO lists, links, breakers, the book.

The heap orders events by (time, sequence number): the sequence number grows with every event
scheduled, so events at the same instant run in the order they were scheduled -- SimPy's rule.
Each function mirrors the SimPy model's method of the same name (``simulations.network``,
``simulations.breaker``, ``simulations.routing``), expression by expression, so both engines
compute bit-identical floats. Time in seconds.
"""

from __future__ import annotations

import math

import numpy as np

from simulations.compiled.layout import (
    B_CLOSED,
    B_HALF,
    B_OPEN,
    C_BR_BASE,
    C_BR_MAX,
    C_OVERHEAD,
    CI_BR_ENABLED,
    CI_BR_FAILURES,
    F2,
    G_NOW,
    G_REG,
    GI_HN,
    GI_REGSEQ,
    GI_SEQ,
    I1,
    I2,
    LF_DN_FREE,
    LF_OPEN_UNTIL,
    LF_UP_BUSY,
    LF_UP_FREE,
    LI_BFAIL,
    LI_BOPENED,
    LI_BOPENS,
    LI_BPROBE,
    LI_BSTATE,
    LS_DNKBPS,
    LS_IDEAL,
    LS_LOSS,
    LS_MED,
    LS_P95,
    LS_P99,
    LS_UPKBPS,
    N_REG,
    QF_ARR,
    QF_DONE,
    QF_PARR,
    QF_RESPKB,
    QF_START,
    QF_SVC,
    QF_TTFT,
    QF_ULOSS,
    QF_WAIT,
    QF_ZRTT,
    QI_PATH,
    QI_QID,
    QI_QNEXT,
    QI_QPREV,
    QI_REASON,
    QI_SITE,
    inline,
    jit,
)

Z95 = 1.6448536269514722
Z99 = 2.3263478740408408
MIN_RTO_S = 0.2
MSS_KB = 1.46
MAX_LOSS = 0.99
DOWN_SPLIT = 67_108_864.0
PATH_DROPPED = -1


# ---------------------------------------------------------------- growing arrays
# A capacity that runs out doubles in place (the StructRef's field is reassigned), so a run never
# restarts for it. Callers re-read ``st.X`` after any call that may grow X (no local aliases).
# The rows beyond the old ones are left unwritten: every grown 2-D array's row is written before
# it is read (a replica's, a node's, a log line's, a heap entry's, a waiting frame's), and the
# per-sequence rows of the replicas (128 wide on the article) cost most of a segment's growth
# when zeroed: the pages of a large allocation are only touched where rows are used.
@jit
def grown_f2(a: F2, rows: int) -> F2:
    out = np.empty((rows, a.shape[1]))
    out[: a.shape[0]] = a
    return out


@jit
def grown_i2(a: I2, rows: int) -> I2:
    out = np.empty((rows, a.shape[1]), dtype=np.int64)
    out[: a.shape[0]] = a
    return out


@jit
def grown_i1(a: I1, n: int, fill: int) -> I1:
    out = np.full(n, fill, dtype=np.int64)
    out[: a.shape[0]] = a
    return out


@jit
def unrolled_ring(a: F2, head: int, n: int) -> F2:
    """A ring buffer's n items from head, in order, in an array twice as long."""
    cap = a.shape[0]
    out = np.zeros((2 * cap, a.shape[1]))
    for i in range(n):
        out[i] = a[(head + i) % cap]
    return out


# ---------------------------------------------------------------- heap
@inline
def _less(ht: F2, hi: I2, i: int, j: int) -> bool:
    return ht[i, 0] < ht[j, 0] or (ht[i, 0] == ht[j, 0] and hi[i, 0] < hi[j, 0])


@inline
def _move(ht: F2, hi: I2, src: int, dst: int) -> None:
    ht[dst, 0], ht[dst, 1] = ht[src, 0], ht[src, 1]
    hi[dst, 0], hi[dst, 1], hi[dst, 2], hi[dst, 3] = hi[src, 0], hi[src, 1], hi[src, 2], hi[src, 3]


@inline
def push_register(st, t: float, kind: int) -> None:  # type: ignore[no-untyped-def]
    """``push`` of a register event (kind < N_REG), inlined where one is due on the hot path."""
    gi = st.GI
    seq = gi[GI_SEQ]
    gi[GI_SEQ] = seq + 1
    st.G[G_REG + kind] = t
    gi[GI_REGSEQ + kind] = seq


@jit
def push(st, t: float, kind: int, a: int, b: int, x: float) -> None:  # type: ignore[no-untyped-def]
    """Schedule an event at absolute time t (after every event already scheduled at t)."""
    seq = st.GI[GI_SEQ]
    st.GI[GI_SEQ] = seq + 1
    if kind < N_REG:
        st.G[G_REG + kind] = t
        st.GI[GI_REGSEQ + kind] = seq
        return
    n = st.GI[GI_HN]
    if n >= st.HT.shape[0]:
        st.HT = grown_f2(st.HT, 2 * n)
        st.HI = grown_i2(st.HI, 2 * n)
    ht, hi, gi = st.HT, st.HI, st.GI
    gi[GI_HN] = n + 1
    # The hole sifts up: parents later than t move down a level and the event is written once.
    # Its sequence number is the largest yet, so a parent at the same time stays above it.
    while n > 0:
        p = (n - 1) >> 1
        if t < ht[p, 0]:
            _move(ht, hi, p, n)
            n = p
        else:
            break
    ht[n, 0], ht[n, 1] = t, x
    hi[n, 0], hi[n, 1], hi[n, 2], hi[n, 3] = seq, kind, a, b


@inline
def pop(st) -> int:  # type: ignore[no-untyped-def]
    """Move the earliest event to the heap's last slot (returned) and restore the heap. The last
    event fills the root's hole, sifted down with its key held in registers: one move a level
    instead of a swap."""
    ht, hi, gi = st.HT, st.HI, st.GI
    n = gi[GI_HN] - 1
    gi[GI_HN] = n
    lt, lx, ls = ht[n, 0], ht[n, 1], hi[n, 0]
    lk, la, lb = hi[n, 1], hi[n, 2], hi[n, 3]
    _move(ht, hi, 0, n)
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and _less(ht, hi, c + 1, c):
            c += 1
        if ht[c, 0] < lt or (ht[c, 0] == lt and hi[c, 0] < ls):
            _move(ht, hi, c, i)
            i = c
        else:
            break
    if i != n:
        ht[i, 0], ht[i, 1] = lt, lx
        hi[i, 0], hi[i, 1], hi[i, 2], hi[i, 3] = ls, lk, la, lb
    return n


# ---------------------------------------------------------------- FIFO queues of requests
@jit
def q_append(st, q: int, rid: int) -> None:  # type: ignore[no-untyped-def]
    qi = st.QI
    tail = st.QT[q]
    qi[rid, QI_QNEXT] = -1
    qi[rid, QI_QPREV] = tail
    if tail >= 0:
        qi[tail, QI_QNEXT] = rid
    else:
        st.QH[q] = rid
    st.QT[q] = rid
    st.QL[q] += 1
    qi[rid, QI_QID] = q


@jit
def q_remove(st, q: int, rid: int) -> None:  # type: ignore[no-untyped-def]
    qi = st.QI
    nx, pv = qi[rid, QI_QNEXT], qi[rid, QI_QPREV]
    if pv >= 0:
        qi[pv, QI_QNEXT] = nx
    else:
        st.QH[q] = nx
    if nx >= 0:
        qi[nx, QI_QPREV] = pv
    else:
        st.QT[q] = pv
    st.QL[q] -= 1
    qi[rid, QI_QID] = -1


@jit
def q_popleft(st, q: int) -> int:  # type: ignore[no-untyped-def]
    rid = st.QH[q]
    q_remove(st, q, rid)
    return int(rid)


# ---------------------------------------------------------------- links (simulations.network)
@jit
def rtt_s(ls: F2, k: int, z: float) -> float:
    if ls[k, LS_IDEAL] > 0 or ls[k, LS_MED] <= 0:
        return 0.0
    if z <= Z95:
        sigma = math.log(max(ls[k, LS_P95] / ls[k, LS_MED], 1.0)) / Z95
        return ls[k, LS_MED] * math.exp(sigma * z)
    sigma_tail = math.log(max(ls[k, LS_P99] / ls[k, LS_P95], 1.0)) / (Z99 - Z95)
    return ls[k, LS_P95] * math.exp(sigma_tail * (z - Z95))


@jit
def lost_packets(u: float, n: int, p: float) -> int:
    if p <= 0 or n <= 0:
        return 0
    p = min(p, MAX_LOSS)
    pmf = math.pow(1.0 - p, float(n))
    if pmf <= 0.0:
        return int(n * p / (1.0 - p) + 0.5)
    cdf, k = pmf, 0
    while cdf < u and pmf > 0.0:
        pmf *= (n + k) / (k + 1) * p
        k += 1
        cdf += pmf
    return k


@jit
def downlink_uniform(u: float) -> float:
    x = u * DOWN_SPLIT
    return x - math.floor(x)


@jit
def uplink_parts(ls: F2, k: int, kb: float, z: float, u: float) -> tuple[float, float]:
    if ls[k, LS_IDEAL] > 0:
        return 0.0, 0.0
    rtt = rtt_s(ls, k, z)
    n_packets = max(1, int(math.ceil(kb / MSS_KB - 1e-12)))  # noqa: RUF046
    lost = lost_packets(u, n_packets, ls[k, LS_LOSS])
    tx = (kb + lost * MSS_KB) * 8 / ls[k, LS_UPKBPS]
    return tx, rtt / 2 + lost * (MIN_RTO_S + rtt)


@jit
def downlink_parts(ls: F2, k: int, kb: float, z: float, u: float) -> tuple[float, float]:
    if ls[k, LS_IDEAL] > 0:
        return 0.0, 0.0
    rtt = rtt_s(ls, k, z)
    n_packets = max(1, int(math.ceil(kb / MSS_KB - 1e-12)))  # noqa: RUF046
    lost = lost_packets(downlink_uniform(u), n_packets, ls[k, LS_LOSS])
    tx = (kb + lost * MSS_KB) * 8 / ls[k, LS_DNKBPS]
    return tx, rtt / 2 + lost * (MIN_RTO_S + rtt)


@inline
def lane_start(free_at: float, now: float) -> float:
    return now if now > free_at else free_at


# ---------------------------------------------------------------- breakers (simulations.breaker)
@jit
def br_allows(st, k: int, now: float) -> bool:  # type: ignore[no-untyped-def]
    state = st.LI[k, LI_BSTATE]
    if st.CI[CI_BR_ENABLED] == 0 or state == B_CLOSED:
        return True
    if state == B_OPEN:
        return now >= st.LF[k, LF_OPEN_UNTIL]
    return st.LI[k, LI_BPROBE] < 0


@jit
def br_sending(st, k: int, rid: int) -> None:  # type: ignore[no-untyped-def]
    if st.CI[CI_BR_ENABLED] == 0 or st.LI[k, LI_BSTATE] == B_CLOSED:
        return
    st.LI[k, LI_BSTATE] = B_HALF
    st.LI[k, LI_BPROBE] = rid


@jit
def br_success(st, k: int, rid: int) -> None:  # type: ignore[no-untyped-def]
    li = st.LI
    if li[k, LI_BSTATE] == B_CLOSED:
        li[k, LI_BFAIL] = 0
    elif li[k, LI_BSTATE] == B_HALF and rid == li[k, LI_BPROBE]:
        li[k, LI_BSTATE], li[k, LI_BFAIL], li[k, LI_BOPENED], li[k, LI_BPROBE] = B_CLOSED, 0, 0, -1


@jit
def br_failure(st, k: int, now: float, rid: int) -> None:  # type: ignore[no-untyped-def]
    li = st.LI
    if st.CI[CI_BR_ENABLED] == 0:
        return
    if li[k, LI_BSTATE] == B_CLOSED:
        li[k, LI_BFAIL] += 1
        if li[k, LI_BFAIL] >= st.CI[CI_BR_FAILURES]:
            _br_open(st, k, now)
    elif li[k, LI_BSTATE] == B_HALF and rid == li[k, LI_BPROBE]:
        _br_open(st, k, now)


@jit
def _br_open(st, k: int, now: float) -> None:  # type: ignore[no-untyped-def]
    li = st.LI
    li[k, LI_BOPENED] += 1
    li[k, LI_BOPENS] += 1
    hold = min(st.C[C_BR_BASE] * li[k, LI_BOPENED], max(st.C[C_BR_MAX], 0.0))
    li[k, LI_BSTATE] = B_OPEN
    st.LF[k, LF_OPEN_UNTIL] = now + hold
    li[k, LI_BPROBE] = -1
    li[k, LI_BFAIL] = 0


# ---------------------------------------------------------------- the book (router callbacks)
@jit
def drop(st, rid: int, reason: int) -> None:  # type: ignore[no-untyped-def]
    st.QI[rid, QI_PATH] = PATH_DROPPED
    st.QI[rid, QI_REASON] = reason


@jit
def pool_started(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    st.QF[rid, QF_START] = now
    st.QF[rid, QF_WAIT] = now - st.QF[rid, QF_PARR]


@inline
def pool_first_token(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    k = st.QI[rid, QI_SITE]
    after = downlink_parts(st.LS, k, 0.0, st.QF[rid, QF_ZRTT], st.QF[rid, QF_ULOSS])[1]
    back = lane_start(st.LF[k, LF_DN_FREE], st.G[G_NOW]) + after + st.C[C_OVERHEAD]
    st.QF[rid, QF_TTFT] = back - st.QF[rid, QF_ARR]


@jit
def pool_done(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    qf, now = st.QF, st.G[G_NOW]
    qf[rid, QF_SVC] = now - qf[rid, QF_START]
    k = st.QI[rid, QI_SITE]
    tx, after = downlink_parts(st.LS, k, qf[rid, QF_RESPKB], qf[rid, QF_ZRTT], qf[rid, QF_ULOSS])
    start = lane_start(st.LF[k, LF_DN_FREE], now)
    st.LF[k, LF_DN_FREE] = start + tx
    back = start + tx + after
    qf[rid, QF_DONE] = back + st.C[C_OVERHEAD]
    if math.isnan(qf[rid, QF_TTFT]):
        qf[rid, QF_TTFT] = qf[rid, QF_DONE] - qf[rid, QF_ARR]


@jit
def occupy_uplink(st, k: int, start: float, tx: float) -> None:  # type: ignore[no-untyped-def]
    st.LF[k, LF_UP_FREE] = start + tx
    st.LF[k, LF_UP_BUSY] += tx
