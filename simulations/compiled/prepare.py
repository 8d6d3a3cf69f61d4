"""Python side of the compiled engine: a SegmentInput to flat arrays, and arrays back to records.

Traffic is drawn once by ``simulations.traffic.generate`` from the same streams the SimPy model
uses; the draws the SimPy model makes during its run (cold starts, balancer, failures, outages)
are pre-drawn from the same generators in the order it consumes them. Capacities (replicas,
nodes, events, logs) start small and double inside the kernel when they run out; only the
pre-drawn random numbers cannot grow there: when they run out, the kernel says so and ``build``
is called again with them doubled. Time in seconds.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from numba import njit

from simulations.compiled import layout as L
from simulations.compiled import scipy_left_out
from simulations.device_work import aggregate_speedup, edge_service
from simulations.inputs import SegmentInput
from simulations.streams import LazyStreams
from simulations.traffic import Requests, generate
from simulations.traffic_draws import entity_draws, standard_normals, uniforms

MINUTE_S = 60.0
POLICY = {"edge_only": L.POL_EDGE, "cloud_only": L.POL_CLOUD, "local_first": L.POL_LOCAL}
POLICY["split"] = L.POL_SPLIT
ON_BUDGET = {"queue_locally": L.OB_QUEUE, "drop": L.OB_DROP, "allow": L.OB_ALLOW}
BALANCER = {"least_outstanding": L.LB_LEAST, "round_robin": L.LB_RR, "random": L.LB_RANDOM}
BALANCER |= {"power_of_two": L.LB_P2C, "shared_queue": L.LB_SHARED}
SCALER = {"fixed": L.SC_FIXED, "kpa": L.SC_KPA, "hpa": L.SC_HPA, "schedule": L.SC_SCHEDULE}
SELECT = {"Max": L.SEL_MAX, "Min": L.SEL_MIN, "Disabled": L.SEL_DISABLED}


def tick_s(inp: SegmentInput) -> float:
    sc = inp.pool.scaler
    return {"kpa": sc.kpa.tick_interval_s, "hpa": sc.hpa.sync_period_s, "schedule": 60.0}.get(
        sc.kind, 3600.0
    )


def config(inp: SegmentInput, req: Requests) -> tuple[np.ndarray, np.ndarray]:
    """The read-only settings C (floats) and CI (ints)."""
    c, ci = np.zeros(L.N_C), np.zeros(L.N_CI, dtype=np.int64)
    pool, pol, edge, sc = inp.pool, inp.policy, inp.edge, inp.pool.scaler
    end_s = inp.traffic.rate_per_site.size * inp.traffic.bin_s
    c[L.C_END], c[L.C_WARMUP] = end_s, inp.warmup_s
    c[L.C_CLOUD_TIMEOUT], c[L.C_WAIT_THRESH] = pol.cloud_timeout_s, pol.wait_threshold_s
    c[L.C_FB_RATE], c[L.C_FB_BURST] = pol.fallback_rate_per_s, pol.fallback_burst
    c[L.C_BUDGET] = math.inf if pol.budget_usd is None else pol.budget_usd
    c[L.C_ENCODER], c[L.C_PAYLOAD_RED] = pol.encoder_s, pol.payload_reduction
    c[L.C_WORK_FRAC], c[L.C_OVERHEAD] = pol.cloud_work_fraction, pool.overhead_s
    c[L.C_QTIMEOUT] = pool.queue_timeout_s or 0.0
    c[L.C_MAX_QDELAY] = pool.max_queue_delay_s
    if pool.llm:
        single = 1.0 / pool.single_tps
        m = max(pool.max_sequences, 2)
        b = max((m / pool.aggregate_tps - single) / (m - 1), 0.0)
        c[L.C_STEP_A], c[L.C_STEP_B] = single - b, b
    else:
        per_item = max((pool.batch8_s - pool.batch1_s) / 7, 0.0)
        c[L.C_PER_ITEM], c[L.C_SETUP] = per_item, pool.batch1_s - per_item
    c[L.C_PREFILL_TPS], c[L.C_KV_CAP], c[L.C_BATCH8] = (
        pool.prefill_tps,
        pool.kv_capacity_tokens,
        pool.batch8_s,
    )
    c[L.C_KEEP_ALIVE] = pool.node_keep_alive_s
    c[L.C_BILL_INC], c[L.C_BILL_MIN] = pool.billing.increment_s, pool.billing.minimum_s
    c[L.C_PRICE], c[L.C_COMMITTED] = pool.price_per_replica_s, pool.committed_replicas
    c[L.C_COMMITTED_USD], c[L.C_PRIOR_USD] = pool.committed_usd, inp.budget_spent_usd
    c[L.C_FLOOR_EXTRA] = max(pool.min_replicas - pool.committed_replicas, 0)
    c[L.C_MTBF], c[L.C_MTTR] = edge.mtbf_s, edge.mttr_s
    c[L.C_FULL_RATE] = aggregate_speedup(edge.concurrency, edge.speedup)
    c[L.C_BR_BASE], c[L.C_BR_MAX] = pol.breaker.base_open_s, pol.breaker.max_open_s
    tick = tick_s(inp)
    kpa, hpa = sc.kpa, sc.hpa
    c[L.C_TICK] = tick
    c[L.C_GRACE] = kpa.scale_to_zero_grace_s if sc.kind == "kpa" else 0.0
    c[L.C_KPA_TARGET] = kpa.container_concurrency_target * kpa.target_utilization_pct / 100
    c[L.C_KPA_STABLE_S], c[L.C_KPA_PANIC_THRESH] = (
        kpa.stable_window_s,
        kpa.panic_threshold_pct / 100,
    )
    c[L.C_KPA_UP_RATE], c[L.C_KPA_DOWN_RATE] = kpa.max_scale_up_rate, kpa.max_scale_down_rate
    c[L.C_KPA_DELAY] = kpa.scale_down_delay_s
    c[L.C_KPA_CCT], c[L.C_KPA_BURST] = kpa.container_concurrency_target, kpa.target_burst_capacity
    c[L.C_HPA_TARGET], c[L.C_HPA_TOL] = hpa.target_inflight_per_replica, hpa.tolerance
    c[L.C_HPA_UP_STAB] = hpa.scale_up_stabilization_s
    c[L.C_HPA_DOWN_STAB] = hpa.scale_down_stabilization_s
    periods = [p.period_s for p in hpa.scale_up_policies + hpa.scale_down_policies]
    c[L.C_HPA_MAX_PERIOD] = max(periods, default=0.0)
    c[L.C_DAY_OFFSET], c[L.C_SCHED_LEAD] = inp.day_offset_s, sc.prewarm_lead_s

    ci[L.CI_POLICY], ci[L.CI_SENS_MAY_LEAVE] = POLICY[pol.kind], pol.sensitive_may_leave
    ci[L.CI_QTHRESH], ci[L.CI_ON_BUDGET] = pol.queue_threshold, ON_BUDGET[pol.on_budget_exhausted]
    ci[L.CI_SPLIT_SENS_OK] = pol.sensitive_split_allowed
    ci[L.CI_CAPPING] = pol.budget_usd is not None and pol.on_budget_exhausted != "allow"
    ci[L.CI_HAS_BUDGET] = pol.budget_usd is not None
    ci[L.CI_LLM], ci[L.CI_MAX_SEQ] = pool.llm, pool.max_sequences
    ci[L.CI_MAX_TOKENS], ci[L.CI_MAX_BATCH] = pool.max_batched_tokens, pool.max_batch
    ci[L.CI_LB] = BALANCER[pool.load_balancer]
    ci[L.CI_SHARED] = pool.load_balancer == "shared_queue"
    ci[L.CI_QLIMIT] = -1 if pool.queue_limit is None else pool.queue_limit
    ci[L.CI_HAS_QTIMEOUT] = pool.queue_timeout_s is not None
    ci[L.CI_EXPONENTIAL] = pool.variability == "exponential"
    ci[L.CI_MIN_REP], ci[L.CI_MAX_REP] = pool.min_replicas, pool.max_replicas
    ci[L.CI_INIT_REP], ci[L.CI_N_STAGES] = pool.initial_replicas, len(pool.cold_start)
    ci[L.CI_FLOOR] = pool.min_replicas
    ci[L.CI_CONC], ci[L.CI_DEV_QLIMIT] = edge.concurrency, edge.queue_limit
    ci[L.CI_HAS_FAIL] = edge.mtbf_s < math.inf
    ci[L.CI_BR_ENABLED], ci[L.CI_BR_FAILURES] = pol.breaker.enabled, pol.breaker.failures
    ci[L.CI_SCALER] = SCALER[sc.kind]
    stable_n = max(1, round(kpa.stable_window_s / tick))
    ci[L.CI_STABLE_N] = stable_n
    ci[L.CI_PANIC_N] = max(1, round(stable_n * kpa.panic_window_pct / 100))
    ci[L.CI_UP_SELECT], ci[L.CI_DOWN_SELECT] = (
        SELECT[hpa.scale_up_select],
        SELECT[hpa.scale_down_select],
    )
    ci[L.CI_N_MINUTES] = math.ceil(end_s / MINUTE_S)
    del req
    return c, ci


def requests(
    inp: SegmentInput, req: Requests, eligible_by_class: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-request floats QF and ints QI (what arrived, and the book to fill in)."""
    n = len(req)
    speeds = llm_speeds(inp)
    service, first = np.empty(0), np.empty(0)
    if speeds is None:  # a vision class: its lognormal work is numpy's
        service, first = edge_service(inp.edge, inp.traffic.classes, req)
        speeds = np.zeros((0, 4))
    qf = np.empty((n, L.N_QF))
    qi = np.empty((n, L.N_QI), dtype=np.int32)
    f_row = np.full(L.N_QF, math.nan)
    f_row[L.QF_SCALE] = 1.0  # the other columns are written before they are read
    i_row = np.zeros(L.N_QI, dtype=np.int32)
    i_row[L.QI_PATH], i_row[L.QI_QID] = -2, -1
    with scipy_left_out():  # its first call loads it: numba's set-up would import scipy
        fill_requests(
            qf, qi, f_row, i_row,
            req.arrival_s, service, first, req.z_rtt, req.u_loss, req.request_kb,
            req.response_kb, req.e_gpu, req.prompt_tokens, req.output_tokens, req.site,
            req.sensitive, req.cls, np.asarray(eligible_by_class, dtype=np.bool_),
            float(inp.edge.max_context_tokens), speeds,
        )  # fmt: skip
    return qf, qi


