"""Helpers shared by the pages: the current result, messages, and number formatting."""

from __future__ import annotations

import math

import streamlit as st

from planner.run import RunResult


def result() -> RunResult | None:
    """The current run, or None after showing why there is none."""
    for msg in st.session_state.get("link_messages") or []:
        st.warning(f"Link: {msg}")
    err = st.session_state.get("run_error")
    if err:
        st.error(f"Not simulated: {err}")
        return None
    r: RunResult | None = st.session_state.get("result")
    return r


def num(x: float | None, digits: int = 0, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}{unit}"


def ms(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"{x / 1000:,.2f} s" if x >= 10_000 else f"{x:,.1f} ms"


def pct(x: float | None) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x * 100:.1f} %"


def ci_text(r: RunResult, key: str, fmt: str = "ms") -> str:
    ci = r.ci95.get(key)
    if not ci:
        return "one replication: no interval"
    f = {"ms": ms, "pct": pct, "usd": lambda v: f"${v:,.0f}"}[fmt]
    return f"95 % CI {f(ci[0])} – {f(ci[1])}"
