"""Memory layout of the compiled engine's state: flat numpy arrays and the column numbers in them.

Like the pigeonholes of a sorting office: every replica, node, device, link and request has a row,
every field a fixed column, so the numba kernels pass one tuple of arrays around and hold no
Python objects. Column numbers are module constants (numba freezes them at compile time).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

F = TypeVar("F", bound=Callable[..., Any])
F1 = F2 = I1 = I2 = np.ndarray
"""Annotations of kernel array parameters: float/int, 1-D/2-D (they set the compiled types)."""

KERNELS: list[Any] = []
"""Every kernel, for ``simulations.compiled.build_kernels`` (explicit signatures)."""


def jit(fn: F) -> F:
    """numba's njit with the on-disk cache, typed for mypy. Kernels are compiled once, with the
    types their annotations name (see ``kernels.compile_all``), never per call-site literal.
    Only ``entry`` kernels can be called from Python: a CPython wrapper unboxing the state's
    arrays costs seconds of compile time per function."""
    options: dict[str, Any] = {"cache": True, "no_cpython_wrapper": True}
    dispatcher = njit(**options)(fn)
    KERNELS.append(dispatcher)
    return cast(F, dispatcher)


def inline(fn: F) -> F:
    """A small kernel on the hot path that numba inlines into its callers: no call, and no
    reference count taken and dropped on the state per call (measured: the loop's CPU time per
    event fell from ~180 to ~160 ns on ``article_1m_chat``). Only for kernels with few call
    sites, so the code and the compile time do not grow."""
    options: dict[str, Any] = {"cache": True, "no_cpython_wrapper": True, "inline": "always"}
    dispatcher = njit(**options)(fn)
    KERNELS.append(dispatcher)
    return cast(F, dispatcher)


def entry(fn: F) -> F:
    """A kernel Python calls (with its CPython wrapper)."""
    dispatcher = njit(cache=True)(fn)
    KERNELS.append(dispatcher)
    return cast(F, dispatcher)


INF = float("inf")
EPS = 1e-9

# ---------------------------------------------------------------- events (heap kinds)
E_ARR, E_MON, E_SNAP, E_TICK, E_WAKE, E_FAIL, E_OUT, E_LWAIT, E_GIVEUP = range(9)
E_REACH, E_EXPIRE, E_NREADY, E_NEXP, E_RREADY, E_TIMER, E_BEND, E_STEP, E_DEV, E_GUARD = range(
    9, 19
)

N_REG = 4
"""Event kinds below N_REG (arrivals, monitor, snapshot, autoscaler tick) have at most one
pending event each: it waits in a register (time, sequence number) instead of the heap, and the
loop takes the earliest of the heap's top and the registers by the same (time, sequence) rule,
so the order is the heap's and one push and one pop per such event are saved."""
assert (E_ARR, E_MON, E_SNAP, E_TICK) == tuple(range(N_REG))

