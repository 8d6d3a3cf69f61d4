"""Every chart builder for every preset: axes hold the data, SLO lines and labels sit inside."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from planner.cost import break_even_month
from planner.formatting import number, pct
from planner.presets import list_presets
from planner.run import RunResult
from ui import capacity_chart, charts

BUILDERS: dict[str, Callable[[RunResult], go.Figure]] = {
    "latency histogram": charts.fig_latency_histogram,
    "latency ECDF": charts.fig_latency_ecdf,
    "latency by hour": charts.fig_latency_by_hour,
    "capacity": capacity_chart.fig_capacity,
    "cost breakdown": charts.fig_cost_breakdown,
    "TCO": charts.fig_tco,
    "compare": charts.fig_compare,
}


def values(v: Any) -> np.ndarray:
    if v is None:
        return np.array([])
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).astype(float)
    arr = np.asarray(v, dtype=object).ravel()
    nums = [float(x) for x in arr if isinstance(x, int | float | np.number) and x is not None]
    return np.asarray(nums, dtype=float)


def axis_name(ref: str, letter: str) -> str:
    """'x' -> 'xaxis', 'x3' -> 'xaxis3', 'y2 domain' -> 'yaxis2'."""
    ref = ref.split()[0]
    return f"{letter}axis{ref[1:]}"


def check_axis(lay: dict[str, Any], name: str, data: np.ndarray, where: str) -> None:
    ax = lay.get(name, {})
    rng = ax.get("range")
    assert rng is not None, f"{where}: {name} has no explicit range"
    lo, hi = sorted(float(x) for x in rng)
    if ax.get("type") == "log":
        data = np.log10(data[data > 0])
    data = data[np.isfinite(data)]
    if data.size:
        p1, p999 = np.quantile(data, [0.01, 0.999])
        assert lo <= p1 + 1e-9 and p999 - 1e-9 <= hi, (where, name, (lo, hi), (p1, p999))


def inside(lay: dict[str, Any], ref: str, letter: str, v: float, shape: bool, where: str) -> None:
    if not ref or ref.startswith("paper") or ref.endswith("domain"):
        return
    ax = lay.get(axis_name(ref, letter), {})
    rng = ax.get("range")
    assert rng is not None, f"{where}: {letter} reference on an axis without a range"
    pos = math.log10(v) if shape and ax.get("type") == "log" else v
    lo, hi = sorted(float(x) for x in rng)
    assert lo - 1e-9 <= pos <= hi + 1e-9, (where, ref, pos, (lo, hi))


@pytest.mark.parametrize("preset", [n for n, _ in list_presets()])
def test_every_chart_holds_its_data_and_labels(
    preset: str, preset_runs: dict[str, RunResult]
) -> None:
    r = preset_runs[preset]
    for title, build in BUILDERS.items():
        where = f"{preset}: {title}"
        spec = build(r).to_plotly_json()
        lay = spec["layout"]
        assert spec["data"], f"{where}: no trace"
        per_axis: dict[str, list[np.ndarray]] = {}
        for tr in spec["data"]:
            xs = values(tr.get("x"))
            if xs.size:
                per_axis.setdefault(axis_name(tr.get("xaxis", "x"), "x"), []).append(xs)
        for name, parts in per_axis.items():
            if name in lay and lay[name].get("type") != "category":
                check_axis(lay, name, np.concatenate(parts), where)
        for sh in lay.get("shapes", []):
            for k in ("x0", "x1"):
                inside(lay, sh.get("xref", "x"), "x", float(sh[k]), True, where)
            for k in ("y0", "y1"):
                inside(lay, sh.get("yref", "y"), "y", float(sh[k]), True, where)
        for an in lay.get("annotations", []):
            if "x" in an and an.get("xref", "x") not in ("paper",):
                inside(lay, an.get("xref", "x"), "x", float(an["x"]), False, where)
            if "y" in an and an.get("yref", "y") not in ("paper",):
                inside(lay, an.get("yref", "y"), "y", float(an["y"]), False, where)


def test_latency_histograms_have_bars_for_sub_300_ms_targets(
    preset_runs: dict[str, RunResult],
) -> None:
    """The issue's retail and factory charts: bars drawn, axis not stretched to 10^305."""
    for preset in ("retail_kiosk_vision", "factory_robotics_control_loop"):
        fig = charts.fig_latency_histogram(preset_runs[preset])
        assert sum(float(np.nansum(values(t.y))) for t in fig.data) > 0
        lo, hi = fig.layout.xaxis.range
        assert hi - lo < 4


