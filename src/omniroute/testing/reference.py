"""The reference router: the fast router's state machine with its indexes replaced by scans.

It shares the router's bookkeeping (presence, load, timed rules) and policies; only the two
questions the indexes answer — which agent for this contact, which contact for this agent —
are answered by looking at every agent and every waiting contact.  Any disagreement with
:class:`omniroute.Router` is an index bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..policies import AgentPolicy, ContactPolicy
from ..queues import Queue
from ..router import Router
from ..state import AVAILABLE, AgentState, Entry

__all__ = ["ReferenceRouter", "ScanAgents", "ScanWaiting"]


class ScanAgents:
    """Every agent, scanned in insertion order for each contact."""

    def __init__(self, policy: AgentPolicy) -> None:
        self.policy = policy
        self._agents: dict[str, AgentState] = {}
        self._stamp = 0
        self.gate: Any = None  # the router's reservation (see AgentIndex.gate)
        self.protected: frozenset[str] = frozenset()
        self.pools: Any = None  # the router's idleness-ratio order of tiers (see AgentIndex.pools)

    def _kept(self, a: AgentState, e: Entry) -> bool:
        """Does the reservation keep idle agent ``a`` from ``e``?"""
        return (self.gate is not None and not a.total and e.queue.name not in self.protected
                and self.gate(a.tier))

    def add(self, a: AgentState) -> None:
        self._agents[a.id] = a
        self.update(a)

    def remove(self, a: AgentState) -> None:
        self._stamp += 1
        a.version = self._stamp
        del self._agents[a.id]

    def update(self, a: AgentState) -> None:
        # The same update stamps as the fast index: policies read them as "last change".
        self._stamp += 1
        a.version = self._stamp

    def _eligible(self, e: Entry) -> list[AgentState]:
        return [a for a in self._agents.values()
                if a.presence == AVAILABLE and a.can_take(e.channel) and e.meets(a)
                and not self._kept(a, e)]

    def best(self, e: Entry, draw: bool = True) -> tuple[AgentState, tuple] | None:
        if self.pools is not None:  # idleness ratios: the first tier, in their order, with anyone
            eligible = self._eligible(e)
            for t in self.pools(sorted({a.tier for a in eligible})):
                found = self._best_of([a for a in eligible if a.tier == t], e, draw)
                if found is not None:
                    return found
            return None
        return self._best_of(self._eligible(e), e, draw)

    def _best_of(self, eligible: list[AgentState], e: Entry, draw: bool) -> tuple[AgentState, tuple] | None:
        """The policy's pick among ``eligible`` (in joining order) for ``e``."""
        rng = self.policy.draw_rng
        if rng is not None:
            if not eligible:
                return None
            if not draw:
                return eligible[0], ()
            k = self.policy.draw(rng, eligible)
            return eligible[k], (k, len(eligible))
        best, best_rank = None, ()
        if self.policy.limit:  # a limited policy (Scored) ranks the first `limit` by key
            eligible = sorted(eligible, key=self.policy.key)[: self.policy.limit]
        for a in eligible:
            r = self.policy.rank(a, e)
            if best is None or r < best_rank:
                best, best_rank = a, r
        return (best, best_rank) if best is not None else None

    def eligible(self, e: Entry) -> list[AgentState]:
        return [a for a in self._agents.values()
                if a.presence == AVAILABLE and a.can_take(e.channel) and e.meets(a)]


class ScanWaiting:
    """Every waiting contact, scanned for each agent that frees up."""

    def __init__(self, policy: ContactPolicy) -> None:
        self.policy = policy
        self._entries: dict[str, Entry] = {}
        self.gate: Any = None  # the router's reservation (see AgentIndex.gate)
        self.protected: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))

    def add(self, e: Entry, now: float) -> None:
        e.key = self.policy.order_key(e)
        self._entries[e.id] = e

    def remove(self, e: Entry) -> None:
        del self._entries[e.id]

    @property
    def lengths(self) -> dict[str, int]:
        """Contacts waiting per queue, counted by a scan."""
        out: dict[str, int] = {}
        for e in self._entries.values():
            out[e.queue.name] = out.get(e.queue.name, 0) + 1
        return out

    def best_for(self, a: AgentState, now: float) -> tuple[Entry, tuple] | None:
        if a.presence != AVAILABLE:
            return None
        best, best_rank = None, ()
        lengths = self.lengths if self.policy.dynamic else {}
        closed = self.gate is not None and not a.total and self.gate(a.tier)
        for e in self._entries.values():
            if closed and e.queue.name not in self.protected:
                continue
            if a.can_take(e.channel) and e.meets(a) and not e.held_for(a):
                key = self.policy.order_key(e)
                r = (self.policy.rank_in(key, e, now, lengths, len(self._entries)) if self.policy.dynamic
                     else self.policy.rank(key, e, now))
                if best is None or r < best_rank:
                    best, best_rank = e, r
        return (best, best_rank) if best is not None else None

    def eligible(self, a: AgentState) -> list[Entry]:
        if a.presence != AVAILABLE:
            return []
        return [e for e in self._entries.values()
                if a.can_take(e.channel) and e.meets(a) and not e.held_for(a)]


class ReferenceRouter(Router):
    """A :class:`~omniroute.Router` that answers every routing question by a full scan."""

    def __init__(self, queues: Iterable[Queue], agent_policy: AgentPolicy | None = None,
                 contact_policy: ContactPolicy | None = None, matching: str = "greedy",
                 batch_window: float = 0.0) -> None:
        super().__init__(queues, agent_policy=agent_policy, contact_policy=contact_policy,
                         matching=matching, batch_window=batch_window)
        self._agent_index = ScanAgents(self.agent_policy)
        self._waiting = ScanWaiting(self.contact_policy)
        self._gate_indexes()
