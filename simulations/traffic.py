"""Traffic: who knocks on the door, when, and with what.

Like a shop's footfall counter run backwards: from hourly rates per site, draw the exact arrival
instants (a non-homogeneous Poisson process with piecewise-constant rates), then what each visitor
brings (class, token counts or payload size, sensitive flag). Every attribute has its own random
stream, and everything per request is drawn up front, so changing a policy never changes the
traffic or the random numbers a request carries (common random numbers). Time in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulations.inputs import ClassInput, TrafficInput
from simulations.streams import LazyStreams
from simulations.traffic_draws import (
    Source,
    arrivals,
    rounded_gammas,
    rounded_gammas_in_turn,
    standard_exponentials,
    standard_normals,
    uniforms,
)


@dataclass(frozen=True)
class Requests:
    """Every request of a segment, sorted by arrival time; all arrays share one index."""

    arrival_s: np.ndarray
    site: np.ndarray
    cls: np.ndarray
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    request_kb: np.ndarray
    response_kb: np.ndarray
    sensitive: np.ndarray
    z_service: np.ndarray
    """Standard normal per request for its (lognormal) edge service-time draw; empty when
    every class is an LLM's (only a vision request's service time reads it)."""
    z_rtt: np.ndarray
    """Standard normal per request for its RTT draw."""
    u_loss: np.ndarray
    """Uniform(0,1) per request: the request suffers a loss when below the link's loss rate."""
    e_gpu: np.ndarray
    """Exp(1) per request for an exponential GPU service time (empty where not drawn)."""
    streams: Sequence[np.random.Generator] = ()
    """The generators the requests were drawn from: the compiled engine's set-up draws its
    own numbers (cold starts, balancer) from the same segment's streams without seeding them
    again (``simulations.streams.LazyStreams``)."""

    def __len__(self) -> int:
        return int(self.arrival_s.size)


