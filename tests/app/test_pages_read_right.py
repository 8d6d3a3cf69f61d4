"""Pages as an architect reads them (headless): the capacity KPIs name what they measure, drops
read per month with their meaning, the catalog's source notes are shown whole."""

from __future__ import annotations

from planner.formatting import label, pct
from tests.app.test_dashboard import FAST, app_for, no_errors


def test_capacity_page_names_the_busy_share_and_reads_drops_per_month() -> None:
    at = app_for({"v": "1", "preset": "local_first_hybrid", **FAST}, "capacity")
    no_errors(at)
    f = at.session_state["result"].figures
    metrics = {m.label: m for m in at.metric}
    assert "GPU utilisation" not in metrics
    busy = metrics["GPU busy (of ready time)"]
    assert busy.value == f"{f['cloud.utilization'] * 100:.1f} %" and busy.help
    assert metrics["mean batch size"].value == "n/a (LLM)"
    drops = at.table[0].value
    monthly = f["requests_per_month.dropped_by_reason.residency"]
    row = drops.loc["must stay on site"]
    assert row["requests / month"] == f"{round(monthly):,}"
    assert "policy.sensitive_may_leave_site" in row["what it means"]
    assert "Drops by reason" in [h.value for h in at.subheader]


def test_compliance_page_states_what_residency_costs() -> None:
    at = app_for({"v": "1", "preset": "local_first_hybrid", **FAST}, "compliance")
    no_errors(at)
    assert any("Residency has a price here" in i.value for i in at.info)
    # the source article's three hybrid patterns, the scenario's own marked
    patterns = next(t.value for t in at.table if "in the planner" in t.value.columns)
    assert patterns.loc["Local-first with cloud fallback", "this scenario"].startswith("yes")
    assert "not simulated" in patterns.loc["Federated and private aggregation", "in the planner"]


def test_assumptions_page_shows_source_notes_whole() -> None:
    at = app_for({"v": "1", "preset": "local_first_hybrid", **FAST}, "assumptions")
    no_errors(at)
    catalog = at.table[0].value
    long_notes = [s for s in catalog["source"] if len(s) > 90]
    assert long_notes  # the Jetson's memory note, cut off in a dataframe cell before


def test_cost_page_shows_no_table_of_zero_gpu_hours() -> None:
    """clinic: every request stays on site; the GPU-hours table was six rows of 0.0."""
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "cost")
    no_errors(at)
    assert "GPU-hours and the bill (this scenario)" not in [h.value for h in at.subheader]
    assert any("no GPU-hours were held" in c.value for c in at.caption)


def test_overview_explains_the_residency_drops_beside_the_drop_rate() -> None:
    at = app_for({"v": "1", "preset": "local_first_hybrid", **FAST}, "overview")
    no_errors(at)
    assert any("Residency has a price here" in i.value for i in at.info)


def test_overview_says_which_option_a_point_against_the_winner_favours() -> None:
    """article: cloud-first wins; 'Against it: per-device volume: ... the fleet carries it'
    read as a contradiction. A point against the winner names the option it favours."""
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "overview")
    no_errors(at)
    v = at.session_state["result"].verdict
    against = [w.value for w in at.warning if w.value.startswith("Against")]
    assert against
    for text in against:
        assert text.startswith(f"Against {v.decision.architecture}: ")
        favoured = text.split(" favours ")[1].split(":")[0]
        assert favoured in ("edge-first", "cloud-first", "hybrid")
        assert favoured != v.decision.architecture
    carried = [t for t in against if "the fleet carries it" in t]
    assert all("per-device volume favours edge-first" in t for t in carried)


