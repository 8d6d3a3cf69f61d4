"""Compiled serving: dynamic batching (vision) and continuous batching (LLM) on one replica.

Mirrors ``simulations.service.Service`` and the pool's dispatching half (``_serve``,
``_dispatch``, ``_flush``, ``_after_service``, ``_release``). Queue 0 is the shared queue (or the
activator's buffer); replica r's own queue is r + 1. Time in seconds.
"""

from __future__ import annotations

import math

from simulations.compiled.kbase import pool_done, pool_first_token, pool_started, push, q_popleft
from simulations.compiled.kedge import hpop, hpush
from simulations.compiled.layout import (
    C_BATCH8,
    C_KV_CAP,
    C_MAX_QDELAY,
    C_PER_ITEM,
    C_PREFILL_TPS,
    C_SETUP,
    C_STEP_A,
    C_STEP_B,
    CI_EXPONENTIAL,
    CI_LLM,
    CI_MAX_BATCH,
    CI_MAX_SEQ,
    CI_MAX_TOKENS,
    CI_SHARED,
    DRAIN,
    E_BEND,
    E_STEP,
    E_TIMER,
    EPS,
    G_NOW,
    G_TIMER_AT,
    GI_BATCH_ITEMS,
    GI_BATCHES,
    GI_IN_SERVICE,
    GI_N_LIVE,
    GI_TIMER_GEN,
    GI_WAITING,
    GONE,
    INF,
    QF_EGPU,
    QF_ENQ,
    QF_KV,
    QF_OTOK,
    QF_PTOK,
    QF_SCALE,
    READY,
    RF_BSINCE,
    RF_BUSY_S,
    RF_KVU,
    RF_LAST_T,
    RF_TAT,
    RF_V,
    RI_BUSY,
    RI_GEN,
    RI_NBATCH,
    RI_NENDS,
    RI_NPRE,
    RI_PHEAD,
    RI_STATE,
    RI_TGEN,
    jit,
)


@jit
def slots(st) -> int:  # type: ignore[no-untyped-def]
    return int(st.CI[CI_MAX_SEQ] if st.CI[CI_LLM] else st.CI[CI_MAX_BATCH])


@jit
def serve(st, r: int, q: int, timer: int) -> bool:  # type: ignore[no-untyped-def]
    """Let replica r take work from queue q; True when a batch timer was armed instead."""
    if not st.QL[q]:
        return False
    if st.CI[CI_LLM]:
        if st.RI[r, RI_BUSY] < st.CI[CI_MAX_SEQ]:
            fill(st, r, q)
        return False
    return not st.RI[r, RI_BUSY] and _try_batch(st, r, q, timer)


@jit
def dispatch(st) -> None:  # type: ignore[no-untyped-def]
    if not st.CI[CI_SHARED]:
        return
    i = 0
    while i < st.GI[GI_N_LIVE]:
        r = st.LIVE[i]
        if not st.QL[0]:
            return
        if st.RI[r, RI_STATE] == READY and serve(st, r, 0, -1):
            return
        i += 1


@jit
def flush(st) -> None:  # type: ignore[no-untyped-def]
    if st.CI[CI_SHARED]:
        return
    n_slots = slots(st)
    while st.QL[0]:
        n = st.GI[GI_N_LIVE]
        free = st.CAND  # scratch (see kpool._assign)
        m = 0
        for i in range(n):
            r = st.LIVE[i]
            if st.RI[r, RI_STATE] == READY and st.QL[r + 1] + st.RI[r, RI_BUSY] < n_slots:
                free[m] = r
                m += 1
        if m == 0:
            return
        rid = q_popleft(st, 0)
        kpool.send(st, rid, free[:m])


@jit
def timer_event(st, owner: int, gen: int) -> None:  # type: ignore[no-untyped-def]
    if owner < 0:
        if gen != st.GI[GI_TIMER_GEN]:
            return
        st.G[G_TIMER_AT] = INF
        dispatch(st)
        return
    if gen != st.RI[owner, RI_TGEN]:
        return
    st.RF[owner, RF_TAT] = INF
    s = st.RI[owner, RI_STATE]
    if s == READY or s == DRAIN:  # noqa: SIM109 (numba)
        serve(st, owner, owner + 1, owner)


@jit
def after_service(st, r: int) -> None:  # type: ignore[no-untyped-def]
    llm = st.CI[CI_LLM]
    if st.CI[CI_SHARED]:
        if llm:
            ok = st.RI[r, RI_STATE] == READY and st.QL[0] and st.RI[r, RI_BUSY] < st.CI[CI_MAX_SEQ]
            if ok:
                fill(st, r, 0)
            else:
                schedule(st, r)
        dispatch(st)
    elif st.RI[r, RI_STATE] != GONE:
        if llm:
            fill(st, r, r + 1)
        else:
            serve(st, r, r + 1, r)
        flush(st)