def llm_speeds(inp: SegmentInput) -> np.ndarray | None:
    """Per class (prefill tokens/s, decode tokens/s, overhead s, 1 if the device serves it)
    for ``fill_requests`` to work out ``edge_service``'s device work row by row (the same
    arithmetic); None where a class is not an LLM's."""
    classes, by_class = inp.traffic.classes, inp.edge.llm_by_class
    if not all(c.is_llm for c in classes):
        return None
    out = np.zeros((len(classes), 4))
    for k in range(min(len(classes), len(by_class))):
        if by_class[k] is not None:
            out[k, :3], out[k, 3] = by_class[k], 1.0
    return out


@njit(cache=True)
def fill_requests(
    qf: np.ndarray, qi: np.ndarray, f_row: np.ndarray, i_row: np.ndarray,
    arrival: np.ndarray, service: np.ndarray, first: np.ndarray, z_rtt: np.ndarray,
    u_loss: np.ndarray, request_kb: np.ndarray, response_kb: np.ndarray, e_gpu: np.ndarray,
    prompt: np.ndarray, output: np.ndarray, site: np.ndarray, sensitive: np.ndarray,
    cls: np.ndarray, eligible_by_class: np.ndarray, max_context: float, speeds: np.ndarray,
) -> None:  # fmt: skip
    """Row by row (QF is row-major: 200 bytes a request; writing it column by column walked
    all of its memory once per column): the template rows, then the request's columns. A
    request may go to the edge when its class may, its device can serve it (finite work) and
    its tokens fit the device's context. Where ``service`` is empty, the device work is
    ``edge_service``'s for LLM classes, from ``speeds`` (``llm_speeds``)."""
    n_f, n_i = qf.shape[1], qi.shape[1]
    for r in range(qf.shape[0]):
        for c in range(n_f):
            qf[r, c] = f_row[c]
        if service.size:
            svc, fst = service[r], first[r]
        elif speeds[cls[r], 3]:
            k = cls[r]
            fst = speeds[k, 2] + prompt[r] / speeds[k, 0]
            svc = fst + output[r] / speeds[k, 1]
        else:
            svc = fst = np.inf
        qf[r, L.QF_ARR], qf[r, L.QF_ESVC], qf[r, L.QF_EFIRST] = arrival[r], svc, fst
        qf[r, L.QF_ZRTT], qf[r, L.QF_ULOSS] = z_rtt[r], u_loss[r]
        if e_gpu.size:  # drawn only for an exponential service time (the only reader)
            qf[r, L.QF_EGPU] = e_gpu[r]
        qf[r, L.QF_REQKB], qf[r, L.QF_RESPKB] = request_kb[r], response_kb[r]
        qf[r, L.QF_PTOK], qf[r, L.QF_OTOK] = prompt[r], output[r]
        for c in range(n_i):
            qi[r, c] = i_row[c]
        qi[r, L.QI_SITE], qi[r, L.QI_SENS] = site[r], sensitive[r]
        fits = prompt[r] + output[r] <= max_context
        qi[r, L.QI_ELIG] = eligible_by_class[cls[r]] and np.isfinite(svc) and fits