def test_capacity_opens_on_the_busiest_day(preset_runs: dict[str, RunResult]) -> None:
    r = preset_runs["seasonal_burst_app"]
    days = capacity_chart.capacity_days(r)
    assert len(days) > 1
    busiest = capacity_chart.busiest(days)
    top = max(d["arrivals"].mean() for _, d in days)
    assert days[busiest][1]["arrivals"].mean() >= 0.99 * top
    assert (
        capacity_chart.day_name(days[busiest][0])
        in capacity_chart.fig_capacity(r).layout.title.text
    )
    for _, df in days:
        assert df["hour"].between(0, 24).all()
    log = capacity_chart.scaling_rows(r)
    assert log["time"].str.fullmatch(r"\d\d:\d\d").all()


def test_a_busy_pool_shows_requests_in_service(preset_runs: dict[str, RunResult]) -> None:
    # the "waiting or in service" panel must not read 0 while the GPUs are busy
    for name, r in preset_runs.items():
        fig = capacity_chart.fig_capacity(r)
        by_name = {t.name: values(t.y) for t in fig.data}
        slots = by_name.get("GPU request slots in use", np.array([]))
        if slots.size and slots.max() > 1.0:
            assert by_name["GPU pool in service"].max() > 0, name


def test_the_slots_panel_is_labelled_apart_from_the_busy_share_and_scaled_to_its_data(
    preset_runs: dict[str, RunResult],
) -> None:
    """local_first_hybrid: the KPI (busy / ready GPU time, ~38 %) and the bottom panel (slots in
    use, <10 %) are different measures; the panel says which it is and is not drawn flat on a
    0-100 % axis."""
    r = preset_runs["local_first_hybrid"]
    fig = capacity_chart.fig_capacity(r)
    titles = [a.text for a in fig.layout.annotations]
    assert capacity_chart.SLOTS_TITLE in titles and "GPU utilisation" not in titles
    slots = next(values(t.y) for t in fig.data if t.name == "GPU request slots in use")
    axis = fig.layout[f"yaxis{len(titles)}"]
    assert axis.range[1] < 50 and np.nanmax(slots) <= axis.range[1]
    assert r.figures["cloud.utilization"] > 2 * np.nanmax(slots) / 100


def test_capacity_leaves_out_gpu_panels_when_no_request_reached_the_pool(
    preset_runs: dict[str, RunResult],
) -> None:
    """clinic: every request is sensitive and stays on site; the GPU panels were empty charts."""
    r = preset_runs["clinic_llm_assistant_pii"]
    assert not capacity_chart.uses_pool(r)
    fig = capacity_chart.fig_capacity(r)
    titles = [a.text for a in fig.layout.annotations]
    assert "GPU replicas" not in titles and capacity_chart.SLOTS_TITLE not in titles
    assert {t.name for t in fig.data} - {"a link down"} == {
        "in devices",
        "fallbacks / min",
        "drops / min",
    }
    assert capacity_chart.uses_pool(preset_runs["local_first_hybrid"])


def test_a_sampled_hour_is_drawn_across_the_open_hours(
    preset_runs: dict[str, RunResult],
) -> None:
    # one simulated hour stands for every open hour: a line across them, not a dot at hour 0
    sampled = {n: r for n, r in preset_runs.items() if len(r.latency_by_hour) == 1}
    assert sampled  # the kiosk and factory presets simulate one hour of their open hours
    for name, r in sampled.items():
        fig = charts.fig_latency_by_hour(r)
        x = values(fig.data[0].x)
        open_hours = int((charts.hourly_shape(r.scenario.workload) > 0).sum())
        assert x.max() - x.min() >= min(open_hours, 24) - 1e-9, (name, x)


