"""The planner's command line: the same engine and figures as the dashboard, as text or JSON.

Like a pilot's checklist read over the radio: the same scenario, the same answers, no screen.
Every scenario command takes a preset name or a YAML file plus ``--set dotted.path=value``.
Bad input exits with status 2 and one line per problem naming the flag or the field, before any
long work starts; values and files are read through ``planner.safe_input``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from planner.engines import DEFAULT_ENGINE, ENGINES
from planner.errors import ScenarioError, excerpt
from planner.presets import DEFAULT_PRESET, list_presets, load
from planner.safe_input import MAX_SET_ITEMS, InputError, check_path, parse_value
from planner.scenario import Scenario

Handler = Callable[[argparse.Namespace], int]
EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag on one line (no usage block) with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see {self.prog} --help)\n")


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: an integer from lo to hi."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{excerpt(text)} is not an integer from {lo:,} to {hi:,}"
            )
        return value

    return parse


def float_between(lo: float, hi: float) -> Callable[[str], float]:
    """An argparse type: a number strictly between lo and hi."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not lo < value < hi:
            raise argparse.ArgumentTypeError(f"{excerpt(text)} is not a number in ({lo:g}, {hi:g})")
        return value

    return parse


def parse_set(items: Sequence[str], flag: str = "--set") -> dict[str, Any]:
    """``['a.b=3', 'c=[1, 2]']`` -> ``{'a.b': 3, 'c': [1, 2]}`` (values parsed as YAML).

    A value that is not valid YAML (or breaks safe_input's limits) is an error naming the flag
    and the field, never silently taken as text: quote text that YAML cannot read.
    """
    if len(items) > MAX_SET_ITEMS:
        raise InputError(f"{flag}: {len(items)} values; at most {MAX_SET_ITEMS}")
    out: dict[str, Any] = {}
    for item in items:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            raise InputError(f"{flag} {excerpt(item)}: expected dotted.path=value")
        path = check_path(path, flag)
        out[path] = parse_value(raw, f"{flag} {path}")
    return out


def check_output(path: str, flag: str = "-o") -> Path:
    """An output file that can be written, checked before any long work; InputError if not.

    Opening it for appending proves the folder exists and is writable (root ignores permission
    bits, so ``os.access`` is not enough); a file created by the probe is removed again.
    """
    out = Path(path)
    shown = f"{flag} {excerpt(path, 80, quote=False)}"
    folder = out.parent
    if not folder.exists():
        raise InputError(f"{shown}: folder {excerpt(str(folder), 80)} does not exist")
    if not folder.is_dir():
        raise InputError(f"{shown}: {excerpt(str(folder), 80)} is not a folder")
    if out.is_dir():
        raise InputError(f"{shown}: is a folder; give a file name, e.g. {out / 'memo.pdf'}")
    existed = out.exists()
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{shown}: cannot be written ({exc.strerror or exc})") from None
    if not existed:
        out.unlink(missing_ok=True)
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


def add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help="compiled (default: the numba engine where it covers the scenario, else SimPy "
        "with a notice) or simpy (the reference model); both give the same figures",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
