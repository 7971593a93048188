"""The fast agent index: which available agent with free capacity takes this contact?

Available agents with room on a channel are filed in buckets ordered by the agent
policy's key, one bucket per (channel, skill set, tier), where a skill set is empty (any
agent), one skill, or a pair of skills.  Buckets are created on first use, for the skill
sets contacts actually need.  A contact needing one skill looks at that skill's buckets;
one needing two or more at the pair of its two most selective skills; the buckets of the
allowed tiers are merged in key order until an agent meets every need at its minimum level
and has not declined the contact.  Only agents of the right skill set whose level is too
low are skipped, so at a fixed number of skills a decision costs O(log n), whatever the
number of agents.

A bucket is a binary heap, or — for policies whose keys only grow (``fifo``, e.g. longest
idle) — one FIFO queue per key class, where filing and taking the head cost O(1).  Both
use lazy deletion: every change of an agent's state gives it a new ``version`` (a stamp
that grows with every update) and files fresh entries; entries with an old version are
skipped and dropped when they surface, and a bucket that holds far more stale than live
entries is compacted in place.  Heap entries are flat tuples ``(*key, version, agent)``;
a FIFO policy's agent has one :class:`_Filed` entry shared by all its queues, marked dead
when the agent changes, so that dropping a stale entry reads that entry alone (not the
agent too: with thousands of agents, each read is a cache miss).

Memory follows the live state, whatever the history: the index counts the entries it
files, and once they outnumber three times the entries alive at the last sweep (plus a margin)
it sweeps every bucket, compacting each to its live entries and dropping the buckets no
contact has looked up for 64 sweep periods (a later contact needing that skill set builds
it again, with the same content).  The sweep costs O(entries), paid for by the
filings that made it due.

A scoring policy (``Scored``) ranks every eligible agent of the merged buckets (its score
has no bound to stop early), or the first ``limit`` of them in key order: its decisions cost
O(free agents with the needed skills), or O(limit), calls of the score.

A drawing policy (``Random``, ``WeightedRandom``) lists every eligible agent of the merged
buckets, in the order the agents joined, and lets the policy draw one (``policy.draw``):
its decisions cost O(free agents with the needed skills).

The router may set two filters (``gate``/``protected`` for a threshold reservation, ``pools``
for idleness-ratio routing), both reading counts the router keeps: a closed reserved tier's
idle agents are skipped for unprotected contacts, and under idleness ratios the allowed
tiers are searched one at a time in the order ``pools`` gives (O(tiers log tiers) more).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, Final

from .policies import AgentPolicy, LongestIdle, PreferredAgent
from .state import AVAILABLE, AgentState, Entry

__all__ = ["AgentIndex"]

_heappush = heapq.heappush
_heappop = heapq.heappop
_append = deque.append
_consume: Any = deque(maxlen=0).extend  # runs a map() to the end in C
_joined = attrgetter("order")
_version = attrgetter("version")
# A bucket no contact has looked up for this many sweep periods is dropped.  Rebuilding a
# bucket costs a scan of its skill's members, so only long-forgotten ones go: every agent
# files into each of its buckets on every update, and memory is bounded either way
# (entries are compacted to the live ones, and an agent belongs to a bounded set of buckets).
_IDLE_PERIODS: Final = 64


def _idle_keyed(policy: AgentPolicy) -> bool:
    """Is ``policy``'s key exactly :class:`LongestIdle`'s, ``(1 if a.total else 0, a.version)``?

    The index then builds that key itself: a call into the (interpreted) policy on every
    update costs more than the rest of the filing.  Subclasses may override ``key``, so only
    the classes themselves qualify.
    """
    if type(policy) is PreferredAgent:
        return type(policy.then) is LongestIdle
    return type(policy) is LongestIdle


class _Filed:
    """A FIFO policy's entry for one agent: its key, filed in every queue it belongs in.

    ``live`` turns False when the agent changes (it is then filed again, under a new key).
    """

    __slots__ = ("key", "agent", "live")

    def __init__(self, key: tuple, agent: AgentState) -> None:
        self.key = key
        self.agent = agent
        self.live = True


def _filed_key(x: _Filed) -> tuple:
    return x.key


def _live(entries: Iterable[tuple]) -> list[tuple]:
    """The current entries of a heap, in order: those whose version is their agent's."""
    # Typed entries: the compiled build reads them as tuples, not as arbitrary objects.
    return [x for x in entries if x[-2] == x[-1].version]


