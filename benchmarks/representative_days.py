"""Representative days against a full-month run: p95 latency, GPU hours and fallback rate.

Run on demand: ``.venv/bin/python benchmarks/representative_days.py [--replications R]``.
Both horizons run with the same seeds; the table prints each figure's relative difference and
whether the two 95 % intervals overlap. Presets whose budget carries state across days always
simulate the full month and are listed as such.
"""

from __future__ import annotations

import argparse
import math
import time

from planner.presets import apply_overrides, load
from planner.run import run

PRESETS = (
    "article_1m_chat",
    "clinic_llm_assistant_pii",
    "remote_farm_sensors_satellite",
    "seasonal_burst_app",
)
FIGURES = ("latency_ms.p95", "cloud.gpu_hours", "fallback_rate")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--volume", type=float, default=None, help="override requests_per_month")
    args = ap.parse_args()
    print(
        f"{'preset':32} {'figure':16} {'full month':>12} {'rep. days':>12} {'diff':>8}  CIs overlap"
    )
    for name in PRESETS:
        base = {"simulation.replications": args.replications}
        if args.volume:
            base["workload.requests_per_month"] = args.volume
        results = {}
        for horizon in ("full_month", "representative_days"):
            s = apply_overrides(
                load(name),
                {**base, "simulation.horizon": horizon, "simulation.max_simulated_requests": 10**9},
            )
            t = time.perf_counter()
            results[horizon] = (run(s), time.perf_counter() - t)
        (full, t_full), (rep, t_rep) = results["full_month"], results["representative_days"]
        for key in FIGURES:
            a, b = full.get(key), rep.get(key)
            diff = (b - a) / a if a else math.nan
            ca, cb = full.ci95.get(key), rep.ci95.get(key)
            overlap = "yes" if ca and cb and ca[0] <= cb[1] and cb[0] <= ca[1] else "no"
            print(f"{name:32} {key:16} {a:>12.4g} {b:>12.4g} {diff:>+8.2%}  {overlap}")
        print(f"{'':32} wall: full month {t_full:.1f} s, representative days {t_rep:.1f} s")


if __name__ == "__main__":
    main()
