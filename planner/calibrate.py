"""Pilot calibration: fit the engine's edge and cloud service models to a pilot's measurements.

Like a tailor taking measurements before cutting: a two-week pilot (one device, one small
endpoint) logs each request's size and latency; this module fits the very service models the
engine simulates and hands back the ``--set`` overrides that make the planner use them.

The pilot CSV (UTF-8, header row, one request per row):

* ``target`` — ``edge`` or ``cloud``: where the request ran.
* ``prompt_tokens``, ``output_tokens`` — LLM token counts (both 0 for a vision frame).
* ``latency_ms`` — service latency of the request: on the device for ``edge``; at the endpoint
  for ``cloud`` (server side, one request at a time: the network is the link model's job).
* ``ttft_ms`` (optional) — time to first token; sharpens the prefill fit.
* ``frame_kb`` (optional) — payload size of a vision frame (recorded, not fitted).
* ``timestamp`` (optional) — when the request ran (recorded, not fitted).

Models (the engine's, ``simulations/engine.py`` and ``simulations/gpu_pool.py``): an LLM request
takes ``overhead + prompt / prefill_tokens_per_s + output / decode_tokens_per_s`` and its first
token arrives after ``overhead + prompt / prefill_tokens_per_s`` — fitted by least squares of
relative residuals on latency and TTFT rows together. A vision frame's time is lognormal: fitted
from the mean and standard deviation of log latency, reported as p50/p99. Times in milliseconds.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

from planner.errors import ScenarioError, excerpt
from planner.safe_input import MAX_CSV_BYTES, decimal, read_csv
from simulations.traffic import gamma_sizes

Target = Literal["edge", "cloud"]
TARGETS: tuple[Target, ...] = ("edge", "cloud")
REQUIRED = ("target", "prompt_tokens", "output_tokens", "latency_ms")
OPTIONAL = ("ttft_ms", "frame_kb", "timestamp")
NUMERIC = ("prompt_tokens", "output_tokens", "latency_ms", "ttft_ms", "frame_kb")
MIN_ROWS = 10
"""Fewest rows a target needs for a fit (three LLM parameters plus a residual spread)."""
MAX_BYTES = MAX_CSV_BYTES
Z99 = 2.3263478740408408


@dataclass(frozen=True)
class PilotRow:
    line: int
    target: Target
    prompt_tokens: float
    output_tokens: float
    latency_ms: float
    ttft_ms: float | None


@dataclass(frozen=True)
class LlmFit:
    overhead_ms: float
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    r2: float
    """Share of the latency variance the model explains."""
    residual_sd_ms: float
    """Standard deviation of latency residuals (measured - fitted)."""
    n: int
    ttft_rows: int
    kind: str = "llm"


@dataclass(frozen=True)
class VisionFit:
    p50_ms: float
    p99_ms: float
    empirical_p50_ms: float
    empirical_p99_ms: float
    r2: float
    """Squared correlation of the lognormal Q-Q plot (1 = a perfect lognormal)."""
    residual_sd_ms: float
    """Standard deviation of the sorted latencies around the fitted lognormal quantiles."""
    n: int
    kind: str = "vision"


Fit = LlmFit | VisionFit


def read_pilot(data: bytes, name: str = "pilot") -> list[PilotRow]:
    """Parse and check a pilot CSV through the input gate (``planner.safe_input.read_csv``:
    size, UTF-8, shape); ScenarioError naming the row and column on bad input."""
    header, records = read_csv(data, name, MAX_BYTES)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ScenarioError(
            f"{name}: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED)}"
        )
    rows = [parse_row(raw, line, name) for line, raw in records]
    for target in TARGETS:
        n = sum(r.target == target for r in rows)
        if 0 < n < MIN_ROWS:
            raise ScenarioError(f"{name}: {n} '{target}' rows; a fit needs at least {MIN_ROWS}")
    if not rows:
        raise ScenarioError(f"{name}: no data rows; a fit needs at least {MIN_ROWS}")
    return rows


def parse_row(raw: dict[str, str], line: int, name: str) -> PilotRow:
    target = raw["target"].strip()
    if target not in TARGETS:
        raise ScenarioError(
            f"{name} row {line}, column target: {excerpt(target)} is not edge or cloud"
        )
    values: dict[str, float | None] = {}
    for col in NUMERIC:
        cell = raw.get(col, "")
        if not cell.strip():
            if col in REQUIRED:
                raise ScenarioError(f"{name} row {line}, column {col}: empty")
            values[col] = None
            continue
        values[col] = parse_number(cell, line, col, name)
    return PilotRow(
        line=line,
        target=target,  # narrowed by the check against TARGETS above
        prompt_tokens=values["prompt_tokens"] or 0.0,
        output_tokens=values["output_tokens"] or 0.0,
        latency_ms=values["latency_ms"] or 0.0,
        ttft_ms=values["ttft_ms"],
    )


def parse_number(cell: str, line: int, col: str, name: str) -> float:
    where = f"{name} row {line}, column {col}"
    value = decimal(cell, where)
    if value < 0:
        raise ScenarioError(f"{where}: {excerpt(cell.strip())} must be >= 0")
    if col == "latency_ms" and value == 0:
        raise ScenarioError(f"{where}: must be > 0")
    return value


def fit_llm(rows: list[PilotRow], name: str, target: str) -> LlmFit:
    """Least squares of latency = a + p/prefill + o/decode and TTFT = a + p/prefill, jointly,
    on relative residuals (each row weighted by 1 / its measurement)."""
    p = np.array([r.prompt_tokens for r in rows])
    o = np.array([r.output_tokens for r in rows])
    lat = np.array([r.latency_ms for r in rows]) / 1000
    with_ttft = [r for r in rows if r.ttft_ms is not None]
    a_rows = [np.column_stack([np.ones_like(p), p, o])]
    b_rows = [lat]
    if with_ttft:
        tp = np.array([r.prompt_tokens for r in with_ttft])
        a_rows.append(np.column_stack([np.ones_like(tp), tp, np.zeros_like(tp)]))
        b_rows.append(np.array([r.ttft_ms or 0.0 for r in with_ttft]) / 1000)
    a, b = np.vstack(a_rows), np.concatenate(b_rows)
    # relative residuals: measurement jitter grows with the duration measured
    coef, *_ = np.linalg.lstsq(a / b[:, None], np.ones_like(b), rcond=None)
    overhead_s, inv_prefill, inv_decode = (float(c) for c in coef)
    if inv_prefill <= 0 or inv_decode <= 0 or overhead_s < 0:
        raise ScenarioError(
            f"{name}: the {target} rows do not identify the model (fitted overhead "
            f"{overhead_s * 1000:.1f} ms, 1/prefill {inv_prefill:.3g}, 1/decode {inv_decode:.3g} "
            "s/token); prompt and output lengths must vary independently across requests"
        )
    resid = lat - (overhead_s + p * inv_prefill + o * inv_decode)
    return LlmFit(
        overhead_ms=overhead_s * 1000,
        prefill_tokens_per_s=1 / inv_prefill,
        decode_tokens_per_s=1 / inv_decode,
        r2=r_squared(lat, resid),
        residual_sd_ms=float(np.std(resid * 1000, ddof=3)),
        n=len(rows),
        ttft_rows=len(with_ttft),
    )


def r_squared(y: np.ndarray, resid: np.ndarray) -> float:
    total = float(np.sum((y - y.mean()) ** 2))
    return 1 - float(np.sum(resid**2)) / total if total > 0 else math.nan


def fit_vision(rows: list[PilotRow]) -> VisionFit:
    """Lognormal from log latency's mean and spread; its Q-Q correlation as goodness of fit."""
    lat = np.sort(np.array([r.latency_ms for r in rows]))
    logs = np.log(lat)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=1))
    n = lat.size
    # Blom plotting positions: normal scores of the sorted sample
    scores = normal_ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    fitted = np.exp(mu + sigma * scores)
    corr = float(np.corrcoef(scores, logs)[0, 1]) if sigma > 0 else 1.0
    return VisionFit(
        p50_ms=math.exp(mu),
        p99_ms=math.exp(mu + Z99 * sigma),
        empirical_p50_ms=float(np.quantile(lat, 0.5)),
        empirical_p99_ms=float(np.quantile(lat, 0.99)),
        r2=corr**2,
        residual_sd_ms=float(np.std(lat - fitted, ddof=2)),
        n=n,
    )