def test_histogram_bars_add_up_to_the_months_completed_requests(
    preset_runs: dict[str, RunResult],
) -> None:
    """The y axis says requests / month: the bars of a 20,000-request sample must be scaled
    to the month (local_first_hybrid summed to 18.7k of its ~141k; factory to 0.6B of 3.1B)."""
    for preset in ("local_first_hybrid", "factory_robotics_control_loop"):
        r = preset_runs[preset]
        fig = charts.fig_latency_histogram(r)
        total = sum(float(np.nansum(values(t.y))) for t in fig.data)
        served = r.figures["requests_per_month.completed"]
        assert total == pytest.approx(served, rel=0.05), (preset, total, served)


def test_log_axes_label_every_tick_as_a_duration(preset_runs: dict[str, RunResult]) -> None:
    """Plotly's default log ticks read '10k 2 5': a '2' standing for 20,000 ms."""
    r = preset_runs["local_first_hybrid"]
    axes = [
        charts.fig_latency_histogram(r).layout.xaxis,
        charts.fig_latency_ecdf(r).layout.xaxis,
        charts.fig_latency_by_hour(r).layout.yaxis,
        charts.fig_compare(r).layout.yaxis,
    ]
    for ax in axes:
        assert ax.ticktext and len(ax.ticktext) == len(ax.tickvals) >= 3
        assert all(t.endswith((" ms", " s", " min")) for t in ax.ticktext), ax.ticktext
        logs = np.log10(np.asarray(ax.tickvals, dtype=float))
        assert ax.range[0] - 1e-9 <= logs.min() and logs.max() <= ax.range[1] + 1e-9
    for ax in axes[:2]:  # half-width charts: labels side by side, never tilted onto the title
        assert len(ax.tickvals) <= 6 and ax.tickangle == 0
    assert charts.ms_tick(200_000) == "200 s" and charts.ms_tick(20_000_000) == "333 min"
    assert charts.ms_tick(50) == "50 ms" and charts.ms_tick(1500) == "1.5 s"


def test_a_sampled_hour_reads_as_clock_time(preset_runs: dict[str, RunResult]) -> None:
    """factory simulates one hour: its x axis read 0, 0.25, 0.5 ('hour of day')."""
    fig = capacity_chart.fig_capacity(preset_runs["factory_robotics_control_loop"])
    text = fig.layout.xaxis.ticktext
    assert text and all(len(t) == 5 and t[2] == ":" for t in text), text


def test_overlapping_cost_lines_stay_visible(preset_runs: dict[str, RunResult]) -> None:
    """local_first_hybrid: cloud-only and the hybrid cost the same; one line hid the other."""
    r = preset_runs["local_first_hybrid"]
    assert r.verdict is not None
    names = {a.name for a in r.verdict.architectures}
    lines = [t for t in charts.fig_tco(r).data if t.name in names]
    assert len(lines) == 3 and len({t.line.dash for t in lines}) == 3


def test_compare_names_the_slo_in_the_legend_not_over_a_bar(
    preset_runs: dict[str, RunResult],
) -> None:
    """article_1m_chat: the 'SLO p95 20.0 s' label sat on edge-only's bar and hid its value."""
    fig = charts.fig_compare(preset_runs["article_1m_chat"])
    assert not fig.layout.annotations
    assert "SLO p95 20.0 s" in {t.name for t in fig.data}
    assert any(sh.line.dash == "dash" for sh in fig.layout.shapes)


