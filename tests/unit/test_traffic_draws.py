"""The compiled gamma and normal draws are numpy's own numbers (``simulations.traffic_draws``).

Token counts and RTT normals are drawn from the generator's PCG64 state by a compiled copy of
numpy's steps (ziggurat normal, Marsaglia-Tsang gamma); held here to ``Generator.gamma`` and
``Generator.standard_normal`` draw for draw, with the generator left where numpy leaves it (the
next draw from the stream is the same), on every branch (the ziggurat's wedges and tail, the
gamma's squeeze and log tests, shapes near 1 and large).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulations.traffic import gamma_sizes
from simulations.traffic_draws import rounded_gammas, standard_normals


@pytest.mark.parametrize("shape", [1.0001, 1.3, 4.0, 25.0, 1e4])
@pytest.mark.parametrize("n", [0, 1, 7, 3000])
def test_rounded_gammas_are_numpys_draws_rounded(shape: float, n: int) -> None:
    for seed in range(6):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        want = np.maximum(np.rint(theirs.gamma(shape, 120.0 / shape, n)), 1.0).astype(np.int64)
        got = rounded_gammas(ours, shape, 120.0 / shape, n)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, want)
        assert ours.random() == theirs.random()  # the stream is where numpy leaves it


@pytest.mark.parametrize("n", [0, 1, 5, 20_000])
def test_standard_normals_are_numpys(n: int) -> None:
    for seed in range(4):
        ours, theirs = np.random.default_rng([seed, 7]), np.random.default_rng([seed, 7])
        np.testing.assert_array_equal(standard_normals(ours, n), theirs.standard_normal(n))
        assert ours.integers(0, 2**62) == theirs.integers(0, 2**62)
    # the tail beyond the ziggurat's last layer (|x| > 3.65) is drawn too
    tail = standard_normals(np.random.default_rng(1), 200_000)
    assert np.abs(tail).max() > 3.66


def test_gamma_sizes_keep_numpys_numbers_at_every_cv() -> None:
    """cv < 1 (shape above 1) goes through the compiled loop, cv >= 1 through numpy's."""
    for cv in (0.2, 0.5, 0.99, 1.0, 1.7):
        shape = 1.0 / (cv * cv)
        got = gamma_sizes(80.0, cv, 5000, np.random.default_rng(3))
        raw = np.random.default_rng(3).gamma(shape, 80.0 / shape, 5000)
        np.testing.assert_array_equal(got, np.maximum(np.rint(raw), 1.0).astype(np.int64))


def test_a_shape_of_one_or_below_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        rounded_gammas(np.random.default_rng(0), 1.0, 1.0, 3)


def test_only_pcg64_is_stepped_and_its_state_is_all_that_changes() -> None:
    """The compiled loop steps PCG64's state; another bit generator draws with numpy (the
    same numbers), and the state's other fields come back as they were."""
    from simulations.traffic_draws import rounded_gammas_in_turn, uniforms

    philox = np.random.Generator(np.random.Philox(1))
    assert (
        standard_normals(philox, 3).tolist()
        == np.random.Generator(np.random.Philox(1)).standard_normal(3).tolist()
    )
    assert uniforms(philox, 2).size == 2
    assert rounded_gammas_in_turn(philox, [(2.0, 3.0)], 4)[0].dtype == np.int64
    ours, theirs = np.random.default_rng(4), np.random.default_rng(4)
    ours.bit_generator.random_raw(3)
    theirs.bit_generator.random_raw(3)
    before = ours.bit_generator.state
    standard_normals(ours, 10)
    theirs.standard_normal(10)
    after = ours.bit_generator.state
    assert {k: v for k, v in after.items() if k != "state"} == {
        k: v for k, v in before.items() if k != "state"
    }
    assert after == theirs.bit_generator.state


@pytest.mark.parametrize("cvs", [(0.5, 0.8), (0.2, 1.0), (1.3, 0.5), (0.0, 0.6), (0.99, 0.01)])
@pytest.mark.parametrize("n", [0, 1, 2000])
def test_a_class_token_counts_are_numpys_prompts_then_outputs(
    cvs: tuple[float, float], n: int
) -> None:
    """Prompt and output counts drawn from one block are numpy's draws, one column after the
    other (a cv of 1 or more, or 0, takes numpy's path for both)."""
    from simulations.inputs import ClassInput
    from simulations.traffic import token_sizes

    c = ClassInput(
        share=1.0, is_llm=True, prompt_mean=300.0, prompt_cv=cvs[0],
        output_mean=120.0, output_cv=cvs[1], request_kb=2.0, response_kb=1.0,
    )  # fmt: skip
    for seed in range(3):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        prompt, output = token_sizes(c, n, ours)
        want_prompt = gamma_sizes(300.0, cvs[0], n, theirs)
        np.testing.assert_array_equal(prompt, want_prompt)
        np.testing.assert_array_equal(output, gamma_sizes(120.0, cvs[1], n, theirs))
        assert ours.random() == theirs.random()