def test_capacity_of_a_cloud_only_scenario_shows_no_device_figures() -> None:
    """seasonal: cloud-only routing with one idle device showed 'device energy / month 5 kWh'
    (a figure its cost does not pay for), 'device utilisation 0.0 %', an 'in devices' line at
    zero and an empty fallbacks-and-drops panel."""
    import json

    at = app_for({"v": "1", "preset": "seasonal_burst_app", **FAST}, "capacity")
    no_errors(at)
    r = at.session_state["result"]
    assert r.scenario.policy.routing.kind == "cloud_only"
    labels = {m.label for m in at.metric}
    assert "GPU hours / month" in labels and "peak replicas" in labels
    for device_or_fallback in ("device energy / month", "device utilisation", "fallback rate"):
        assert device_or_fallback not in labels
    assert any("reached a device" in c.value for c in at.caption)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {t.get("name") for t in spec["data"]}
    assert "in devices" not in names and "fallbacks / min" not in names
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert not any(t.startswith("per minute") for t in titles) or r.figures["drop_rate"] > 0


def test_overview_states_that_patient_data_stayed_on_site_in_every_architecture() -> None:
    """clinic: PHI must never leave the site; the Overview (and the memo's first page) says so
    from the simulation of each architecture, not only the Compliance page for the scenario."""
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "overview")
    no_errors(at)
    v = at.session_state["result"].verdict
    [ok] = [s.value for s in at.success if "stayed on site" in s.value]
    assert "every simulated architecture" in ok
    for a in v.architectures:
        assert a.get("sensitive_left_site") == 0 and a.name in ok
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "overview")
    assert not [s.value for s in at.success if "stayed on site" in s.value]


def test_capacity_of_an_edge_only_scenario_names_its_line_and_skips_link_figures() -> None:
    """factory (edge-only): the one remaining line had no legend entry, and 'links down 0.0 %'
    stood for links the scenario never uses."""
    import json

    at = app_for({"v": "1", "preset": "factory_robotics_control_loop", **FAST}, "capacity")
    no_errors(at)
    labels = {m.label for m in at.metric}
    assert "device utilisation" in labels and "device energy / month" in labels
    assert not labels & {"links down", "fallback rate", "GPU hours / month", "peak replicas"}
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in spec["data"]] == ["in devices"]
    assert spec["layout"]["showlegend"] is True


def test_compliance_does_not_call_residency_verified_beside_a_residency_gap() -> None:
    """local_first_hybrid: 'Residency verified in the simulation' stood above a checklist whose
    'Data residency' row read 'gap' for both; the routing is verified, the control is not."""
    at = app_for({"v": "1", "preset": "local_first_hybrid", **FAST}, "compliance")
    no_errors(at)
    [ok] = [s.value for s in at.success]
    assert ok.startswith("Routing verified in the simulation: 0 sensitive requests left a site")
    assert "still a gap for the edge fleet and the cloud pool" in ok


def test_overview_tiles_give_no_fallback_rate_where_there_is_no_fallback_path() -> None:
    """Edge-only and cloud-only tiles read 'fallback rate 0.0 %', as if measured."""
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "overview")
    no_errors(at)
    values = [m.value for m in at.metric if m.label == "fallback rate"]
    assert values.count("none") == 2  # 'none (cloud only)' was cut in a 290 px tile
    helps = [m.help for m in at.metric if m.label == "fallback rate" and m.value == "none"]
    assert all(h and "no second path" in h for h in helps), helps
    hybrid = at.session_state["result"].verdict.by_option("hybrid")
    assert hybrid is not None and hybrid.key not in ("edge_only", "cloud_only")
    assert sum(v.endswith("%") for v in values) == 1


def test_capacity_page_says_why_the_farms_flat_panels_are_left_out() -> None:
    """remote farm: two panels were flat lines at 0; the page now says why in words, under the
    chart, with the run's busy shares, and draws the panels that show something."""
    at = app_for({"v": "1", "preset": "remote_farm_sensors_satellite", **FAST}, "capacity")
    no_errors(at)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Requests waiting or in service: 0 at every") for c in captions)
    assert any(c.startswith("GPU request slots in use: 0 % at every") for c in captions)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "GPU replicas" in spec and "GPU request slots in use (sampled" not in spec
    # 0.38 cold starts a day read '0' beside a scaling log starting a replica at 06:00
    f = at.session_state["result"].figures
    cold = next(m.value for m in at.metric if m.label == "GPU cold starts / day")
    assert (
        0 < f["cloud.cold_starts_per_day"] < 1 and cold == f"{f['cloud.cold_starts_per_day']:.2f}"
    )