@jit
def release(st, r: int, n: int) -> None:  # type: ignore[no-untyped-def]
    st.RI[r, RI_BUSY] -= n
    if st.RI[r, RI_BUSY] == 0 and not math.isnan(st.RF[r, RF_BSINCE]):
        st.RF[r, RF_BUSY_S] += st.G[G_NOW] - st.RF[r, RF_BSINCE]
        st.RF[r, RF_BSINCE] = math.nan
        if st.RI[r, RI_STATE] == DRAIN and not st.QL[r + 1]:
            kpool.terminate(st, r)


# ---------------------------------------------------------------- dynamic batching
@jit
def batch_s(st, n: int) -> float:  # type: ignore[no-untyped-def]
    linear = st.C[C_SETUP] + st.C[C_PER_ITEM] * n
    return linear if n <= 8 else max(linear, n * st.C[C_BATCH8] / 8)


@jit
def _try_batch(st, r: int, q: int, timer: int) -> bool:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    head_enq = st.QF[st.QH[q], QF_ENQ]
    oldest_wait = now - head_enq
    full = st.QL[q] >= st.CI[CI_MAX_BATCH]
    if full or oldest_wait >= st.C[C_MAX_QDELAY] - EPS:
        _start_batch(st, r, q)
        return False
    _arm_timer(st, timer, head_enq + st.C[C_MAX_QDELAY])
    return True


@jit
def _arm_timer(st, owner: int, at: float) -> None:  # type: ignore[no-untyped-def]
    if owner < 0:
        if st.G[G_TIMER_AT] <= at + EPS:
            return
        st.GI[GI_TIMER_GEN] += 1
        gen = st.GI[GI_TIMER_GEN]
        st.G[G_TIMER_AT] = at
    else:
        if st.RF[owner, RF_TAT] <= at + EPS:
            return
        st.RI[owner, RI_TGEN] += 1
        gen = st.RI[owner, RI_TGEN]
        st.RF[owner, RF_TAT] = at
    now = st.G[G_NOW]
    push(st, now + max(at - now, 0.0), E_TIMER, owner, gen, 0.0)


@jit
def _start_batch(st, r: int, q: int) -> None:  # type: ignore[no-untyped-def]
    kpool.track(st)
    n = min(st.QL[q], st.CI[CI_MAX_BATCH])
    for i in range(n):
        st.BT[r, i] = q_popleft(st, q)
    st.GI[GI_WAITING] -= n
    st.GI[GI_IN_SERVICE] += n
    st.GI[GI_BATCHES] += 1
    st.GI[GI_BATCH_ITEMS] += n
    now = st.G[G_NOW]
    st.RI[r, RI_BUSY], st.RF[r, RF_BSINCE], st.RI[r, RI_NBATCH] = n, now, n
    for i in range(n):
        pool_started(st, st.BT[r, i])
    first = st.BT[r, 0]
    mean = batch_s(st, n) * st.QF[first, QF_SCALE]
    duration = mean * st.QF[first, QF_EGPU] if st.CI[CI_EXPONENTIAL] else mean
    push(st, now + duration, E_BEND, r, st.RI[r, RI_GEN], 0.0)


@jit
def batch_end(st, r: int, gen: int) -> None:  # type: ignore[no-untyped-def]
    if gen != st.RI[r, RI_GEN]:
        return
    n = st.RI[r, RI_NBATCH]
    st.RI[r, RI_NBATCH] = 0
    kpool.track(st)
    st.GI[GI_IN_SERVICE] -= n
    for i in range(n):
        pool_done(st, st.BT[r, i])
    release(st, r, n)
    after_service(st, r)


# ---------------------------------------------------------------- continuous batching
@jit
def step_s(st, n: int, prompt_tokens: float) -> float:  # type: ignore[no-untyped-def]
    return st.C[C_STEP_A] + st.C[C_STEP_B] * n + prompt_tokens / st.C[C_PREFILL_TPS]


@jit
def _chunk(st, r: int) -> float:  # type: ignore[no-untyped-def]
    if not st.RI[r, RI_NPRE]:
        return 0.0
    head = st.PT[r, st.RI[r, RI_PHEAD]]
    return max(min(float(st.CI[CI_MAX_TOKENS] - st.RI[r, RI_NENDS]), head), 1.0)


@jit
def fill(st, r: int, q: int) -> None:  # type: ignore[no-untyped-def]
    _advance(st, r)
    while st.QL[q] and st.RI[r, RI_BUSY] < st.CI[CI_MAX_SEQ]:
        if not _admit(st, r, q):
            break
    schedule(st, r)


