"""Overview: the recommendation, its reasons and what would flip it, and the three
architectures side by side (the recommended one highlighted)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from planner import sensitivity_text as text
from planner.compliance import residency_price, residency_statement
from planner.formatting import compact, count, label, ms, pct, per_requests, usd
from planner.run import RunResult
from planner.verdict import Architecture, Verdict
from ui import sensitivity_section, state
from ui.capacity_chart import day_name
from ui.common import ci_text, result
from ui.memo import build_memo, memo_link


def render() -> None:
    st.title("Overview")
    r = result()
    if r is None or r.verdict is None:
        return
    v = r.verdict
    best = v.recommended
    st.subheader(f"Recommendation: {v.decision.architecture}")
    st.caption(f"{plain(r.scenario.name)} · the recommended architecture as simulated: {best.name}")
    residency = residency_statement(r.scenario, [(a.name, a.figures) for a in v.architectures])
    if residency:
        (st.success if residency[0] else st.error)(residency[1])
    for reason in v.decision.reasons[:3]:
        st.markdown(f"- {plain(reason)}")
    for flag in v.decision.flags[:2]:
        st.warning(f"Against {v.decision.architecture}: {plain(flag)}")
    sens = sensitivity_section.computed(r.scenario)
    with st.expander("What would flip the decision", expanded=True):
        for flip in v.flips:
            st.markdown(f"- {plain(flip)}")
        if sens is None:
            st.caption(
                "Volume and GPU-price flips scale this run's costs. **Compute sensitivity** "
                "below re-simulates the volume flip and finds flips by simulation."
            )
        for line in text.check_lines(sens) + (text.flips_found(sens) if sens else []):
            st.markdown(f"- Simulated: {plain(line)}")
    # fixed-width tiles in a row that wraps: in three columns of an 820 px window (160 px
    # each) 'none (edge only)' and '$276,770' were cut to 'none ...' and '$276,...'
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        for a in v.architectures:
            tile(r, v, a)
    for a in v.architectures:
        if a.sizing is not None:
            st.info(plain(a.sizing.text(label(a.key))))
    for name, why in v.missing:
        st.warning(f"{name} is not compared: {plain(why)}")
    footer(r)
    sensitivity_section.render(r.scenario, r, level=3)
    memo_button(r, sens)


def plain(line: str) -> str:
    """Text as text: a scenario name or request-class name from a stranger's link must not
    become a clickable Markdown link or an image, and two '$' would typeset as LaTeX."""
    return state.plain(line)


TILE_PX = 290
"""An architecture's tile: wide enough for 'none (edge only)' and '$1,276,770' at the metric's
size, three side by side beside the sidebar of a 1400 px window, one under the other at 820."""


def tile(r: RunResult, v: Verdict, a: Architecture) -> None:
    recommended = a is v.recommended
    with st.container(border=True, width=TILE_PX):
        badge = " · :green-background[**recommended**]" if recommended else ""
        mine = " · this scenario's routing" if a.is_scenario else ""
        st.markdown(f"#### {a.name}")
        st.markdown(f"{a.option}{mine}{badge}")
        years = a.cost.horizon_years
        rows = [
            ("p95 latency", ms(a.get("latency_ms.p95")), "latency_ms.p95", "ms"),
            ("p99 latency", ms(a.get("latency_ms.p99")), "latency_ms.p99", "ms"),
            ("SLO attainment", pct(a.get("slo_attainment")), "slo_attainment", "pct"),
            (
                "fallback rate",
                fallback_value(a),
                "" if a.key in NO_FALLBACK else "fallback_rate",
                "pct",
            ),
            ("drop rate", pct(a.get("drop_rate")), "drop_rate", "pct"),
            ("monthly cost", usd(a.monthly_usd), "", ""),
            (f"{years}-year TCO", usd(a.horizon_usd), "", ""),
        ]
        for name, value, key, kind in rows:
            help_text = ci_text(r, key, kind) if a.is_scenario and key else None
            if name == "fallback rate" and a.key in NO_FALLBACK:
                help_text = NO_FALLBACK[a.key]
            # the tile's heading names the architecture: 'p95 latency · hybrid (local-first)'
            # was cut to 'p95 latency · hybri…' in a tile a third of a laptop screen wide
            st.metric(name, value, help=help_text, label_visibility="visible")
        requests = a.get("requests_per_month.arrived")
        st.caption(per_requests(a.monthly_usd, requests))
        on_site = on_site_note(r, a)
        if on_site:
            st.caption(on_site)


def on_site_note(r: RunResult, a: Architecture) -> str | None:
    """Why cloud-only reads like edge-only where residency keeps requests on the devices (the
    clinic: every request sensitive, cloud-only's tile showed edge-only's 44.4 s p95 and no
    GPU-hours, unexplained beside a reason saying cloud-only cannot serve them)."""
    share = a.get("latency_ms_by_path.edge.share")
    if a.key != "cloud_only" or not share or share <= 0:
        return None
    return (
        f"{pct(share)} of cloud-only's requests were served on the sites' devices: sensitive "
        "data must stay on site (policy.sensitive_may_leave_site is off), so residency keeps it "
        "off the GPU pool in every architecture."
        if not r.scenario.policy.sensitive_may_leave_site
        else f"{pct(share)} of cloud-only's requests were served on the sites' devices."
    )


NO_FALLBACK = {
    "edge_only": "Edge-only serves every request on the devices: there is no second path to "
    "fall back to.",
    "cloud_only": "Cloud-only sends every request to the GPU pool: there is no second path to "
    "fall back to.",
}
"""Edge-only and cloud-only have no second path: '0.0 %' read as a measured rate. Their tile
reads 'none' with this as its help ('none (cloud only)' was cut in a 290 px tile)."""


def fallback_value(a: Architecture) -> str:
    return "none" if a.key in NO_FALLBACK else pct(a.get("fallback_rate"))


def footer(r: RunResult) -> None:
    f = r.figures
    simulated_days = ", ".join(day_name(x) for x in r.engine["segments"])
    st.caption(
        f"Simulated {count(f['requests.arrived'])} requests of this scenario "
        f"({label(r.engine['horizon'])}: {simulated_days}), standing for "
        f"{compact(f['requests_per_month.arrived'])} a month; {count(f['requests.completed'])} "
        f"completed, {count(f['requests.dropped'])} dropped, "
        f"{count(f['requests.in_flight_at_end'])} in flight at the end; "
        f"{r.engine['replications']} replications in {r.engine['wall_s']:.1f} s. "
        "Edge-only, cloud-only and the hybrid run on the same traffic (common random numbers)."
    )
    for note in r.engine["notes"]:
        if "counterpart was not simulated" not in note:  # shown beside the tiles
            st.info(plain(note))
    price = residency_price(f)
    if price:  # the scenario's drop rate is mostly this: say so where the rate is shown
        st.info(price)


def memo_button(r: RunResult, sens: dict[str, Any] | None) -> None:
    """Build the memo on request (charts take a few seconds), then offer it for download. It
    holds the sensitivity when computed above, and says so when not."""
    key = f"memo:{state.canonical(r.scenario)}:{sens is not None}"
    st.subheader("Decision memo")
    st.caption(
        "With the sensitivity computed above."
        if sens
        else "Without sensitivity (not computed yet): the memo will say so."
    )
    if st.button("Prepare decision memo (PDF)"):
        with st.spinner("rendering charts and the memo..."):
            st.session_state[key] = build_memo(r, memo_link(state.share_url()), sensitivity=sens)
    if key in st.session_state:
        st.download_button(
            "Download memo (PDF)",
            st.session_state[key],
            file_name="decision-memo.pdf",
            mime="application/pdf",
            type="primary",
        )
