"""Weighted percentiles of values that come in parts of one weight each, without sorting them all.

Like finding the 95th-percentile finisher of a race run in several heats, each heat's runners
counting for a different number of votes: first count the runners of each heat per stretch of the
clock (a histogram on the leading bits of each time), find the stretch in which the cumulative
votes cross the target, and put only that stretch's runners in order. The answer is the very
number ``stats.grouped_quantiles`` gives from one stable sort of every value: the cumulative
weights are summed here in another order, so wherever a target lies within the bound of that
rounding difference of the boundary between two distinct values, the sort decides instead
(``None`` from ``by_selection``). Values of a segment all weigh the same, so a replication's
values come in a handful of such parts (``planner.tally.Spread``).
"""

from __future__ import annotations

import math

import numpy as np

from planner.stats import grouped_quantiles

Part = tuple[np.ndarray, np.ndarray, float]
"""Values (float64), their group codes, and the one weight of every value of the part."""

UNIT_ROUNDOFF = 2.0**-53
NOT_POSITIVE_FINITE = 0x7FF0000000000000
"""Bit patterns of doubles at or above this are negative (sign bit), infinite or nan: the
order of the bit patterns is the order of the values only for 0 and positive finite ones."""
MAX_BUCKETS = 2048
"""Buckets at most: the sheet's arrays (buckets x slots, per part) are summed and cumulated
whole, so fewer buckets cost less there and more in the sort of the target buckets' values;
on article's ~100k latencies 2048 took 0.71 ms, 8192 0.99 ms, 1024 0.76 ms."""


def parts_quantiles(
    parts: list[Part], codes: list[int], qs: list[float]
) -> tuple[list[float], dict[int, list[float]]]:
    """``grouped_quantiles`` of the parts' values pooled (each value with its part's weight):
    the same numbers, from a histogram and a sort of the few values near each target."""
    parts = [p for p in parts if p[0].size]
    got = by_selection(parts, codes, qs) if parts else None
    if got is not None:
        return got
    return grouped_quantiles(*pooled(parts), codes, qs)