# ---------------------------------------------------------------- config C (float), CI (int)
(
    C_END,
    C_WARMUP,
    C_CLOUD_TIMEOUT,
    C_WAIT_THRESH,
    C_FB_RATE,
    C_FB_BURST,
    C_BUDGET,
    C_ENCODER,
    C_PAYLOAD_RED,
    C_WORK_FRAC,
    C_OVERHEAD,
    C_QTIMEOUT,
    C_MAX_QDELAY,
    C_STEP_A,
    C_STEP_B,
    C_PREFILL_TPS,
    C_KV_CAP,
    C_SETUP,
    C_PER_ITEM,
    C_BATCH8,
    C_KEEP_ALIVE,
    C_BILL_INC,
    C_BILL_MIN,
    C_PRICE,
    C_COMMITTED,
    C_COMMITTED_USD,
    C_PRIOR_USD,
    C_FLOOR_EXTRA,
    C_MTBF,
    C_MTTR,
    C_FULL_RATE,
    C_BR_BASE,
    C_BR_MAX,
    C_TICK,
    C_GRACE,
    C_KPA_TARGET,
    C_KPA_STABLE_S,
    C_KPA_PANIC_THRESH,
    C_KPA_UP_RATE,
    C_KPA_DOWN_RATE,
    C_KPA_DELAY,
    C_HPA_TARGET,
    C_HPA_TOL,
    C_HPA_UP_STAB,
    C_HPA_DOWN_STAB,
    C_HPA_MAX_PERIOD,
    C_DAY_OFFSET,
    C_SCHED_LEAD,
    C_KPA_CCT,
    C_KPA_BURST,
    N_C,
) = range(51)
(
    CI_POLICY,
    CI_SENS_MAY_LEAVE,
    CI_QTHRESH,
    CI_ON_BUDGET,
    CI_SPLIT_SENS_OK,
    CI_CAPPING,
    CI_HAS_BUDGET,
    CI_LLM,
    CI_MAX_SEQ,
    CI_MAX_TOKENS,
    CI_MAX_BATCH,
    CI_LB,
    CI_SHARED,
    CI_QLIMIT,
    CI_HAS_QTIMEOUT,
    CI_EXPONENTIAL,
    CI_MIN_REP,
    CI_MAX_REP,
    CI_INIT_REP,
    CI_N_STAGES,
    CI_FLOOR,
    CI_CONC,
    CI_DEV_QLIMIT,
    CI_HAS_FAIL,
    CI_BR_ENABLED,
    CI_BR_FAILURES,
    CI_SCALER,
    CI_STABLE_N,
    CI_PANIC_N,
    CI_UP_SELECT,
    CI_DOWN_SELECT,
    CI_N_MINUTES,
    N_CI,
) = range(33)
POL_EDGE, POL_CLOUD, POL_LOCAL, POL_SPLIT = range(4)
OB_QUEUE, OB_DROP, OB_ALLOW = range(3)
LB_LEAST, LB_RR, LB_RANDOM, LB_P2C, LB_SHARED = range(5)
SC_FIXED, SC_KPA, SC_HPA, SC_SCHEDULE = range(4)
SEL_MAX, SEL_MIN, SEL_DISABLED = range(3)

# ---------------------------------------------------------------- global scalars G / GI
(
    G_NOW,
    G_IN_AREA,
    G_IN_T,
    G_OVER_AREA,
    G_OVER_T,
    G_CAP,
    G_CLOSED_BILLED,
    G_TOKENS,
    G_TOKENS_T,
    G_TIMER_AT,
    G_PANIC_SINCE,
    G_ZERO_SINCE,
    G_PROXY_SINCE,
    G_VT,  # the last autoscaler tick run or skipped (``kticks``)
    G_VCAP,  # G_CAP when the ticks were skipped
    G_REG,  # times of the register events (N_REG slots from here)
) = range(16)
N_G = G_REG + 4
(
    GI_HN,
    GI_SEQ,
    GI_OVERFLOW,
    GI_WAITING,
    GI_IN_SERVICE,
    GI_BATCHES,
    GI_BATCH_ITEMS,
    GI_LAST_RID,
    GI_N_REP,
    GI_N_LIVE,
    GI_N_NODES,
    GI_N_NLIVE,
    GI_CNT0,  # replica counts by state: GI_CNT0 + state
    GI_CNT1,
    GI_CNT2,
    GI_CNT3,
    GI_TIMER_GEN,
    GI_TRIPPED,
    GI_GUARD_GEN,
    GI_EDGE_IN_SYS,
    GI_DEV_DOWN,
    GI_LINKS_DOWN,
    GI_IN_TRANSIT,
    GI_ALERTS,
    GI_KEPT_BREAKER,
    GI_KEPT_LINKDOWN,
    GI_COLD_IDX,
    GI_LB_IDX,
    GI_NLOG,
    GI_WAKE,  # 0 running, 1 asleep (wake event pending creation), 2 woken (event scheduled)
    GI_ARR_NEXT,
    GI_MON_I,
    GI_MAX_PANIC,
    GI_AREA_COUNT,
    GI_AREA_LEN,
    GI_ZERO_SINCE_SET,
    GI_REC_HEAD,
    GI_REC_LEN,
    GI_HH_HEAD,
    GI_HH_LEN,
    GI_HE_HEAD,
    GI_HE_LEN,
    GI_EVENTS,
    GI_NWAIT,
    GI_EXP_HEAD,  # the pool's deadline list (request id + 1, 0 = empty): oldest, newest
    GI_EXP_TAIL,
    GI_EXP_ARMED,  # 1 while the one timeout event waits for the oldest deadline
    GI_VOK,  # 1: the autoscaler's quiet ticks may be skipped (``kticks``)
    GI_VJUMP,  # 1: ticks after G_VT are being skipped
    GI_VDIRTY,  # 1: a skipped tick's input may have changed in this event
    GI_VC,  # in flight, ready and provisioning replicas when the ticks were skipped
    GI_VREADY,
    GI_VPROV,
    GI_VTODO,  # skipped ticks not yet caught up before the register's tick
    GI_REGSEQ,  # sequence numbers of the register events, -1 when empty (N_REG slots)
) = range(55)
GI_KIND = GI_REGSEQ + 4
"""Events run, by kind (N_KINDS slots from here): what a replication's loop time went to."""
N_KINDS = E_GUARD + 1
EVENT_KINDS = (
    "arrival", "monitor", "snapshot", "tick", "wake", "failure", "outage", "link_wait",
    "give_up", "reach_pool", "expire", "node_ready", "node_expire", "replica_ready", "timer",
    "batch_end", "step", "device", "guard",
)  # fmt: skip
"""Names of the event kinds E_ARR .. E_GUARD, in that order (benchmarks print them)."""
assert len(EVENT_KINDS) == N_KINDS
GI_DEV_AHEAD = GI_KIND + N_KINDS
"""Device events run without the heap (``kedge``): first tokens run ahead of time, then events
settled on the device. Not events of the loop: benchmarks print them beside the kinds."""
GI_DEV_SETTLED = GI_DEV_AHEAD + 1
GI_TICKS_SKIPPED = GI_DEV_SETTLED + 1
"""Autoscaler ticks skipped (``kticks``): not events of the loop either."""
N_GI = GI_TICKS_SKIPPED + 1
LATE_SEQ = 1 << 62
"""The sequence number of a tick register set after skipped ticks (``kticks``): it comes after
every event at the same instant."""

