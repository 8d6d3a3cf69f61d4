"""GPU nodes under the pods: the parking spaces the replicas stand in.

Like a car park that charges per space from the moment it is reserved until it is handed back:
a replica (pod) needs a node; a new node is provisioned first (and pulls the image once, after
which it is cached on the node), while a pod scheduled on a ready empty node only loads the
weights and warms up. When a pod leaves, its node stays for ``keep_alive_s`` (Cluster
Autoscaler's ``--scale-down-unneeded-time``, 10 min by default) before it is removed, so a pool
that empties and refills within that time pays no second node start. A cancelled pod start
keeps its node. The provider bills node-seconds (request to removal), not pod-seconds. One node
holds one replica (with all the GPUs the replica needs). Ties: the lowest node id is reused
first. Time in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import simpy

from simulations.billing import BillingTerms, billed_s


@dataclass
class Node:
    nid: int
    requested_s: float
    ready_s: float = math.nan
    end_s: float = math.nan
    state: str = "provisioning"  # provisioning | ready | gone
    occupied: bool = False
    image_cached: bool = False
    idle_gen: int = 0
    waiting: Callable[[Node], None] | None = None
    """The pod waiting for this node to be provisioned."""


class NodePool:
    """Nodes, their keep-alive and the node-seconds the provider bills."""

    def __init__(
        self,
        env: simpy.Environment,
        keep_alive_s: float,
        billing: BillingTerms,
        on_change: Callable[[bool], None],
    ) -> None:
        self.env = env
        self.keep_alive_s = keep_alive_s
        self.billing = billing
        self.on_change = on_change
        """Called with False before and True after the set of live nodes changes (billing)."""
        self.nodes: list[Node] = []
        self.live: list[Node] = []
        self.closed_billed_s = 0.0
        """Billed seconds of the nodes already removed (through simulations.billing)."""

    def take(self) -> Node | None:
        """An empty live node for a new pod (ready ones first, lowest id), or None."""
        empty = [n for n in self.live if not n.occupied]
        if not empty:
            return None
        ready = [n for n in empty if n.state == "ready"]
        node = (ready or empty)[0]
        node.occupied = True
        node.idle_gen += 1
        return node

    def new(self, provision_s: float, ready_now: bool = False) -> Node:
        """Request a node (occupied by the pod asking); ready after ``provision_s``."""
        self.on_change(False)
        node = Node(len(self.nodes), self.env.now, occupied=True)
        self.nodes.append(node)
        self.live.append(node)
        if ready_now:
            node.state, node.ready_s, node.image_cached = "ready", self.env.now, True
        else:
            self.env.timeout(provision_s).callbacks.append(lambda _e: self._ready(node))
        self.on_change(True)
        return node

    def _ready(self, node: Node) -> None:
        if node.state != "provisioning":
            return
        node.state, node.ready_s = "ready", self.env.now
        if node.occupied and node.waiting is not None:
            waiting, node.waiting = node.waiting, None
            waiting(node)
        elif not node.occupied:
            self._idle(node)

    def release(self, node: Node, keep_alive: bool = True) -> None:
        """The node's pod left (or its start was cancelled): keep it alive, then remove it."""
        node.occupied = False
        node.waiting = None
        node.idle_gen += 1
        if node.state == "ready":
            if keep_alive:
                self._idle(node)
            else:
                self.remove(node)

    def _idle(self, node: Node) -> None:
        if self.keep_alive_s <= 0:
            self.remove(node)
            return
        gen = node.idle_gen
        ev = self.env.timeout(self.keep_alive_s)
        ev.callbacks.append(lambda _e: self._expire(node, gen))

    def _expire(self, node: Node, gen: int) -> None:
        if gen == node.idle_gen and not node.occupied and node.state == "ready":
            self.remove(node)

    def remove(self, node: Node) -> None:
        if node.state == "gone":
            return
        self.on_change(False)
        node.state, node.end_s = "gone", self.env.now
        self.live.remove(node)
        self.closed_billed_s += billed_s(node.end_s - node.requested_s, self.billing)
        self.on_change(True)

    def drop_idle(self) -> None:
        """Release every empty node now (the budget is spent: no keep-alive)."""
        for node in [n for n in self.live if not n.occupied]:
            node.idle_gen += 1
            self.remove(node)

    def lives(self, end_s: float) -> list[tuple[float, float]]:
        """(requested, removed or end of run) per node: what the provider bills."""
        return [(n.requested_s, n.end_s if n.state == "gone" else end_s) for n in self.nodes]