def pooled(parts: list[Part]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, weights and groups of all parts, concatenated in part order."""
    if not parts:
        return np.empty(0), np.empty(0), np.empty(0)
    values = np.concatenate([v for v, _, _ in parts])
    groups = np.concatenate([g for _, g, _ in parts])
    sizes = [v.size for v, _, _ in parts]
    weights = np.repeat(np.array([w for _, _, w in parts], dtype=float), sizes)
    return values, weights, groups


class Sheet:
    """Counts of the parts' values per (part, group slot, bucket); bucket b holds the values
    whose bit patterns shifted right by ``shift`` are ``base + b`` (monotone in the value).
    A value's cell is its bucket times the slots plus its slot."""

    def __init__(self, parts: list[Part], codes: list[int], shift: int, base: int, n_b: int):
        self.parts, self.codes, self.shift, self.base, self.n_b = parts, codes, shift, base, n_b
        self.slots = len(codes) + 1
        self.w = np.array([w for _, _, w in parts], dtype=float)
        self.cells = [self.cell(v, g) for v, g, _ in parts]
        size = self.slots * n_b
        self.counts = [np.bincount(c, minlength=size).reshape(n_b, self.slots) for c in self.cells]
        """Per part: values per (bucket, slot)."""

    def cell(self, values: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """The cell of every value (in place: no array per step)."""
        cell = (values.view(np.uint64) >> np.uint64(self.shift)).view(np.int64)
        cell -= self.base
        if self.codes:  # else every value is in the one slot left for the other groups
            cell *= self.slots
            np.add(cell, slot_of(groups, self.codes), out=cell)
        return cell

    def candidates(self, needed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Values in the ``needed`` cells, with their cells and parts."""
        vals, cells, part = [], [], []
        for k, ((v, _, _), c) in enumerate(zip(self.parts, self.cells, strict=True)):
            idx = np.flatnonzero(needed[c])
            vals.append(v[idx])
            cells.append(c[idx])
            part.append(np.full(idx.size, k, dtype=np.int64))
        return np.concatenate(vals), np.concatenate(cells), np.concatenate(part)


def slot_of(groups: np.ndarray, codes: list[int]) -> np.ndarray:
    """Index of each group code among ``codes`` (``len(codes)`` for the others): the groups
    themselves where the codes are 0, 1, ... and every group is among them."""
    if groups.size == 0:
        return groups
    lo, hi = int(groups.min()), int(groups.max())
    if codes == list(range(len(codes))) and lo >= 0 and hi < len(codes):
        return groups
    g = groups.astype(np.int64)
    table = np.full(hi - lo + 1, len(codes), dtype=np.int64)
    for i, c in enumerate(codes):
        if lo <= c <= hi:
            table[c - lo] = i
    out: np.ndarray = table[g - lo]
    return out


def sheet_of(parts: list[Part], codes: list[int]) -> Sheet | None:
    """The histogram of the parts, or None where selection does not apply (weights not
    positive and finite, values not float64 or not all >= 0 and finite)."""
    w = np.array([w for _, _, w in parts], dtype=float)
    if not (np.isfinite(w).all() and (w > 0).all()):
        return None
    if any(v.dtype != np.float64 or v.ndim != 1 for v, _, _ in parts):
        return None
    bits = [v.view(np.uint64) for v, _, _ in parts]
    lo, hi = min(int(b.min()) for b in bits), max(int(b.max()) for b in bits)
    if hi >= NOT_POSITIVE_FINITE:
        return None
    shift = 40
    while (hi >> shift) - (lo >> shift) >= MAX_BUCKETS:
        shift += 1
    return Sheet(parts, codes, shift, lo >> shift, (hi >> shift) - (lo >> shift) + 1)


def by_selection(
    parts: list[Part], codes: list[int], qs: list[float]
) -> tuple[list[float], dict[int, list[float]]] | None:
    """``parts_quantiles`` by selection, or None where only the sort can tell."""
    sheet = sheet_of(parts, codes)
    if sheet is None:
        return None
    weight = np.zeros((sheet.n_b, sheet.slots))
    count = np.zeros((sheet.n_b, sheet.slots), dtype=np.int64)
    for w, c in zip(sheet.w.tolist(), sheet.counts, strict=True):
        weight += w * c
        count += c
    cums = np.cumsum(weight, axis=0).T.copy()  # per slot, over the buckets
    targets: list[tuple[int | None, list[Target]]] = [
        (None, targets_of(sheet, np.cumsum(weight.sum(axis=1)), int(count.sum()), qs))
    ]
    n_slot = count.sum(axis=0).tolist()
    targets += [(i, targets_of(sheet, cums[i], n_slot[i], qs)) for i in range(len(codes))]
    needed = np.zeros(sheet.slots * sheet.n_b, dtype=bool)
    for slot, ts in targets:
        for t in ts:
            rows = range(sheet.slots) if slot is None else (slot,)
            needed[[t.bucket * sheet.slots + r for r in rows]] = True
    vals, cells, part = sheet.candidates(needed)
    order = np.lexsort((part, vals, cells))  # by cell, then value, then part
    cand = (vals[order], cells[order], part[order])
    out: list[list[float]] = []
    for slot, ts in targets:
        got = [pick(sheet, t, slot, cand) for t in ts]
        if any(x is None for x in got):
            return None
        out.append([x for x in got if x is not None] if ts else [math.nan] * len(qs))
    return out[0], {c: out[i + 1] for i, c in enumerate(codes)}


class Target:
    """One percentile of one slot: the bucket where the cumulative weight reaches it."""

    def __init__(self, q_weight: float, bucket: int, below: float, margin: float):
        self.q_weight, self.bucket, self.below, self.margin = q_weight, bucket, below, margin


def targets_of(sheet: Sheet, cum: np.ndarray, n: int, qs: list[float]) -> list[Target]:
    """The targets of a slot (or of all values) from its cumulative weight over the buckets
    ``cum`` and its ``n`` values; none where it has no values."""
    if n == 0:
        return []
    total = float(cum[-1])
    # both sums (the sort's running one and this) are within n + buckets + parts + slots
    # roundings of exact
    margin = 8 * (n + sheet.n_b + len(sheet.parts) + sheet.slots + 64) * UNIT_ROUNDOFF * total
    out = []
    for q in qs:
        t = q * total
        b = min(int(np.searchsorted(cum, t, side="left")), sheet.n_b - 1)
        out.append(Target(t, b, float(cum[b - 1]) if b else 0.0, margin))
    return out


def pick(
    sheet: Sheet, t: Target, slot: int | None, cand: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> float | None:
    """The value where the cumulative weight reaches ``t``, or None if rounding could move it
    to a neighbouring distinct value. ``cand``: the candidates' values, cells and parts, in
    the order of cell, value, part (a slot's values in a bucket are one run of it, in the
    order of value and part; a bucket's, of every slot, are ``slots`` runs side by side)."""
    vals, cells, part = cand
    first = t.bucket * sheet.slots
    lo, hi = (first + slot, first + slot + 1) if slot is not None else (first, first + sheet.slots)
    a, b = np.searchsorted(cells, [lo, hi], side="left").tolist()
    if a == b:
        return None
    v, k = vals[a:b], part[a:b]
    if slot is None and sheet.slots > 1:  # the slots' runs merged: by value, then part
        order = np.lexsort((k, v))
        v, k = v[order], k[order]
    cum = t.below + np.cumsum(sheet.w[k])
    j = min(int(np.searchsorted(cum, t.q_weight, side="left")), v.size - 1)
    x = v[j]
    # the weight below x and up to it (v is sorted): running sums, within the margin's
    # roundings of exact as the others
    a, b = int(np.searchsorted(v, x, side="left")), int(np.searchsorted(v, x, side="right"))
    below = float(cum[a - 1]) if a else t.below
    upto = float(cum[b - 1])
    if below < t.q_weight - t.margin and upto >= t.q_weight + t.margin:
        return float(x)
    return None