def _live_filed(entries: Iterable[_Filed]) -> list[_Filed]:
    """The current entries of a FIFO queue, in order."""
    return [x for x in entries if x.live]


def _fresh_head(q: Any) -> _Filed | None:
    """The first current entry of FIFO queue ``q``, after dropping the stale ones before it."""
    while q:
        x: _Filed = q[0]
        if x.live:
            return x
        q.popleft()
    return None


def _heap_order(h: list) -> Iterator[tuple]:
    """The entries of heap ``h`` in key order, without modifying it."""
    if not h:
        return
    frontier = [(h[0], 0)]
    n = len(h)
    while frontier:
        item, j = _heappop(frontier)
        yield item
        k = 2 * j + 1
        if k < n:
            _heappush(frontier, (h[k], k))
            if k + 1 < n:
                _heappush(frontier, (h[k + 1], k + 1))


class AgentIndex:
    """Agents by (channel, skill set, tier), ordered by the agent policy's key."""

    def __init__(self, policy: AgentPolicy) -> None:
        self.policy = policy
        self._fifo = policy.fifo
        self._per_skill = policy.per_skill
        self._idle = _idle_keyed(policy)
        self._buckets: dict[tuple[str, tuple[str, ...], int], Any] = {}
        # Static membership: agents by (skill or None, tier), to build buckets lazily, size
        # compactions and pick the most selective skills.
        self._members: dict[tuple[str | None, int], dict[str, AgentState]] = {}
        self._tiers: list[int] = []
        self._tier_ranges: dict[tuple[int, int | None], list[int]] = {}  # (min, max) -> tiers
        self._sizes: dict[tuple[str, tuple[str, ...], int], int] = {}  # agents filed per bucket
        self._stamp = 0
        # Sweeps (see the module docstring): entries filed since the last one, the count
        # that makes the next one due, and per bucket the sweep period of its last lookup.
        self._filed = 0
        self._budget = 4096
        self._period = 0
        self._used: dict[tuple[str, tuple[str, ...], int], int] = {}
        # Threshold reservation (set by the router): ``gate(tier)`` is True while a reserved
        # tier keeps its idle agents from contacts of queues outside ``protected``.
        self.gate: Any = None
        self.protected: frozenset[str] = frozenset()
        # Idleness-ratio routing (set by the router): ``pools(tiers)`` orders the tiers; the
        # first tier with an eligible agent serves the contact.
        self.pools: Any = None

    # ------------------------------------------------------------------ membership
    def add(self, a: AgentState) -> None:
        for skill in (*a.skills, *a.tags, None):
            self._members.setdefault((skill, a.tier), {})[a.id] = a
        if a.tier not in self._tiers:
            self._tiers.append(a.tier)
            self._tiers.sort()
            self._tier_ranges.clear()
        # The buckets this agent belongs in, per channel, all created now (building one
        # later, inside a routing decision, is what would cost).  FIFO policies: one list
        # of queues per key class; heap policies: a list of heaps and a list of
        # (heap, skills) pairs for per-skill keys.  Then the channel's exclusivity and the
        # agent's capacity on it, which ``update`` reads on every change.
        a.cache = {name: [[], [], a.channels[name].exclusive, cap]
                   for name, cap in a.capacity.items() if cap}
        buckets = self._buckets
        tier = a.tier
        for name, cache in a.cache.items():
            for skills in a.keys:
                key = (name, skills, tier)
                b = buckets.get(key)
                if b is None:
                    self._bucket(name, skills, tier)  # files every member, this agent included
                else:
                    self._file(cache, b, skills)
                    self._sizes[key] += 1
        self.update(a)

    def _file(self, cache: list, b: Any, skills: tuple[str, ...]) -> None:
        if self._fifo:
            cache[0].append(b[0])
            cache[1].append(b[1])
        else:
            cache[0].append(b)
            cache[1].append((b, skills))

    def remove(self, a: AgentState) -> None:
        self._stamp += 1
        a.version = self._stamp  # every entry of this agent is now stale
        if a.filed is not None:
            a.filed.live = False
            a.filed = None
        for skill in (*a.skills, *a.tags, None):
            del self._members[(skill, a.tier)][a.id]
        for name in a.cache:
            for skills in a.keys:
                key = (name, skills, a.tier)
                if key in self._sizes:
                    self._sizes[key] -= 1

    def update(self, a: AgentState) -> None:
        """Re-file ``a`` after any change to its presence, load or policy key."""
        self._stamp = ver = self._stamp + 1
        a.version = ver
        if a.filed is not None:  # FIFO: its entries, in every queue at once, are stale
            a.filed.live = False
            a.filed = None
        if a.presence != AVAILABLE or a.exclusive:
            return  # filed nowhere (on an exclusive contact, an agent takes nothing else)
        policy = self.policy
        per_skill = self._per_skill
        item: Any = None  # built on the first channel with room: a busy agent is filed nowhere
        fifo = self._fifo
        filed = 0
        total, load = a.total, a.load
        open_ = a.max_total is None or a.nonexclusive < a.max_total
        for name, cache in a.cache.items():
            if cache[2]:  # exclusive: only offered to an agent holding nothing
                if total:
                    continue
            elif not open_ or load.get(name, 0) >= cache[3]:
                continue
            if item is None and not per_skill:
                if fifo:
                    if self._idle:  # LongestIdle's key, (1 if total else 0, version), inline
                        item = a.filed = _Filed((1 if total else 0, ver), a)
                    else:
                        item = a.filed = _Filed(policy.key(a), a)
                else:
                    item = (*policy.key(a), ver, a)
            if fifo:
                qs = cache[item.key[0]]
                filed += len(qs)
                _consume(map(_append, qs, repeat(item, len(qs))))
            elif per_skill:
                for b, skills in cache[1]:
                    _heappush(b, (*policy.skill_key(a, skills), ver, a))
                filed += len(cache[1])
            else:
                heaps = cache[0]
                filed += len(heaps)
                _consume(map(_heappush, heaps, repeat(item, len(heaps))))
        if filed:
            self._filed += filed
            if self._filed > self._budget:
                self._sweep()

    def refile(self, agents: list[AgentState], stamp: int) -> None:
        """File restored agents under the versions they carry, then stamp on from ``stamp``.

        For :mod:`omniroute.snapshot`: ``agents`` are added (logged out, as ``add`` files
        them) and then given their saved state.  Filing them oldest version first gives each
        its saved version and puts them in a FIFO policy's queues in the order the original
        filed them (versions only grow), so decisions and their scores come out the same.
        """
        for a in sorted(agents, key=_version):
            self._stamp = a.version - 1
            self.update(a)
        self._stamp = stamp

    # ------------------------------------------------------------------ buckets
    def _bucket(self, ch: str, skills: tuple[str, ...], tier: int) -> Any:
        key = (ch, skills, tier)
        self._used[key] = self._period
        b: Any = self._buckets.get(key)
        if b is None:
            # First use: file every agent with these skills and this channel in it.  The
            # members of a pair are the intersection of its two skills' members (in C).
            members = self._members
            first = members.get((skills[0] if skills else None, tier), {})
            agents: Iterable[AgentState] = first.values()
            if len(skills) == 2:
                other = members.get((skills[1], tier), {})
                if len(other) < len(first):
                    first, other = other, first
                agents = [first[aid] for aid in first.keys() & other.keys()]
            policy = self.policy
            entries: list[Any] = []
            b = (deque(), deque()) if self._fifo else entries
            size = 0
            for a in agents:
                if a.capacity.get(ch, 0):
                    size += 1
                    self._file(a.cache[ch], b, skills)
                    if a.presence == AVAILABLE and a.can_take(a.channels[ch]):
                        # FIFO: the entry its last update filed (it has room here, so
                        # that update filed it on this channel too).
                        entries.append(a.filed if self._fifo else
                                       (*policy.skill_key(a, skills), a.version, a))
            if self._fifo:
                entries.sort(key=_filed_key)
                for item in entries:
                    b[item.key[0]].append(item)
            else:
                heapq.heapify(b)
            self._buckets[key] = b
            self._sizes[key] = size
            return b
        limit = 2 * self._sizes[key] + 32
        if self._fifo:
            for q in b:
                if len(q) > limit:  # compact in place: agents' caches hold q
                    live = _live_filed(q)
                    q.clear()
                    q.extend(live)
        elif len(b) > limit:
            b[:] = _live(b)
            heapq.heapify(b)
        return b

    def _sweep(self) -> None:
        """Compact every bucket to its live entries; drop the buckets left unused."""
        self._period += 1
        live_total = 0
        used = self._used
        for key, b in list(self._buckets.items()):
            if used.get(key, -1) < self._period - _IDLE_PERIODS:
                self._drop(key, b)
                continue
            if self._fifo:
                for q in b:
                    live = _live_filed(q)
                    q.clear()
                    q.extend(live)
                    live_total += len(live)
            else:
                b[:] = _live(b)
                heapq.heapify(b)
                live_total += len(b)
        self._filed = 0
        # Entries stay within 4x the live ones (plus a margin); each filing pays for
        # 1.33 checks of the next sweep.
        self._budget = 3 * live_total + 4096

    def _drop(self, key: tuple[str, tuple[str, ...], int], b: Any) -> None:
        """Forget bucket ``key``: no agent files into it any more."""
        ch, skills, tier = key
        del self._buckets[key]
        del self._sizes[key]
        self._used.pop(key, None)
        for a in self._members.get((skills[0] if skills else None, tier), {}).values():
            cache = a.cache.get(ch)
            if cache is None:
                continue
            if self._fifo:
                cache[0] = [q for q in cache[0] if q is not b[0]]
                cache[1] = [q for q in cache[1] if q is not b[1]]
            else:
                cache[0] = [h for h in cache[0] if h is not b]
                cache[1] = [pair for pair in cache[1] if pair[0] is not b]
        if self._fifo:
            for q in b:
                q.clear()
        else:
            b.clear()

    # ------------------------------------------------------------------ lookup
    def best(self, e: Entry, draw: bool = True) -> tuple[AgentState, tuple] | None:
        """The agent the policy picks for contact ``e`` and its rank, or None.

        Presence, capacity, needs, tiers and declines are honoured; a preferred-agent hold is
        the router's business.  For a drawing policy, ``draw=False`` only tells whether any
        agent is eligible (the first one found, no random number spent).
        """
        tiers = self._tiers_for(e)
        if not tiers:
            return None
        skip: set[int] | None = None  # closed tiers: their idle agents are not for ``e``
        gate = self.gate
        if gate is not None and e.queue.name not in self.protected:
            closed = [t for t in tiers if gate(t)]
            if closed:
                skip = set(closed)
        pools = self.pools
        if pools is not None and len(tiers) > 1:
            for t in pools(tiers):
                found = self._best_in(e, [t], skip, draw)
                if found is not None:
                    return found
            return None
        return self._best_in(e, tiers, skip, draw)

    def _best_in(self, e: Entry, tiers: list[int], skip: set[int] | None,
                 draw: bool) -> tuple[AgentState, tuple] | None:
        """The policy's pick for ``e`` among the agents of ``tiers`` (``skip``: closed tiers)."""
        skills, covered = self._skill_set(e, tiers)
        ch = e.chname
        orders = []
        fifo = self._fifo
        rng = self.policy.draw_rng
        if rng is not None:
            return self._draw(e, [self._bucket(ch, skills, t) for t in tiers], rng, draw, skip)
        for t in tiers:
            b = self._bucket(ch, skills, t)
            if fifo:
                for q in b:
                    head = _fresh_head(q)  # lazy deletion: stale entries go as they surface
                    if head is not None:
                        if len(tiers) == 1 and e.meets(head.agent) and not _kept(head.agent, skip):
                            return head.agent, head.key  # the head is the policy's choice
                        orders.append(q)
                        if len(tiers) == 1:
                            break
            else:
                while b and b[0][-2] != b[0][-1].version:
                    _heappop(b)
                if b:
                    if len(tiers) == 1 and not self._per_skill and e.meets(b[0][-1]) \
                            and not _kept(b[0][-1], skip):
                        return b[0][-1], b[0][:-2]
                    orders.append(_heap_order(b))
        if not orders:
            return None
        if fifo:
            # Each bucket in key order: its class queues one after the other.
            chains = [chain(*self._buckets[(ch, skills, t)]) for t in tiers]
            for x in chains[0] if len(chains) == 1 else heapq.merge(*chains, key=_filed_key):
                if x.live and e.meets(x.agent) and not _kept(x.agent, skip):
                    return x.agent, x.key
            return None
        walk = orders[0] if len(orders) == 1 else heapq.merge(*orders)
        return self._walk(walk, e, covered, skip)

    def _selective(self, names: list[str], tiers: list[int]) -> tuple[str, ...]:
        """The two of ``names`` (skills or pseudo-skills) the fewest agents in ``tiers`` have."""
        members = self._members
        counted = sorted((sum(len(members.get((s, t), ())) for t in tiers), s) for s in names)
        return tuple(sorted((counted[0][1], counted[1][1])))

    def _names(self, e: Entry, tiers: list[int]) -> tuple[tuple[str, ...], int]:
        """The bucket's skill set for ``e``, from its needs and its expression's lookup, and
        how many of them are needs (what a per-skill key covers)."""
        needed = [s for s, _lvl in e.needs]
        names = sorted({*needed, *e.lookup})
        skills = tuple(names) if len(names) <= 2 else self._selective(names, tiers)
        return skills, sum(1 for s in skills if s in needed)

    def eligible(self, e: Entry) -> list[AgentState]:
        """Every available agent with room who may take ``e`` now, in joining order.

        For a joint solve (``Router(matching="joint")``): it reads the buckets ``best``
        merges, so it costs O(free agents with the needed skills in the allowed tiers).
        """
        tiers = self._tiers_for(e)
        if not tiers:
            return []
        skills, _covered = self._skill_set(e, tiers)
        found: dict[str, AgentState] = {}
        for t in tiers:
            b = self._bucket(e.chname, skills, t)
            if self._fifo:
                for q in b:
                    for x in q:
                        if x.live and e.meets(x.agent):
                            found[x.agent.id] = x.agent
            else:
                for item in b:
                    a = item[-1]
                    if item[-2] == a.version and e.meets(a):
                        found[a.id] = a
        return sorted(found.values(), key=_joined)

    def _tiers_for(self, e: Entry) -> list[int]:
        """The tiers with agents that ``e``'s tier range allows."""
        mn, mx = e.min_tier, e.max_tier
        tiers = self._tier_ranges.get((mn, mx))
        if tiers is None:
            tiers = self._tier_ranges[mn, mx] = [
                t for t in self._tiers if mn <= t and (mx is None or t <= mx)]
        return tiers

    def _skill_set(self, e: Entry, tiers: list[int]) -> tuple[tuple[str, ...], int]:
        """The skill set whose buckets hold ``e``'s candidates (none, its one or two needed
        skills, the two that the fewest agents in ``tiers`` have, or with an expression's
        lookup the two most selective of needs and attribute names), and how many of them are
        needs (what a per-skill key covers)."""
        needs = e.needs
        if e.lookup:
            # An expression's conjuncts served by the index (attribute values as
            # pseudo-skills, skill levels): choose among them and the needs alike.
            return self._names(e, tiers)
        if not needs:
            return (), 0
        if len(needs) == 1:
            return (needs[0][0],), 1
        if len(needs) == 2:
            return (needs[0][0], needs[1][0]), 2  # needs are sorted by skill
        return self._selective([s for s, _lvl in needs], tiers), 2

    def _draw(self, e: Entry, buckets: list, rng: Any, draw: bool,
              skip: set[int] | None = None) -> tuple[AgentState, tuple] | None:
        """A drawing policy's choice: every eligible agent, in joining order, then one draw."""
        eligible = []
        for b in buckets:
            for item in b:
                a = item[-1]
                if item[-2] == a.version and e.meets(a) and not _kept(a, skip):
                    if not draw:
                        return a, ()
                    eligible.append(a)
        if not eligible:
            return None
        eligible.sort(key=_joined)
        k = self.policy.draw(rng, eligible)
        return eligible[k], (k, len(eligible))

    def _walk(self, ordered: Iterable[tuple], e: Entry, covered: int,
              skip: set[int] | None = None) -> tuple[AgentState, tuple] | None:
        """The best agent for ``e`` among entries given in key order."""
        policy = self.policy
        per_skill = self._per_skill
        limit: int = policy.limit
        ranked = 0
        found: AgentState | None = None
        found_rank: tuple = ()
        for item in ordered:
            a = item[-1]
            if item[-2] != a.version:
                continue
            if found is not None and policy.bound(item[:-2], e, covered) > found_rank:
                break
            if not e.meets(a) or _kept(a, skip):
                continue
            if not per_skill:
                return a, item[:-2]
            r = policy.rank(a, e)
            if found is None or r < found_rank:
                found, found_rank = a, r
            ranked += 1
            if ranked == limit:  # a limited policy ranks the first `limit` eligible agents
                break
        return (found, found_rank) if found is not None else None


def _kept(a: AgentState, skip: set[int] | None) -> bool:
    """Is ``a`` an idle agent of a tier the reservation keeps (``skip``)?"""
    return skip is not None and not a.total and a.tier in skip