def test_compare_reads_like_the_overview_and_explains_the_score() -> None:
    """article: Compare read 'fallback rate 0.0 %' for edge-only and cloud-only where the
    Overview's tiles say 'none' (no second path), and 'decision score -13.5' unexplained."""
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "compare")
    no_errors(at)
    v = at.session_state["result"].verdict
    table = at.dataframe[0].value.set_index("figure")
    one_path = [a.name for a in v.architectures if a.key in ("edge_only", "cloud_only")]
    assert len(one_path) == 2 and all(table.loc["fallback rate", n] == "none" for n in one_path)
    scores = at.table[0].value
    assert list(scores["criterion"]) == [c.name for c in v.decision.criteria]
    for a in v.architectures:  # one decimal, signed, and they add up to the score row
        cells = list(scores[a.name])
        assert all(c == "0" or (c[0] in "+-" and len(c.split(".")[-1]) == 1) for c in cells)
        total = sum(float(c) for c in cells)
        assert abs(total - v.decision.scores[a.option]) <= 0.05 * len(cells) + 1e-9


def test_checklist_columns_fit_an_820_px_window() -> None:
    """article at 820 px: the checklist's item column ('large', 400 px) left the two status
    columns 75 px each, cut to 'not applical' and one letter. The three columns now fit the main
    area of an 820 px window (about 490 px beside the sidebar) with 'not applicable' whole."""
    import json

    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "compliance")
    no_errors(at)
    [editor] = [d for d in at.dataframe if d.proto.editing_mode]
    columns = json.loads(editor.proto.columns)
    widths = {k: c["width"] for k, c in columns.items() if not c.get("hidden")}
    assert all(isinstance(w, int) for w in widths.values()), widths  # 'large' was 400 px
    assert sum(widths.values()) <= 470, widths
    status = [w for k, w in widths.items() if k != "item"]
    assert len(status) == 2 and min(status) >= 115  # 'not applicable' and the selectbox arrow
    assert widths["item"] >= 200  # 'Backups and immutable audit logs' whole


def test_assumptions_lists_each_profile_in_its_own_table() -> None:
    """clinic at 820 px: a 'profile' column repeated 'device: pi5 8gb hailo10h' on every row and
    pushed the source notes past the window's right edge."""
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "assumptions")
    no_errors(at)
    s = at.session_state["result"].scenario
    heads = [m.value for m in at.markdown if m.value.startswith("**")]
    assert heads[:2] == [f"**device: {label(s.edge.device)}**", f"**GPU: {label(s.cloud.gpu)}**"]
    tables = [t.value for t in at.table][: len(heads)]
    assert all(list(t.columns) == ["figure", "value", "grade", "source"] for t in tables)
    assert all(len(t) for t in tables)


def test_overview_says_why_cloud_only_reads_like_edge_only_under_residency() -> None:
    """clinic: every request is sensitive and must stay on site, so cloud-only's run served them
    on the devices: its tile showed edge-only's p95 and no GPU-hours with nothing saying why."""
    at = app_for({"v": "1", "preset": "clinic_llm_assistant_pii", **FAST}, "overview")
    no_errors(at)
    notes = [c.value for c in at.caption if "of cloud-only's requests were served" in c.value]
    assert len(notes) == 1 and "residency keeps it off the GPU pool" in notes[0]
    cloud = at.session_state["result"].verdict.by_option("cloud-first")
    assert cloud is not None and pct(cloud.get("latency_ms_by_path.edge.share")) in notes[0]
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "overview")
    assert not [c for c in at.caption if "of cloud-only's requests were served" in c.value]
