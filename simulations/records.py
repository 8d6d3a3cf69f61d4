"""Plain records a simulation run returns: per-request arrays, per-minute series, logs.

Like a flight recorder: it notes what happened to every request and samples the gauges once a
minute; it draws no conclusions. Times are seconds from the segment start.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar, cast, overload

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


T = TypeVar("T", bound=tuple[float, ...])


class Rows(Sequence[T]):
    """The rows of a 2-D float array, read as tuples of floats (a list of tuples to its
    readers); ``np.array(rows)`` takes the array itself. The compiled engine's lives come as
    arrays: made into tuples only where a reader iterates them."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __len__(self) -> int:
        return int(self.a.shape[0])

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [cast(T, tuple(row)) for row in self.a[i].tolist()]
        return cast(T, tuple(self.a[i].tolist()))

    def __iter__(self) -> Iterator[T]:
        return (cast(T, tuple(row)) for row in self.a.tolist())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if not self.a.shape[0]:  # as numpy reads an empty list
            return np.empty(0, dtype=self.a.dtype if dtype is None else dtype)
        a = self.a if dtype is None else self.a.astype(dtype, copy=False)
        return a.copy() if copy and a is self.a else a

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


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
    instances: Sequence[tuple[float, float, float]]
    """Per replica: (requested s, ready s or nan, terminated s)."""
    nodes: Sequence[tuple[float, float]] = field(default_factory=list)
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
