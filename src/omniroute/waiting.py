"""The fast waiting-contact index: which waiting contact does this agent take?

Waiting contacts are grouped into buckets of identical eligibility — (queue, channel,
needs, tier range, attribute expression with the contact's attributes put in) — each a heap ordered by the contact policy's ``order_key``, which is
fixed inside one queue.  Non-empty buckets are registered under one of their needed
skills (or None), so an agent looks only at buckets under its own skills: at a fixed number
of skills and queues that is a bounded number of heap heads, whatever the number of
waiting contacts.  Contacts held for a preferred agent sit apart, under that agent's id.
Removal is lazy: a heap entry whose token no longer matches its contact is skipped.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from .policies import ContactPolicy, PriorityFIFO
from .state import AgentState, Entry, qualified

__all__ = ["WaitingIndex"]

_HELD = "held"


class _Bucket:
    __slots__ = ("key", "channel", "needs", "min_tier", "max_tier", "heap", "live", "skill", "require")

    def __init__(self, key: tuple, e: Entry) -> None:
        self.key = key
        self.channel = e.chname
        self.needs = e.needs
        self.min_tier = e.min_tier
        self.max_tier = e.max_tier
        self.heap: list = []
        self.live = 0
        self.skill = e.needs[0][0] if e.needs else None
        self.require = e.require

    def admits(self, a: AgentState) -> bool:
        return qualified(a, self.needs, self.min_tier, self.max_tier) and (
            self.require is None or bool(self.require(a)))


class WaitingIndex:
    """Waiting contacts, bucketed by eligibility, each bucket in contact-policy order."""

    def __init__(self, policy: ContactPolicy) -> None:
        self.policy = policy
        # Subclasses may override ``order_key``: only the class itself is inlined.
        self._fifo_key = type(policy) is PriorityFIFO
        self._buckets: dict[tuple, _Bucket] = {}
        self._by_skill: dict[str | None, dict[tuple, _Bucket]] = {}
        self._held: dict[str, dict[str, Entry]] = {}
        self._slot = 0
        self._count = 0
        # Threshold reservation (set by the router): see ``AgentIndex.gate``.
        self.gate: Any = None
        self.protected: frozenset[str] = frozenset()
        # Contacts waiting per queue (held ones too), for a ``dynamic`` policy's rank (kept
        # only for one).
        self.lengths: dict[str, int] = {}
        self._dynamic = policy.dynamic

    def __len__(self) -> int:
        return self._count

    def add(self, e: Entry, now: float) -> None:
        """``e`` starts (or resumes) waiting; its eligibility fields must be current."""
        if self._fifo_key:  # PriorityFIFO's key, built here rather than by a call into it
            e.key = (-e.queue.priority, -e.priority, e.arrival, e.seq)
        else:
            e.key = self.policy.order_key(e)
        self._count += 1
        self._slot += 1
        e.slot = self._slot
        if self._dynamic:  # only a dynamic policy reads them: no cost for the others
            q = e.queue.name
            self.lengths[q] = self.lengths.get(q, 0) + 1
        if e.hold_until > 0:
            e.cls = _HELD
            for aid in e.contact.preferred_agents:
                self._held.setdefault(aid, {})[e.id] = e
            return
        key = (e.queue.name, e.chname, e.needs, e.min_tier, e.max_tier, e.require)
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = _Bucket(key, e)
        if b.live == 0:
            self._by_skill.setdefault(b.skill, {})[key] = b
        b.live += 1
        e.cls = b
        heapq.heappush(b.heap, (e.key, e.slot, e))

    def remove(self, e: Entry) -> None:
        """``e`` stops waiting (assigned, abandoned, moved)."""
        b = e.cls
        e.cls = None
        self._count -= 1
        if self._dynamic:
            self.lengths[e.queue.name] -= 1
        if b is _HELD:
            for aid in e.contact.preferred_agents:
                held = self._held[aid]
                del held[e.id]
                if not held:
                    del self._held[aid]
            return
        b.live -= 1
        if b.live == 0:  # forget empty buckets: eligibility classes come and go
            del self._by_skill[b.skill][b.key]
            del self._buckets[b.key]
            b.heap.clear()
        elif len(b.heap) > 2 * b.live + 32:
            b.heap = [item for item in b.heap if item[2].cls is b and item[2].slot == item[1]]
            heapq.heapify(b.heap)

    def best_for(self, a: AgentState, now: float) -> tuple[Entry, tuple] | None:
        """The waiting contact agent ``a`` takes next under the policy, and its rank."""
        if not self._count:
            return None
        free = a.free_channels()
        if not free:
            return None
        policy = self.policy
        static = policy.static
        dynamic = self._dynamic
        lengths = self.lengths
        total = self._count
        best: Entry | None = None
        best_rank: tuple = ()
        by_skill = self._by_skill
        aid = a.id
        # An idle agent of a closed reserved tier takes only the protected queues' contacts.
        only = self.protected if self.gate is not None and not a.total and self.gate(a.tier) else None
        for skill in (*a.skills, None):
            buckets = by_skill.get(skill)
            if not buckets:
                continue
            for b in buckets.values():
                if b.channel not in free or not b.admits(a) or (only is not None and b.key[0] not in only):
                    continue
                e = self._head(b, aid)
                if e is None:
                    continue
                r = e.key if static else (policy.rank_in(e.key, e, now, lengths, total) if dynamic
                                          else policy.rank(e.key, e, now))
                if best is None or r < best_rank:
                    best, best_rank = e, r
        held = self._held.get(aid)
        if held:
            for e in held.values():
                if e.chname in free and e.meets(a) and (only is None or e.queue.name in only):
                    r = e.key if static else (policy.rank_in(e.key, e, now, lengths, total) if dynamic
                                              else policy.rank(e.key, e, now))
                    if best is None or r < best_rank:
                        best, best_rank = e, r
        return (best, best_rank) if best is not None else None

    def eligible(self, a: AgentState) -> list[Entry]:
        """Every waiting contact agent ``a`` may take now (no particular order).

        For a joint solve (``Router(matching="joint")``): it reads the buckets ``best_for``
        reads, all their contacts, so it costs O(waiting contacts ``a`` could take).
        """
        free = a.free_channels()
        if not free or not self._count:
            return []
        aid = a.id
        found: list[Entry] = []
        for skill in (*a.skills, None):
            for b in self._by_skill.get(skill, {}).values():
                if b.channel in free and b.admits(a):
                    for item in b.heap:
                        e = item[2]
                        if e.cls is b and e.slot == item[1] and aid not in e.declined:
                            found.append(e)
        held = self._held.get(aid)
        if held:
            found.extend(e for e in held.values() if e.chname in free and e.meets(a))
        return found

    @staticmethod
    def _head(b: _Bucket, aid: str) -> Entry | None:
        """The first contact of bucket ``b`` that agent ``aid`` has not declined."""
        h = b.heap
        while h and (h[0][2].cls is not b or h[0][2].slot != h[0][1]):
            heapq.heappop(h)
        if not h:
            return None
        e = h[0][2]
        if aid not in e.declined:
            return e
        # Rare: walk the heap in order, skipping stale entries and this agent's declines.
        frontier = [(h[0], 0)]
        while frontier:
            item, j = heapq.heappop(frontier)
            for k in (2 * j + 1, 2 * j + 2):
                if k < len(h):
                    heapq.heappush(frontier, (h[k], k))
            e = item[2]
            if e.cls is b and e.slot == item[1] and aid not in e.declined:
                return e
        return None

    def __iter__(self) -> Iterator[Entry]:
        """Every waiting contact (no particular order)."""
        for b in self._buckets.values():
            for item in b.heap:
                e = item[2]
                if e.cls is b and e.slot == item[1]:
                    yield e
        seen: set[str] = set()
        for held in self._held.values():
            for e in held.values():
                if e.id not in seen:
                    seen.add(e.id)
                    yield e