def test_columns_drawn_in_turn_are_numpys_columns_one_after_the_other() -> None:
    from simulations.traffic_draws import rounded_gammas_in_turn

    params = [(2.5, 10.0), (1.7, 30.0), (1e4, 0.01)]
    for n in (0, 1, 500):
        ours, theirs = np.random.default_rng(5), np.random.default_rng(5)
        got = rounded_gammas_in_turn(ours, params, n)
        for sizes, (shape, scale) in zip(got, params, strict=True):
            want = np.maximum(np.rint(theirs.gamma(shape, scale, n)), 1.0).astype(np.int64)
            np.testing.assert_array_equal(sizes, want)
        assert ours.random() == theirs.random()


@pytest.mark.parametrize("n", [0, 1, 7, 30_001])
def test_uniforms_exponentials_and_site_indices_are_numpys(n: int) -> None:
    """``random``, ``standard_exponential`` (and ``exponential(1.0)``) and ``integers(0, k)``
    draw for draw, with numpy's pending half word (``integers`` takes 32 bits at a time)
    carried from one call to the next as numpy carries it."""
    from simulations.traffic_draws import bounded_integers, standard_exponentials, uniforms

    for seed in range(3):
        ours, theirs = np.random.default_rng([seed, 3]), np.random.default_rng([seed, 3])
        np.testing.assert_array_equal(uniforms(ours, n), theirs.random(n))
        np.testing.assert_array_equal(standard_exponentials(ours, n), theirs.exponential(1.0, n))
        for high in (1, 2, 3, 50, 1000, 2**31 + 7, 2**32 - 1):
            got, want = bounded_integers(ours, high, n), theirs.integers(0, high, n)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(
            standard_exponentials(ours, n), theirs.standard_exponential(n)
        )
        assert ours.bit_generator.state == theirs.bit_generator.state
    with pytest.raises(ValueError, match="high"):
        bounded_integers(np.random.default_rng(0), 2**32, 3)
    # the exponential's rare cases (its wedges and the tail beyond the last layer)
    tail = standard_exponentials(np.random.default_rng(8), 300_000)
    np.testing.assert_array_equal(tail, np.random.default_rng(8).standard_exponential(300_000))
    assert tail.max() > 7.7


@pytest.mark.parametrize(("index", "count", "k"), [(9, 50, 8), (8, 7, 300), (9, 1, 0), (8, 0, 4)])
def test_entity_draws_are_the_entity_streams_numbers(index: int, count: int, k: int) -> None:
    """Per device or link: its own generator's random() then k standard exponentials (the
    compiled PCG64 steps against numpy's generators, through the exponential's rare cases)."""
    from simulations.compiled.warmup import tiny_segment
    from simulations.streams import entity_streams
    from simulations.traffic_draws import entity_draws

    inp, _ = tiny_segment()
    got = entity_draws(inp, index, count, k)
    assert got.shape == (count, k + 1)
    for row, rng in zip(got, entity_streams(inp, index, count), strict=True):
        assert row[0] == rng.random()
        np.testing.assert_array_equal(row[1:], rng.standard_exponential(k))


def numpy_arrivals(
    rates: np.ndarray, bin_s: float, sites: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``traffic.generate_arrivals`` as numpy array steps (the reference)."""
    counts = rng.poisson(rates * (bin_s * sites))
    n = int(counts.sum())
    gaps = rng.standard_exponential(n + counts.size)
    t = np.cumsum(gaps[:n])
    running = np.concatenate(([0.0], t))
    ends = np.cumsum(counts)
    before = running[ends - counts]
    span = running[ends] - before + gaps[n:]
    t -= np.repeat(before, counts)
    t /= np.repeat(span, counts)
    t += np.repeat(np.arange(counts.size, dtype=float), counts)
    t *= bin_s
    return t, rng.integers(0, sites, n) if sites > 0 else np.zeros(0, dtype=np.int64)


@pytest.mark.parametrize("seed", range(12))
def test_arrival_instants_are_the_numpy_steps_numbers(seed: int) -> None:
    from simulations.traffic import generate_arrivals

    rng = np.random.default_rng([seed, 5])
    rates = rng.random(int(rng.integers(1, 300))) * float(rng.choice([0.0, 0.01, 1.0, 4.0]))
    bin_s, sites = float(rng.choice([0.37, 1.0, 300.0])), int(rng.integers(0, 40))
    want = numpy_arrivals(rates, bin_s, sites, np.random.default_rng(seed))
    got = generate_arrivals(rates, bin_s, sites, np.random.default_rng(seed))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert bool(np.all(np.diff(got[0]) >= 0))
    # another bit generator than PCG64: numpy draws them, the instants the same steps
    philox = [np.random.Generator(np.random.Philox(seed)) for _ in range(2)]
    want = numpy_arrivals(rates, bin_s, sites, philox[0])
    got = generate_arrivals(rates, bin_s, sites, philox[1])
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_sensitive_flags_need_no_draw_at_a_share_of_0_or_1() -> None:
    from simulations.traffic import sensitive_flags

    for share in (0.0, 1.0):
        rng = np.random.default_rng(2)
        flags = sensitive_flags(share, 100, rng)
        assert flags.dtype == np.bool_ and bool(np.all(flags == (share == 1.0)))
    got = sensitive_flags(0.3, 1000, np.random.default_rng(2))
    np.testing.assert_array_equal(got, np.random.default_rng(2).random(1000) < 0.3)
