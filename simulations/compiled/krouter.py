"""Compiled routing: where each request is served, and what happens on the way.

Mirrors ``simulations.routing.Router`` (and the link's ``wait_for_up``/``send_up``) expression by
expression. Time in seconds.
"""

from __future__ import annotations

import math

from simulations.compiled import kedge, knodes, kpool
from simulations.compiled.kbase import (
    br_allows,
    br_failure,
    br_sending,
    br_success,
    drop,
    grown_i2,
    lane_start,
    occupy_uplink,
    push,
    uplink_parts,
)
from simulations.compiled.layout import (
    C_BUDGET,
    C_CLOUD_TIMEOUT,
    C_ENCODER,
    C_FB_BURST,
    C_FB_RATE,
    C_PAYLOAD_RED,
    C_WAIT_THRESH,
    C_WORK_FRAC,
    CI_CAPPING,
    CI_HAS_BUDGET,
    CI_ON_BUDGET,
    CI_POLICY,
    CI_QTHRESH,
    CI_SENS_MAY_LEAVE,
    CI_SPLIT_SENS_OK,
    DI_QLEN,
    E_GIVEUP,
    E_LWAIT,
    E_REACH,
    G_CAP,
    G_NOW,
    G_TOKENS,
    G_TOKENS_T,
    GI_ALERTS,
    GI_IN_TRANSIT,
    GI_KEPT_BREAKER,
    GI_KEPT_LINKDOWN,
    GI_NWAIT,
    GI_TRIPPED,
    I1,
    LF_UP_FREE,
    LI_UP,
    LI_WHEAD,
    LI_WTAIL,
    OB_ALLOW,
    OB_DROP,
    POL_CLOUD,
    POL_EDGE,
    POL_LOCAL,
    POL_SPLIT,
    QF_ARR,
    QF_DEADLINE,
    QF_DONE,
    QF_EFIRST,
    QF_ESVC,
    QF_PARR,
    QF_PF,
    QF_REQKB,
    QF_SCALE,
    QF_SVC,
    QF_TTFT,
    QF_ULOSS,
    QF_WAIT,
    QF_ZRTT,
    QI_ELIG,
    QI_LEFT,
    QI_PATH,
    QI_SENS,
    QI_SITE,
    QI_SPLIT,
    inline,
    jit,
)

PATH_EDGE, PATH_CLOUD, PATH_FALLBACK, PATH_SPLIT = range(4)
PATH_DROPPED = -1
(
    NOT_ELIGIBLE,
    RESIDENCY,
    QUEUE_FULL,
    DEVICE_FAILED,
    OFFLINE,
    BUDGET,
    POOL_QUEUE_FULL,
    LINK_TIMEOUT,
    CIRCUIT_OPEN,
) = range(1, 10)


@inline
def may_leave(st, rid: int) -> bool:  # type: ignore[no-untyped-def]
    return not st.QI[rid, QI_SENS] or st.CI[CI_SENS_MAY_LEAVE] != 0


@jit
def budget_exhausted(st) -> bool:  # type: ignore[no-untyped-def]
    if not st.CI[CI_HAS_BUDGET]:
        return False
    if st.CI[CI_CAPPING]:
        return st.GI[GI_TRIPPED] != 0
    now = st.G[G_NOW]
    return knodes.spent(st, now) + knodes.floor_usd(st, now) >= st.C[C_BUDGET]


@jit
def budget_left(st) -> bool:  # type: ignore[no-untyped-def]
    if not budget_exhausted(st):
        return True
    if st.CI[CI_ON_BUDGET] == OB_ALLOW:
        st.GI[GI_ALERTS] += 1
        return True
    return False


