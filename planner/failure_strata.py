"""Rare device failures on representative days: simulate each state, weight it by its chance.

Like an insurer who does not wait for the once-a-decade flood to price it: rather than hope a
simulated day happens to see one of the fleet's rare failures (0.14 a day across 50 devices, each
down a day), each day type is simulated with every device up and again with one (or more)
devices down for the whole day, and the runs are weighted by how often the fleet is in each
state. A device is down at a random instant with probability MTTR / (MTBF + MTTR) (the engine's
failure process starts in that stationary state too), so the number down is binomial; the
strata keep the mean number down exact, so an effect that grows with the devices down (the
requests of a down device fall back or are dropped) is exact, and no run's result hinges on
whether a failure happened to be drawn. Failures during a stratum are switched off: its devices
stay up or down all day. The devices taken down are drawn per replication, so over replications
every device is equally likely to be the one down (sites that differ are covered in turn).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from planner.scenario import DAYS_PER_MONTH, Scenario
from planner.stats import mean_ci, t_quantile
from simulations.streams import N_STREAMS

if TYPE_CHECKING:
    from planner.plan import Segment

TAIL = 0.02
"""The strata go up to the smallest number down K that leaves less than this share of the
failure states' chance (some device down) above it. The states above K are carried by stratum K
with the weight that keeps the mean number down exact, so a figure linear in the devices down
(fallbacks, drops) is exact and one that grows less than linearly (billed GPU time: devices down
together share the fallback's replicas) is off by at most about this share of its
failure-driven part. Relative to all states instead (P(count > K) < 2 %), the farm's 20 devices
stopped at K = 1 with 7 % of the failure states lumped in, and its GPU hours read +6.5 % ± 5.6 %
against the whole month (benchmarks/representative_days.py)."""
NEGLIGIBLE_DOWN_SHARE = 0.001
"""Below this share of device-time down, failures are left to chance within the day (the note
says so): their effect is under what the figures resolve."""
DEVICE_STREAM = 8
"""The segment stream whose children draw each device's failures (``simulations.streams``)."""


def down_probability(s: Scenario) -> float:
    """Chance that a given device is down at a random instant (stationary alternating renewal)."""
    return s.edge.mttr_hours / (s.edge.mtbf_hours + s.edge.mttr_hours)


def failures_per_month(s: Scenario, devices: int) -> float:
    """Failures a 30-day month expects across ``devices`` (one per MTBF + MTTR per device)."""
    return devices * DAYS_PER_MONTH * 24 / (s.edge.mtbf_hours + s.edge.mttr_hours)


def month_scatter(s: Scenario, devices: int) -> str:
    """Why a whole-month simulation is a noisy check of the strata, in words."""
    n = failures_per_month(s, devices)
    return (
        f"A month expects {n:.2g} failures across them, each down about {s.edge.mttr_hours:g} h, "
        "so one simulated month sees a Poisson number of them (none with chance "
        f"{math.exp(-n):.0%}) and a whole-month run's fallbacks and drops from failures scatter "
        "around what the strata give"
    )


def down_strata(devices: int, p: float) -> list[tuple[int, float]]:
    """(devices down, weight) for a binomial(devices, p) count, up to the smallest K with
    P(count > K) < TAIL * P(count >= 1); the chance above K is carried by stratum K with its
    weight scaled so the mean number down stays exact, and stratum 0 takes the rest. Weights
    sum to 1."""
    pmf = [math.comb(devices, k) * p**k * (1 - p) ** (devices - k) for k in range(devices + 1)]
    top = 1
    while top < devices and 1 - sum(pmf[: top + 1]) >= TAIL * (1 - pmf[0]):
        top += 1
    weights = {k: pmf[k] for k in range(1, top)}
    weights[top] = sum(k * pmf[k] for k in range(top, devices + 1)) / top
    return [(0, 1 - sum(weights.values())), *sorted(weights.items())]


def stratify(s: Scenario, segs: list[Segment], devices: int, notes: list[str]) -> list[Segment]:
    """Each day type once per stratum of devices down (weights times the day's), or the
    segments unchanged where failures need no strata; the notes say which."""
    p = down_probability(s)
    if s.policy.routing.kind == "cloud_only" or devices == 0 or p <= 0:
        return segs
    if p < NEGLIGIBLE_DOWN_SHARE:
        notes.append(
            f"devices are down {p:.2%} of the time: representative days leave those failures "
            "to chance (their effect is below what the figures resolve)"
        )
        return segs
    strata = down_strata(devices, p)
    notes.append(
        f"each day type is simulated with all {devices:g} devices up and with "
        f"{', '.join(str(k) for k, _ in strata[1:])} down all day, weighted by the chance of "
        f"each ({', '.join(f'{w:.3g}' for _, w in strata)}; a device is down {p:.2%} of the "
        "time): rare failures are measured, not left to chance. " + month_scatter(s, devices)
    )
    out = []
    for seg in segs:
        for k, w in strata:
            tag = "all devices up" if k == 0 else f"{k} device{'s' if k > 1 else ''} down"
            out.append(
                replace(
                    seg,
                    label=f"{seg.label.rsplit(' (x', 1)[0]}, {tag} (x{seg.weight * w:.3g})",
                    name=f"{seg.name}, {tag}",
                    weight=seg.weight * w,
                    devices_down=k,
                    failures=False,
                )
            )
    return out


def take_down(per_site: tuple[int, ...], k: int, seed: tuple[int, ...]) -> tuple[int, ...]:
    """Devices per site with k of them, drawn uniformly over the devices, taken out."""
    if k == 0:
        return per_site
    owners = np.repeat(np.arange(len(per_site)), per_site)
    rng = np.random.default_rng([*seed, 0xD0])
    out = list(per_site)
    for site in rng.choice(owners, size=min(k, owners.size), replace=False):
        out[int(site)] -= 1
    return tuple(out)


def realised_down_share(
    s: Scenario, seg: Segment, replication: int, devices: int
) -> tuple[float, float]:
    """(share of device-time, share of arrivals) the measured window of ``seg`` had its devices
    down in replication ``replication``, replaying the draws both engines make (stream 8 of the
    segment's seed, one child per device: a uniform for the starting state, then alternating
    exponential down and up periods). Arrivals are weighted by the segment's rate, the same at
    every site, so each device sees the same expected share. Both shares have the stationary
    mean ``down_probability(s)`` exactly, whatever the rate: a control variate with a known
    mean for a whole-month run (``control_variate_mean``)."""
    p = down_probability(s)
    mtbf_s, mttr_s = s.edge.mtbf_hours * 3600, s.edge.mttr_hours * 3600
    rates = np.asarray(seg.rates, dtype=float)
    edges = np.arange(rates.size + 1) * seg.bin_s
    cum = np.concatenate([[0.0], np.cumsum(rates * seg.bin_s)])
    start, end = seg.warmup_s, float(edges[-1])
    seed = np.random.SeedSequence((s.simulation.seed, replication, seg.index))
    down_s = down_arrivals = 0.0
    for child in seed.spawn(N_STREAMS)[DEVICE_STREAM].spawn(devices):
        rng = np.random.default_rng(child)
        down, t = bool(rng.random() < p), 0.0
        while t < end:
            t_next = t + (mttr_s if down else mtbf_s) * float(rng.standard_exponential())
            if down:
                a, b = min(max(t, start), end), min(t_next, end)
                down_s += b - a
                down_arrivals += float(np.interp(b, edges, cum) - np.interp(a, edges, cum))
            t, down = t_next, not down
    measured = float(cum[-1] - np.interp(start, edges, cum))
    time_share = down_s / (devices * (end - start)) if end > start else 0.0
    return time_share, down_arrivals / (devices * measured) if measured > 0 else 0.0


def control_variate_mean(
    y: list[float], c: list[float], c_mean: float
) -> tuple[float, float, float]:
    """Mean of ``y`` adjusted by a control ``c`` whose expectation ``c_mean`` is known, with the
    95 % half-width and the slope: the regression estimator ybar - b (cbar - c_mean), its
    standard error from the residuals on n - 2 degrees of freedom. Unbiased for E[y] up to
    O(1/n) from the estimated slope; a control uncorrelated with y costs one degree of freedom.
    Like weighing a parcel on a scale whose zero error is read off a known weight each time."""
    ys, cs = np.asarray(y, dtype=float), np.asarray(c, dtype=float)
    n = ys.size
    sxx = float(((cs - cs.mean()) ** 2).sum())
    if n < 3 or sxx == 0:
        mean, lo, hi = mean_ci(list(ys))
        return mean, (hi - lo) / 2, 0.0
    slope = float(((cs - cs.mean()) * (ys - ys.mean())).sum()) / sxx
    estimate = float(ys.mean()) - slope * (float(cs.mean()) - c_mean)
    resid = ys - ys.mean() - slope * (cs - cs.mean())
    se = math.sqrt(float((resid**2).sum()) / (n - 2) * (1 / n + (cs.mean() - c_mean) ** 2 / sxx))
    return estimate, t_quantile(n - 2) * se, slope
