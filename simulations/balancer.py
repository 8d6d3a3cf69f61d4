"""Load balancing: the maître d' who seats each arriving guest at one of the open tables.

Each replica keeps its own queue and slots; the balancer picks the replica a request joins when it
reaches the pool. Policies, as the real proxies implement them:

* ``least_outstanding``: the replica with the fewest requests queued or in service (Knative's
  optional least-connections policy; Envoy's least-request balancer considering every host).
* ``round_robin``: the next ready replica after the last one picked, in replica-id order
  (Envoy's default, a Kubernetes Service in IPVS round-robin mode).
* ``random``: a uniformly random ready replica (kube-proxy iptables mode); with Poisson arrivals
  every replica is an independent M/G/1 queue at load lambda/N.
* ``power_of_two`` (the scenario's default): two distinct random replicas, the less loaded wins
  (Knative's activator default for containerConcurrency 0, random-choice-2, which breaks a tie
  at random: the first draw winning it is the same distribution; Envoy LEAST_REQUEST with
  ``choice_count`` 2).
* ``shared_queue``: no per-replica queue; requests wait in one pool queue and a replica takes the
  oldest when a slot frees (the M/M/c best case; Knative's activator holding requests until a
  pod has capacity). Used by the queueing-theory checks.

Random draws: one uniform per pick (two for ``power_of_two``) from the load-balancer stream,
turned into an index by ``uniform_index`` (so both engines consume the same numbers).

Tie-breaking (one rule, everywhere): among equally loaded candidates the lowest replica id wins,
except in ``power_of_two`` where the first of the two draws wins. Candidates are ready replicas in
replica-id order. Time in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

Balancer = Literal["least_outstanding", "round_robin", "random", "power_of_two", "shared_queue"]


class Target(Protocol):
    rid: int

    @property
    def outstanding(self) -> int: ...


def pick(
    policy: Balancer, candidates: Sequence[Target], rng: np.random.Generator, last_rid: int
) -> int:
    """Index into ``candidates`` (non-empty, in replica-id order) of the replica to use."""
    if len(candidates) == 1:
        return 0
    if policy == "round_robin":
        for i, r in enumerate(candidates):
            if r.rid > last_rid:
                return i
        return 0
    n = len(candidates)
    if policy == "random":
        return uniform_index(float(rng.random()), n)
    if policy == "power_of_two":
        a = uniform_index(float(rng.random()), n)
        b = uniform_index(float(rng.random()), n - 1)
        if b >= a:  # two distinct replicas, the second uniform among the others
            b += 1
        return b if candidates[b].outstanding < candidates[a].outstanding else a
    best = 0
    for i, r in enumerate(candidates):
        if r.outstanding < candidates[best].outstanding:
            best = i
    return best


def uniform_index(u: float, n: int) -> int:
    """Index in [0, n) from one uniform draw u in [0, 1) (the compiled engine does the same)."""
    return min(int(u * n), n - 1)