def build(inp: SegmentInput, req: Requests, qf: np.ndarray, qi: np.ndarray, grow: int) -> Any:
    """The kernel's state for one run; ``grow`` multiplies every estimated capacity."""
    c, ci = config(inp, req)
    pool, edge = inp.pool, inp.edge
    n = len(req)
    end_s = float(c[L.C_END])
    n_rep = pool.max_replicas + pool.initial_replicas + 64
    n_dev, n_links = sum(edge.devices_per_site), len(inp.links)
    conc, seq = max(edge.concurrency, 1), max(pool.max_sequences, 1)
    streams = set_up_streams(inp, req)
    tick = float(c[L.C_TICK])
    sc = pool.scaler
    horizon = max(sc.hpa.scale_up_stabilization_s, sc.hpa.scale_down_stabilization_s)

    def ring(span_s: float) -> int:
        return math.ceil(span_s / tick) + 8

    fail_k = (2 * math.ceil(end_s / max(edge.mtbf_s + edge.mttr_s, 1e-9)) + 8) * grow
    if not math.isfinite(edge.mtbf_s):
        fail_k = 1
    out_k = 8
    for x in inp.links:
        if not x.ideal and x.outages_per_s > 0:
            out_k = max(out_k, 2 * math.ceil(end_s / (1.0 / x.outages_per_s + x.outage_mean_s)) + 8)
    lb_k = 2 * n + 16 if pool.load_balancer in ("random", "power_of_two") else 1
    heap = 1024 + 4 * (n_dev + n_links + n_rep)
    sites = edge.devices_per_site
    site0 = np.concatenate([[0], np.cumsum(sites)[:-1]]).astype(np.int64)
    fdraw = np.zeros((n_dev, 1))
    if ci[L.CI_HAS_FAIL]:
        fdraw = entity_draws(inp, 8, n_dev, fail_k)
    f64, i64 = np.float64, np.int64
    return L.State(
        C=c, CI=ci, G=np.zeros(L.N_G), GI=np.zeros(L.N_GI, dtype=i64),
        HT=np.zeros((heap, 2)),
        HI=np.zeros((heap, 4), dtype=i64),
        QF=qf, QI=qi,
        RF=np.zeros((n_rep, L.N_RF)), RI=np.zeros((n_rep, L.N_RI), dtype=i64),
        QH=np.full(n_rep + 1, -1, dtype=i64), QT=np.full(n_rep + 1, -1, dtype=i64),
        QL=np.zeros(n_rep + 1, dtype=i64), LIVE=np.zeros(n_rep, dtype=i64),
        EV=np.zeros((n_rep, seq)), ER=np.zeros((n_rep, seq), dtype=i64),
        PR=np.zeros((n_rep, seq), dtype=i64), PT=np.zeros((n_rep, seq)), PO=np.zeros((n_rep, seq)),
        BT=np.zeros((n_rep, max(pool.max_batch, 1)), dtype=i64),
        NF=np.zeros((n_rep, L.N_NF)), NI=np.zeros((n_rep, L.N_NI), dtype=i64),
        NLIVE=np.zeros(n_rep, dtype=i64),
        DF=_devices_f(n_dev), DI=_devices_i(n_dev),
        DSV=np.zeros((n_dev, conc), dtype=i64),
        DFV=np.zeros((n_dev, conc)), DFR=np.zeros((n_dev, conc), dtype=i64),
        DEV=np.zeros((n_dev, conc)), DER=np.zeros((n_dev, conc), dtype=i64),
        RATE=np.array(
            [aggregate_speedup(k, edge.speedup) / max(k, 1) for k in range(conc + 1)], dtype=f64
        ),
        SITE0=site0,
        SITEN=np.array(sites, dtype=i64),
        FDRAW=fdraw,
        SCR=np.zeros((n_dev, 3 * conc)), SCRP=np.zeros(seq, dtype=i64),
        CAND=np.zeros(n_rep, dtype=i64),
        WQ=np.zeros((64, 3), dtype=i64),
        LS=_link_specs(inp), LF=_links_f(n_links), LI=_links_i(n_links),
        ODRAW=entity_draws(inp, 9, n_links, out_k * grow),
        STAGES=np.array(pool.cold_start, dtype=f64).reshape(-1, 2),
        COLD=standard_normals(streams.words(10), 4096 * grow * max(len(pool.cold_start), 1)),
        LBU=uniforms(streams.words(11), lb_k),
        AREAS=np.zeros(4 * int(ci[L.CI_STABLE_N]) + 2 + max(int(ci[L.CI_PANIC_N]), 0)),
        REC=np.zeros((ring(sc.kpa.scale_down_delay_s), 2)),
        HH=np.zeros((ring(horizon), 2)),
        HE=np.zeros((ring(float(c[L.C_HPA_MAX_PERIOD])), 2)),
        HPU=_policies(sc.hpa.scale_up_policies), HPD=_policies(sc.hpa.scale_down_policies),
        WIN=np.array(sc.windows, dtype=f64).reshape(-1, 3), KS=np.zeros(4),
        LOGF=np.zeros((1024, 2)), LOGI=np.zeros((1024, L.N_LOGI), dtype=i64),
        SER=np.zeros((7, int(ci[L.CI_N_MINUTES]))), SNAP=np.zeros(L.N_M),
        SNAPPED=np.zeros(1, dtype=i64),
    )  # fmt: skip


