"""Pilot upload on the Assumptions page: fit a pilot CSV and use its figures in the scenario."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from planner.calibrate import MIN_ROWS, REQUIRED, all_overrides, calibrate, read_pilot
from planner.errors import ScenarioError
from planner.presets import apply_overrides
from planner.scenario import Scenario
from ui import state

MEASURED = "measured (pilot)"
PILOT_FIELDS = (
    "edge.llm_overhead_ms",
    "edge.llm_prefill_tokens_per_s",
    "edge.llm_decode_tokens_per_s",
    "edge.vision_p50_ms",
    "edge.vision_p99_ms",
    "cloud.llm_overhead_ms",
    "cloud.llm_prefill_tokens_per_s",
    "cloud.llm_decode_tokens_per_s",
)


def measured_rows(s: Scenario) -> list[dict[str, Any]]:
    """The scenario's service-model figures that replace catalog ones, marked as measured."""
    data = s.model_dump()
    rows = []
    for path in PILOT_FIELDS:
        section, name = path.split(".")
        value = data[section][name]
        if value is not None:
            rows.append({"figure": path, "value": value, "grade": MEASURED})
    return rows


def fit_rows(data: bytes, name: str) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """(one row per fitted parameter, the overrides) of an uploaded pilot; ScenarioError if bad."""
    cal = calibrate(read_pilot(data, name), name)
    overrides = all_overrides(cal)
    rows = []
    for target, fit in (("edge", cal.edge), ("cloud", cal.cloud)):
        if fit is None:
            continue
        fit_text = f"R² {fit.r2:.4f}, residual sd {fit.residual_sd_ms:.1f} ms, n {fit.n}"
        for path, value in overrides.items():
            if path.startswith(f"{target}.") and path != "cloud.request_overhead_ms":
                rows.append({"figure": path, "value": value, "grade": MEASURED, "fit": fit_text})
    return rows, overrides


def render_section() -> None:
    st.subheader("Pilot calibration")
    st.caption(
        f"Upload a pilot CSV (columns {', '.join(REQUIRED)}; optional ttft_ms, frame_kb, "
        f"timestamp; at least {MIN_ROWS} rows per target). Same fit as "
        "`python -m planner calibrate PILOT.csv`."
    )
    current = measured_rows(state.scenario())
    if current:
        st.dataframe(pd.DataFrame(current), hide_index=True)
    upload = st.file_uploader("Pilot CSV", type=["csv"], key="pilot_csv")
    if upload is None:
        return
    try:
        rows, overrides = fit_rows(upload.getvalue(), upload.name)
    except ScenarioError as exc:
        st.error(str(exc))
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if st.button("Use the pilot's figures in this scenario", key="pilot_apply"):
        try:
            state.set_scenario(apply_overrides(state.scenario(), overrides))
        except ScenarioError as exc:
            st.error(str(exc))
            return
        st.rerun()
