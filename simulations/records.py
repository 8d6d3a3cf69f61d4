"""Plain records a simulation run returns: per-request arrays, per-minute series, logs.

Like a flight recorder: it notes what happened to every request and samples the gauges once a
minute; it draws no conclusions. Times are seconds from the segment start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

PATHS = ("edge", "cloud", "fallback", "split")
PATH_EDGE, PATH_CLOUD, PATH_FALLBACK, PATH_SPLIT = range(4)
PATH_DROPPED = -1
PATH_IN_FLIGHT = -2

DROP_REASONS = (
    "none",
    "not_edge_eligible",
    "residency",
    "queue_full",
    "device_failed",
    "offline",
    "budget_exhausted",
    "pool_queue_full",
    "link_timeout",
    "circuit_open",
    "cloud_timeout",
)
REASON = {name: i for i, name in enumerate(DROP_REASONS)}

SERIES = (
    "edge_in_system",
    "pool_queue",
    "pool_in_service",
    "replicas_ready",
    "replicas_provisioning",
    "links_down",
    "devices_down",
)


class RequestColumns(TypedDict):
    """The per-request arrays of SegmentRecords (unpacked into it with **)."""

    arrival_s: np.ndarray
    site: np.ndarray
    cls: np.ndarray
    sensitive: np.ndarray
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    response_kb: np.ndarray
    path: np.ndarray
    reason: np.ndarray
    done_s: np.ndarray
    ttft_s: np.ndarray
    wait_s: np.ndarray
    service_s: np.ndarray
    left_site: np.ndarray


@dataclass
class SegmentRecords:
    """What one segment produced (arrays indexed by request id, sorted by arrival)."""

    arrival_s: np.ndarray
    site: np.ndarray
    cls: np.ndarray
    sensitive: np.ndarray
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    response_kb: np.ndarray
    path: np.ndarray
    reason: np.ndarray
    done_s: np.ndarray
    ttft_s: np.ndarray
    wait_s: np.ndarray
    service_s: np.ndarray
    left_site: np.ndarray
    """True when any of the request's data crossed the site's link (cloud, fallback, split)."""
    warmup_s: float
    end_s: float
    series: dict[str, np.ndarray]
    scaling_log: Sequence[tuple[float, int, int, str]]
    """(time s, replicas before, replicas after, reason)."""
    instances: list[tuple[float, float, float]]
    """Per replica: (requested s, ready s or nan, terminated s)."""
    nodes: list[tuple[float, float]] = field(default_factory=list)
    """Per GPU node: (requested s, removed s or end of run): what the provider bills."""
    links: int = 0
    device_busy_s: float = 0.0
    device_up_s: float = 0.0
    devices: int = 0
    batches: int = 0
    batch_items: int = 0
    gpu_busy_s: float = 0.0
    gpu_ready_s: float = 0.0
    outage_s: float = 0.0
    events: int = 0
    in_system_at_end: int = 0
    """Requests physically in a device, on a link or in the pool when the clock stopped."""
    extra: dict[str, float] = field(default_factory=dict)
