"""The charts' tables of a run, built from replication 0's chart data (``planner.tally``).

Like a printer laying out the pages from the accountant's closing sheets: the numbers were
tallied in the worker while the engine ran (bounded whatever the volume); this module only puts
them into pandas frames with labels. pandas is imported here, when a run's frames are built,
not when the planner is imported (a fresh process answering a small scenario starts faster).
Time in seconds (``minute`` in minutes from the end of the warm-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from planner.chart_tally import ChartData
from planner.plan import Plan
from planner.scenario import Scenario
from simulations.records import DROP_REASONS, PATHS, SERIES

if TYPE_CHECKING:
    import pandas as pd

FRAMES = ("series", "sample", "latency_by_hour", "scaling_log")
SAMPLE_COLUMNS = (
    "segment", "arrival_s", "path", "latency_ms", "ttft_ms", "wait_ms", "service_ms",
    "sensitive", "left_site", "drop_reason", "weight",
)  # fmt: skip


def empty_frames() -> dict[str, pd.DataFrame]:
    import pandas as pd

    return {k: pd.DataFrame() for k in FRAMES}


def chart_frames(scenario: Scenario, plan: Plan, data: ChartData) -> dict[str, pd.DataFrame]:
    return {
        "series": series_frame(plan, data, scenario),
        "sample": sample_frame(plan, data),
        "latency_by_hour": latency_by_hour(data),
        "scaling_log": scaling_frame(plan, data),
    }


def series_frame(plan: Plan, data: ChartData, s: Scenario) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for k, counts in enumerate(data.series):
        minutes = counts["pool_queue"].size
        cols: dict[str, Any] = {
            "segment": plan.segments[k].label,
            "minute": np.arange(minutes) - data.warmup_s[k] / 60,
        }
        cols.update({name: counts[name] for name in SERIES})
        cols["arrivals"] = counts["arrivals"]
        cols.update({f"completed_{p}": counts[f"completed_{p}"] for p in PATHS})
        cols["dropped"] = counts["dropped"]
        frames.append(pd.DataFrame(cols))
    df = pd.concat(frames, ignore_index=True)
    df["fallback_rate"] = df["completed_fallback"] / df["arrivals"].where(df["arrivals"] > 0)
    slots = df["replicas_ready"] * capacity_per_replica(s)
    df["gpu_utilization"] = df["pool_in_service"] / slots.where(slots > 0)
    return df


def capacity_per_replica(s: Scenario) -> int:
    """Requests one replica serves at once: sequences (LLM) or the batch size (vision)."""
    b = s.cloud.batching
    return b.max_concurrent_sequences if s.workload.is_llm else b.max_batch_size


def sample_frame(plan: Plan, data: ChartData) -> pd.DataFrame:
    import pandas as pd

    p = data.sample
    if not p:
        return pd.DataFrame(columns=list(SAMPLE_COLUMNS))
    names = {**{i: name for i, name in enumerate(PATHS)}, -1: "dropped", -2: "in_flight"}
    return pd.DataFrame(
        {
            "segment": [plan.segments[int(k)].label for k in p["segment"]],
            "arrival_s": p["arrival_s"],
            "path": [names[int(c)] for c in p["path"]],
            "latency_ms": p["latency_ms"],
            "ttft_ms": p["ttft_ms"],
            "wait_ms": p["wait_ms"],
            "service_ms": p["service_ms"],
            "sensitive": p["sensitive"],
            "left_site": p["left_site"],
            "drop_reason": [DROP_REASONS[int(c)] for c in p["reason"]],
            "weight": p["weight"],
        }
    )


def latency_by_hour(data: ChartData) -> pd.DataFrame:
    """Requests and latency percentiles by hour of the day (tallied in the worker)."""
    import pandas as pd

    return pd.DataFrame(data.by_hour, columns=["hour", "requests", "mean", "p50", "p95", "p99"])


def scaling_frame(plan: Plan, data: ChartData) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "segment": plan.segments[k].label,
            "time_s": t - data.warmup_s[k],
            "from": a,
            "to": b,
            "reason": why,
        }
        for k, log in enumerate(data.scaling)
        for t, a, b, why in log
    ]
    return pd.DataFrame(rows, columns=["segment", "time_s", "from", "to", "reason"])
