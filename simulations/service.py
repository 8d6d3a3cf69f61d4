"""How one replica serves: Triton's dynamic batcher, or vLLM-style continuous batching.

Like a bakery's oven: the dynamic batcher waits a moment for a fuller tray, then bakes it all at
once; continuous batching is a conveyor oven that takes a new loaf in at every step.

* Dynamic batching (vision): a free replica takes the largest batch available up to
  ``max_batch``; with fewer queued it waits until the oldest has waited ``max_queue_delay``, and an
  arrival that completes a full batch dispatches it at once. Batch time = setup + per-item x n,
  fitted so batch 1 takes ``batch1_s`` and batch 8 takes ``batch8_s`` (the profile's saturated
  throughput); past 8 the time grows at the saturated rate, never faster.
* Continuous batching (LLM), a fluid model of vLLM's scheduler with chunked prefill: every engine
  step decodes one token for each decoding sequence and spends the rest of the step's token
  budget (``max_batched_tokens``) on the oldest waiting prompt. A step takes
  ``a + b x decoders + prompt_tokens_in_step / prefill_tps``: ``a`` and ``b`` are fitted so one
  stream decodes at the single-stream speed and ``max_sequences`` streams reach the aggregate
  speed, so a long prompt slows every sequence of its batch. A sequence is admitted only while
  ``max_sequences`` and the KV cache (tokens of prompt + output reserved per sequence) allow; the
  step that finishes its prompt yields its first token.

The methods live on the pool (``Pool`` inherits this class) and act on one ``Replica``; the pool
decides where a request queues (its own queue, or the shared one). Time in seconds.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import simpy

from simulations.inputs import PoolInput
from simulations.nodes import Node

EPS = 1e-9


@dataclass
class Replica:
    rid: int
    requested_s: float
    ready_s: float = math.nan
    end_s: float = math.nan
    state: str = "provisioning"  # provisioning | ready | draining | gone
    busy: int = 0
    busy_since: float | None = None
    busy_s: float = 0.0
    queue: deque[int] = field(default_factory=deque)
    """Requests the balancer assigned to this replica, not yet started."""
    timer_gen: int = 0
    timer_at: float = math.inf
    batch: list[int] = field(default_factory=list)
    # continuous batching: v counts engine steps; decoders finish at a step count
    v: float = 0.0
    last_t: float = 0.0
    ends: list[tuple[float, int]] = field(default_factory=list)
    prefills: deque[list[float]] = field(default_factory=deque)
    """[rid, prompt tokens left, output tokens] of sequences still in prefill, oldest first."""
    kv: dict[int, float] = field(default_factory=dict)
    kv_used: float = 0.0
    gen: int = 0
    node: Node | None = None

    @property
    def outstanding(self) -> int:
        return len(self.queue) + self.busy


class Service:
    """The two service disciplines, run per replica (mixed into ``Pool``)."""

    env: simpy.Environment
    spec: PoolInput
    work: Callable[[int], tuple[float, float, float, float]]
    on_done: Callable[[int], None]
    on_first_token: Callable[[int], None]
    on_start: Callable[[int], None]
    enqueued_s: dict[int, float]
    in_service: int
    batches: int
    batch_items: int
    n_waiting: int
    queued_in: dict[int, deque[int]]
    timer_gen: int
    timer_at: float

    def _track(self) -> None: ...
    def _release(self, r: Replica, n: int) -> None: ...
    def _after_service(self, r: Replica) -> None: ...

    # ------------------------------------------------------------------ model fits
    def _fit(self) -> None:
        s = self.spec
        if s.llm:
            single = 1.0 / s.single_tps
            m = max(s.max_sequences, 2)
            b = max((m / s.aggregate_tps - single) / (m - 1), 0.0)
            self.step_a, self.step_b = single - b, b
        else:
            per_item = max((s.batch8_s - s.batch1_s) / 7, 0.0)
            self.per_item_s, self.setup_s = per_item, s.batch1_s - per_item

    def step_s(self, n: int, prompt_tokens: float = 0.0) -> float:
        """Seconds per engine step with n decoding sequences and a prompt chunk."""
        return self.step_a + self.step_b * n + prompt_tokens / self.spec.prefill_tps

    def batch_s(self, n: int) -> float:
        """Batch time; beyond batch 8 it grows at the saturated throughput (never faster)."""
        linear = self.setup_s + self.per_item_s * n
        return linear if n <= 8 else max(linear, n * self.spec.batch8_s / 8)

    # ------------------------------------------------------------------ dynamic batching
    def _try_batch(self, r: Replica, src: deque[int], timer: Replica | None) -> bool:
        """Start a batch on free replica r from src, or arm the delay timer; True if armed."""
        oldest_wait = self.env.now - self.enqueued_s[src[0]]
        full = len(src) >= self.spec.max_batch
        if full or oldest_wait >= self.spec.max_queue_delay_s - EPS:
            self._start_batch(r, src)
            return False
        self._arm_timer(timer, self.enqueued_s[src[0]] + self.spec.max_queue_delay_s)
        return True

    def _arm_timer(self, owner: Replica | None, at: float) -> None:
        """One pending delay timer per owner (a replica, or the pool's shared queue: None)."""
        holder: Replica | Service = owner if owner is not None else self
        if holder.timer_at <= at + EPS:
            return
        holder.timer_gen += 1
        gen, holder.timer_at = holder.timer_gen, at
        ev = self.env.timeout(max(at - self.env.now, 0.0))
        ev.callbacks.append(lambda _e: self._timer(owner, gen))

    def _timer(self, owner: Replica | None, gen: int) -> None:
        holder: Replica | Service = owner if owner is not None else self
        if gen == holder.timer_gen:
            holder.timer_at = math.inf
            self._timer_fired(owner)

    def _timer_fired(self, owner: Replica | None) -> None: ...

    def _start_batch(self, r: Replica, src: deque[int]) -> None:
        self._track()
        n = min(len(src), self.spec.max_batch)
        batch = [src.popleft() for _ in range(n)]
        for rid in batch:
            self.queued_in.pop(rid, None)
        self.n_waiting -= n
        self.in_service += n
        self.batches += 1
        self.batch_items += n
        r.busy, r.busy_since, r.batch = n, self.env.now, batch
        for rid in batch:
            self.on_start(rid)
        duration = self._batch_duration(batch)
        gen = r.gen
        self.env.timeout(duration).callbacks.append(lambda _e: self._end_batch(r, batch, gen))

    def _batch_duration(self, batch: list[int]) -> float:
        scale, exp_draw, _, _ = self.work(batch[0])
        mean = self.batch_s(len(batch)) * scale
        if self.spec.variability == "exponential":
            return mean * exp_draw
        return mean

    def _end_batch(self, r: Replica, batch: list[int], gen: int) -> None:
        if gen != r.gen:
            return
        r.batch = []
        self._track()
        self.in_service -= len(batch)
        for rid in batch:
            self.enqueued_s.pop(rid, None)
            self.on_done(rid)
        self._release(r, len(batch))
        self._after_service(r)

    # ------------------------------------------------------------------ continuous batching
    def _fill(self, r: Replica, src: deque[int]) -> None:
        """Admit from src while max_sequences and the KV cache allow (FCFS: no overtaking)."""
        self._advance(r)
        while src and r.busy < self.spec.max_sequences:
            if not self._admit(r, src):
                break
        self._schedule(r)

    def _advance(self, r: Replica) -> None:
        """Move the replica's step clock and its head prompt to now."""
        now = self.env.now
        if r.busy:
            chunk = self._chunk(r)
            steps = (now - r.last_t) / self.step_s(len(r.ends), chunk)
            r.v += steps
            if r.prefills:
                r.prefills[0][1] -= steps * chunk
        r.last_t = now

    def _chunk(self, r: Replica) -> float:
        """Prompt tokens the head prefill gets per step (the budget left after the decodes)."""
        if not r.prefills:
            return 0.0
        return max(min(self.spec.max_batched_tokens - len(r.ends), r.prefills[0][1]), 1.0)

    def _admit(self, r: Replica, src: deque[int]) -> bool:
        rid = src[0]
        scale, _, prompt_tokens, output_tokens = self.work(rid)
        need = prompt_tokens + output_tokens
        if r.busy and r.kv_used + need > self.spec.kv_capacity_tokens:
            return False
        self._track()
        src.popleft()
        self.queued_in.pop(rid, None)
        self.n_waiting -= 1
        if r.busy == 0:
            r.busy_since = self.env.now
        r.busy += 1
        r.kv[rid] = need
        r.kv_used += need
        self.in_service += 1
        self.on_start(rid)
        r.prefills.append([float(rid), prompt_tokens * scale, max(output_tokens * scale, 1.0)])
        return True

    def _schedule(self, r: Replica) -> None:
        r.gen += 1
        if not r.busy:
            return
        chunk = self._chunk(r)
        tau = self.step_s(len(r.ends), chunk)
        prefill_steps = r.prefills[0][1] / chunk if r.prefills else math.inf
        decode_steps = r.ends[0][0] - r.v if r.ends else math.inf
        prefill_first = prefill_steps <= decode_steps
        steps = prefill_steps if prefill_first else decode_steps
        target = r.v + steps
        gen = r.gen
        ev = self.env.timeout(max(steps, 0.0) * tau)
        ev.callbacks.append(lambda _e: self._step_event(r, gen, target, prefill_first))

    def _step_event(self, r: Replica, gen: int, target: float, prefill_first: bool) -> None:
        if gen != r.gen:
            return
        self._advance(r)
        # the clock cannot resolve the last few ulps of progress late in a long run
        r.v = max(r.v, target)
        if prefill_first and r.prefills:
            r.prefills[0][1] = min(r.prefills[0][1], 0.0)
        tol = EPS * max(1.0, r.v)
        if r.prefills and r.prefills[0][1] <= 1e-6:
            rid_f, _, out = r.prefills.popleft()
            rid = int(rid_f)
            self.on_first_token(rid)
            heapq.heappush(r.ends, (r.v + out - 1.0, rid))
        finished = []
        while r.ends and r.ends[0][0] <= r.v + tol:
            finished.append(heapq.heappop(r.ends)[1])
        if finished:
            self._track()
            self.in_service -= len(finished)
            for rid in finished:
                r.kv_used -= r.kv.pop(rid, 0.0)
                self.enqueued_s.pop(rid, None)
                self.on_done(rid)
            self._release(r, len(finished))
        self._after_service(r)
