"""The dashboard headless (AppTest): every page for every preset, inputs, links, hostile links."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from planner.links import from_params, to_params
from planner.presets import apply_overrides, list_presets, load

APP = "app.py"
PAGES = ("overview", "latency", "capacity", "cost", "compliance", "compare", "assumptions")
FAST = {"simulation.replications": "2"}


def one_page(page: str) -> None:
    """The app's sidebar and run, then a single page (AppTest cannot switch callable pages)."""
    import importlib

    import streamlit as st

    from ui import sidebar, state

    state.init_from_link()
    sidebar.render()
    st.session_state["result"] = state.current_result()
    importlib.import_module(f"ui.{page}").render()
    state.sync_url()
    state.follow_with_full()  # as app.py: a preview is followed by the full run


def app_for(params: dict[str, str], page: str | None = None) -> AppTest:
    at = (
        AppTest.from_function(one_page, args=(page,), default_timeout=300)
        if page
        else AppTest.from_file(f"../../{APP}", default_timeout=300)
    )
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("preset", [n for n, _ in list_presets()])
def test_every_page_renders_for_every_preset(preset: str) -> None:
    params = {"v": "1", "preset": preset, **FAST}
    for page in PAGES:
        at = app_for(params, page)
        no_errors(at)
        assert at.title and at.title[0].value
        if page == "overview":
            assert at.subheader[0].value.startswith("Recommendation: ")
            v = at.session_state["result"].verdict
            assert len(at.metric) == 7 * len(v.architectures)
            heads = [m.value for m in at.markdown]
            for i, arch in enumerate(v.architectures):
                assert f"#### {arch.name}" in heads
                tile = at.metric[7 * i : 7 * i + 7]  # tiles in the verdict's order
                assert [m.label for m in tile][:2] == ["p95 latency", "p99 latency"]


def test_full_app_writes_the_link() -> None:
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST})
    no_errors(at)
    assert (
        at.query_params["preset"] == ["clinic_llm_assistant_pii"]
        or at.query_params["preset"] == "clinic_llm_assistant_pii"
    )


def metric(at: AppTest, label: str) -> str:
    """An Overview tile's figure by 'figure · architecture' (the tiles' labels name only the
    figure: the heading above names the architecture)."""
    name, arch = label.split(" · ", 1)
    names = [a.name for a in at.session_state["result"].verdict.architectures]
    tile = at.metric[7 * names.index(arch) : 7 * names.index(arch) + 7]
    return next(m.value for m in tile if m.label == name)


def test_changed_input_changes_the_figures() -> None:
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "overview")
    own = "monthly cost · hybrid (local-first)"
    before = metric(at, own)
    at.number_input(key="in:edge.device_count").set_value(50)
    at.number_input(key="in:edge.sites").set_value(25)
    form_button = next(b for b in at.button if b.label == "Run")
    form_button.click().run()
    no_errors(at)
    assert metric(at, own) != before
    assert at.query_params["edge.device_count"] in (["50"], "50")


def test_invalid_form_input_keeps_the_scenario_and_names_the_field() -> None:
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "overview")
    at.number_input(key="in:edge.sites").set_value(200)
    next(b for b in at.button if b.label == "Run").click().run()
    no_errors(at)
    errors = " ".join(e.value for e in at.error)
    assert "'sites'" in errors and "edge.sites" not in errors
    assert at.session_state["current_scenario"].edge.sites == 25


def test_link_restores_the_identical_scenario() -> None:
    s = apply_overrides(
        load("seasonal_burst_app"),
        {
            "cloud.max_replicas": 6,
            "policy.routing.kind": "cloud_only",
            "simulation.seed": 99,
            "workload.daily_profile": [1.0] * 12 + [2.0] * 12,
        },
    )
    params = to_params(s)
    assert from_params(params).scenario == s
    at = app_for({**params, **FAST}, "overview")
    no_errors(at)
    restored = at.session_state["current_scenario"]
    assert restored == apply_overrides(s, {"simulation.replications": 2})


