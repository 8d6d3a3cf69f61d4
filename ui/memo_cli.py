"""``python -m planner memo``: the decision memo from the command line (same RunResult)."""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlencode

from planner.cli import (
    EXTRA_COMMANDS,
    add_engine_args,
    add_scenario_args,
    check_output,
    scenario_from_args,
)
from planner.links import to_params
from planner.run import run
from planner.safe_input import InputError

DEFAULT_BASE_URL = "http://localhost:8501/"


def cmd_memo(args: argparse.Namespace) -> int:
    from ui.memo import build_memo, configured_base_url

    out = check_output(args.output)  # before the simulation: a bad path fails in a second
    scenario = scenario_from_args(args)
    result = run(scenario, engine=args.engine)
    sens = None
    if args.sensitivity:
        from planner.sensitivity import sensitivity
        from planner.sweeps import clean, outcome_of, sweeper

        with sweeper(args.scheduler) as sw:  # the memo's own run is the sweep's stated point
            sens = clean(sensitivity(scenario, sw, base=outcome_of(result)))
    base = (args.base_url or configured_base_url() or DEFAULT_BASE_URL).rstrip("/") + "/"
    link = f"{base}?{urlencode(to_params(scenario))}"
    try:
        out.write_bytes(build_memo(result, link, sensitivity=sens))
    except OSError as exc:  # the disk filled up or the folder vanished meanwhile
        raise InputError(f"-o {out}: cannot be written ({exc.strerror or exc})") from None
    print(f"wrote {out} ({out.stat().st_size:,} bytes): {result.extras['decision']['summary']}")
    if sens is None:
        print("sensitivity: not computed (the memo says so; add --sensitivity to include it)")
    else:
        print(f"sensitivity: {sens['evaluated']} evaluations, included")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("memo", help="write the PDF decision memo")
    add_scenario_args(p)
    p.add_argument("-o", "--output", default="memo.pdf", help="PDF path (default memo.pdf)")
    add_engine_args(p)
    p.add_argument(
        "--base-url",
        default=None,
        help="public dashboard address for the memo's link (default: PLANNER_BASE_URL, "
        f"base_url in .streamlit/secrets.toml, else {DEFAULT_BASE_URL})",
    )
    p.add_argument(
        "--sensitivity",
        action="store_true",
        help="include the sensitivity tornado and re-simulated flips (a sweep of simulations: "
        "tens of runs of the scenario; without it the memo says it was not computed)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="with --sensitivity: Dask scheduler (tcp://host:8786) or 'inprocess'; default "
        "$PLANNER_DASK_SCHEDULER, else a LocalCluster with one worker process per core",
    )
    p.set_defaults(func=cmd_memo)


EXTRA_COMMANDS.append(register)
