"""CLI commands that run the engine: ``simulate`` and ``check-theory``."""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from typing import Any

from planner.cli import (
    EXIT_BAD_INPUT,
    EXTRA_COMMANDS,
    add_engine_args,
    add_scenario_args,
    float_between,
    int_in,
    scenario_from_args,
)
from planner.engines import compile_bytecode, describe, warm
from planner.formatting import cell, count, interval, label, number, peak_range
from planner.plan import estimate_seconds
from planner.prepare import prepare
from planner.preview import PREVIEW_REQUESTS
from planner.report import result_json
from planner.run import RunResult, run
from planner.scenario import Scenario
from planner.stats import MAXIMA


def text_report(r: RunResult) -> str:
    """The run as a reader sees it: labelled figures with units, separators and % (the same
    ``planner.formatting`` as the dashboard and the memo), the decision and what would flip it."""
    f = r.figures
    lines = [
        f"{r.scenario.name}",
        f"horizon: {label(r.engine['horizon'])} ({', '.join(r.engine['segments'])})",
    ]
    lines += [f"note: {n}" for n in r.engine["notes"]]
    lines.append(
        f"requests simulated: {count(f['requests.arrived'])} arrived, "
        f"{count(f['requests.completed'])} completed, {count(f['requests.dropped'])} dropped, "
        f"{count(f['requests.in_flight_at_end'])} in flight at the end"
    )
    lines.append(f"{'figure':34} {'value':>16}  95 % interval")
    for key, name, kind in ROWS:
        if key not in f or (kind == "ttft" and not r.scenario.workload.is_llm):
            continue
        shown = figure(kind, f[key])
        ci = r.ci95.get(key)
        ci_txt = interval(ci, partial(figure, kind)) if ci else ""
        if key in MAXIMA:  # a maximum has no interval: say which replication's it is
            ci_txt = peak_range(f, int(r.engine.get("replications", 1)))
        lines.append(f"{name:34} {shown:>16}  {ci_txt}")
    drops = {
        label(k.rsplit(".", 1)[1]): v
        for k, v in f.items()
        if k.startswith("requests.dropped_by_reason") and v
    }
    if drops:
        lines.append("drops by reason: " + ", ".join(f"{k} {count(v)}" for k, v in drops.items()))
    lines += verdict_lines(r)
    lines += pool_flag_lines(r.extras.get("cost", {}).get("gpu_pool", {}))
    lines += describe(r.engine)
    return "\n".join(lines)


def pool_flag_lines(readings: dict[str, Any]) -> list[str]:
    """A GPU pool billed mostly idle or starting: the finding and the remedies, per design."""
    out = []
    for key, p in readings.items():
        if isinstance(p, dict) and p.get("flagged"):
            out.append(f"GPU pool ({key}): {p['finding']}")
            out += [f"  remedy: {x}" for x in p["remedies"]]
    return out


def figure(kind: str, x: float) -> str:
    units = {"x": (2, ""), "kwh": (1, " kWh"), "gb": (2, " GB")}
    if kind in units:
        return number(x, *units[kind])
    return cell(kind, x)


def verdict_lines(r: RunResult) -> list[str]:
    lines = []
    if "cost" in r.extras:
        lines.append(
            f"cost ({label(r.extras['cost']['architecture'])}): {r.extras['cost']['summary']}"
        )
    if "decision" in r.extras:
        lines.append(f"decision: {r.extras['decision']['summary']}")
    if r.verdict is not None:
        lines.append("what would flip it (volume and GPU price: this run's costs scaled, not")
        lines.append(
            "  re-simulated; `python -m planner sensitivity` re-simulates the volume flip):"
        )
        lines += [f"  - {flip}" for flip in r.verdict.flips]
    return lines


ROWS = [
    ("latency_ms.mean", "mean latency", "ms"),
    ("latency_ms.p50", "p50 latency", "ms"),
    ("latency_ms.p95", "p95 latency", "ms"),
    ("latency_ms.p99", "p99 latency", "ms"),
    ("ttft_ms.p95", "p95 time to first token", "ttft"),
    ("slo_attainment", "SLO attainment", "pct"),
    ("fallback_rate", "fallback rate", "pct"),
    ("drop_rate", "drop rate", "pct"),
    ("cloud.gpu_hours_busy", "GPU-hours busy / month", "hours"),
    ("cloud.gpu_hours", "GPU-hours held / month", "hours"),
    ("cloud.gpu_hours_billed", "GPU-hours billed / month", "hours"),
    ("cloud.peak_replicas", "peak GPU replicas (max)", "count"),
    ("cloud.mean_batch_size", "mean batch size", "x"),
    ("cloud.utilization", "GPU utilisation", "pct"),
    ("cloud.cold_starts_per_day", "GPU cold starts / day", "x"),
    ("links.down_fraction", "link down time", "pct"),
    ("links.breaker_opens_per_month", "breaker openings / month", "count"),
    ("links.kept_local_by_breaker_per_month", "kept local, breaker open / month", "count"),
    ("links.kept_local_link_down_per_month", "kept local, link down / month", "count"),
    ("edge.utilization", "device utilisation", "pct"),
    ("edge.energy_kwh", "edge energy / month", "kwh"),
    ("egress_gb", "cloud egress / month", "gb"),
    ("requests_per_month.arrived", "requests / month", "count"),
]


