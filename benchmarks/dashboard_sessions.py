"""Ten browser sessions at once against one dashboard server: errors and time to first result.

Run on demand: ``.venv/bin/python benchmarks/dashboard_sessions.py [--sessions 10]``. Starts its
own server on a free loopback port, opens N Chromium contexts at the same time on the default
preset (warm: the first session simulates, the rest read the shared result store) and on N
different seeds (cold: every session simulates), and prints each mode's times against a single
session measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from playwright.sync_api import sync_playwright

from ui.devserver import CHROMIUM, CHROMIUM_ARGS, start, stop


def session(url: str, out: list[float], errors: list[str]) -> None:
    started = time.perf_counter()
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page()
            page.goto(url, timeout=600_000)
            page.get_by_test_id("stMetricValue").first.wait_for(timeout=600_000)
            if page.get_by_test_id("stException").count():
                errors.append("exception on page")
            b.close()
        out.append(time.perf_counter() - started)
    except Exception as exc:  # a benchmark reports failures rather than stopping
        errors.append(repr(exc)[:200])


def wave(urls: list[str]) -> tuple[list[float], list[str]]:
    times: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=session, args=(u, times, errors)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--port", type=int, default=8599)
    args = ap.parse_args()
    proc, url = start(args.port)
    base = f"{url}/?v=1&preset=clinic_llm_assistant_pii"
    try:
        single, _ = wave([base + "&simulation.seed=1"])
        warm, warm_err = wave([base + "&simulation.seed=1"] * args.sessions)
        cold, cold_err = wave([f"{base}&simulation.seed={100 + i}" for i in range(args.sessions)])
    finally:
        stop(proc)
    ref = single[0] if single else float("nan")
    print(f"one session, cold: {ref:.1f} s to the first result")
    for name, times, errs in (
        ("warm (same scenario)", warm, warm_err),
        ("cold (distinct seeds)", cold, cold_err),
    ):
        for e in sorted(set(errs))[:3]:
            print(f"  error: {e}")
        if times:
            print(
                f"{args.sessions} sessions {name}: median {statistics.median(times):.1f} s "
                f"(x{statistics.median(times) / ref:.2f} one session), max {max(times):.1f} s, "
                f"errors {len(errs)}"
            )
        else:
            print(f"{args.sessions} sessions {name}: all failed: {errs[:2]}")


if __name__ == "__main__":
    main()