def generate_arrivals(
    rates: np.ndarray, bin_s: float, sites: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (s), sorted, and site index for piecewise-constant rates (arrivals/s per
    site). Every site has the same rate, so the sites' Poisson processes together are one of
    ``sites`` times the rate, each arrival at a site drawn uniformly: per bin a Poisson count,
    then the count's arrival instants already in order, as the order statistics of uniforms
    (the running sums of count + 1 exponential gaps over their total), with no sort (the
    sums in a compiled loop: ``traffic_kernels.arrival_times``)."""
    counts = rng.poisson(rates * (bin_s * sites))
    # each arrival's sum over its bin's span is at most 1 (rounding included): sorted across bins
    return arrivals(rng, counts, bin_s, sites)


def periodic_arrivals(
    rates: np.ndarray, bin_s: float, sites: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced arrivals (a camera's frames) following the rate, a random phase per site."""
    edges_t = np.arange(rates.size + 1) * bin_s
    cum = np.concatenate([[0.0], np.cumsum(rates * bin_s)])
    times, site_idx = [], []
    for s in range(sites):
        k = np.arange(rng.random(), cum[-1], 1.0)
        times.append(np.interp(k, cum, edges_t))
        site_idx.append(np.full(k.size, s, dtype=np.int64))
    t = np.concatenate(times) if times else np.zeros(0)
    site_of = np.concatenate(site_idx) if site_idx else np.zeros(0, dtype=np.int64)
    order = np.argsort(t, kind="stable")
    return t[order], site_of[order]


def gamma_sizes(mean: float, cv: float, n: int, rng: Source) -> np.ndarray:
    """Positive integer sizes with the given mean and coefficient of variation (a cv of 1 or
    more draws with numpy's gamma: ``rng`` a generator then)."""
    if cv <= 0 or n == 0:
        return np.full(n, max(1, round(mean)), dtype=np.int64)
    shape = 1.0 / (cv * cv)
    if shape > 1.0:  # numpy's numbers, drawn and rounded in one compiled loop
        return rounded_gammas(rng, shape, mean / shape, n)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("a gamma shape of 1 or below draws with numpy's generator")
    sizes = rng.gamma(shape, mean / shape, n)
    np.rint(sizes, out=sizes)
    np.maximum(sizes, 1.0, out=sizes)
    return sizes.astype(np.int64)


def numpy_gamma(c: ClassInput) -> bool:
    """Whether a class's token counts draw with numpy's gamma (a cv of 1 or more)."""
    return c.is_llm and any(
        cv > 0 and not 1.0 / (cv * cv) > 1.0 for cv in (c.prompt_cv, c.output_cv)
    )


def token_sizes(c: ClassInput, n: int, rng: Source) -> tuple[np.ndarray, np.ndarray]:
    """A class's prompt then output token counts (``gamma_sizes`` of each, in that order):
    where both go through the compiled loop, from one block of the stream's words."""
    sizes = ((c.prompt_mean, c.prompt_cv), (c.output_mean, c.output_cv))
    shapes = [1.0 / (cv * cv) if cv > 0 else 0.0 for _, cv in sizes]
    if n == 0 or not all(shape > 1.0 for shape in shapes):  # as gamma_sizes draws them
        prompt, output = (gamma_sizes(mean, cv, n, rng) for mean, cv in sizes)
        return prompt, output
    params = [(shape, mean / shape) for (mean, _), shape in zip(sizes, shapes, strict=True)]
    prompt, output = rounded_gammas_in_turn(rng, params, n)
    return prompt, output


def assign_classes(classes: tuple[ClassInput, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    if len(classes) == 1:  # the stream serves this draw alone: nothing to draw
        return np.zeros(n, dtype=np.int64)
    shares = np.array([c.share for c in classes], dtype=float)
    return rng.choice(len(classes), size=n, p=shares / shares.sum())


def class_columns(
    classes: tuple[ClassInput, ...], cls: np.ndarray, rng: Source
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Prompt and output tokens (drawn class by class) and request and response kB."""
    n = cls.size
    if len(classes) == 1:  # every request: whole columns, no index
        c = classes[0]
        prompt, output = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        if c.is_llm:
            prompt, output = token_sizes(c, n, rng)
        return prompt, output, np.full(n, c.request_kb), np.full(n, c.response_kb)
    prompt, output = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    req_kb, resp_kb = np.zeros(n), np.zeros(n)
    for k, c in enumerate(classes):
        idx = np.flatnonzero(cls == k)
        if c.is_llm:
            prompt[idx], output[idx] = token_sizes(c, idx.size, rng)
        req_kb[idx] = c.request_kb
        resp_kb[idx] = c.response_kb
    return prompt, output, req_kb, resp_kb


def sensitive_flags(share: float, n: int, rng: Source) -> np.ndarray:
    """Whether each request is sensitive (a uniform below the share). The stream serves this
    draw alone, so at a share of 0 or 1 the answer needs no draw: a uniform is in [0, 1)."""
    if share <= 0.0 or share >= 1.0:
        return np.full(n, share >= 1.0)
    flags: np.ndarray = uniforms(rng, n) < share
    return flags


def sensitive(share: float, n: int, streams: Sequence[np.random.Generator]) -> np.ndarray:
    """``sensitive_flags`` from stream 3, which is not made where the share needs no draw."""
    if share <= 0.0 or share >= 1.0:
        return np.full(n, share >= 1.0)
    return sensitive_flags(share, n, stream(streams, 3))


def stream(streams: Sequence[np.random.Generator], i: int) -> Source:
    """Stream ``i`` for draws the compiled loops make: its state words where ``streams`` are
    a segment's ``LazyStreams`` (no numpy generator made for it), else its generator."""
    return streams.words(i) if isinstance(streams, LazyStreams) else streams[i]


def generate(
    traffic: TrafficInput, streams: Sequence[np.random.Generator], gpu_draws: bool = True
) -> Requests:
    """All requests of a segment. ``streams`` holds one generator per attribute (8);
    ``gpu_draws=False`` leaves ``e_gpu`` empty (a pool whose service time is not exponential
    never reads it)."""
    arrive = periodic_arrivals if traffic.periodic else generate_arrivals
    arrival, site = arrive(traffic.rate_per_site, traffic.bin_s, traffic.sites, streams[0])
    n = arrival.size
    # a stream that would not draw is not made (``LazyStreams``): one class, no share to draw
    one = len(traffic.classes) == 1
    cls = np.zeros(n, dtype=np.int64) if one else assign_classes(traffic.classes, n, streams[1])
    numpy_tokens = any(numpy_gamma(c) for c in traffic.classes)
    tokens = streams[2] if numpy_tokens else stream(streams, 2)
    prompt, output, req_kb, resp_kb = class_columns(traffic.classes, cls, tokens)
    vision = any(not c.is_llm for c in traffic.classes)
    return Requests(
        arrival_s=arrival,
        site=site,
        cls=cls,
        prompt_tokens=prompt,
        output_tokens=output,
        request_kb=req_kb,
        response_kb=resp_kb,
        sensitive=sensitive(traffic.sensitive_share, n, streams),
        z_service=standard_normals(stream(streams, 4), n) if vision else np.empty(0),
        z_rtt=standard_normals(stream(streams, 5), n),
        u_loss=uniforms(stream(streams, 6), n),
        e_gpu=standard_exponentials(stream(streams, 7), n) if gpu_draws else np.empty(0),
        streams=streams,
    )
