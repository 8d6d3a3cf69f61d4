"""Session state for the dashboard: the current scenario, its link, its (cached) run.

Like a receptionist's desk: the scenario in hand, the link that reopens it, and a shelf of
recent results (shared across sessions by the scenario's canonical JSON, bounded) so that the
same question is never simulated twice. Nothing here computes a figure.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from planner.errors import ScenarioError
from planner.links import Decoded, from_params, to_params
from planner.plan import WorkLimitError
from planner.prepare import predicted_wall_s, prepare
from planner.presets import load
from planner.run import RunResult, run
from planner.scenario import Scenario

SCENARIO = "current_scenario"
MESSAGES = "link_messages"
REFUSED = "refused_before_run"
"""Why the sidebar refuses the current scenario before any run (a volume over its limit)."""


def canonical(s: Scenario) -> str:
    return json.dumps(s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


class ResultStore:
    """A bounded LRU of results by canonical scenario JSON (results are immutable).

    Sessions asking for a scenario that another session is already simulating wait for that
    run instead of starting their own, and at most ``concurrent`` simulations run at once, so
    ten browsers on a 2-core machine queue politely instead of starving the web server.
    """

    def __init__(self, size: int, concurrent: int = 1) -> None:
        self.size = size
        self.items: OrderedDict[str, RunResult] = OrderedDict()
        self.lock = threading.Lock()
        self.pending: dict[str, threading.Lock] = {}
        self.slots = threading.Semaphore(concurrent)

    def get_or_compute(self, key: str, compute: Callable[[], RunResult]) -> RunResult:
        with self.lock:
            key_lock = self.pending.setdefault(key, threading.Lock())
        with key_lock:
            hit = self.get(key)
            if hit is not None:
                return hit
            with self.slots:
                value = compute()
            self.put(key, value)
        with self.lock:
            self.pending.pop(key, None)
        return value

    def get(self, key: str) -> RunResult | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
            return None

    def put(self, key: str, value: RunResult) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@st.cache_resource
def store() -> ResultStore:
    """One store per server process, shared by sessions: the same scenario, the same result."""
    return ResultStore(16)


def cached_run(scenario_json: str, progress: Any = None) -> RunResult:
    """One simulation per distinct scenario; progress reported while it runs."""
    return store().get_or_compute(
        scenario_json, lambda: run(Scenario.model_validate_json(scenario_json), progress)
    )


def init_from_link() -> None:
    """On a session's first run, read the scenario from the URL (never raising)."""
    if SCENARIO in st.session_state:
        return
    params = {k: st.query_params[k] for k in st.query_params}
    try:
        decoded = from_params(params) if params else None
    except Exception as exc:  # from_params never raises by contract; the page must not die
        decoded = Decoded(
            load(), [f"link could not be read ({type(exc).__name__}): opened the default scenario"]
        )
    st.session_state[SCENARIO] = decoded.scenario if decoded else load()
    st.session_state[MESSAGES] = [plain(m) for m in decoded.messages] if decoded else []
    st.session_state["widgets_for"] = None


def plain(message: str) -> str:
    """A message quoting a stranger's link, shown as text: Markdown links, images, HTML and
    LaTeX characters escaped (the pages render messages with st.warning, which is Markdown)."""
    return MARKDOWN.sub(r"\\\1", message)


MARKDOWN = re.compile(r"([\\`\[\]$<>*~|])")


def scenario() -> Scenario:
    s: Scenario = st.session_state[SCENARIO]
    return s


def set_scenario(s: Scenario) -> None:
    st.session_state[SCENARIO] = s
    st.session_state["widgets_for"] = None


def sync_url() -> None:
    """Write the scenario's compact link into the address bar (only when it changed)."""
    params = to_params(scenario())
    current = {k: st.query_params[k] for k in st.query_params}
    if current != params:
        st.query_params.clear()
        st.query_params.update(params)


def share_url() -> str:
    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # no browser context (headless tests)
        base = ""
    return f"{page_base(base)}?{urlencode(to_params(scenario()))}"


DEFAULT_PAGE_PATH = "overview"
"""The default page's ``url_path``: Streamlit serves the default page at the root only, so a
link ending in ``/overview`` would open a 'Page not found' dialog on a colleague's screen."""


def page_base(url: str) -> str:
    """The address a share link starts with: the current page without its query, and the root
    for the default page (however the user reached it)."""
    base = url.split("?")[0].split("#")[0]
    if base.rstrip("/").endswith("/" + DEFAULT_PAGE_PATH):
        base = base.rstrip("/")[: -len(DEFAULT_PAGE_PATH)]
    return base


PREVIEW_ABOVE_S = 4.0
"""A full run predicted to take longer than this is answered first by a preview (a fixed
budget of simulated requests), then by the full run, which replaces it when done."""
FULL_PENDING = "full_run_pending"


def wants_preview(s: Scenario) -> bool:
    """Whether the first answer should be a preview (never for a run the work limit refuses:
    the full run reports that at once)."""
    try:
        return predicted_wall_s(prepare(s)) > PREVIEW_ABOVE_S
    except (ScenarioError, ValueError):
        return False


def current_result() -> RunResult | None:
    """The current scenario's full result if there is one; otherwise a preview when the full run
    would be slow (``follow_with_full`` then runs it after the page is drawn), else the full
    run with a progress bar. None with a message on error."""
    s = scenario()
    key = canonical(s)
    st.session_state[FULL_PENDING] = None
    refused = st.session_state.get(REFUSED)
    if refused:
        st.session_state["run_error"] = refused
        return None
    if store().get(key) is None and wants_preview(s):
        try:
            preview = store().get_or_compute(PREVIEW + key, lambda: run(s, mode="preview"))
        except (WorkLimitError, ScenarioError):
            preview = None
        if preview is not None:
            st.session_state[FULL_PENDING] = key
            st.session_state["run_error"] = None
            return preview
    return full_result(s)


PREVIEW = "preview:"


def follow_with_full() -> None:
    """After a preview was drawn: run the full answer (bar at the foot of the page), then redraw."""
    key = st.session_state.get(FULL_PENDING)
    if not key or key != canonical(scenario()):
        return
    st.session_state[FULL_PENDING] = None
    if full_result(scenario()) is not None:
        st.rerun()


def full_result(s: Scenario) -> RunResult | None:
    """Run (or fetch) the scenario's full answer with a progress bar; None with a message."""
    holder = st.empty()
    bar = holder.progress(0.0, text="simulating (or waiting for a free simulation slot)...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"simulating: {done} of {total} replication runs done")

    try:
        result = cached_run(canonical(s), progress)
    except (WorkLimitError, ScenarioError) as exc:
        holder.empty()
        st.session_state["run_error"] = str(exc)
        return None
    holder.empty()
    st.session_state["run_error"] = None
    return result
