"""How a figure reads: one place for milliseconds, percentages, money, counts and labels.

Like a newspaper's style sheet: every page, the memo and the CLI table print "1.2 s", "99.9 %",
"$4,111" and "edge-only" the same way, so a reader comparing two screens never meets 4111.5904,
0.758 beside 75.8 %, or ``dropped_by_reason`` in a table. Missing values read "n/a".
"""

from __future__ import annotations

import math
from collections.abc import Callable

NA = "n/a"

LABELS = {
    "edge_only": "edge-only",
    "cloud_only": "cloud-only",
    "local_first": "hybrid (local-first)",
    "split": "hybrid (split)",
    "edge-first": "edge-first",
    "cloud-first": "cloud-first",
    "hybrid": "hybrid",
    "not_applicable": "not applicable",
    "not_edge_eligible": "not eligible for the device",
    "queue_full": "device queue full",
    "pool_queue_full": "GPU pool queue full",
    "device_failed": "device failed",
    "offline": "link offline",
    "budget_exhausted": "cloud budget exhausted",
    "residency": "must stay on site",
    "edge_amortization": "edge amortisation",
    "edge_power": "edge power",
    "edge_maintenance": "edge maintenance",
    "edge_ops_fees": "edge ops fees",
    "connectivity": "connectivity",
    "cloud_gpu": "cloud GPU time",
    "cloud_egress": "cloud egress",
    "cloud_fixed": "cloud fixed overhead",
    "device_identity_sso": "device identity and SSO",
    "encryption": "encryption",
    "data_residency": "data residency",
    "multi_tenant_isolation": "multi-tenant isolation",
    "backups_audit": "backups and audit logs",
    "secure_ota_signing": "secure OTA and model signing",
    "supply_chain_firmware": "supply chain and firmware",
    "on_demand": "on demand",
    "full_month": "full month",
    "representative_days": "representative days",
    "latency_ms.p95": "p95 latency",
    "slo_attainment": "SLO attainment",
    "fallback_rate": "fallback rate",
    "drop_rate": "drop rate",
    "cloud.gpu_hours": "GPU-hours",
}


def missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def label(key: str) -> str:
    """A human label for an identifier (``edge_only`` -> ``edge-only``)."""
    return LABELS.get(key, key.replace("_", " "))


def ms(x: float | None) -> str:
    """A duration given in milliseconds: 0.42 ms, 35 ms, 1.23 s, 27.9 s, 3.4 min."""
    if missing(x):
        return NA
    assert x is not None
    if x < 10:
        return f"{x:.2g} ms" if x < 1 else f"{x:.1f} ms"
    if x < 1000:
        return f"{x:,.0f} ms"
    if x < 10_000:
        return f"{x / 1000:.2f} s"
    if x < 120_000:
        return f"{x / 1000:.1f} s"
    return f"{x / 60_000:,.1f} min"


def ttft(x: float | None, is_llm: bool = True) -> str:
    """Time to first token: 'n/a (vision)' where no token is streamed."""
    return ms(x) if is_llm else "n/a (vision)"


def pct(x: float | None, digits: int = 1) -> str:
    """A proportion (0-1) as a percentage; tiny non-zero shares do not read as 0.0 %."""
    if missing(x):
        return NA
    assert x is not None
    p = x * 100
    floor = 10.0**-digits
    if 0 < p < floor:
        return f"<{floor:g} %"
    if 100 - floor < p < 100:
        return f">{100 - floor:g} %"
    return f"{p:.{digits}f} %"


def usd(x: float | None, cents: bool | None = None) -> str:
    """Money: $4,112 (cents below $100 unless told otherwise)."""
    if missing(x):
        return NA
    assert x is not None
    show_cents = cents if cents is not None else 0 < abs(x) < 100
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.2f}" if show_cents else f"{sign}${abs(x):,.0f}"


def usd_rate(x: float | None) -> str:
    """A price per unit, never rounded away: $10.00, $0.80, $0.805, $1.006 (a reader multiplies
    it by the hours shown and must get the line shown)."""
    if missing(x):
        return NA
    assert x is not None
    text = f"{x:,.4f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{x:,.2f}"
    return f"${text}"


def per_requests(total_usd: float | None, requests: float | None) -> str:
    """Unit cost: per 1,000 requests, or per 1M requests when per 1,000 would read $0.00."""
    if missing(total_usd) or missing(requests) or not requests:
        return NA
    assert total_usd is not None and requests is not None
    per_1k = total_usd / requests * 1000
    if per_1k < 0.005:
        return f"{usd(per_1k * 1000, cents=True)} per 1M requests"
    return f"{usd(per_1k, cents=True)} per 1,000 requests"


def count(x: float | None) -> str:
    """An integer count with thousands separators."""
    if missing(x):
        return NA
    assert x is not None
    return f"{round(x):,}"


def compact(x: float | None) -> str:
    """A large count in words: 3.1M, 13.6B, 66k."""
    if missing(x):
        return NA
    assert x is not None
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            v = x / size
            return f"{v:.3g}{suffix}" if v < 100 else f"{v:,.0f}{suffix}"
    return f"{x:.3g}"


def number(x: float | None, digits: int = 1, unit: str = "") -> str:
    if missing(x):
        return NA
    assert x is not None
    return f"{x:,.{digits}f}{unit}"


def interval(ci: tuple[float, float] | None, fmt: Callable[[float], str]) -> str:
    """'a – b' or a plain statement that one replication gives no interval."""
    if not ci or missing(ci[0]) or missing(ci[1]):
        return "one replication: no interval"
    return f"{fmt(ci[0])} – {fmt(ci[1])}"


def peak_range(figures: dict[str, float], replications: int) -> str:
    """How the peak GPU replicas figure was read: the highest peak of the replications, and
    the lowest beside it (the dashboard, the memo and the CLI all say it this way)."""
    low = figures.get("cloud.peak_replicas_min")
    if replications < 2 or low is None or missing(low):
        return "peak of the one replication"
    return f"highest of {replications} replications' peaks (lowest {number(low, 0)})"


def cell(kind: str, x: float | None, is_llm: bool = True) -> str:
    """One table cell by the kind of figure: ms, ttft, pct, usd, hours, count, score."""
    if kind == "ttft" and missing(x):
        return "—" if is_llm else "n/a (vision)"
    if kind in ("ms", "ttft"):
        return ms(x)
    if kind == "pct":
        return pct(x)
    if kind == "usd":
        return usd(x, cents=False) if not missing(x) and abs(x or 0) >= 10 else usd(x)
    if kind == "hours":
        return number(x, 1, " h")
    if kind == "count":
        return count(x)
    if kind == "score":
        return number(x, 1) if missing(x) or (x or 0) < 0 else "+" + number(x, 1)
    return number(x, 2)
