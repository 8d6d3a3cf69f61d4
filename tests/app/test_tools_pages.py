"""The Optimise and What-if pages headless: the front with links, side by side with deltas."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from streamlit.testing.v1 import AppTest

from planner import whatif as planner_whatif
from planner.links import to_params
from planner.presets import load
from planner.whatif import changed_inputs, decode_link, delta_rows
from ui import whatif

FAST = {"simulation.replications": 1}


def page(name: str) -> None:
    import importlib

    from ui import state

    state.init_from_link()
    importlib.import_module(f"ui.{name}").render()


def app(name: str, scenario_params: dict[str, str]) -> AppTest:
    at = AppTest.from_function(page, args=(name,), default_timeout=300)
    for k, v in scenario_params.items():
        at.query_params[k] = v
    return at.run()


def link(**overrides: object) -> str:
    s = load("clinic_llm_assistant_pii", {**FAST, **overrides})
    return "http://localhost:8501/overview?" + urlencode(to_params(s))


def test_whatif_shows_changed_inputs_kpis_and_cost_deltas() -> None:
    at = app("whatif", {})
    at.text_area(key="whatif_text").set_value(
        link() + "\n" + link(**{"edge.device_count": 50})
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    heads = [h.value for h in at.subheader]
    assert heads == ["Recommendation", "Changed inputs", "KPIs", "Monthly cost by line"]
    frames = [d.value for d in at.dataframe]
    assert "edge.device_count" in list(frames[0]["input"])
    kpis, lines = frames[1], frames[2]
    assert {"reference", "what-if 1", "Δ 1"} <= set(kpis.columns)
    for frame in (kpis, lines):  # every cell reads with its unit: no raw float, no identifier
        for cell in frame.drop(columns="figure").to_numpy().ravel():
            assert isinstance(cell, str) and not re.search(r"\d\.\d{3,}", cell), cell
    cost = kpis[kpis["figure"] == "monthly cost"].iloc[0]
    ref, other = (float(re.sub(r"[$,]", "", cost[c])) for c in ("reference", "what-if 1"))
    assert other > ref  # 50 devices instead of 25 cost more a month
    assert cost["Δ 1"].startswith("+$")
    # the delta of the unrounded figures: within the rounding of the two cells ($1 each)
    assert abs(float(re.sub(r"[+$,]", "", cost["Δ 1"])) - (other - ref)) <= 1
    p95 = kpis[kpis["figure"] == "p95 latency"].iloc[0]
    assert p95["reference"].endswith(("ms", " s", "min"))
    att = kpis[kpis["figure"] == "SLO attainment"].iloc[0]
    assert att["reference"].endswith("%") and att["Δ 1"].endswith(("pp", "no change"))
    assert "edge amortisation" in list(lines["figure"])  # cost lines by their labels


def test_whatif_caps_the_links_and_quotes_them_as_text() -> None:
    """Pasted links are strangers' text: their messages must not render Markdown links, and
    fifty pasted links must not start fifty simulations one after another."""
    from ui.whatif import MAX_LINKS

    evil = link() + "&" + quote("[x](http://e.vil)") + "=1"
    at = app("whatif", {})
    at.text_area(key="whatif_text").set_value("\n".join([evil] + [link()] * 9)).run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any(f"at most {MAX_LINKS} are compared" in w for w in warnings), warnings
    quoted = [w for w in warnings if "e.vil" in w]
    assert quoted and all(not re.search(r"(?<!\\)[\[\]]", w) for w in quoted), quoted
    assert len(at.dataframe[1].value.columns) == 1 + MAX_LINKS + (MAX_LINKS - 1)  # KPI + deltas


def test_whatif_asks_for_a_second_link() -> None:
    at = app("whatif", {"v": "1", "preset": "clinic_llm_assistant_pii"})
    assert not at.exception
    assert at.info and "at least one more link" in at.info[0].value


def test_optimise_page_plots_front_with_links() -> None:
    params = {"v": "1", "preset": "clinic_llm_assistant_pii", "simulation.replications": "1"}
    at = app("optimise", params)
    assert not at.exception
    at.number_input(key="opt_evaluations").set_value(3).run()
    at.button(key="opt_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Pareto front" in [h.value for h in at.subheader]
    assert at.get("plotly_chart")
    front = at.dataframe[0].value
    assert len(front) >= 1 and all(u.startswith("./?v=1") for u in front["open"])
    assert [h.value for h in at.header] == ["Sensitivity"]


def test_pure_whatif_helpers() -> None:
    a, b = load("article_1m_chat"), load("article_1m_chat", {"edge.device_count": 60})
    rows = changed_inputs([a, b])
    assert rows == [{"input": "edge.device_count", "reference": 50, "what-if 1": 60}]
    assert delta_rows([("x", [2.0, 5.0, 1.0])]) == [
        {
            "figure": "x",
            "reference": 2.0,
            "what-if 1": 5.0,
            "Δ 1": 3.0,
            "what-if 2": 1.0,
            "Δ 2": -1.0,
        }
    ]
    assert decode_link("?" + urlencode(to_params(b))).scenario == b
    # as read on the page: 50 devices beside a $6 price read '50.0' and '6.0'
    c = load("article_1m_chat", {"edge.device_count": 80, "cloud.gpu_hourly_usd": 6.5})
    table = whatif.input_table(changed_inputs([a, c])).set_index("input")
    assert table.loc["edge.device_count"].tolist() == ["50", "80"]
    assert table.loc["cloud.gpu_hourly_usd"].tolist() == ["10", "6.5"]
    # a change under the last digit shown read '−0.0 GB'
    assert planner_whatif.delta("gb", -0.004) == "no change at this precision"
    assert planner_whatif.delta("gb", -0.4) == "−0.4 GB"
    assert planner_whatif.delta("usd", 0.0) == "no change"


def test_saved_scenario_files_decode_and_bad_ones_are_named() -> None:
    import pytest
    import yaml

    from planner.errors import ScenarioError
    from planner.whatif import decode_file

    s = load("article_1m_chat", {"edge.device_count": 60})
    assert decode_file(yaml.safe_dump(s.model_dump(mode="json")).encode(), "a.yaml") == s
    with pytest.raises(ScenarioError, match="b.yaml: must hold a mapping"):
        decode_file(b"- 1\n- 2\n", "b.yaml")
    with pytest.raises(ScenarioError, match="edge.device_count"):
        decode_file(b"edge: {device_count: -1}\n", "c.yaml")


def overview_app(params: dict[str, str], page_name: str = "overview") -> AppTest:
    from tests.app.test_dashboard import one_page

    at = AppTest.from_function(one_page, args=(page_name,), default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


SMALL_CLINIC = {
    "v": "1",
    "preset": "clinic_llm_assistant_pii",
    "workload.requests_per_month": "3000",
    "simulation.replications": "1",
}


def test_overview_computes_sensitivity_on_request_and_the_memo_takes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import sensitivity_section
    from ui.timings import ENV_CACHE_DIR

    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path))
    sensitivity_section.timings.clear()  # a fresh server: no sensitivity measured yet
    at = overview_app(SMALL_CLINIC)
    assert not at.exception, [e.value for e in at.exception]
    assert any("uncalibrated" in c.value for c in at.caption)
    assert "Sensitivity" in [h.value for h in at.subheader]
    assert not at.get("plotly_chart")  # nothing simulated before the click
    captions = " ".join(c.value for c in at.caption)
    assert (
        "Compute sensitivity" in captions and "Without sensitivity (not computed yet)" in captions
    )
    at.button(key="sens_run_3").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [chart] = at.get("plotly_chart")
    assert "SLO attainment (%)" in chart.proto.spec
    assert "as routed: hybrid (local-first)" in chart.proto.spec
    assert "Monthly cost (USD)" in chart.proto.spec and "(local-first))" not in chart.proto.spec
    table = at.table[-1].value
    assert {"input", "range", "flips at"} <= set(table.columns) and len(table) >= 3
    assert "With the sensitivity computed above." in [c.value for c in at.caption]
    text = " ".join(m.value for m in at.markdown)
    assert "each point: 1 replication on the main run's seeds" in text  # the run has 1
    # the estimate now quotes what this server measured: for this scenario its own time, for
    # another the stated run's speed scaled by the measured ratio (never a stale constant)
    measured = [c.value for c in at.caption if "Measured on this server" in c.value]
    assert measured and " s (" in measured[0]
    r = at.session_state["result"]
    other = r.scenario.model_copy(update={"name": "another scenario"})
    text = sensitivity_section.estimate_text(other, r, 1)
    assert "roughly" in text and "the last 1 sensitivity run on this server" in text
    # the server restarts: the estimate still quotes what was measured (it read 'uncalibrated')
    sensitivity_section.timings.clear()
    assert measured[0].split(": ", 1)[1] in sensitivity_section.estimate_text(r.scenario, r, 1)
    text = sensitivity_section.estimate_text(other, r, 1)
    assert "the last 1 sensitivity run on this server" in text


def test_cost_page_break_even_runs_the_sweep_and_keeps_it() -> None:
    at = overview_app(SMALL_CLINIC, "cost")
    at.button(key="cost_break_even").click().run()
    assert not at.exception, [e.value for e in at.exception]
    n = len(at.get("plotly_chart"))
    assert any("same sweep as `python -m planner break-even`" in m.value for m in at.markdown)
    at.run()  # another rerun (any widget): the sweep's chart stays
    assert len(at.get("plotly_chart")) == n


def test_optimise_names_knob_values_the_scenario_refuses() -> None:
    """'-5' or '3' devices for 25 clinics reached the optimiser; the front's point had no
    scenario to link to and the page broke. Each refused value is named and left out; the
    default space's own misfits (min replicas above max) go quietly."""
    params = {**SMALL_CLINIC}
    at = app("optimise", params)
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.text_input(key="opt_edge.device_count").set_value("nan, -5, 3, 1e400, 30").run()
    at.number_input(key="opt_evaluations").set_value(2).run()
    at.button(key="opt_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    for value in ("nan", "-5", "3", "inf"):
        assert f"edge.device_count = {value} left out" in errors, errors
    assert "edge.device_count = 30" not in errors
    assert "Pareto front" in [h.value for h in at.subheader]
    assert all(u.startswith("./?v=1") for u in at.dataframe[0].value["open"])
