"""A preview's day cut into parts: the hours it may compress, and the hours it must not.

Like a film editor who cuts most scenes to a few seconds but keeps the climax at its real
length: a preview's day (``planner.preview``) runs each hour for a few simulated seconds, except
the hours where a queue builds or settles over longer than that (``planner.preview_load``): those
run at the full run's hour length, as far as ``EXTRA_BUDGETS`` budgets allow. Each run of hours
is a segment of its own, with its own warm-up (the hours before it, at its own pace) and its own
weight (days x real seconds per simulated second), so each simulated request still stands for
the right number of real ones. Time in seconds.
"""

from __future__ import annotations

import math

import numpy as np

from planner.month import DayPart, day_label
from planner.plan import Plan, Segment
from planner.preview_load import hours_needing_time
from planner.sampled_hours import scaler_constants_s
from planner.scenario import Scenario

WARM_HOURS = 2
"""Hours (at the preview's pace) before the measured ones, at least."""
MAX_WARM_HOURS = 6
"""...and at most this many (at the preview's pace) for the pool to settle: the seasonal app's
scaler, cold start and keep-alive add up to 1,440 s, 16 of its 89 s hours at 10x its volume."""
SUB_BINS = 12
"""Bins of an hour simulated at the longer length: its warm-up is counted in twelfths of an
hour, not in whole hours of the full run's length."""
EXTRA_BUDGETS = 2.0
"""Budgets a replication may add for the hours a preview must not compress. The article at
10M a month, four seeds, p95 against the full run's: -18 % on average with none, -4.8 % with
1.5 (-10 % to +0.4 %), -1.7 % with 2 (-7 % to +7 %); 3 reached the full run's 760 s hours and
read -4 % and +17 % (the full run's own p95 is +-11 % at 95 %)."""
MIN_SHARE = 0.02
"""A run of such hours carrying less than this share of its day's requests stays compressed:
it moves SLO attainment by less than the preview's 2-point tolerance, and the article at 100M
a month would have spent two budgets on its night hours' drain."""

Span = tuple[int, int]


def full_hour_s(full: Plan) -> float:
    """Simulated seconds of an hour in the full run (sampled hours shorten it)."""
    return 3600.0 / full.segments[0].time_scale if full.segments else 3600.0


def warm_up_s(s: Scenario, slice_s: float) -> float:
    """Warm-up before a preview's day or part of a day: ``WARM_HOURS`` slices, and at least the
    pool's own settling (its scaler windows, cold start and node keep-alive in turn): the pool
    starts at its floor and scales up and back down before the measured hours. At 100M a month
    the article's second replica, started in a 60 s warm-up, was held into the first minute
    of a 720 s day, billed as two hours a day: +8 % GPU-hours."""
    settle_s = min(sum(scaler_constants_s(s).values()), MAX_WARM_HOURS * slice_s)
    return max(WARM_HOURS * slice_s, settle_s)


def day_part(
    s: Scenario,
    index: int,
    members: list[DayPart],
    hours: np.ndarray,
    span: Span,
    slice_s: float,
    warm_s: float,
    sub: int = 1,
) -> Segment:
    """Hours ``span`` (first, end; the end may pass midnight) of one day type, each ``slice_s``
    long in ``sub`` bins, after a warm-up of at least ``warm_s`` (a bin at least, a day at
    most) of the hours before them (the day before ends the same way)."""
    first_h, end_h = span
    w = s.workload
    first = members[0]
    scale = 3600.0 / slice_s
    weight = float(sum(p.weight for p in members)) * scale
    name = day_label(w, {p.weekday for p in members}, first.season, first.bursts)
    bin_s = slice_s / sub
    warm_bins = min(max(1, math.ceil(warm_s / bin_s - 1e-9)), 24 * sub)
    rates = np.take(
        np.repeat(hours, sub), np.arange(first_h * sub - warm_bins, end_h * sub), mode="wrap"
    )
    part = "" if span == (0, 24) else f" hours {first_h % 24}-{end_h % 24 or 24}"
    return Segment(
        f"{name}, preview{part} (x{weight:.3g})",
        rates,
        warm_bins * bin_s,
        weight,
        first_h * 3600.0 - warm_bins * bin_s,
        index,
        tuple(sorted({p.day for p in members})),
        name,
        bin_s=bin_s,
        time_scale=scale,
    )


def cyclic_runs(mask: np.ndarray) -> list[Span]:
    """Runs of True over the day's 24 hours, one passing midnight joined (its end > 24)."""
    if mask.all():
        return [(0, 24)]
    out: list[Span] = []
    for h, on in enumerate(bool(x) for x in mask):
        if on and out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + 1)
        elif on:
            out.append((h, h + 1))
    if len(out) > 1 and out[0][0] == 0 and out[-1][1] == 24:
        out = [*out[1:-1], (out[-1][0], out[0][1] + 24)]
    return out


def important(hours: np.ndarray, spans: list[Span]) -> list[Span]:
    """The runs carrying at least ``MIN_SHARE`` of the day's requests."""
    total = float(hours.sum())
    day = np.concatenate([hours, hours])
    return [(a, b) for a, b in spans if total > 0 and day[a:b].sum() >= MIN_SHARE * total]


