"""What-if: two or more scenarios side by side — what differs, and what it changes.

Like a tracked-changes view of two proposals: the inputs that differ from the first (the
reference), then every KPI and every monthly cost line of each, with the delta against the
reference. The figures are read from each RunResult; nothing is re-simulated here.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from planner import formatting as fmt
from planner.links import Decoded, flatten, from_params
from planner.run import RunResult
from planner.scenario import Scenario

KPIS = (
    ("p50 latency", "latency_ms.p50", "ms"),
    ("p95 latency", "latency_ms.p95", "ms"),
    ("p99 latency", "latency_ms.p99", "ms"),
    ("p95 time to first token", "ttft_ms.p95", "ms"),
    ("SLO attainment", "slo_attainment", "pct"),
    ("fallback rate", "fallback_rate", "pct"),
    ("drop rate", "drop_rate", "pct"),
    ("GPU-hours a month", "cloud.gpu_hours", "hours"),
    ("peak replicas", "cloud.peak_replicas", "replicas"),
    ("edge utilisation", "edge.utilization", "pct"),
    ("egress a month", "egress_gb", "gb"),
)
IGNORED = ("name", "description", "simulation.processes")


def decode_link(link: str) -> Decoded:
    """A pasted link (full URL or just its query string) -> scenario plus any messages."""
    text = link.strip()
    query = urlsplit(text).query if "?" in text else text
    return from_params(dict(parse_qsl(query, keep_blank_values=True)))


def decode_file(data: bytes, name: str) -> Scenario:
    """A saved scenario (YAML, as ``python -m planner show`` prints it); ScenarioError if bad.
    Read like a scenario file: size, encoding and YAML limits first (``planner.safe_input``)."""
    from planner.errors import ScenarioError
    from planner.presets import validate
    from planner.safe_input import MAX_FILE_BYTES, decode_utf8, parse_yaml

    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{name}: {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    raw = parse_yaml(decode_utf8(data, name), name)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{name}: must hold a mapping of scenario sections")
    return validate(raw)


def changed_inputs(scenarios: list[Scenario]) -> list[dict[str, Any]]:
    """One row per input whose value is not the same in every scenario."""
    flats = [flatten(s.model_dump(mode="json")) for s in scenarios]
    paths = sorted(set().union(*flats))
    rows = []
    for path in paths:
        values = [f.get(path) for f in flats]
        if path in IGNORED or all(v == values[0] for v in values):
            continue
        rows.append({"input": path, **{label(i): v for i, v in enumerate(values)}})
    return rows


def label(i: int) -> str:
    return "reference" if i == 0 else f"what-if {i}"


def delta_rows(named: list[tuple[str, list[float]]]) -> list[dict[str, Any]]:
    """Rows of values per scenario plus each what-if's change against the reference."""
    rows = []
    for name, values in named:
        row: dict[str, Any] = {"figure": name}
        for i, v in enumerate(values):
            row[label(i)] = v
            if i:
                ref = values[0]
                ok = math.isfinite(v) and math.isfinite(ref)
                row[f"Δ {i}"] = v - ref if ok else math.nan
        rows.append(row)
    return rows


Named = list[tuple[str, str, list[float]]]
"""(figure, kind, value per scenario); kind as ``planner.formatting.cell`` reads it."""


def kpi_figures(results: list[RunResult]) -> Named:
    named = [(name, kind, [r.get(key) for r in results]) for name, key, kind in KPIS]
    named.append(("monthly cost", "usd", [monthly_total(r) for r in results]))
    named.append(
        ("TCO over horizon", "usd", [float(r.extras["cost"]["horizon_usd"]) for r in results])
    )
    return named


def kpi_rows(results: list[RunResult]) -> list[dict[str, Any]]:
    return delta_rows([(name, values) for name, _, values in kpi_figures(results)])


def monthly_total(r: RunResult) -> float:
    return float(r.extras["cost"]["monthly_usd"]["total"])


def cost_figures(results: list[RunResult]) -> Named:
    lines = list(dict.fromkeys(k for r in results for k in r.extras["cost"]["monthly_usd"]))
    return [
        (
            fmt.label(line),
            "usd",
            [float(r.extras["cost"]["monthly_usd"].get(line, 0.0)) for r in results],
        )
        for line in lines
    ]


def cost_rows(results: list[RunResult]) -> list[dict[str, Any]]:
    return delta_rows([(name, values) for name, _, values in cost_figures(results)])


def display_rows(named: Named, is_llm: bool = True) -> list[dict[str, str]]:
    """``delta_rows`` as read: every value and delta in its unit, no raw float."""
    rows = []
    for name, kind, values in named:
        row = {"figure": name}
        for i, v in enumerate(values):
            row[label(i)] = shown(kind, v, is_llm)
            if i:
                row[f"Δ {i}"] = delta(kind, v - values[0])
        rows.append(row)
    return rows


def shown(kind: str, x: float, is_llm: bool = True) -> str:
    if kind == "ms" and fmt.missing(x):
        return fmt.NA if is_llm else "n/a (vision)"
    if kind == "replicas":
        return fmt.number(x, 1)
    if kind == "gb":
        return fmt.number(x, 1, " GB")
    return fmt.cell(kind, x)


def delta(kind: str, d: float) -> str:
    """A change in the figure's unit; proportions in percentage points."""
    if fmt.missing(d):
        return fmt.NA
    if d == 0:
        return "no change"
    sign = "+" if d > 0 else "−"
    if kind == "pct":
        points = abs(d) * 100
        return f"{sign}{points:.1f} pp" if points >= 0.05 else f"{sign}<0.1 pp"
    text = shown(kind, abs(d))
    if text == shown(kind, 0.0):  # a change under the last digit shown read '−0.0 GB'
        return "no change at this precision"
    return sign + text


def decisions(results: list[RunResult]) -> list[str]:
    return [str(r.extras["decision"]["architecture"]) for r in results]
