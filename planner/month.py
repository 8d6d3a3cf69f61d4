"""The month's calendar: which day of the 30 carries which weekday weight, season and bursts.

Like a wall planner with coloured stickers: every day of a 30-day month (day 0 a Monday) gets its
weekday, the bursts whose stickers fall on it (each burst on its own days, spread evenly at its
own frequency), and whether it is in season. A season keeps its exact share of the month
(30 x days_per_year / 365 days, usually fractional): the last whole days are in season and the
day before carries the fraction, so the calendar is a list of day parts whose weights sum to 30
and a short season never rounds to nothing. Time in seconds; rates per second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.scenario import DAYS_PER_MONTH, Workload

BIN_S = 300.0
BINS_PER_DAY = int(86_400 / BIN_S)
EVENING_PEAK = (
    *(0.3, 0.2, 0.15, 0.15, 0.2, 0.3, 0.5, 0.8),
    *(1.0, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0),
    *(1.1, 1.4, 1.8, 2.2, 2.4, 2.0, 1.4, 0.8),
)
WEEKLY = {
    "flat": (1, 1, 1, 1, 1, 1, 1),
    "weekday_heavy": (1, 1, 1, 1, 1, 0.4, 0.4),
    "weekdays_only": (1, 1, 1, 1, 1, 0, 0),
}
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DayPart:
    """One day of the month, or the in/out-of-season share of the day the season starts on."""

    day: int
    weekday: int
    season: bool
    bursts: tuple[int, ...]
    """Indices (into ``workload.bursts``) of the bursts on this day."""
    weight: float
    """Days this part stands for (1, or a fraction on the day the season starts)."""


def hourly_shape(w: Workload) -> np.ndarray:
    """24 hourly weights of the daily profile."""
    p = w.daily_profile
    if isinstance(p, list):
        return np.asarray(p, dtype=float)
    if p == "office_hours":
        shape = np.zeros(24)
        shape[w.open_hour : w.close_hour] = 1.0
        return shape
    if p == "evening_peak":
        return np.asarray(EVENING_PEAK)
    return np.ones(24)


def weekly_shape(w: Workload) -> np.ndarray:
    p = w.weekly_profile
    return np.asarray(p if isinstance(p, list) else WEEKLY[p], dtype=float)


def season_days(w: Workload) -> float:
    """Days of the 30-day month in season: the season's exact share of the year, not rounded."""
    return DAYS_PER_MONTH * w.seasons[0].days_per_year / 365 if w.seasons else 0.0


def burst_days(days_per_month: int) -> set[int]:
    """The days of the month a burst falls on, spread evenly."""
    return {int((k + 0.5) * DAYS_PER_MONTH / days_per_month) for k in range(days_per_month)}


def calendar(w: Workload) -> list[DayPart]:
    """Day parts of the month, in day order; their weights sum to 30."""
    on_day = [burst_days(b.days_per_month) for b in w.bursts]
    in_season = season_days(w)
    first_full = DAYS_PER_MONTH - math.floor(in_season + 1e-9)
    fraction = in_season - (DAYS_PER_MONTH - first_full)
    parts = []
    for d in range(DAYS_PER_MONTH):
        bursts = tuple(i for i, days in enumerate(on_day) if d in days)
        if d == first_full - 1 and fraction > 1e-9:
            parts.append(DayPart(d, d % 7, False, bursts, 1.0 - fraction))
            parts.append(DayPart(d, d % 7, True, bursts, fraction))
        else:
            parts.append(DayPart(d, d % 7, d >= first_full, bursts, 1.0))
    return parts


def day_rates(w: Workload, part: DayPart, base: float) -> np.ndarray:
    """Per-site arrivals/s in each 5-minute bin of one day part (its own bursts only)."""
    bins_per_hour = BINS_PER_DAY // 24
    rates = np.repeat(hourly_shape(w), bins_per_hour) * base * weekly_shape(w)[part.weekday]
    if part.season and w.seasons:
        rates = rates * w.seasons[0].multiplier
    for i in part.bursts:
        b = w.bursts[i]
        rates = rates * burst_factor(b.start_hour, b.duration_hours, b.multiplier)
    out: np.ndarray = rates
    return out


def burst_factor(start_h: float, dur_h: float, mult: float) -> np.ndarray:
    """Per-bin multiplier: overlap-weighted, so a 7-minute burst inside a bin is not lost."""
    edges = np.arange(BINS_PER_DAY + 1) * BIN_S / 3600
    overlap = np.clip(
        np.minimum(edges[1:], start_h + dur_h) - np.maximum(edges[:-1], start_h), 0, None
    )
    factor: np.ndarray = 1 + (mult - 1) * overlap / (BIN_S / 3600)
    return factor


def base_rate(w: Workload, sites: int) -> float:
    """Per-site arrivals/s for an hourly weight of 1 on a weekday weight of 1."""
    day_sum = float(sum(p.weight * weekly_shape(w)[p.weekday] for p in calendar(w)))
    return w.requests_per_month / (day_sum * float(hourly_shape(w).sum()) * 3600) / sites


def month_rates(w: Workload, parts: list[DayPart], base: float) -> np.ndarray:
    """The whole month's per-bin rates; a split day mixes its parts by weight (same volume)."""
    days = np.zeros((DAYS_PER_MONTH, BINS_PER_DAY))
    for p in parts:
        days[p.day] += p.weight * day_rates(w, p, base)
    out: np.ndarray = days.reshape(-1)
    return out


def day_label(w: Workload, weekdays: set[int], season: bool, bursts: tuple[int, ...]) -> str:
    """A human name for a day type: 'weekday, in season, burst 1 (19:00, 15 min, x10)'."""
    if len(weekdays) == 7:
        kind = "any day"
    elif weekdays == {0, 1, 2, 3, 4}:
        kind = "weekday"
    elif weekdays == {5, 6}:
        kind = "weekend day"
    else:
        kind = "/".join(WEEKDAY_NAMES[d] for d in sorted(weekdays))
    text = [kind] + (["in season"] if season else [])
    for i in bursts:
        b = w.bursts[i]
        hh, mm = divmod(round(b.start_hour * 60), 60)
        text.append(
            f"burst {i + 1} ({hh:02d}:{mm:02d}, {b.duration_hours * 60:g} min, x{b.multiplier:g})"
        )
    return ", ".join(text)
