"""Arrays back to ``SegmentRecords``: the same records the SimPy engine returns.

Scaling-log reasons are rebuilt from the kernel's integer codes with the SimPy model's wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from simulations.compiled import knodes
from simulations.compiled import layout as L
from simulations.compiled.kloop import measures
from simulations.inputs import SegmentInput
from simulations.records import SERIES, Rows, SegmentRecords
from simulations.traffic import Requests

FLAG_TEXT = (
    (L.FL_DELAY, "; scale-down delay hold"),
    (L.FL_UP_LIMIT, "; scale-up policy limit"),
    (L.FL_DOWN_LIMIT, "; scale-down policy limit"),
    (L.FL_STAB, "; stabilisation window hold"),
)


def reason_text(inp: SegmentInput, code: int, flags: int, win: int, val: float) -> str:
    """The SimPy model's reason string for a scaling decision."""
    head, fmt, tail = reason_parts(inp, code, flags, win)
    return head + (format(val, fmt) if fmt else "") + tail


def reason_texts(
    inp: SegmentInput, codes: list[int], flags: list[int], wins: list[int], vals: list[float]
) -> list[str]:
    """``reason_text`` of every log row; the words are built once per distinct decision kind
    (code, flags, window) and only the value is formatted per row."""
    parts: dict[tuple[int, int, int], tuple[str, str, str]] = {}
    out = []
    for key, val in zip(zip(codes, flags, wins, strict=True), vals, strict=True):
        p = parts.get(key)
        if p is None:
            p = parts[key] = reason_parts(inp, *key)
        out.append(p[0] + (format(val, p[1]) if p[1] else "") + p[2])
    return out


def reason_parts(inp: SegmentInput, code: int, flags: int, win: int) -> tuple[str, str, str]:
    """A decision's reason as (words before the value, the value's format or "", words after)."""
    kpa, pool = inp.pool.scaler.kpa, inp.pool
    head, fmt = "", ""
    if code == L.R_PANIC:
        panic_window_s = max(1.0, kpa.stable_window_s * kpa.panic_window_pct / 100)
        head, fmt, text = "panic: ", ".1f", f" in flight over {panic_window_s:g} s"
    elif code == L.R_STABLE:
        head, fmt, text = "stable: ", ".1f", f" in flight over {kpa.stable_window_s:g} s"
    elif code == L.R_HPA_NOPODS:
        text = "no pods: no metric"
    elif code == L.R_HPA_TOL:
        head, fmt, text = "within tolerance (ratio ", ".2f", ")"
    elif code == L.R_HPA_RATIO:
        head, fmt, text = "ratio ", ".2f", ""
    elif code == L.R_SCHED_IN:
        start, end, _ = inp.pool.scaler.windows[win]
        text = f"schedule window {start / 3600:g}-{end / 3600:g} h"
    elif code == L.R_SCHED_OUT:
        text = "schedule: outside windows"
    elif code == L.R_ACTIVATOR:
        text = "activator: request while at zero"
    elif code == L.R_CAP:
        text = "budget exhausted: nodes above the floor released"
    else:
        text = "fixed"
    for bit, suffix in FLAG_TEXT:
        if flags & bit:
            text += suffix
    if flags & L.FL_MIN:
        text += f"; raised to min {pool.min_replicas}"
    if flags & L.FL_MAX:
        text += f"; capped at max {pool.max_replicas}"
    if flags & L.FL_GRACE:
        text += "; no traffic for the stable window, grace over"
    if flags & L.FL_HELD:
        text += "; held at the floor (budget exhausted)"
    return head, fmt, text


def in_system(st: Any) -> int:
    gi = st.GI
    n_live = int(gi[L.GI_N_LIVE])
    on_devices = int(st.DI[:, L.DI_QLEN].sum() + st.DI[:, L.DI_NSVC].sum())
    in_queues = int(st.QL[0]) + int(st.QL[st.LIVE[:n_live] + 1].sum())
    return on_devices + int(gi[L.GI_IN_TRANSIT]) + in_queues + int(gi[L.GI_IN_SERVICE])


def window(inp: SegmentInput, st: Any, ref: Any) -> dict[str, Any]:
    """What the window measures, read at its end (before the drain moves the state on): the
    measures, replicas' and nodes' lives, the scaling log's length, billing, link use."""
    end_s = float(st.C[L.C_END])
    end = np.zeros(L.N_M)
    measures(ref, end)
    n_rep, n_nodes = int(st.GI[L.GI_N_REP]), int(st.GI[L.GI_N_NODES])
    rf, ri, nf, ni = st.RF[:n_rep], st.RI[:n_rep], st.NF[:n_nodes], st.NI[:n_nodes]
    rep_end = np.where(ri[:, L.RI_STATE] == L.GONE, rf[:, L.RF_END], end_s)
    instances = np.column_stack((rf[:, L.RF_REQ], rf[:, L.RF_READY], rep_end))
    node_end = np.where(ni[:, L.NI_STATE] == L.N_GONE, nf[:, L.NF_END], end_s)
    return {
        "end": end,
        "instances": Rows[tuple[float, float, float]](instances),
        "nodes": Rows[tuple[float, float]](np.column_stack((nf[:, L.NF_REQ], node_end))),
        "n_log": int(st.GI[L.GI_NLOG]),
        "alerts": float(st.GI[L.GI_ALERTS]),
        "billed": float(knodes.spent_usd(ref, end_s)),
        "uplink_busy_s": float(sum(float(x) for x in st.LF[:, L.LF_UP_BUSY])),
    }


