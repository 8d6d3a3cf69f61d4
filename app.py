"""Streamlit entry point: pick a preset and see its resolved scenario (placeholder dashboard)."""

from __future__ import annotations

import streamlit as st
import yaml

from planner.errors import ScenarioError
from planner.presets import list_presets, load

st.set_page_config(page_title="Edge-Cloud Inference Planner", layout="wide")
st.title("Edge-Cloud Inference Planner")
presets = dict(list_presets())
name = st.sidebar.selectbox("Preset", list(presets), key="preset")
st.caption(presets[name])
try:
    scenario = load(name)
    st.code(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False), language="yaml")
except ScenarioError as exc:
    st.error(str(exc))
