"""The fast agent index: which available agent with free capacity takes this contact?

Available agents with room on a channel sit in binary heaps keyed by the agent policy's
key, one heap per (channel, skill, tier) — plus a (channel, None, tier) heap for contacts
with no needs, created on first use.  A lookup walks the heaps of the contact's most
selective needed skill over the allowed tiers in key order (a k-way merge that never
modifies the heaps) and stops at the first agent that meets the other needs, so its cost
depends on how selective the needs are, not on how many agents there are: O(log n) per
heap operation at a fixed number of skills.

Heaps use lazy deletion: every change of an agent's state bumps its ``version`` and pushes
fresh entries; entries with an old version are skipped and dropped when they surface, and
a heap holding far more stale than live entries is rebuilt.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from .channels import Channel
from .policies import AgentPolicy
from .state import AVAILABLE, AgentState, Entry

__all__ = ["AgentIndex"]

_heappush = heapq.heappush
_heappop = heapq.heappop


class AgentIndex:
    """Agents by (channel, skill, tier), ordered by the agent policy's key."""

    def __init__(self, policy: AgentPolicy) -> None:
        self.policy = policy
        self._heaps: dict[tuple[Channel, str | None, int], list] = {}
        # Static membership: agents by (skill, tier), to build heaps lazily and size rebuilds.
        self._members: dict[tuple[str | None, int], dict[str, AgentState]] = {}
        self._tiers: list[int] = []

    # ------------------------------------------------------------------ membership
    def add(self, a: AgentState) -> None:
        for skill in (*a.skills, None):
            self._members.setdefault((skill, a.tier), {})[a.id] = a
        if a.tier not in self._tiers:
            self._tiers.append(a.tier)
            self._tiers.sort()
        self.update(a)

    def remove(self, a: AgentState) -> None:
        a.version += 1  # every heap entry of this agent is now stale
        for skill in (*a.skills, None):
            members = self._members[(skill, a.tier)]
            del members[a.id]

    def update(self, a: AgentState) -> None:
        """Re-index ``a`` after any change to its presence, load or policy key."""
        a.version = ver = a.version + 1
        if a.presence != AVAILABLE:
            return
        heaps = self._heaps
        policy = self.policy
        tier = a.tier
        per_skill = policy.per_skill
        key = None if per_skill else policy.key(a)
        for ch, cap in a.capacity.items():
            if not cap or not a.can_take(ch):
                continue
            for skill in a.skills:
                h = heaps.get((ch, skill, tier))
                if h is not None:
                    _heappush(h, (policy.skill_key(a, skill) if per_skill else key, ver, a))
            h = heaps.get((ch, None, tier))
            if h is not None:
                _heappush(h, (policy.skill_key(a, None) if per_skill else key, ver, a))

    # ------------------------------------------------------------------ lookup
    def _heap(self, ch: Channel, skill: str | None, tier: int) -> list:
        h = self._heaps.get((ch, skill, tier))
        members = self._members.get((skill, tier), {})
        if h is None or len(h) > 4 * len(members) + 64:
            # First use, or mostly stale: (re)build from the agents who could be in it.
            policy = self.policy
            h = [
                (policy.skill_key(a, skill), a.version, a)
                for a in members.values()
                if a.presence == AVAILABLE and a.capacity.get(ch, 0) and a.can_take(ch)
            ]
            heapq.heapify(h)
            self._heaps[(ch, skill, tier)] = h
        return h

    def best(self, e: Entry) -> tuple[AgentState, tuple] | None:
        """The agent the policy picks for contact ``e`` and its rank, or None.

        Presence, capacity, needs, tiers and declines are honoured; a preferred-agent hold is
        the router's business.
        """
        ch = e.channel
        tiers = [t for t in self._tiers if e.min_tier <= t and (e.max_tier is None or t <= e.max_tier)]
        if not tiers:
            return None
        # Walk the most selective needed skill (fewest agents who have it in these tiers).
        walk: str | None = None
        if e.needs:
            members = self._members
            best_n = -1
            for skill, _level in e.needs:
                n = sum(len(members.get((skill, t), ())) for t in tiers)
                if best_n < 0 or n < best_n:
                    walk, best_n = skill, n
            if best_n == 0:
                return None
        heaps = []
        for t in tiers:
            h = self._heap(ch, walk, t)
            while h and h[0][1] != h[0][2].version:
                _heappop(h)
            if h:
                heaps.append(h)
        if not heaps:
            return None
        policy = self.policy
        if len(heaps) == 1 and not policy.per_skill:
            top = heaps[0][0]
            if e.meets(top[2]):
                return top[2], top[0]
        return self._walk(heaps, e)

    def _walk(self, heaps: list[list], e: Entry) -> tuple[AgentState, tuple] | None:
        # k-way merge over the heaps' implicit trees, in key order, without popping.
        policy = self.policy
        frontier = [(h[0], i, 0) for i, h in enumerate(heaps)]
        heapq.heapify(frontier)
        found: AgentState | None = None
        found_rank: tuple = ()
        while frontier:
            item, i, j = _heappop(frontier)
            if found is not None and policy.bound(item[0], e) > found_rank:
                break
            h = heaps[i]
            k = 2 * j + 1
            if k < len(h):
                _heappush(frontier, (h[k], i, k))
                if k + 1 < len(h):
                    _heappush(frontier, (h[k + 1], i, k + 1))
            a = item[2]
            if item[1] != a.version or not e.meets(a):
                continue
            r = policy.rank(a, e)
            if found is None or r < found_rank:
                found, found_rank = a, r
                if not policy.per_skill:
                    break
        return (found, found_rank) if found is not None else None

    def agents(self) -> Iterable[AgentState]:
        seen: dict[str, AgentState] = {}
        for (skill, _t), members in self._members.items():
            if skill is None:
                seen.update(members)
        return seen.values()