def set_up_streams(inp: SegmentInput, req: Requests) -> LazyStreams:
    """The segment's streams for the set-up's draws (cold starts 10, balancer 11): those the
    traffic was drawn from, seeded once, while neither of those two has drawn yet (a second
    ``build`` of the same requests seeds them again, so it draws the same numbers)."""
    streams = req.streams
    if isinstance(streams, LazyStreams) and not {10, 11} & streams.touched:
        return streams
    return LazyStreams(inp)


def init_globals(st: Any, inp: SegmentInput) -> None:
    g, gi = st.G, st.GI
    g[L.G_CAP] = math.inf
    g[L.G_TIMER_AT] = math.inf
    g[L.G_PANIC_SINCE] = math.nan
    g[L.G_PROXY_SINCE] = 0.0  # the activator is in the path from the start
    g[L.G_TOKENS] = inp.policy.fallback_burst
    gi[L.GI_LAST_RID] = -1
    gi[L.GI_REGSEQ : L.GI_REGSEQ + L.N_REG] = -1


def _policies(pols: tuple[Any, ...]) -> np.ndarray:
    rows = [(0.0 if p.kind == "Pods" else 1.0, p.value, p.period_s) for p in pols]
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def _devices_f(n: int) -> np.ndarray:
    df = np.zeros((n, L.N_DF))
    df[:, L.DF_BSINCE] = df[:, L.DF_DSINCE] = math.nan
    return df


