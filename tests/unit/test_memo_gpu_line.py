"""The memo's key figures let a finance lead redo the GPU line: the GPU-hours it quotes are the
billed ones (held hours plus each start's minimum), and billed hours x the hourly price is the
GPU line it quotes beside them."""

from __future__ import annotations

import pytest

from planner.formatting import number, usd
from planner.presets import apply_overrides, load
from planner.run import run
from planner.scenario import gpu_hourly_usd
from ui.memo import kpi_rows


def test_the_key_figures_reconcile_gpu_hours_with_the_gpu_line() -> None:
    # local-first with on-demand nodes: many short starts, each billed at least 60 s
    s = apply_overrides(
        load("article_1m_chat"),
        {
            "cloud.pricing": "on_demand",
            "workload.requests_per_month": 100_000,
            "simulation.replications": 2,
            "simulation.processes": 1,
        },
    )
    r = run(s)
    f = r.figures
    assert f["cloud.gpu_hours_billed"] > f["cloud.gpu_hours"]  # the minimums show
    rows = {row[0]: row for row in kpi_rows(r)}
    assert rows["GPU-hours billed / month"][1] == number(f["cloud.gpu_hours_billed"], 1, " h")
    assert r.verdict is not None and r.verdict.own is not None
    line = r.verdict.own.cost.monthly_usd["cloud_gpu"]
    assert line == pytest.approx(f["cloud.gpu_hours_billed"] * gpu_hourly_usd(s))
    gpu_line = rows["GPU line / month"]
    assert gpu_line[1] == usd(line)
    assert f"{f['cloud.gpu_hours_billed']:,.1f} h" in gpu_line[2] and "$10" in gpu_line[2]
