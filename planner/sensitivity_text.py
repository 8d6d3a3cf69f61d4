"""How a sensitivity result reads: the same labelled, formatted rows on the Overview, in the
memo and in the CLI (``planner.formatting`` underneath, so no raw float reaches a reader).

Like the legend under a tornado chart: each input with its range in its own unit, the monthly
cost and SLO attainment at either end, and where the recommendation flips — or plainly that it
does not within the range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.formatting import NA, compact, label, missing, pct, usd

Row = dict[str, Any]
NOT_COMPUTED = (
    "Sensitivity was not computed for this memo: which input would move the cost, the SLO "
    "attainment or the recommendation is not shown. It takes a sweep of simulations (press "
    "'Compute sensitivity' on the Overview before preparing the memo, or run "
    "`python -m planner memo --sensitivity`)."
)


def value(x: float | None, unit: str) -> str:
    """An input's value in its unit: counts compactly (1.5M), others to 3 significant digits."""
    if missing(x):
        return NA
    assert x is not None
    if unit == "requests/month":
        return compact(x)
    if unit.startswith("USD"):
        return usd(x, cents=True)
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def short_unit(unit: str) -> str:
    return {
        "requests/month": "/month",
        "USD/GPU-hour": "/GPU-h",
        "s (median, all stages)": "s",
        "ms (median)": "ms",
    }.get(unit, unit)


def range_text(row: Row) -> str:
    u = short_unit(row["unit"])
    sep = "" if u.startswith("/") else " "
    return f"{value(row['low'], row['unit'])} – {value(row['high'], row['unit'])}{sep}{u}"


def flip_text(row: Row) -> str:
    flip = row["flip_at"]
    if isinstance(flip, str) or flip is None:
        return "no flip within range"
    u = short_unit(row["unit"])
    sep = "" if u.startswith("/") else " "
    return f"{row['flip_to']} at {value(flip, row['unit'])}{sep}{u}"


def table(out: dict[str, Any]) -> list[dict[str, str]]:
    """One formatted row per input, in tornado order."""
    return [
        {
            "input": r["input"],
            "range": range_text(r),
            "range from": r["range_from"],
            "monthly cost, low / high end": pair(r["monthly_usd"], usd),
            "SLO met, low / high end": pair(r["slo_attainment"], pct),
            "flips at": flip_text(r),
        }
        for r in out["rows"]
    ]


def pair(triple: dict[str, float | None], fmt: Callable[[float | None], str]) -> str:
    return f"{fmt(triple['low'])} / {fmt(triple['high'])}"


def headline(out: dict[str, Any]) -> str:
    """One sentence: the base point, how many simulations, and their precision."""
    base = out["base"]
    return (
        f"As stated the recommendation is {out['recommendation']}; the figures are this "
        f"scenario's own routing, {label(out.get('routing', ''))}: "
        f"{usd(base['monthly_usd'])} a month, {pct(base['slo_attainment'])} of requests "
        "within the SLO. "
        f"{screen_base(out)}"
        f"{out['evaluated']} evaluations (each simulates the scenario and the counterparts "
        "that can run); "
        f"{out['precision']}."
    )


def screen_base(out: dict[str, Any]) -> str:
    """Where the tornado's bars start when the screen is not the full run: the screen's own
    stated point (on the same traffic as its ends), which differs from the main run's figures
    by the noise of fewer replications."""
    rows = out["rows"]
    if not rows or out.get("replications") == out.get("confirm_replications"):
        return ""
    m, a = rows[0]["monthly_usd"]["base"], rows[0]["slo_attainment"]["base"]
    return (
        f"The tornado's bars start from the screen's own stated point ({usd(m)}, {pct(a)}), on "
        "the same traffic as its ends. "
    )


def flips_found(out: dict[str, Any]) -> list[str]:
    """The simulated flips of the tornado, as sentences."""
    return [
        f"{r['flip_to']} if {r['input']} moves to {flip_text(r).split(' at ', 1)[1]} "
        f"(now {value(r['value'], r['unit'])}; found by simulation)"
        for r in out["rows"]
        if not isinstance(r["flip_at"], str) and r["flip_at"] is not None
    ]


def notes(out: dict[str, Any]) -> list[str]:
    """Flips the screen showed that the full run did not (so none is reported for them)."""
    return [f"{r['input']}: {r['note']}" for r in out["rows"] if r.get("note")]


def check_lines(out: dict[str, Any] | None) -> list[str]:
    """What the simulation said about the verdict's scaled volume flips."""
    if not out:
        return []
    return [c["text"] for c in out.get("flip_checks", [])]
