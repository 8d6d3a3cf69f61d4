"""The pool's request timeout defaults to Knative's revision timeout (300 s).

Knative's activator buffers a request while no replica of the revision is ready and answers 504
("activator request timeout") once the revision's timeoutSeconds (config-defaults
revision-timeout-seconds, 300 s) has passed. Before, the pool waited forever by default: the
source article's chat, cloud-only with a schedule at 0 replicas outside office hours, read a p95
of 14.5 hours (the night's requests all served when the morning's replicas came up).
"""

from __future__ import annotations

import numpy as np

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.scenario import Scenario
from simulations import compiled
from simulations.engine import Segment
from simulations.records import PATH_CLOUD, REASON
from tests.helpers import records, small
from tests.validation.test_engine_equality import assert_same

TIMEOUT_S = 300.0


def night_at_zero(**updates: object) -> Scenario:
    return small(
        "article_1m_chat",
        **{
            "policy.routing.kind": "cloud_only",
            "cloud.min_replicas": 0,
            "cloud.autoscaler": {
                "kind": "schedule",
                "windows": [{"start_hour": 8, "end_hour": 18, "replicas": 2}],
            },
            "workload.requests_per_month": 100_000,
            **updates,
        },
    )


def test_the_default_timeout_is_knatives_revision_timeout() -> None:
    assert Scenario().cloud.queue_timeout_s == TIMEOUT_S


def test_no_request_waits_in_the_pool_past_the_revision_timeout() -> None:
    recs = records(night_at_zero())
    waits = np.concatenate([r.wait_s[r.path == PATH_CLOUD] for r in recs])
    timed_out = sum(int((r.reason == REASON["cloud_timeout"]).sum()) for r in recs)
    assert waits.size > 0 and timed_out > 0  # the night's requests are cut, not held
    # a request is cut at the deadline or started before it (wait counts pool time only)
    assert float(np.nanmax(waits)) <= TIMEOUT_S


def test_none_still_waits_indefinitely() -> None:
    recs = records(night_at_zero(**{"cloud.queue_timeout_s": None}))
    waits = np.concatenate([r.wait_s[r.path == PATH_CLOUD] for r in recs])
    assert sum(int((r.reason == REASON["cloud_timeout"]).sum()) for r in recs) == 0
    assert float(np.nanmax(waits)) > 3600  # held through the night


def test_both_engines_cut_the_same_requests() -> None:
    s = night_at_zero()
    compiled.warm()
    eligible = eligible_by_class(s)
    for inp in segment_inputs(s, build_plan(s), 0):
        assert compiled.supports(inp) is None
        a, b = Segment(inp, eligible).run(), compiled.run_segment(inp, eligible)
        assert_same(a, b)
        assert int((a.reason == REASON["cloud_timeout"]).sum()) > 0