def normal_ppf(q: np.ndarray) -> np.ndarray:
    """Standard normal quantiles (the standard library's, element by element)."""
    nd = NormalDist()
    return np.array([nd.inv_cdf(float(x)) for x in q])


@dataclass(frozen=True)
class Calibration:
    edge: Fit | None
    cloud: Fit | None
    rows: int


def calibrate(rows: list[PilotRow], name: str = "pilot") -> Calibration:
    """Fit each target present in the pilot: LLM if any row has tokens, else vision."""
    fits: dict[str, Fit | None] = {}
    for target in TARGETS:
        mine = [r for r in rows if r.target == target]
        if not mine:
            fits[target] = None
        elif any(r.prompt_tokens or r.output_tokens for r in mine):
            fits[target] = fit_llm(mine, name, target)
        else:
            fits[target] = fit_vision(mine)
    return Calibration(edge=fits["edge"], cloud=fits["cloud"], rows=len(rows))


def overrides_for(target: Target, fit: Fit) -> dict[str, float]:
    """The ``--set`` overrides that make the engine use the fitted model."""
    if isinstance(fit, LlmFit):
        out = {
            f"{target}.llm_overhead_ms": round(fit.overhead_ms, 3),
            f"{target}.llm_prefill_tokens_per_s": round(fit.prefill_tokens_per_s, 3),
            f"{target}.llm_decode_tokens_per_s": round(fit.decode_tokens_per_s, 4),
        }
    elif target == "edge":
        out = {
            "edge.vision_p50_ms": round(fit.p50_ms, 3),
            "edge.vision_p99_ms": round(fit.p99_ms, 3),
        }
    else:  # the pool's vision service is deterministic per batch: its median is batch-1 time
        out = {"cloud.batch1_ms": round(fit.p50_ms, 3)}
    if target == "cloud":
        out["cloud.request_overhead_ms"] = 0.0  # the pilot's overhead already holds the gateway
    return out