def mode_of(args: argparse.Namespace) -> str:
    """planner.run's mode from --preview."""
    return "preview" if getattr(args, "preview", False) else "full"


def scenario_with_precision(args: argparse.Namespace) -> Scenario:
    """The scenario, with --precision turning on the precision stop rule."""
    scenario = scenario_from_args(args)
    if getattr(args, "precision", None) is not None:
        scenario = scenario.with_updates(
            {"simulation.stop_rule": "precision", "simulation.relative_precision": args.precision}
        )
    return scenario


def cmd_simulate(args: argparse.Namespace) -> int:
    scenario = scenario_with_precision(args)
    # the work limit of the engine that will run it, before any long work (main() reports a
    # WorkLimitError, a ScenarioError, with its estimate)
    prep = prepare(scenario, engine=args.engine, mode=mode_of(args))
    plan = prep.plans["main"]
    predicted = estimate_seconds(plan.expected_requests, prep.cost.requests_per_s)
    if predicted > 5 and not args.json:
        print(
            f"about {plan.expected_requests:,.0f} requests per replication; "
            f"predicted ~{predicted:g} s per replication",
            file=sys.stderr,
        )

    def progress(done: int, total: int) -> None:
        if predicted > 5:
            print(f"replication {done}/{total} done", file=sys.stderr)

    result = run(
        scenario, progress, engine=args.engine, mode=mode_of(args)
    )  # WorkLimitError: main() reports it
    log = scaling_log(result) if args.scaling_log else None
    if args.json:
        text = result_json(result, timings=not args.no_timings)
        if log is not None:
            text = json.dumps({**json.loads(text), "scaling_log": log}, indent=2)
        print(text)
    else:
        print(text_report(result) + ("" if log is None else "\n" + scaling_text(log)))
    return 0


def scaling_log(r: RunResult) -> list[dict[str, Any]]:
    """Every scaling decision of replication 0, warm-up included (time_s < 0), per simulated
    segment: seconds after the warm-up, the time of day where the segment runs on the real clock,
    replicas before and after, and the autoscaler's reason (Knative's or Kubernetes' terms)."""
    frame = r.scaling_log
    by_label = {seg.label: seg for seg in r.plan.segments}
    rows = []
    for seg_label, t, a, b, why in zip(
        frame["segment"], frame["time_s"], frame["from"], frame["to"], frame["reason"], strict=True
    ):
        seg = by_label[seg_label]
        clock = None
        if seg.time_scale == 1.0:
            of_day = (seg.day_offset_s + seg.warmup_s + float(t)) % 86_400
            clock = f"{int(of_day // 3600):02d}:{int(of_day % 3600 // 60):02d}:{of_day % 60:04.1f}"
        rows.append(
            {
                "segment": seg_label,
                "time_s": float(t),
                "clock": clock,
                "from": int(a),
                "to": int(b),
                "reason": str(why),
            }
        )
    return rows


def scaling_text(log: list[dict[str, Any]]) -> str:
    lines = [f"scaling log (replication 0, {len(log):,} decisions; time after the warm-up):"]
    segment = None
    for row in log:
        if row["segment"] != segment:
            segment = row["segment"]
            lines.append(f"  {segment}")
        clock = row["clock"] or "sampled"
        lines.append(
            f"    {row['time_s']:>10.1f} s  {clock:>10}  {row['from']:>4} -> {row['to']:<4} "
            f"{row['reason']}"
        )
    return "\n".join(lines)


MIN_REQUESTS = 1_000
"""Fewer requests a day leave too few in a replication for a meaningful mean wait."""
MAX_REQUESTS = 10_000_000
MAX_SERVERS = 1_000