def parts(long: list[Span]) -> list[tuple[Span, bool]]:
    """The day as (span, long) parts: the long runs and the gaps between them."""
    if not long:
        return [((0, 24), False)]
    if long == [(0, 24)]:
        return [((0, 24), True)]
    out: list[tuple[Span, bool]] = []
    for i, (a, b) in enumerate(long):
        out.append(((a, b), True))
        nxt = long[i + 1][0] if i + 1 < len(long) else long[0][0] + 24
        if nxt > b:
            out.append(((b, nxt), False))
    return out


def day_parts(
    s: Scenario,
    index: int,
    members: list[DayPart],
    hours: np.ndarray,
    long: list[Span],
    slices: tuple[float, float],
) -> list[Segment]:
    """One day type in parts: ``long`` runs at ``slices[1]`` a simulated hour, the rest at
    ``slices[0]``. Part j seeds as ``index + 1000 j`` (part 0 as the whole day did)."""
    slice_s, long_s = slices
    warm_s = warm_up_s(s, slice_s)
    return [
        day_part(
            s,
            index + 1000 * j,
            members,
            hours,
            span,
            long_s if hot else slice_s,
            warm_s,
            SUB_BINS if hot else 1,
        )
        for j, (span, hot) in enumerate(parts(long))
    ]


def requests(segs: list[Segment]) -> float:
    """Expected simulated requests a site, warm-ups included."""
    return sum(float(g.rates.sum()) * g.bin_s for g in segs)


def preview_days(
    s: Scenario,
    full: Plan,
    types: list[list[DayPart]],
    hours: list[np.ndarray],
    slice_s: float,
    copies: float,
    budget: float,
) -> tuple[list[Segment], list[str]]:
    """The preview's day types in parts, before failure strata, and what the notes say of the
    hours simulated longer. ``copies``: sites x failure strata simulated of each segment."""
    full_s = full_hour_s(full)
    long = [important(h, cyclic_runs(hours_needing_time(s, h, slice_s, full_s))) for h in hours]

    def build(long_s: float, runs: list[list[Span]]) -> list[Segment]:
        return [
            seg
            for i, (m, h, r) in enumerate(zip(types, hours, runs, strict=True))
            for seg in day_parts(s, i, m, h, r, (slice_s, long_s))
        ]

    plain = build(slice_s, [[] for _ in types])
    if full_s <= slice_s * 1.01:
        return plain, []
    # a day type whose every hour needs time stays as it is: longer hours would only raise the
    # budget, not place it
    whole = [r == [(0, 24)] for r in long]
    said = [whole_day_note(where(s, types, [[(0, 24)] if w else [] for w in whole]), slice_s)]
    notes = said if any(whole) else []
    long = [[] if w else r for r, w in zip(long, whole, strict=True)]
    if not any(long):
        return plain, notes
    # extra requests at the full run's length: the long hours' own (in proportion to their
    # length) plus the parts' warm-ups (about fixed); the length the extra budgets afford
    rate = sum(
        float(np.concatenate([h, h])[a:b].sum())
        for h, r in zip(hours, long, strict=True)
        for a, b in r
    )
    extra_s = requests(build(full_s, long)) - requests(plain)
    fixed = extra_s - rate * full_s
    long_s = min(full_s, (EXTRA_BUDGETS * budget / copies - fixed) / rate)
    words = where(s, types, long)
    if long_s <= slice_s * 1.01:
        return plain, [*notes, no_room_note(words, slice_s)]
    return build(long_s, long), [*notes, long_note(words, slice_s, long_s, full_s)]


def where(s: Scenario, types: list[list[DayPart]], long: list[list[Span]]) -> str:
    w = s.workload
    return "; ".join(
        day_label(w, {p.weekday for p in m}, m[0].season, m[0].bursts)
        + " "
        + ", ".join(f"{a % 24}:00-{b % 24 or 24}:00" for a, b in r)
        for m, r in zip(types, long, strict=True)
        if r
    )


WHY = (
    "at or near a capacity (edge devices, fallback rate limit or GPU pool at its largest, per "
    "a fluid model of each hour's mean rate), a queue builds or settles there over longer than "
    "a {slice_s:,.3g} s hour"
)


def no_room_note(words: str, slice_s: float) -> str:
    return (
        f"preview: {words}: {WHY.format(slice_s=slice_s)}; the budget leaves no room to simulate "
        "them longer, so their waits and tail latency are understated (the full run measures "
        "them)"
    )


def whole_day_note(words: str, slice_s: float) -> str:
    return (
        f"preview: {words} (every hour): {WHY.format(slice_s=slice_s)}, all day, so its waits "
        "and tail latency depend on how long the run lasts; the full run measures them at its "
        "own length"
    )


def long_note(words: str, slice_s: float, long_s: float, full_s: float) -> str:
    short = (
        ""
        if long_s >= full_s * 0.99
        else f" (the most {EXTRA_BUDGETS:g} extra budgets allow; the full run's hours last "
        f"{full_s:,.0f} s, so their backlogs are still somewhat understated)"
    )
    return (
        f"preview: {words}: {WHY.format(slice_s=slice_s)}, so those hours are simulated for "
        f"{long_s:,.0f} s each{short}"
    )
