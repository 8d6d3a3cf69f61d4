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
    base = (args.base_url or configured_base_url() or DEFAULT_BASE_URL).rstrip("/") + "/"
    link = f"{base}?{urlencode(to_params(scenario))}"
    try:
        out.write_bytes(build_memo(result, link))
    except OSError as exc:  # the disk filled up or the folder vanished meanwhile
        raise InputError(f"-o {out}: cannot be written ({exc.strerror or exc})") from None
    print(f"wrote {out} ({out.stat().st_size:,} bytes): {result.extras['decision']['summary']}")
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
    p.set_defaults(func=cmd_memo)


EXTRA_COMMANDS.append(register)
