"""Memo build time: the first memo (kaleido starts Chromium) against the following ones.

Run on demand: ``.venv/bin/python benchmarks/memo_speed.py [--memos 4]``. The simulation runs
once beforehand; only the memo (four charts, tables, fonts) is timed.
"""

from __future__ import annotations

import argparse
import time

from planner.presets import apply_overrides, load
from planner.run import run
from ui.memo import build_memo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memos", type=int, default=4)
    args = ap.parse_args()
    r = run(apply_overrides(load(), {"simulation.replications": 2}))
    times = []
    for _ in range(args.memos):
        started = time.perf_counter()
        pdf = build_memo(r, "http://localhost:8501/")
        times.append(time.perf_counter() - started)
    later = sum(times[1:]) / max(len(times) - 1, 1)
    print(
        f"first memo {times[0]:.2f} s (starts the chart browser); following memos {later:.2f} s "
        f"on average (x{times[0] / later:.1f}); {len(pdf):,} bytes"
    )


if __name__ == "__main__":
    main()
