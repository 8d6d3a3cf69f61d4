"""Full-page screenshots of every dashboard page for every preset, for a human to look at.

Run on demand: ``.venv/bin/python benchmarks/screenshots.py --out /tmp/shots`` (options:
``--presets a,b``, ``--pages overview,cost``, ``--port``, ``--width``, ``--set key=value`` for
extra link fields such as ``simulation.replications=2``, ``--click 'Compute sensitivity'`` to
press a button first, here to draw the tornado). Starts its own dashboard server on a
loopback port, opens ``/{page}?v=1&preset=NAME`` in Debian Chromium, waits until the full run
has replaced any preview (no status widget, no progress bar, no "Preview:" notice), sizes the
viewport to the page's scroll height and writes ``OUT/{preset}/{page}.png``. Prints one line
per shot with its time and any exception box or error shown on the page. The server's result
store is shared by sessions, so every page after a preset's first reads the same result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from planner.presets import preset_names
from ui.devserver import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start, stop

PAGES = (
    "overview",
    "latency",
    "capacity",
    "cost",
    "compliance",
    "compare",
    "assumptions",
    "optimise",
    "whatif",
)
TIMEOUT_MS = 900_000


CHARTED = ("latency", "capacity", "cost", "compare")
"""Pages that always draw a chart once their run is shown."""


def busy(page: Page) -> bool:
    return bool(
        page.get_by_test_id("stStatusWidget").count()
        + page.get_by_test_id("stProgress").count()
        + page.get_by_text("Preview: a quick answer").count()
        + page.get_by_test_id("stSpinner").count()
    )


def settle(page: Page, name: str) -> None:
    """Wait for the page's title, then until nothing has been running for 2 s in a row (a
    preview's full run, a rerun) and, on a charted page, until a chart is drawn."""
    page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
    deadline = time.time() + TIMEOUT_MS / 1000
    quiet_since = None
    while time.time() < deadline:
        if busy(page):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since >= 2.0:
            break
        time.sleep(0.4)
    else:
        raise PlaywrightTimeout("page did not settle")
    if name in CHARTED and not page.get_by_test_id("stAlertContentError").count():
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        time.sleep(1.0)  # plotly finishes drawing after the element appears


def shoot(page: Page, path: Path) -> None:
    height = page.locator("[data-testid=stMain]").evaluate("el => el.scrollHeight")
    width = page.viewport_size["width"] if page.viewport_size else 1440
    page.set_viewport_size({"width": width, "height": max(900, int(height) + 40)})
    time.sleep(0.8)  # charts resize to the new viewport
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def press(page: Page, label: str, name: str) -> None:
    """Press the first button labelled ``label`` where there is one, and settle again."""
    button = page.get_by_role("button", name=label) if label else None
    if button is None or not button.count():
        return
    button.first.click()
    time.sleep(1.0)
    settle(page, name)
    if "sensitivity" in label.lower():  # the tornado is drawn once the sweep is shown
        page.get_by_text("What moves when one input moves").first.wait_for(timeout=TIMEOUT_MS)
        time.sleep(1.0)


def problems(page: Page) -> list[str]:
    found = []
    for test_id, kind in (("stException", "exception"), ("stAlertContentError", "error")):
        found += [f"{kind}: {t[:160]}" for t in page.get_by_test_id(test_id).all_inner_texts()]
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("screenshots"))
    ap.add_argument("--presets", default=",".join(preset_names()))
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--width", type=int, default=1440)
    ap.add_argument("--set", action="append", default=[], help="extra link field key=value")
    ap.add_argument(
        "--click",
        default="",
        help="a button to press before the shot where the page has one (e.g. 'Compute "
        "sensitivity' to draw the tornado)",
    )
    args = ap.parse_args()
    extra = "".join(f"&{kv}" for kv in args.set)
    # a fresh numba cache (after a merge touched the engine) compiles for minutes inside the
    # server's first run; compile it here first, as `make run` does
    subprocess.run([sys.executable, "-m", "planner", "warm"], check=True, cwd=ROOT)
    proc, url = start(args.port or free_port(), timeout_s=120)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            for preset in args.presets.split(","):
                (args.out / preset).mkdir(parents=True, exist_ok=True)
                for name in args.pages.split(","):
                    started = time.perf_counter()
                    path = "" if name == "overview" else name  # the default page lives at /
                    try:
                        page.goto(f"{url}/{path}?v=1&preset={preset}{extra}", timeout=TIMEOUT_MS)
                        settle(page, name)
                        press(page, args.click, name)
                    except PlaywrightTimeout as exc:  # report and go on to the next page
                        print(f"{preset:34s} {name:12s} timed out: {str(exc)[:120]}", flush=True)
                        continue
                    shot = args.out / preset / f"{name}.png"
                    shoot(page, shot)
                    took = time.perf_counter() - started
                    notes = "; ".join(problems(page)) or "ok"
                    print(f"{preset:34s} {name:12s} {took:6.1f} s  {shot}  {notes}", flush=True)
            browser.close()
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
