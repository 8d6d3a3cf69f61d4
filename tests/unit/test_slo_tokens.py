"""slo.min_tokens_per_s counts in SLO attainment (it was accepted and never used)."""

from __future__ import annotations

from tests.helpers import figures, small


def test_min_tokens_per_s_counts_in_slo_attainment() -> None:
    base = {"workload.requests_per_month": 3_000, "slo.ttft_p95_ms": None, "slo.p95_ms": None}
    loose = figures(small("clinic_llm_assistant_pii", **base, **{"slo.min_tokens_per_s": 1}))
    strict = figures(small("clinic_llm_assistant_pii", **base, **{"slo.min_tokens_per_s": 500}))
    assert loose["slo_attainment"] > 0.9
    assert strict["slo_attainment"] < 0.1  # no device or GPU streams 500 tok/s per request
