"""A bad number in a shared link or a --set names the field and its allowed range.

An architect opening a tampered link reads which field was ignored and what it may be, without
opening the schema: "edge.device_count = -5: ... (allowed: 0 to 100,000)".
"""

from __future__ import annotations

import pytest

from planner.errors import ScenarioError
from planner.links import from_params
from planner.presets import apply_overrides, load

CASES = [
    ("edge.device_count", "-5", "allowed: 0 to 100,000"),
    ("edge.device_count", "1e400", "allowed: 0 to 100,000"),
    ("edge.device_count", "2.5", "allowed: 0 to 100,000"),
    ("cloud.gpu_hourly_usd", ".nan", "allowed: 0 to 10,000"),
    ("cloud.autoscaler.stable_window_s", "2", "allowed: 6 to 3,600"),
    ("cloud.autoscaler.max_scale_down_rate", "1", "allowed: > 1 and <= 10,000"),
    ("slo.p95_ms", "0", "allowed: > 0 and <= 100,000,000"),
    (
        "workload.request_classes",
        "[{kind: llm, name: chat, share: 1.0, output_tokens_mean: 0}]",
        "allowed: 1 to 32,000",
    ),
]


@pytest.mark.parametrize(("path", "raw", "allowed"), CASES)
def test_a_links_bad_number_names_its_range(path: str, raw: str, allowed: str) -> None:
    decoded = from_params({"v": "1", "preset": "article_1m_chat", path: raw})
    (message,) = decoded.messages
    assert message.startswith(f"ignored {path}"), message
    assert allowed in message, message


def test_set_names_the_range_too() -> None:
    with pytest.raises(ScenarioError) as err:
        apply_overrides(load("article_1m_chat"), {"edge.queue_limit": -1})
    assert str(err.value).startswith("edge.queue_limit = -1")
    assert "allowed: 0 to 100,000" in str(err.value)


def test_kpa_grace_period_has_knatives_floor() -> None:
    """Knative refuses a scale-to-zero-grace-period under 6 s (pkg/autoscaler/config validate:
    'scale-to-zero-grace-period must be at least 6s'): a scenario must not simulate one."""
    with pytest.raises(ScenarioError) as err:
        apply_overrides(load("article_1m_chat"), {"cloud.autoscaler.scale_to_zero_grace_s": 2})
    assert "allowed: 6 to 3,600" in str(err.value)
    ok = apply_overrides(load("article_1m_chat"), {"cloud.autoscaler.scale_to_zero_grace_s": 6})
    assert ok.cloud.autoscaler.kind == "kpa" and ok.cloud.autoscaler.scale_to_zero_grace_s == 6