HOSTILE: list[tuple[dict[str, Any], str]] = [
    ({"v": "1", "edge.device_count": "-4"}, "edge.device_count"),
    ({"v": "1", "cloud.gpu": "<script>alert(1)</script>"}, "cloud.gpu"),
    ({"v": "1", "workload.requests_per_month": "1e400"}, "workload.requests_per_month"),
    ({"v": "1", "nonsense.field": "1"}, "nonsense.field"),
    ({"v": "1", "preset": "../../etc/passwd"}, "does not exist"),
    ({"v": "99"}, "version"),
    ({"v": "1", "workload.daily_profile": "[1, 2"}, "workload.daily_profile"),
    ({"v": "1", **{f"x{i}": "1" for i in range(300)}}, "link too large"),
    ({"v": "1", "workload.requests_per_month": "9" * 9000}, "link too large"),
    ({"v": "1", "workload.requests_per_month": "9" * 5000}, "workload.requests_per_month"),
]


@pytest.mark.parametrize(("params", "fragment"), HOSTILE)
def test_hostile_links_give_a_message_and_a_working_page(
    params: dict[str, Any], fragment: str
) -> None:
    at = app_for({**params, **FAST} if "x0" not in params else params, "overview")
    no_errors(at)
    warnings = " ".join(w.value for w in at.warning)
    assert fragment in warnings
    assert at.subheader and at.subheader[0].value.startswith("Recommendation")


def test_burst_inputs_add_a_burst_to_the_scenario_and_link() -> None:
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "overview")
    at.number_input(key="burst:days_per_month").set_value(2)
    at.number_input(key="burst:multiplier").set_value(8.0)
    next(b for b in at.button if b.label == "Run").click().run()
    no_errors(at)
    s = at.session_state["current_scenario"]
    assert len(s.workload.bursts) == 1 and s.workload.bursts[0].multiplier == 8.0
    assert "workload.bursts" in at.query_params


def test_run_is_the_first_sidebar_control_and_stale_results_are_flagged() -> None:
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "overview")
    assert at.sidebar.button[0].label == "Run"
    assert not any("stale" in w.value for w in at.warning)
    at.number_input(key="in:edge.device_count").set_value(40).run()
    assert any("Results are stale" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Run").click().run()
    assert not any("stale" in w.value for w in at.warning)


def test_link_notice_is_cleared_after_a_successful_run() -> None:
    at = app_for(
        {"v": "1", "preset": "clinic_llm_assistant_pii", "edge.device_count": "-4", **FAST},
        "overview",
    )
    assert any("edge.device_count" in w.value for w in at.warning)
    at.number_input(key="in:edge.device_count").set_value(30)
    next(b for b in at.button if b.label == "Run").click().run()
    no_errors(at)
    assert not any(w.value.startswith("Link:") for w in at.warning)


def test_volume_slider_stops_where_the_engine_does(monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "overview")
    slider = at.slider(key="in:workload.requests_per_month")
    top = 10 ** float(slider.max)
    s = apply_overrides(load("article_1m_chat"), {"simulation.replications": 2})
    import planner.plan
    from planner.plan import WorkLimitError
    from planner.prepare import prepare

    # the request limit of the engine that would run it (compiled where it covers the
    # scenario); the slider leaves the machine's memory out, so the test does too
    monkeypatch.setattr(planner.plan, "available_memory_bytes", lambda: None)
    prepare(apply_overrides(s, {"workload.requests_per_month": top * 0.98}), False)
    with pytest.raises(WorkLimitError):
        prepare(apply_overrides(s, {"workload.requests_per_month": top * 1.1}), False)


def test_checklist_edit_puts_only_the_changed_answer_in_the_link() -> None:
    import pandas as pd

    from ui.compliance import changed_answers

    s = load("clinic_llm_assistant_pii")
    r_status = {
        "item": ["x"] * 7,
        "edge fleet": ["done"] * 7,
        "cloud pool": ["done"] * 7,
    }
    from planner.compliance import CHECKLIST, item_status
    from planner.formatting import label

    rows = pd.DataFrame(
        {
            "item": [it.title for it in CHECKLIST],
            "edge fleet": [label(item_status(s, it, "edge")) for it in CHECKLIST],
            "cloud pool": [label(item_status(s, it, "cloud")) for it in CHECKLIST],
        }
    )
    assert len(r_status["item"]) == 7
    assert changed_answers(s, rows) == {}
    rows.loc[0, "edge fleet"] = "planned" if rows.loc[0, "edge fleet"] != "planned" else "done"
    updates = changed_answers(s, rows)
    assert list(updates) == ["compliance.edge"]
    new = apply_overrides(s, updates)
    before, after = to_params(s), to_params(new)
    added = {k: v for k, v in after.items() if before.get(k) != v}
    assert len(added) == 1