# ---------------------------------------------------------------- arrivals
@inline
def arrive(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    kind = st.CI[CI_POLICY]
    if kind == POL_EDGE:
        to_edge_or_drop(st, rid, NOT_ELIGIBLE)
    elif kind == POL_CLOUD:
        if may_leave(st, rid):
            to_cloud(st, rid, PATH_CLOUD, 1.0)
        else:
            to_edge_or_drop(st, rid, RESIDENCY)
    elif kind == POL_SPLIT:
        _arrive_split(st, rid)
    else:
        _arrive_local_first(st, rid)


@jit
def to_edge_or_drop(st, rid: int, reason: int) -> None:  # type: ignore[no-untyped-def]
    if not st.QI[rid, QI_ELIG]:
        drop(st, rid, reason)
        return
    d = kedge.pick_device(st, rid)
    if d < 0:
        drop(st, rid, DEVICE_FAILED)
    elif kedge.can_queue(st, d):
        edge(st, rid, d)
    else:
        drop(st, rid, QUEUE_FULL)


@inline
def edge(st, rid: int, d: int) -> None:  # type: ignore[no-untyped-def]
    st.QI[rid, QI_PATH] = PATH_EDGE
    kedge.admit(st, d, rid, st.QF[rid, QF_ESVC], st.QF[rid, QF_EFIRST])


@inline
def _edge_hot(st, rid: int, d: int) -> None:  # type: ignore[no-untyped-def]
    """``edge`` with the admission inlined, for the arrivals' path alone."""
    st.QI[rid, QI_PATH] = PATH_EDGE
    kedge.admit_inline(st, d, rid, st.QF[rid, QF_ESVC], st.QF[rid, QF_EFIRST])


@inline
def _arrive_local_first(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    if not st.QI[rid, QI_ELIG]:
        if may_leave(st, rid):
            if budget_left(st) or st.G[G_CAP] > 0:
                to_cloud(st, rid, PATH_CLOUD, 1.0)
            else:
                drop(st, rid, BUDGET)
        else:
            drop(st, rid, RESIDENCY)
        return
    d = kedge.pick_device(st, rid)
    busy = d < 0 or (
        st.DI[d, DI_QLEN] >= st.CI[CI_QTHRESH]
        or kedge.expected_wait_s(st, d) > st.C[C_WAIT_THRESH]
        or not kedge.can_queue(st, d)
    )
    if busy and try_fallback(st, rid):
        return
    if d >= 0 and kedge.can_queue(st, d):
        _edge_hot(st, rid, d)
    elif d < 0:
        drop(st, rid, DEVICE_FAILED)
    elif may_leave(st, rid) and budget_exhausted(st):
        drop(st, rid, BUDGET)
    else:
        drop(st, rid, QUEUE_FULL)


@jit
def try_fallback(st, rid: int) -> bool:  # type: ignore[no-untyped-def]
    if not may_leave(st, rid):
        return False
    if _fallback_blocked(st, rid):
        return False
    on_budget = st.CI[CI_ON_BUDGET]
    if on_budget != OB_ALLOW and budget_exhausted(st):
        if on_budget == OB_DROP:
            drop(st, rid, BUDGET)
            return True
        return False
    now = st.G[G_NOW]
    tokens = min(st.C[C_FB_BURST], st.G[G_TOKENS] + (now - st.G[G_TOKENS_T]) * st.C[C_FB_RATE])
    st.G[G_TOKENS_T] = now
    if tokens >= 1:
        st.G[G_TOKENS] = tokens - 1
    else:
        st.G[G_TOKENS] = tokens
        return False
    if budget_exhausted(st):
        st.GI[GI_ALERTS] += 1
    to_cloud(st, rid, PATH_FALLBACK, 1.0)
    return True


@jit
def _fallback_blocked(st, rid: int) -> bool:  # type: ignore[no-untyped-def]
    site = st.QI[rid, QI_SITE]
    now = st.G[G_NOW]
    if not br_allows(st, site, now):
        st.GI[GI_KEPT_BREAKER] += 1
        return True
    if not st.LI[site, LI_UP]:
        br_failure(st, site, now, rid)
        st.GI[GI_KEPT_LINKDOWN] += 1
        return True
    return False


@jit
def _arrive_split(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    if not (may_leave(st, rid) or st.CI[CI_SPLIT_SENS_OK] != 0):
        to_edge_or_drop(st, rid, RESIDENCY)
        return
    d = kedge.pick_device(st, rid)
    if d < 0 or not kedge.can_queue(st, d):
        drop(st, rid, DEVICE_FAILED if d < 0 else QUEUE_FULL)
        return
    st.QI[rid, QI_SPLIT] = 1
    st.QI[rid, QI_PATH] = PATH_SPLIT
    kedge.admit(st, d, rid, st.C[C_ENCODER], -1.0)


# ---------------------------------------------------------------- edge completions
@inline
def edge_first(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    if not st.QI[rid, QI_SPLIT]:
        st.QF[rid, QF_TTFT] = st.G[G_NOW] - st.QF[rid, QF_ARR]


@inline
def edge_done(st, rid: int, start_s: float) -> None:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    if st.QI[rid, QI_SPLIT]:
        st.QI[rid, QI_SPLIT] = 0
        st.QF[rid, QF_SCALE] = st.C[C_WORK_FRAC]
        to_cloud(st, rid, PATH_SPLIT, st.C[C_PAYLOAD_RED])
        return
    st.QF[rid, QF_DONE] = now
    st.QF[rid, QF_SVC] = now - start_s
    st.QF[rid, QF_WAIT] = start_s - st.QF[rid, QF_ARR]


@jit
def device_failed(st, victims: I1) -> None:  # type: ignore[no-untyped-def]
    kind = st.CI[CI_POLICY]
    for rid in victims:
        st.QI[rid, QI_SPLIT] = 0
        st.QF[rid, QF_TTFT] = math.nan
        local_or_cloud = ((1 << kind) & ((1 << POL_LOCAL) | (1 << POL_CLOUD))) != 0
        if local_or_cloud and try_fallback(st, rid):
            continue
        d = kedge.pick_device(st, rid)
        if d >= 0 and kedge.can_queue(st, d) and st.QI[rid, QI_ELIG]:
            edge(st, rid, d)
        elif st.QI[rid, QI_PATH] != PATH_DROPPED:
            drop(st, rid, DEVICE_FAILED)


# ---------------------------------------------------------------- cloud
@jit
def to_cloud(st, rid: int, path: int, pf: float) -> None:  # type: ignore[no-untyped-def]
    site = st.QI[rid, QI_SITE]
    now = st.G[G_NOW]
    if not br_allows(st, site, now):
        drop(st, rid, CIRCUIT_OPEN)
        return
    br_sending(st, site, rid)
    st.QI[rid, QI_PATH] = path
    st.GI[GI_IN_TRANSIT] += 1
    deadline = now + st.C[C_CLOUD_TIMEOUT]
    st.QF[rid, QF_DEADLINE] = deadline
    st.QF[rid, QF_PF] = pf
    if not st.LI[site, LI_UP]:
        br_failure(st, site, now, rid)
        w = st.GI[GI_NWAIT]
        if w >= st.WQ.shape[0]:
            st.WQ = grown_i2(st.WQ, 2 * w)
        st.GI[GI_NWAIT] = w + 1
        st.WQ[w, 0], st.WQ[w, 1], st.WQ[w, 2] = rid, 0, -1
        tail = st.LI[site, LI_WTAIL]
        if tail >= 0:
            st.WQ[tail, 2] = w
        else:
            st.LI[site, LI_WHEAD] = w
        st.LI[site, LI_WTAIL] = w
        push(st, now + st.C[C_CLOUD_TIMEOUT], E_LWAIT, w, 0, 0.0)
        return
    send(st, rid)


@jit
def link_up_fire(st, site: int) -> None:  # type: ignore[no-untyped-def]
    """The link came back: every request waiting for it is sent (unless it gave up)."""
    w = st.LI[site, LI_WHEAD]
    st.LI[site, LI_WHEAD] = -1
    st.LI[site, LI_WTAIL] = -1
    while w >= 0:
        if not st.WQ[w, 1]:
            st.WQ[w, 1] = 1
            send(st, st.WQ[w, 0])
        w = st.WQ[w, 2]


@jit
def wait_timeout(st, w: int) -> None:  # type: ignore[no-untyped-def]
    if not st.WQ[w, 1]:
        st.WQ[w, 1] = 1
        give_up(st, st.WQ[w, 0], OFFLINE)


@jit
def send(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    qf = st.QF
    site = st.QI[rid, QI_SITE]
    now = st.G[G_NOW]
    kb = qf[rid, QF_REQKB] * qf[rid, QF_PF]
    tx, after = uplink_parts(st.LS, site, kb, qf[rid, QF_ZRTT], qf[rid, QF_ULOSS])
    start = lane_start(st.LF[site, LF_UP_FREE], now)
    deadline = qf[rid, QF_DEADLINE]
    if start > deadline:
        wait = max(deadline - now, 0.0)
        push(st, now + wait, E_GIVEUP, rid, 0, 0.0)
        return
    occupy_uplink(st, site, start, tx)
    st.QI[rid, QI_LEFT] = 1
    push(st, now + (start + tx + after - now), E_REACH, rid, 0, 0.0)


@inline
def reach_pool(st, rid: int) -> None:  # type: ignore[no-untyped-def]
    st.GI[GI_IN_TRANSIT] -= 1
    br_success(st, st.QI[rid, QI_SITE], rid)
    st.QF[rid, QF_PARR] = st.G[G_NOW]
    if not kpool.submit(st, rid):
        drop(st, rid, BUDGET if st.G[G_CAP] == 0 else POOL_QUEUE_FULL)


@jit
def give_up(st, rid: int, reason: int) -> None:  # type: ignore[no-untyped-def]
    st.GI[GI_IN_TRANSIT] -= 1
    if reason == LINK_TIMEOUT:
        br_failure(st, st.QI[rid, QI_SITE], st.G[G_NOW], rid)
    d = kedge.pick_device(st, rid)
    local = st.CI[CI_POLICY] == POL_LOCAL and st.QI[rid, QI_ELIG]
    if local and d >= 0 and kedge.can_queue(st, d):
        edge(st, rid, d)
    else:
        drop(st, rid, reason)