def cmd_check_theory(args: argparse.Namespace) -> int:
    from planner.theory import check_dict, check_theory

    try:
        chk = check_theory(
            args.servers,
            args.utilization,
            args.service,
            args.requests,
            args.replications,
            args.seed,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    data = check_dict(chk)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    sim: Any = data["simulated_mean_wait_s"]
    psim: Any = data["simulated_p_wait"]
    print(f"{data['model']} at utilisation {chk.utilization:g}, service {chk.mean_service_s:.4g} s")
    print(
        f"mean wait   simulated {sim['mean']:.4g} s  "
        f"99% [{sim['ci99_low']:.4g}, {sim['ci99_high']:.4g}]   "
        f"theory {chk.theory_mean_wait_s:.4g} s"
    )
    print(
        f"P(wait>0)   simulated {psim['mean']:.4g}  "
        f"99% [{psim['ci99_low']:.4g}, {psim['ci99_high']:.4g}]   theory {chk.theory_p_wait:.4g}"
    )
    print("agrees within the 99% interval" if chk.agrees else "DISAGREES with theory")
    return 0


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """'label:path=value;path=value' -> (label, overrides)."""
    from planner.cli import parse_set
    from planner.errors import ScenarioError

    label, sep, rest = text.partition(":")
    if not sep or not label.strip():
        raise ScenarioError(f"--variant '{text}': expected label:path=value[;path=value]")
    items = [p for p in rest.split(";") if p.strip()]
    return label.strip(), parse_set(items, flag=f"--variant {label.strip()[:40]}")


def cmd_compare(args: argparse.Namespace) -> int:
    from planner.compare import ONE_PATH, compare, table, verdict_rows
    from planner.formatting import cell
    from planner.report import clean

    scenario = scenario_from_args(args)
    if args.variant:
        runs = compare(scenario, dict(parse_variant(v) for v in args.variant), engine=args.engine)
        rows, labels = table(runs), [v.label for v in runs]
        one_path: set[str] = set()
    else:
        verdict = run(scenario, engine=args.engine).verdict
        assert verdict is not None
        rows, labels = verdict_rows(verdict), [a.name for a in verdict.architectures]
        one_path = {a.name for a in verdict.architectures if a.key in ONE_PATH}
    if args.json:
        data = {"scenario": scenario.name, "variants": labels, "rows": rows}
        print(json.dumps(clean(data), indent=2))
        return 0
    width = max([24] + [len(lab) + 2 for lab in labels])
    print(f"{'':24}" + "".join(f"{lab:>{width}}" for lab in labels))
    llm = scenario.workload.is_llm
    for row in rows:
        # edge-only's and cloud-only's fallback rate reads 'none', as on the pages: they have
        # no second path, so '0.0 %' read as a measured rate (the JSON keeps the number, 0)
        texts = [
            "none"
            if row["figure"] == "fallback rate" and lab in one_path
            else cell(row["kind"], row[lab], llm)
            for lab in labels
        ]
        cells = "".join(f"{text:>{width}}" for text in texts)
        print(f"{row['figure']:24}{cells}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("simulate", help="simulate a scenario: a table, or JSON with --json")
    add_scenario_args(p)
    p.add_argument("--seed", type=int_in(0, 2**53 - 1), help="override simulation.seed")
    p.add_argument(
        "--replications", type=int_in(1, 64), help="override simulation.replications (1-64)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_engine_args(p)
    p.add_argument(
        "--preview",
        action="store_true",
        help=f"a quick preview: {PREVIEW_REQUESTS:,} simulated requests a replication, "
        "stratified over the day's hours and weighted to the month (the result says so)",
    )
    p.add_argument(
        "--precision",
        type=float_between(0, 0.5),
        metavar="REL",
        help="add replications until the 95%% half-widths of p95 latency, SLO attainment, "
        "fallback rate and GPU-hours are under REL of their values, e.g. 0.02 "
        "(simulation.stop_rule=precision, up to simulation.max_replications)",
    )
    p.add_argument(
        "--no-timings",
        action="store_true",
        help="omit wall-clock figures from the JSON (for byte-for-byte comparisons)",
    )
    p.add_argument(
        "--scaling-log",
        action="store_true",
        help="add every autoscaler decision of replication 0 (time, replicas from -> to, reason)",
    )
    p.set_defaults(func=cmd_simulate)
    p = sub.add_parser("compare", help="edge-only, cloud-only and hybrid side by side")
    add_scenario_args(p)
    p.add_argument(
        "--variant",
        action="append",
        metavar="LABEL:PATH=VALUE[;PATH=VALUE]",
        help="compare these variants instead (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_engine_args(p)
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("check-theory", help="the engine as M/M/c or M/D/1 beside Erlang C / P-K")
    p.add_argument(
        "--servers", type=int_in(1, MAX_SERVERS), default=1, help="replicas c (default 1)"
    )
    p.add_argument(
        "--utilization", type=float_between(0, 1), default=0.8, help="rho in (0, 1) (default 0.8)"
    )
    p.add_argument("--service", choices=["exponential", "deterministic"], default="exponential")
    p.add_argument(
        "--requests",
        type=int_in(MIN_REQUESTS, MAX_REQUESTS),
        default=100_000,
        help=f"requests per replication ({MIN_REQUESTS:,}-{MAX_REQUESTS:,})",
    )
    p.add_argument(
        "--replications",
        type=int_in(2, 64),
        default=10,
        help="replications, 2-64 (an interval needs two) (default 10)",
    )
    p.add_argument("--seed", type=int_in(0, 2**53 - 1), default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_check_theory)


def cmd_warm(args: argparse.Namespace) -> int:
    """Compile the compiled engine's kernels into numba's on-disk cache (make run does this)."""
    seconds = warm()
    print(f"compiled engine warm ({seconds:.2f} s); bytecode written ({compile_bytecode():.2f} s)")
    return 0


def register_warm(sub: Any) -> None:
    p = sub.add_parser(
        "warm", help="compile the compiled engine once (numba cache beside the package)"
    )
    p.set_defaults(func=cmd_warm)


EXTRA_COMMANDS.append(register)
EXTRA_COMMANDS.append(register_warm)
