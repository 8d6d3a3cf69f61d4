from __future__ import annotations

from planner.catalog import iter_figures, load_catalog


def test_catalog_has_required_profiles() -> None:
    cat = load_catalog()
    assert {
        "pi5_8gb_cpu",
        "pi5_16gb_cpu",
        "pi5_8gb_hailo8l",
        "pi5_8gb_hailo8",
        "pi5_8gb_hailo10h",
        "pi5_4gb_coral_usb",
        "jetson_orin_nano_super",
    } <= set(cat.devices)
    assert {"t4", "l4", "a10g", "a100_80gb", "h100", "h200", "b200", "rubin_class"} <= set(cat.gpus)
    assert {
        "fibre",
        "home_broadband",
        "lte_4g",
        "public_5g",
        "private_5g",
        "leo_satellite",
        "geo_satellite",
    } <= set(cat.links)
    assert cat.gpus["rubin_class"].vendor_claim


def test_every_figure_has_a_source_and_grade() -> None:
    cat = load_catalog()
    entries = [*cat.devices.values(), *cat.gpus.values(), *cat.links.values()]
    figures = [f for e in entries for _, f in iter_figures(e)]
    assert len(figures) > 150
    for fig in figures:
        assert fig.v >= 0
        assert len(fig.src) >= 3
        assert fig.grade.split("/")[0] in {"M", "VM", "VC", "L", "D"}


def test_profiles_are_internally_consistent() -> None:
    cat = load_catalog()
    for d in cat.devices.values():
        assert d.active_w.v >= d.idle_w.v
        if d.vision:
            assert d.vision.latency_p99_ms.v >= d.vision.latency_p50_ms.v
    for g in cat.gpus.values():
        assert g.llm.aggregate_tps.v > g.llm.single_stream_tps.v
        # saturated_fps is measured at batch 8: batch 8 must take longer than batch 1
        assert 1 < g.vision.saturated_fps.v * g.vision.batch1_ms.v / 1000 < 8
    for link in cat.links.values():
        assert link.rtt_p99_ms.v > link.rtt_p95_ms.v > link.rtt_median_ms.v
    for key in ("int4", "int8", "fp16"):
        assert 0 < cat.precisions[key].v <= 2
    for d in cat.devices.values():
        if d.llm:
            # the reference model's measured speed is one of the measured points
            ref = [p for p in d.llm.measured.values() if p.params_b == d.llm.params_b.v]
            assert ref and ref[0].decode_tps.v == d.llm.decode_tps.v
