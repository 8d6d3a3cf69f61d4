"""The scenario's default load balancer is Knative's: the activator's random-choice-2.

Knative's activator picks, for containerConcurrency 0 (config-defaults' default), the less
loaded of two distinct random pods, a tie at random (knative/serving pkg/activator/net
lb_policy.go randomChoice2Policy; throttler.go picks it for CC 0). Before, the default was
least_outstanding, which on a tie always took the lowest replica id: with sparse traffic every
request went to replica 0 and the other warm replicas never served.
"""

from __future__ import annotations

import numpy as np
import simpy

from planner.engine_inputs import segment_inputs
from planner.plan import build_plan
from planner.scenario import Scenario
from simulations.gpu_pool import Pool
from simulations.inputs import PoolInput, ScalerInput
from tests.helpers import small


def test_the_scenario_default_is_knatives_activator_policy() -> None:
    assert Scenario().cloud.load_balancer == "power_of_two"
    s = small("article_1m_chat")
    assert {inp.pool.load_balancer for inp in segment_inputs(s, build_plan(s), 0)} == {
        "power_of_two"
    }


def busy_replicas(balancer: str) -> int:
    """Three warm replicas, one request every second, each served in 10 ms: always a tie."""
    env = simpy.Environment()
    spec = PoolInput(
        llm=False,
        min_replicas=3,
        max_replicas=3,
        initial_replicas=3,
        scaler=ScalerInput(kind="fixed"),
        cold_start=(),
        batch1_s=0.010,
        batch8_s=0.024,
        max_batch=1,
        load_balancer=balancer,  # type: ignore[arg-type]
    )
    pool = Pool(
        env,
        spec,
        lambda rid: (1.0, 1.0, 1.0, 1.0),
        lambda rid: None,
        lambda rid: None,
        lambda rid: None,
        np.random.default_rng(0),
        np.random.default_rng(1),
    )
    pool.start_warm(3)
    for rid in range(60):
        env.timeout(float(rid)).callbacks.append(lambda _e, rid=rid: pool.submit(rid))
    env.run(until=100)
    return sum(r.busy_s > 0 for r in pool.replicas)


def test_ties_are_spread_as_knatives_activator_spreads_them() -> None:
    default = Scenario().cloud.load_balancer
    assert busy_replicas(default) == 3
    assert busy_replicas("least_outstanding") == 1  # the old default: replica 0 took all