def calibration_json(cal: Calibration) -> dict[str, Any]:
    out: dict[str, Any] = {"rows": cal.rows}
    for target in TARGETS:
        fit = cal.edge if target == "edge" else cal.cloud
        if fit is None:
            out[target] = None
            continue
        out[target] = {**asdict(fit), "overrides": overrides_for(target, fit)}
    return out


def all_overrides(cal: Calibration) -> dict[str, float]:
    out: dict[str, float] = {}
    for target in TARGETS:
        fit = cal.edge if target == "edge" else cal.cloud
        if fit is not None:
            out.update(overrides_for(target, fit))
    return out


# --------------------------------------------------------------------------- synthetic pilots
def synthetic_llm_rows(
    target: Target,
    overhead_ms: float,
    prefill_tokens_per_s: float,
    decode_tokens_per_s: float,
    n: int,
    seed: int,
    jitter_cv: float = 0.02,
) -> list[dict[str, Any]]:
    """Pilot rows drawn from the engine's LLM model: gamma token counts (mean 100, cv 0.5, as
    the engine draws them) and the model's latency and TTFT, each times a lognormal
    measurement jitter of coefficient ``jitter_cv``."""
    rng = np.random.default_rng([seed, TARGETS.index(target)])
    prompt = gamma_sizes(100, 0.5, n, rng)
    output = gamma_sizes(100, 0.5, n, rng)
    ttft = overhead_ms + prompt / prefill_tokens_per_s * 1000
    latency = ttft + output / decode_tokens_per_s * 1000
    jitter = np.exp(jitter_cv * rng.standard_normal((2, n)))
    return [
        {
            "target": target,
            "prompt_tokens": int(prompt[i]),
            "output_tokens": int(output[i]),
            "latency_ms": round(float(latency[i] * jitter[0, i]), 2),
            "ttft_ms": round(float(ttft[i] * jitter[1, i]), 2),
            "timestamp": f"2026-11-{1 + i * 14 // n:02d}T{9 + i % 9:02d}:00:00Z",
        }
        for i in range(n)
    ]


def synthetic_vision_rows(
    target: Target, p50_ms: float, p99_ms: float, n: int, seed: int, frame_kb: float = 60
) -> list[dict[str, Any]]:
    """Pilot rows drawn from the engine's lognormal frame-time model (p50, p99)."""
    rng = np.random.default_rng([seed, TARGETS.index(target)])
    sigma = math.log(p99_ms / p50_ms) / Z99
    latency = p50_ms * np.exp(sigma * rng.standard_normal(n))
    return [
        {
            "target": target,
            "prompt_tokens": 0,
            "output_tokens": 0,
            "latency_ms": round(float(x), 3),
            "frame_kb": frame_kb,
        }
        for x in latency
    ]


def pilot_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as pilot CSV text (every column the rows use, required ones first)."""
    cols = [*REQUIRED, *(c for c in OPTIONAL if any(c in r for r in rows))]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


SAMPLE_PILOT = {
    "edge": {"overhead_ms": 350.0, "prefill_tokens_per_s": 350.0, "decode_tokens_per_s": 7.6},
    "cloud": {"overhead_ms": 90.0, "prefill_tokens_per_s": 2500.0, "decode_tokens_per_s": 26.0},
}
"""Stated parameters of ``presets/pilots/pi5_hailo10h_l4_chat.csv``: a Pi 5 + AI HAT+ 2 a little
slower than its catalog profile and an L4 endpoint (seed 14; 200 edge and 100 cloud requests)."""


def sample_pilot_rows(seed: int = 14) -> list[dict[str, Any]]:
    """The rows of the shipped sample pilot, drawn from the model with SAMPLE_PILOT."""
    e, c = SAMPLE_PILOT["edge"], SAMPLE_PILOT["cloud"]
    return synthetic_llm_rows("edge", n=200, seed=seed, **e) + synthetic_llm_rows(
        "cloud", n=100, seed=seed, **c
    )