def test_among_days_of_equal_traffic_capacity_opens_where_something_happens(
    preset_runs: dict[str, RunResult],
) -> None:
    """remote_farm: 'all devices up' and '1 device down' carry the same traffic; the page opened
    on the first, with no fallback or drop to see."""
    days = capacity_chart.capacity_days(preset_runs["remote_farm_sensors_satellite"])
    assert len(days) > 1
    chosen = days[capacity_chart.busiest(days)][1]
    events = [float(d["completed_fallback"].sum() + d["dropped"].sum()) for _, d in days]
    assert float(chosen["completed_fallback"].sum() + chosen["dropped"].sum()) == max(events)
    assert max(events) > min(events)


@pytest.mark.parametrize("lo", [-1.0, 0.3, 1.2, 2.0, 3.5, 4.1])
@pytest.mark.parametrize("width", [0.15, 0.6, 1.3, 2.7, 3.6, 5.0])
def test_log_ticks_stay_readable_over_any_range(lo: float, width: float) -> None:
    vals, text = charts.log_ticks([lo, lo + width])
    assert 2 <= len(vals) <= 9, (lo, width, text)
    assert all(lo - 1e-9 <= math.log10(v) <= lo + width + 1e-9 for v in vals)
    assert len(set(text)) == len(text), text  # no two ticks read the same
    assert all(t.endswith((" ms", " s", " min")) for t in text)


def test_ecdf_slo_label_sits_at_the_foot_clear_of_the_curves(
    preset_runs: dict[str, RunResult],
) -> None:
    """factory: the 'SLO p99 50 ms' label sat at the top, where the ECDF runs at 100 %. At the
    foot, left of the line, every curve has already risen past the label by the SLO."""
    for name in ("factory_robotics_control_loop", "article_1m_chat"):
        r = preset_runs[name]
        fig = charts.fig_latency_ecdf(r)
        [label] = [a for a in fig.layout.annotations if a.text.startswith("SLO")]
        assert label.yanchor == "bottom" and label.y <= 0.1
        slo = 10**label.x
        for trace in fig.data:
            x, y = values(trace.x), values(trace.y)
            at_slo = y[x <= slo].max(initial=0.0)
            assert at_slo > label.y + 0.1 or x.min() > slo, (name, trace.name, at_slo)


def test_cost_bars_name_every_architecture_level_and_whole(
    preset_runs: dict[str, RunResult],
) -> None:
    """The kiosk's 'cloud-only, 25 GPU replicas' tilted and cut the first label to 'ed…'."""
    r = preset_runs["retail_kiosk_vision"]
    assert r.verdict is not None
    ax = charts.fig_cost_breakdown(r).layout.xaxis
    names = [a.name for a in r.verdict.architectures]
    assert ax.tickangle == 0 and list(ax.tickvals) == names
    for name, text in zip(names, ax.ticktext, strict=True):
        assert text.replace("<br>", " ") == name, (name, text)
        assert all(len(line) <= 16 for line in text.split("<br>")), text


def test_tco_marks_each_architectures_break_even_against_cloud_only(
    preset_runs: dict[str, RunResult],
) -> None:
    """remote farm: the Cost page's caption says edge-only (recommended) breaks even at month
    22; the chart marked only the hybrid's break-even, which never comes, so it showed none."""
    marked = set()
    for name, r in preset_runs.items():
        assert r.verdict is not None
        archs = r.verdict.architectures
        cloud = next(a for a in archs if a.option == "cloud-first")
        fig = charts.fig_tco(r)
        texts = [t.name for t in fig.data]  # named in the legend, never over the axis
        assert not fig.layout.annotations
        lines = sorted(sh.x0 for sh in fig.layout.shapes)
        expected = []
        for a in archs:
            if a is cloud:
                continue
            be = break_even_month(a.cost.cumulative_usd, cloud.cost.cumulative_usd)
            if be is None:
                assert not any(t.startswith(a.name + " ") for t in texts), (name, texts)
                continue
            expected.append(be)
            want = f"{a.name} breaks even, month {be}" if be else f"{a.name} no dearer"
            assert any(t.startswith(want) for t in texts), (name, want, texts)
            marked.add((name, a.key))
        assert lines == sorted(expected), (name, lines, expected)
    assert ("remote_farm_sensors_satellite", "edge_only") in marked


