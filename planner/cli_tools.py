"""CLI planning tools: ``calibrate`` (fit a pilot), ``optimize`` and ``sensitivity`` (sweeps).

Like the back pages of a field manual: the questions an architect brings after the first run
— what does our own pilot say, what is the cheapest setup that meets the SLO, which assumption
would change the answer. Each prints a readable summary, or JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from planner.calibrate import calibrate, calibration_json, read_pilot
from planner.cli import EXTRA_COMMANDS, add_scenario_args, parse_set, scenario_from_args
from planner.errors import ScenarioError


def cmd_calibrate(args: argparse.Namespace) -> int:
    path = Path(args.pilot)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from None
    out = calibration_json(calibrate(read_pilot(data, path.name), path.name))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{path.name}: {out['rows']} rows")
    for target in ("edge", "cloud"):
        fit = out[target]
        if fit is None:
            print(f"{target}: no rows")
            continue
        print(f"{target} ({fit['kind']}, n={fit['n']}): {describe_fit(fit)}")
        sets = " ".join(f"--set {k}={v:g}" for k, v in fit["overrides"].items())
        print(f"  apply with: {sets}")
    return 0


def describe_fit(fit: dict[str, Any]) -> str:
    if fit["kind"] == "llm":
        head = (
            f"overhead {fit['overhead_ms']:.1f} ms, prefill {fit['prefill_tokens_per_s']:.1f} "
            f"tok/s, decode {fit['decode_tokens_per_s']:.2f} tok/s"
        )
    else:
        head = f"p50 {fit['p50_ms']:.2f} ms, p99 {fit['p99_ms']:.2f} ms (lognormal)"
    return f"{head}; R² {fit['r2']:.4f}, residual sd {fit['residual_sd_ms']:.2f} ms"


def register(sub: Any) -> None:
    p = sub.add_parser("calibrate", help="fit the edge and cloud service models to a pilot CSV")
    p.add_argument("pilot", help="pilot CSV: target, prompt_tokens, output_tokens, latency_ms, ...")
    p.add_argument("--json", action="store_true", help="print the fit as JSON")
    p.set_defaults(func=cmd_calibrate)


EXTRA_COMMANDS.append(register)
__all__ = ["add_scenario_args", "parse_set", "scenario_from_args"]