def _devices_i(n: int) -> np.ndarray:
    di = np.zeros((n, L.N_DI), dtype=np.int64)
    di[:, L.DI_UP] = 1
    di[:, L.DI_QHEAD] = di[:, L.DI_QTAIL] = -1
    return di


def _link_specs(inp: SegmentInput) -> np.ndarray:
    """One row per link (one array from the rows: filling it row by row cost 3 us a link)."""
    rows = [
        (
            x.rtt_median_s,
            x.rtt_p95_s,
            x.rtt_p99_s,
            x.loss,
            x.uplink_kbps,
            x.downlink_kbps,
            x.outages_per_s,
            x.outage_mean_s,
            float(x.ideal),
        )
        for x in inp.links
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, L.N_LS)


def _links_f(n: int) -> np.ndarray:
    lf = np.zeros((n, L.N_LF))
    lf[:, L.LF_DSINCE] = math.nan
    return lf


def _links_i(n: int) -> np.ndarray:
    li = np.zeros((n, L.N_LI), dtype=np.int64)
    li[:, L.LI_UP] = 1
    li[:, L.LI_WHEAD] = li[:, L.LI_WTAIL] = li[:, L.LI_BPROBE] = -1
    return li


def traffic(inp: SegmentInput) -> Requests:
    exponential = inp.pool.variability == "exponential"
    return generate(inp.traffic, LazyStreams(inp), gpu_draws=exponential)


def recorded(req: Requests) -> Requests:
    """The requests with only the columns the records return (the draws the kernel reads are
    in QF): 40 bytes a request less while the kernel runs."""
    empty = np.empty(0)
    return replace(req, request_kb=empty, z_service=empty, z_rtt=empty, u_loss=empty, e_gpu=empty)