def records(
    inp: SegmentInput, req: Requests, st: Any, ref: Any, win: dict[str, Any] | None = None
) -> SegmentRecords:
    """Records from the state's arrays (``st``); ``ref`` is the kernels' handle on them;
    ``win``: ``window`` read at the window's end (read now where None: no drain ran)."""
    end_s = float(st.C[L.C_END])
    win = window(inp, st, ref) if win is None else win
    snap = st.SNAP if st.SNAPPED[0] else np.zeros(L.N_M)
    delta = win["end"] - snap
    n_log = win["n_log"]
    log = ScalingLog(inp, st.LOGF[:n_log].copy(), st.LOGI[:n_log].copy())
    n_devices = sum(inp.edge.devices_per_site)
    span = end_s - inp.warmup_s
    qf, qi = st.QF, st.QI
    return SegmentRecords(
        arrival_s=req.arrival_s,
        site=req.site,
        cls=req.cls,
        sensitive=req.sensitive,
        prompt_tokens=req.prompt_tokens,
        output_tokens=req.output_tokens,
        response_kb=req.response_kb,
        path=qi[:, L.QI_PATH].astype(np.int8),
        reason=qi[:, L.QI_REASON].astype(np.int8),
        done_s=qf[:, L.QF_DONE].copy(),
        ttft_s=qf[:, L.QF_TTFT].copy(),
        wait_s=qf[:, L.QF_WAIT].copy(),
        service_s=qf[:, L.QF_SVC].copy(),
        left_site=qi[:, L.QI_LEFT].astype(bool),
        warmup_s=inp.warmup_s,
        end_s=end_s,
        series={k: st.SER[i].copy() for i, k in enumerate(SERIES)},
        scaling_log=log,
        instances=win["instances"],
        nodes=win["nodes"],
        links=len(inp.links),
        device_busy_s=float(delta[L.M_DEV_BUSY]),
        device_up_s=n_devices * span - float(delta[L.M_DEV_DOWN]),
        devices=n_devices,
        batches=int(delta[L.M_BATCHES]),
        batch_items=int(delta[L.M_ITEMS]),
        gpu_busy_s=float(delta[L.M_GPU_BUSY]),
        gpu_ready_s=float(delta[L.M_GPU_READY]),
        outage_s=float(delta[L.M_OUTAGE]),
        in_system_at_end=in_system(st),
        events=int(st.GI[L.GI_EVENTS]),
        extra={
            "budget_alerts": win["alerts"],
            "billed_usd": win["billed"],
            "breaker_opens": float(delta[L.M_BR_OPENS]),
            "kept_local_by_breaker": float(delta[L.M_KEPT_BREAKER]),
            "kept_local_link_down": float(delta[L.M_KEPT_LINKDOWN]),
            "uplink_busy_s": win["uplink_busy_s"],
        },
    )


class ScalingLog(Sequence[tuple[float, int, int, str]]):
    """The scaling log's rows (time s, replicas before, after, reason), the reasons worded when
    a row is first read: only the charts read them, and wording them was a third of turning a
    segment's arrays into records."""

    def __init__(self, inp: SegmentInput, logf: np.ndarray, logi: np.ndarray) -> None:
        self.inp, self.logf, self.logi = inp, logf, logi
        self._rows: list[tuple[float, int, int, str]] | None = None

    def rows(self) -> list[tuple[float, int, int, str]]:
        if self._rows is None:
            logf, logi = self.logf, self.logi
            reasons = reason_texts(
                self.inp,
                logi[:, L.LOGI_CODE].tolist(),
                logi[:, L.LOGI_FLAGS].tolist(),
                logi[:, L.LOGI_WIN].tolist(),
                logf[:, 1].tolist(),
            )
            rows = zip(
                logf[:, 0].tolist(),
                logi[:, L.LOGI_BEFORE].tolist(),
                logi[:, L.LOGI_AFTER].tolist(),
                reasons,
                strict=True,
            )
            self._rows = list(rows)
        return self._rows

    def __len__(self) -> int:
        return int(self.logf.shape[0])

    @overload
    def __getitem__(self, i: int) -> tuple[float, int, int, str]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[float, int, int, str]]: ...

    def __getitem__(
        self, i: int | slice
    ) -> tuple[float, int, int, str] | list[tuple[float, int, int, str]]:
        return self.rows()[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return self.rows() == list(other)

    __hash__ = None  # type: ignore[assignment]