# ---------------------------------------------------------------- requests QF / QI
(
    QF_ARR,
    QF_ESVC,
    QF_EFIRST,
    QF_ZRTT,
    QF_ULOSS,
    QF_REQKB,
    QF_RESPKB,
    QF_EGPU,
    QF_PTOK,
    QF_OTOK,
    QF_SCALE,
    QF_DEADLINE,
    QF_PF,
    QF_ENQ,
    QF_KV,
    QF_DWORK,
    QF_DFIRST,
    QF_DSTART,
    QF_DONE,
    QF_TTFT,
    QF_WAIT,
    QF_START,
    QF_SVC,
    QF_PARR,
    N_QF,
) = range(25)
(
    QI_SITE,
    QI_SENS,
    QI_ELIG,
    QI_PATH,
    QI_REASON,
    QI_LEFT,
    QI_QNEXT,
    QI_QPREV,
    QI_QID,
    QI_LNEXT,
    QI_WDONE,
    QI_SPLIT,
    QI_DNEXT,
    QI_ENEXT,  # the next request on the pool's deadline list (id + 1, 0 = none)
    N_QI,
) = range(15)

# ---------------------------------------------------------------- replicas RF / RI
RF_REQ, RF_READY, RF_END, RF_BSINCE, RF_BUSY_S, RF_TAT, RF_V, RF_LAST_T, RF_KVU, N_RF = range(10)
RI_STATE, RI_BUSY, RI_TGEN, RI_GEN, RI_NODE, RI_NENDS, RI_NPRE, RI_PHEAD, RI_NBATCH, N_RI = range(
    10
)
PROV, READY, DRAIN, GONE = range(4)

# ---------------------------------------------------------------- nodes NF / NI
NF_REQ, NF_READY, NF_END, N_NF = range(4)
NI_STATE, NI_OCC, NI_IMG, NI_IGEN, NI_WAIT, N_NI = range(6)
N_PROV, N_READY, N_GONE = range(3)

# ---------------------------------------------------------------- devices DF / DI
DF_V, DF_LAST_T, DF_BSINCE, DF_BUSY_S, DF_DSINCE, DF_DOWN_S, DF_BACKLOG = range(7)
DF_VT, DF_V0, DF_L0, DF_PT, DF_PTGT, N_DF = range(7, 13)
"""DF_VT, DF_V0, DF_L0: a first token the device ran ahead of time (``kedge._ahead``): its time,
and the clock (v, last_t) before it, to undo it when a failure or the segment's end comes first.
DF_PT, DF_PTGT: the device's pending event (time, target) where it is kept on the device
(``kedge.settle``) rather than in the heap; DI_PEND says whether there is one."""
(
    DI_UP,
    DI_GEN,
    DI_NSVC,
    DI_QHEAD,
    DI_QTAIL,
    DI_QLEN,
    DI_NFIRST,
    DI_NEND,
    DI_PHASE,
    DI_FIDX,
    DI_VRID,
    DI_PEND,
    N_DI,
) = range(13)
"""DI_VRID: 1 + the request whose first token ran ahead of time (DF_VT), 0: none."""

