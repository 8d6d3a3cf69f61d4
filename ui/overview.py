"""Overview: the recommendation with its top reasons and the headline figures."""

from __future__ import annotations

import streamlit as st

from planner.run import RunResult
from ui import state
from ui.common import ci_text, ms, pct, result
from ui.memo import build_memo


def render() -> None:
    st.title("Overview")
    r = result()
    if r is None:
        return
    s, f = r.scenario, r.figures
    decision = r.extras["decision"]
    cost = r.extras["cost"]
    st.subheader(f"Recommendation: {decision['architecture']}")
    st.caption(s.name)
    for reason in decision["reasons"]:
        st.markdown(f"- {reason}")
    for flag in decision["flags"][:3]:
        st.warning(f"Against it: {flag}")
    cols = st.columns(3)
    cols[0].metric("p95 latency", ms(f["latency_ms.p95"]), help=ci_text(r, "latency_ms.p95"))
    cols[0].caption(ci_text(r, "latency_ms.p95"))
    cols[1].metric("p99 latency", ms(f["latency_ms.p99"]))
    cols[1].caption(ci_text(r, "latency_ms.p99"))
    cols[2].metric("SLO attainment", pct(f["slo_attainment"]))
    cols[2].caption(ci_text(r, "slo_attainment", "pct"))
    cols = st.columns(3)
    cols[0].metric("fallback rate", pct(f["fallback_rate"]))
    cols[0].caption(ci_text(r, "fallback_rate", "pct"))
    cols[1].metric("monthly cost", f"${cost['monthly_usd']['total']:,.0f}")
    cols[1].caption(f"${cost['per_1k_requests_usd']:,.2f} per 1,000 requests")
    years = s.costs.horizon_years
    cols[2].metric(f"{years}-year TCO", f"${cost['horizon_usd']:,.0f}")
    cols[2].caption(f"first year ${cost['first_year_usd']:,.0f}")
    st.markdown("**Scores** " + " · ".join(f"{k} {v:+.1f}" for k, v in decision["scores"].items()))
    req = {
        k.split(".")[-1]: int(v)
        for k, v in f.items()
        if k.startswith("requests.") and "by_reason" not in k
    }
    st.caption(
        f"Simulated {req['arrived']:,} requests ({r.engine['horizon'].replace('_', ' ')}: "
        f"{', '.join(r.engine['segments'])}); {req['completed']:,} completed, "
        f"{req['dropped']:,} dropped, {req['in_flight_at_end']:,} in flight at the end; "
        f"{r.engine['replications']} replications in {r.engine['wall_s']:.1f} s."
    )
    for note in r.engine["notes"]:
        st.info(note)
    memo_button(r)


def memo_button(r: RunResult) -> None:
    """Build the memo on request (charts take a few seconds), then offer it for download."""
    key = f"memo:{state.canonical(r.scenario)}"
    if st.button("Prepare decision memo (PDF)"):
        with st.spinner("rendering charts and the memo..."):
            st.session_state[key] = build_memo(r, state.share_url())
    if key in st.session_state:
        st.download_button(
            "Download memo (PDF)",
            st.session_state[key],
            file_name="decision-memo.pdf",
            mime="application/pdf",
            type="primary",
        )