@jit
def _advance(st, r: int) -> None:  # type: ignore[no-untyped-def]
    now = st.G[G_NOW]
    if st.RI[r, RI_BUSY]:
        chunk = _chunk(st, r)
        steps = (now - st.RF[r, RF_LAST_T]) / step_s(st, st.RI[r, RI_NENDS], chunk)
        st.RF[r, RF_V] += steps
        if st.RI[r, RI_NPRE]:
            st.PT[r, st.RI[r, RI_PHEAD]] -= steps * chunk
    st.RF[r, RF_LAST_T] = now


@jit
def _admit(st, r: int, q: int) -> bool:  # type: ignore[no-untyped-def]
    rid = st.QH[q]
    prompt, output = st.QF[rid, QF_PTOK], st.QF[rid, QF_OTOK]
    need = prompt + output
    if st.RI[r, RI_BUSY] and st.RF[r, RF_KVU] + need > st.C[C_KV_CAP]:
        return False
    kpool.track(st)
    q_popleft(st, q)
    st.GI[GI_WAITING] -= 1
    if st.RI[r, RI_BUSY] == 0:
        st.RF[r, RF_BSINCE] = st.G[G_NOW]
    st.RI[r, RI_BUSY] += 1
    st.QF[rid, QF_KV] = need
    st.RF[r, RF_KVU] += need
    st.GI[GI_IN_SERVICE] += 1
    pool_started(st, rid)
    scale = st.QF[rid, QF_SCALE]
    s = st.PR.shape[1]
    j = st.RI[r, RI_PHEAD] + st.RI[r, RI_NPRE]  # both below s: no integer division
    j = j - s if j >= s else j
    st.PR[r, j], st.PT[r, j], st.PO[r, j] = rid, prompt * scale, max(output * scale, 1.0)
    st.RI[r, RI_NPRE] += 1
    return True


@jit
def schedule(st, r: int) -> None:  # type: ignore[no-untyped-def]
    st.RI[r, RI_GEN] += 1
    if not st.RI[r, RI_BUSY]:
        return
    chunk = _chunk(st, r)
    tau = step_s(st, st.RI[r, RI_NENDS], chunk)
    prefill_steps = st.PT[r, st.RI[r, RI_PHEAD]] / chunk if st.RI[r, RI_NPRE] else INF
    decode_steps = st.EV[r, 0] - st.RF[r, RF_V] if st.RI[r, RI_NENDS] else INF
    prefill_first = prefill_steps <= decode_steps
    steps = prefill_steps if prefill_first else decode_steps
    target = st.RF[r, RF_V] + steps
    b = st.RI[r, RI_GEN] * 2 + (1 if prefill_first else 0)
    push(st, st.G[G_NOW] + max(steps, 0.0) * tau, E_STEP, r, b, target)


@jit
def step_event(st, r: int, b: int, target: float) -> None:  # type: ignore[no-untyped-def]
    if b // 2 != st.RI[r, RI_GEN]:
        return
    prefill_first = b % 2 == 1
    _advance(st, r)
    v = max(st.RF[r, RF_V], target)
    st.RF[r, RF_V] = v
    s = st.PR.shape[1]
    head = st.RI[r, RI_PHEAD]
    if prefill_first and st.RI[r, RI_NPRE]:
        st.PT[r, head] = min(st.PT[r, head], 0.0)
    tol = EPS * max(1.0, v)
    if st.RI[r, RI_NPRE] and st.PT[r, head] <= 1e-6:
        rid = st.PR[r, head]
        out = st.PO[r, head]
        st.RI[r, RI_PHEAD] = 0 if head + 1 == s else head + 1
        st.RI[r, RI_NPRE] -= 1
        pool_first_token(st, rid)
        hpush(st.EV, st.ER, r, st.RI[r, RI_NENDS], v + out - 1.0, rid)
        st.RI[r, RI_NENDS] += 1
    nfin = 0
    while st.RI[r, RI_NENDS] and st.EV[r, 0] <= v + tol:
        rid = hpop(st.EV, st.ER, r, st.RI[r, RI_NENDS])
        st.RI[r, RI_NENDS] -= 1
        st.SCRP[nfin] = rid
        nfin += 1
    if nfin:
        kpool.track(st)
        st.GI[GI_IN_SERVICE] -= nfin
        for i in range(nfin):
            rid = st.SCRP[i]
            st.RF[r, RF_KVU] -= st.QF[rid, QF_KV]
            pool_done(st, rid)
        release(st, r, nfin)
    after_service(st, r)


from simulations.compiled import kpool  # noqa: E402