def test_no_capacity_panel_is_a_flat_line_at_zero(preset_runs: dict[str, RunResult]) -> None:
    """remote farm: 'requests waiting or in service' and 'GPU request slots in use' were flat
    lines at 0 (40 stills a minute, 18 ms each: a sample at each minute mark never caught one in
    flight). A flat panel is left out and a sentence says why, quoting the run's figures."""
    for name, r in preset_runs.items():
        fig = capacity_chart.fig_capacity(r)
        titles = [a.text for a in fig.layout.annotations if a.yref == "paper"]
        shaded = {sh.yref.split()[0] for sh in fig.layout.shapes}
        for i, title in enumerate(titles, start=1):
            axis = "y" if i == 1 else f"y{i}"
            top = max(
                (np.nanmax(values(t.y), initial=0.0) for t in fig.data if t.yaxis == axis),
                default=0.0,
            )
            assert top > 0 or axis in shaded, (name, title)
        notes = capacity_chart.flat_panel_notes(r)
        for note in notes:  # each note names a panel the chart left out
            panel = note.split(":")[0].lower()
            assert panel.startswith(("requests waiting", "gpu request slots"))
            assert not any(t.lower().startswith(panel) for t in titles), (name, note)
    r = preset_runs["remote_farm_sensors_satellite"]
    notes = capacity_chart.flat_panel_notes(r)
    assert len(notes) == 2, notes
    f = r.figures
    assert f"busy {pct(f['edge.utilization'], 2)} of the time" in notes[0]
    assert f"{number(f['cloud.gpu_hours'], 1)} GPU-hours a month" in notes[1]
    titles = [a.text for a in capacity_chart.fig_capacity(r).layout.annotations]
    assert "GPU replicas" in titles  # the replica held ready all day is the story: kept


@pytest.mark.parametrize(
    ("segment", "shown"),
    [
        ("any day, 2 devices down (x0.352)", "any day, 2 devices down (0.35 days a month)"),
        ("any day (x30)", "any day (30 days a month)"),
        ("weekday in season (x21.4)", "weekday in season (21.4 days a month)"),
        ("burst 1 (x1)", "burst 1 (1 day a month)"),
        ("whole month (x1)", "whole month"),
        ("day 3 (Wed)", "day 3 (Wed)"),
    ],
)
def test_simulated_days_read_as_days_a_month(segment: str, shown: str) -> None:
    """'any day, 2 devices down (x0.352)' read as a multiplier of something unnamed."""
    assert capacity_chart.day_name(segment) == shown


def test_the_capacity_title_names_its_day_in_days_a_month(
    preset_runs: dict[str, RunResult],
) -> None:
    title = capacity_chart.fig_capacity(preset_runs["remote_farm_sensors_satellite"]).layout.title
    assert "days a month)" in title.text and "(x" not in title.text


def test_a_lone_latency_path_is_named(preset_runs: dict[str, RunResult]) -> None:
    """seasonal (cloud-only): the histogram and ECDF of one path had no legend, so nothing said
    the bars were the cloud's (plotly hides a lone trace's legend entry)."""
    r = preset_runs["seasonal_burst_app"]
    for fig in (charts.fig_latency_histogram(r), charts.fig_latency_ecdf(r)):
        paths = [t for t in fig.data if t.name in charts.PATH_COLOURS]
        assert paths and all(t.showlegend for t in paths)


def test_the_capacity_chart_says_whose_queues_it_draws(preset_runs: dict[str, RunResult]) -> None:
    """factory: one of 40 identical cells is simulated; its device's queue (0 or 1) read as the
    fleet's beside the fleet's utilisation."""
    for name, r in preset_runs.items():
        note = capacity_chart.site_note(r)
        k, n = r.plan.sites_simulated, r.scenario.edge.sites
        assert (note is not None) == (k < n), name
        if note:
            assert f"of {n} identical sites" in note
    note = capacity_chart.site_note(preset_runs["factory_robotics_control_loop"])
    assert note and "that site's own" in note  # read "that site' own"