# ---------------------------------------------------------------- links LS / LF / LI
LS_MED, LS_P95, LS_P99, LS_LOSS, LS_UPKBPS, LS_DNKBPS, LS_RATE, LS_MEAN, LS_IDEAL, N_LS = range(10)
LF_UP_FREE, LF_UP_BUSY, LF_DN_FREE, LF_DSINCE, LF_DOWN_S, LF_OPEN_UNTIL, N_LF = range(7)
(
    LI_UP,
    LI_WHEAD,
    LI_WTAIL,
    LI_PHASE,
    LI_OIDX,
    LI_BSTATE,
    LI_BFAIL,
    LI_BOPENED,
    LI_BPROBE,
    LI_BOPENS,
    N_LI,
) = range(11)
B_CLOSED, B_OPEN, B_HALF = range(3)

# ---------------------------------------------------------------- scaling log LOGI flags
(
    R_PANIC,
    R_STABLE,
    R_HPA_NOPODS,
    R_HPA_TOL,
    R_HPA_RATIO,
    R_SCHED_IN,
    R_SCHED_OUT,
    R_ACTIVATOR,
    R_CAP,
    R_FIXED,
) = range(10)
FL_DELAY, FL_UP_LIMIT, FL_DOWN_LIMIT, FL_STAB, FL_MIN, FL_MAX, FL_GRACE, FL_HELD = (
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
)
LOGI_BEFORE, LOGI_AFTER, LOGI_CODE, LOGI_FLAGS, LOGI_WIN, N_LOGI = range(6)

# ---------------------------------------------------------------- series rows
SER_EDGE, SER_PQ, SER_PSVC, SER_READY, SER_PROV, SER_LINKS, SER_DEVS = range(7)

# ---------------------------------------------------------------- snapshot measures
(
    M_DEV_BUSY,
    M_DEV_DOWN,
    M_OUTAGE,
    M_GPU_BUSY,
    M_GPU_READY,
    M_BATCHES,
    M_ITEMS,
    M_BR_OPENS,
    M_KEPT_BREAKER,
    M_KEPT_LINKDOWN,
    N_M,
) = range(11)

FIELDS = {
    "C": "f1", "CI": "i1", "G": "f1", "GI": "i1", "HT": "f2", "HI": "i2", "QF": "f2", "QI": "j2",
    "RF": "f2", "RI": "i2", "QH": "i1", "QT": "i1", "QL": "i1", "LIVE": "i1", "EV": "f2",
    "ER": "i2", "PR": "i2", "PT": "f2", "PO": "f2", "BT": "i2",
    "NF": "f2", "NI": "i2", "NLIVE": "i1",
    "DF": "f2", "DI": "i2", "DSV": "i2", "DFV": "f2", "DFR": "i2", "DEV": "f2", "DER": "i2",
    "RATE": "f1", "SITE0": "i1", "SITEN": "i1", "FDRAW": "f2",
    "SCR": "f2", "SCRP": "i1", "WQ": "i2", "CAND": "i1",
    "LS": "f2", "LF": "f2", "LI": "i2", "ODRAW": "f2",
    "STAGES": "f2", "COLD": "f1", "LBU": "f1",
    "AREAS": "f1", "REC": "f2", "HH": "f2", "HE": "f2", "HPU": "f2", "HPD": "f2", "WIN": "f2",
    "KS": "f1", "LOGF": "f2", "LOGI": "i2", "SER": "f2", "SNAP": "f1", "SNAPPED": "i1",
}  # fmt: skip
"""The state's arrays: f/i/j = float64/int64/int32, 1/2 = dimensions (all C-contiguous). The
requests' ints are int32 (ids, sites, paths and flags fit; 56 bytes a request less)."""
_make_tuple: Any = namedtuple
State: Any = _make_tuple("State", list(FIELDS))
