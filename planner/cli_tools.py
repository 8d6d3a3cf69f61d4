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

from planner.calibrate import MAX_BYTES, calibrate, calibration_json, read_pilot
from planner.cli import EXTRA_COMMANDS, add_scenario_args, int_in, scenario_from_args
from planner.errors import ScenarioError
from planner.safe_input import read_bytes


def cmd_calibrate(args: argparse.Namespace) -> int:
    path = Path(args.pilot)
    data = read_bytes(path, MAX_BYTES, "a pilot CSV of two weeks is a few MB")
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


def add_sweep_args(p: argparse.ArgumentParser) -> None:
    add_scenario_args(p)
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="Dask scheduler (tcp://host:8786), or 'inprocess'; default $PLANNER_DASK_SCHEDULER, "
        "else a LocalCluster with one worker process per core",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def cmd_optimize(args: argparse.Namespace) -> int:
    from planner.optimise import Constraints, default_constraints, optimise, optimise_json
    from planner.search_space import parse_vary
    from planner.sweeps import clean, sweeper

    s = scenario_from_args(args)
    if args.evaluations < 1:
        raise ScenarioError(f"--evaluations {args.evaluations}: must be >= 1")
    space = parse_vary(args.vary) if args.vary else None
    base = default_constraints(s)
    constraints = Constraints(
        args.min_attainment if args.min_attainment is not None else base.min_slo_attainment,
        args.max_drop_rate,
        base.residency,
    )
    with sweeper(args.scheduler) as sw:
        result = optimise(s, sw, args.evaluations, space, constraints)
    out = clean(optimise_json(result))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{s.name}: {out['method']}, {out['evaluated']} simulations ({result.where})")
    print(f"constraints: {out['constraints']}")
    best = out["cheapest_feasible"]
    print("cheapest feasible: " + (point_text(best) if best else "none found"))
    print("Pareto front (monthly USD, SLO attainment, p95):")
    for point in out["front"]:
        print("  " + point_text(point))
    return 0


def point_text(p: dict[str, Any]) -> str:
    from planner.formatting import ms, pct, usd

    sets = " ".join(f"{k}={v}" for k, v in p["overrides"].items()) or "as stated"
    return (
        f"{usd(p['monthly_usd'])}/month, attainment {pct(p['slo_attainment'], 2)}, "
        f"p95 {ms(p['p95_ms'])}{'' if p['feasible'] else ' (infeasible)'}: {sets}"
    )


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from planner import sensitivity_text as text
    from planner.sensitivity import sensitivity
    from planner.sweeps import clean, sweeper

    s = scenario_from_args(args)
    with sweeper(args.scheduler) as sw:
        out = clean(sensitivity(s, sw, args.replications))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['scenario']}: {text.headline(out)}")
    rows = text.table(out)
    cols = [c for c in (rows[0] if rows else {}) if c != "range from"]
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for r in rows:
        print("  ".join(r[c].ljust(w) for c, w in zip(cols, widths, strict=True)))
    for line in text.flips_found(out) + text.notes(out) + text.check_lines(out):
        print(f"- {line}")
    return 0


def cmd_break_even(args: argparse.Namespace) -> int:
    from planner.sweeps import break_even_volume, clean, sweeper

    s = scenario_from_args(args)
    with sweeper(args.scheduler) as sw:
        rows, volume = break_even_volume(s, sw)
    out = clean({"rows": rows, "break_even_requests_per_month": volume})
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['requests_per_month']:>14,.0f} requests/month: edge-only "
            f"${row['edge_usd']:,.0f}, cloud-only ${row['cloud_usd']:,.0f}"
        )
    print(f"break-even volume: {'none in range' if volume is None else f'{volume:,.0f}'}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("break-even", help="edge-only vs cloud-only cost from x0.1 to x10 volume")
    add_sweep_args(p)
    p.set_defaults(func=cmd_break_even)

    p = sub.add_parser("sensitivity", help="tornado: swing and flip point per uncertain input")
    add_sweep_args(p)
    p.add_argument(
        "--replications",
        type=int_in(1, 64),
        help="replications per point (default: the scenario's own, on the same seeds as its "
        "main run; 1 is quicker and rougher)",
    )
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("optimize", help="cheapest configurations meeting the SLO (Pareto front)")
    add_sweep_args(p)
    p.add_argument("--evaluations", type=int, default=60, help="configurations to simulate")
    p.add_argument(
        "--vary",
        action="append",
        metavar="PATH[+PATH]=V1,V2,...",
        help="search this field over these values (repeatable; replaces the default space)",
    )
    p.add_argument("--min-attainment", type=float, help="SLO attainment target (default from SLO)")
    p.add_argument("--max-drop-rate", type=float, default=0.01, help="largest share dropped")
    p.set_defaults(func=cmd_optimize)

    p = sub.add_parser("calibrate", help="fit the edge and cloud service models to a pilot CSV")
    p.add_argument("pilot", help="pilot CSV: target, prompt_tokens, output_tokens, latency_ms, ...")
    p.add_argument("--json", action="store_true", help="print the fit as JSON")
    p.set_defaults(func=cmd_calibrate)


EXTRA_COMMANDS.append(register)
