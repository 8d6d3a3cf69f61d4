"""The planner's command line: the same engine and figures as the dashboard, as text or JSON.

Like a pilot's checklist read over the radio: the same scenario, the same answers, no screen.
Every scenario command takes a preset name or a YAML file plus ``--set dotted.path=value``.
Bad input exits with status 2 and one line per problem naming the field.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from planner.errors import ScenarioError
from planner.presets import DEFAULT_PRESET, list_presets, load
from planner.scenario import Scenario

Handler = Callable[[argparse.Namespace], int]
EXIT_BAD_INPUT = 2


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """``['a.b=3', 'c=[1, 2]']`` -> ``{'a.b': 3, 'c': [1, 2]}`` (values parsed as YAML)."""
    out: dict[str, Any] = {}
    for item in items:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(f"--set '{item}': expected dotted.path=value")
        try:
            out[path.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except (yaml.YAMLError, ValueError):
            out[path.strip()] = raw
    return out


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario named by ``args.scenario`` with ``--set`` (and --seed/--replications)."""
    overrides = parse_set(args.set or [])
    if getattr(args, "seed", None) is not None:
        overrides["simulation.seed"] = args.seed
    if getattr(args, "replications", None) is not None:
        overrides["simulation.replications"] = args.replications
    return load(args.scenario, overrides)


def cmd_presets(args: argparse.Namespace) -> int:
    for name, description in list_presets():
        print(f"{name}\t{description}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args)
    print(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False), end="")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args)
    print(f"ok: {scenario.name}")
    return 0


def add_scenario_args(p: argparse.ArgumentParser, default: bool = True) -> None:
    if default:
        p.add_argument(
            "scenario",
            nargs="?",
            default=DEFAULT_PRESET,
            help=f"preset name or scenario YAML file (default {DEFAULT_PRESET})",
        )
    else:
        p.add_argument("scenario", help="preset name or scenario YAML file")
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="override a field, e.g. --set edge.device_count=20 (repeatable; value is YAML)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description="Edge-Cloud Inference Planner: simulate, price and recommend from the shell.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("presets", help="list presets (name, tab, description)").set_defaults(
        func=cmd_presets
    )
    p = sub.add_parser("show", help="print the resolved scenario as YAML")
    add_scenario_args(p)
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("validate", help="validate a scenario file or preset")
    add_scenario_args(p, default=False)
    p.set_defaults(func=cmd_validate)
    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    import planner.cli_sim  # noqa: F401  (registers simulate, check-theory)
    import planner.cli_tools as _tools  # noqa: F401  (registers calibrate, optimize, ...)

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except ScenarioError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
