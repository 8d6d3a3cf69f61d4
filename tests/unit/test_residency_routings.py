"""Patient data stays on site in every routing a user can pick, as the scenario says.

A hospital IT lead takes the clinic preset (every request sensitive, ``policy.
sensitive_may_leave_site`` off: "PHI must never leave the site") and switches the routing,
the links' outages and the breaker: no sensitive request may cross a site's link in any of
them, in either engine's records, and the run's own residency check must say it held. Split
inference sends an embedding of the request: derived patient data, so it leaves the site only
when the scenario opts in (``policy.routing.sensitive_split_allowed``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.run import run
from planner.scenario import Scenario
from simulations import compiled
from simulations.engine import run_segment
from tests.helpers import small

SMALL = {"workload.requests_per_month": 6_000, "simulation.horizon": "representative_days"}
ROUTINGS: list[dict[str, Any]] = [
    {"policy.routing.kind": "cloud_only"},
    {"policy.routing.kind": "split"},
    {"policy.routing.kind": "local_first", "policy.routing.queue_threshold": 0},
    # outages every hour and a breaker that never opens: fallbacks retry through them
    {
        "policy.routing.kind": "local_first",
        "policy.routing.queue_threshold": 0,
        "network.outages_per_day": 24,
        "network.breaker_enabled": False,
    },
    # devices failing often: their work falls back where it may
    {"policy.routing.kind": "cloud_only", "edge.mtbf_hours": 2, "edge.mttr_hours": 1},
]


def clinic(**updates: Any) -> Scenario:
    return small("clinic_llm_assistant_pii", **{**SMALL, **updates})


def left_site(s: Scenario, engine: str) -> int:
    plan, eligible = build_plan(s), eligible_by_class(s)
    total = 0
    for inp in segment_inputs(s, plan, 0):
        r = (
            compiled.run_segment(inp, eligible)
            if engine == "compiled"
            else run_segment(inp, eligible, allow_fastpath=False)
        )
        # every request of the segment, the warm-up's too: residency has no warm-up
        total += int(np.sum(r.sensitive & r.left_site))
    return total


@pytest.mark.parametrize("updates", ROUTINGS, ids=lambda u: "-".join(map(str, u.values())))
@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_no_sensitive_request_leaves_its_site(updates: dict[str, Any], engine: str) -> None:
    s = clinic(**updates)
    assert s.workload.sensitive_share == 1.0 and not s.policy.sensitive_may_leave_site
    assert left_site(s, engine) == 0


def test_split_keeps_patient_data_on_site_unless_the_scenario_opts_in() -> None:
    s = clinic(**{"policy.routing.kind": "split"})
    assert s.policy.routing.kind == "split" and not s.policy.routing.sensitive_split_allowed
    result = run(s, decide_too=False)
    assert result.figures["sensitive_left_site"] == 0
    opted_in = s.with_updates({"policy.routing.sensitive_split_allowed": True})
    assert left_site(opted_in, "simpy") > 0  # the opt-in is what sends embeddings out
