"""The RunResult as plain data: the CLI's JSON and the rows every view shows.

Like the minutes of a meeting: one agreed text of what was decided, which the dashboard, the
terminal and the memo all quote, so no two of them can disagree on a figure.
"""

from __future__ import annotations

import json
import math
from typing import Any

from planner.run import RunResult

TIMING_KEYS = ("wall_s", "replication_wall_s", "simulated_requests_per_s")


def nest(flat: dict[str, float]) -> dict[str, Any]:
    """``{'a.b': 1}`` -> ``{'a': {'b': 1}}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, tuples lists, numpy scalars floats."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


def result_dict(result: RunResult, timings: bool = True) -> dict[str, Any]:
    """The whole result as nested plain data."""
    f = result.figures
    body = nest(f)
    req = body["requests"]
    for key in ("arrived", "completed", "completed_in_window", "dropped", "in_flight_at_end"):
        req[key] = int(req[key])
    for key in ("unfinished_by_book", "in_system_at_end"):
        req[key] = int(req[key])
    req["dropped_by_reason"] = {k: int(v) for k, v in req["dropped_by_reason"].items()}
    # the book's unfinished requests against the engine's own count of what is still inside
    req["conservation_holds"] = bool(req["conservation_holds"])
    s = result.scenario
    engine = dict(result.engine)
    if not timings:
        for key in TIMING_KEYS:
            engine.pop(key, None)
    out: dict[str, Any] = {
        "scenario": {"name": s.name, "preset": s.preset, "seed": s.simulation.seed},
        **body,
        "sensitive_left_site": int(f["sensitive_left_site"]),
        "ci95": {k: list(v) for k, v in sorted(result.ci95.items())},
        "engine": engine,
    }
    out.update({k: v for k, v in result.extras.items() if k in ("cost", "decision", "compliance")})
    return clean(out)  # type: ignore[no-any-return]


def result_json(result: RunResult, timings: bool = True) -> str:
    return json.dumps(result_dict(result, timings), indent=2, sort_keys=False)
