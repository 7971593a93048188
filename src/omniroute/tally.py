"""The router's running tallies behind real-time statistics and estimated waits.

Machinery, not API: :meth:`Router.stats` and :meth:`Router.estimated_wait` read them
(:mod:`omniroute.stats` turns them into frozen views).  Everything here is updated in O(1) or
O(log n) per change the router makes, so reading the statistics never scans the waiting
contacts:

* per queue, the waiting contacts counted by priority and segment, and per priority their
  ``(arrival, seq)`` in order (the oldest gives the longest wait, a bisection a position);
* per queue, the contacts that left it (answered or abandoned) as cumulative counts by time,
  over the last :data:`MAX_WINDOW` seconds, for the sliding-window service level and the
  abandonment rate; the last :data:`HANDLE_SAMPLES` handle times (with wrap-up);
* agents who could serve each queue, counted available / busy / away.  "Could serve" is
  learned from the contacts submitted (their queue, channel and needs, at every routing step
  they may reach); agents that changed are re-counted lazily, when statistics are read.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Final

from .state import AVAILABLE, AgentState, Entry, qualified

__all__ = ["Tally", "MAX_WINDOW", "HANDLE_SAMPLES", "MAX_PROFILES"]

#: The longest sliding window the statistics keep (seconds): four hours.
MAX_WINDOW: Final = 14400.0
#: How many recent handle times (per queue) the estimated wait averages.  Measured on M/M/c
#: (benchmarks/bench_ewt.py): with 100 the prediction runs 4-6% high, because a run of long
#: calls both lengthens the queue and raises the recent mean; with 1,000 it is within 1%.
HANDLE_SAMPLES: Final = 1000
#: Distinct (queue, channel, needs, segment) combinations learned for "agents who could
#: serve it"; past this many the counts cover the first ones only (``Tally.capped``).
MAX_PROFILES: Final = 4096

# Agent categories for a queue.
_NONE: Final = 0
_AVAILABLE: Final = 1
_BUSY: Final = 2
_AWAY: Final = 3


class QueueTally:
    """Running counts for one queue."""

    __slots__ = ("name", "sl", "waiting", "by_priority", "by_segment", "lines", "ts", "ws", "cum", "base",
                 "limit", "handles", "handle_pos", "handle_sum", "last_wait", "agents", "slots", "profiles")

    def __init__(self, name: str, sl: float) -> None:
        self.name = name
        self.sl = sl  # the queue's service-level threshold
        self.waiting = 0
        self.by_priority: dict[int, int] = {}
        self.by_segment: dict[str | None, int] = {}
        # priority -> sorted (arrival, seq) of the contacts waiting at that priority
        self.lines: dict[int, list[tuple[float, int]]] = {}
        # Contacts that left the queue: their times and waits (an abandoned one's negated, so
        # -0.0 for an abandon at once), appended as they leave; the cumulative (answered,
        # answered within the threshold, abandoned, waits of the answered, waits of all) after
        # each is computed when read (``catch_up``), so a departure costs two appends.
        self.ts: list[float] = []
        self.ws: list[float] = []
        self.cum: list[tuple[int, int, int, float, float]] = []
        self.base: tuple[int, int, int, float, float] = (0, 0, 0, 0.0, 0.0)
        self.limit = 1024  # prune what no window can reach when ts grows to this
        self.handles: list[float] = []
        self.handle_pos = 0
        self.handle_sum = 0.0
        self.last_wait: float | None = None  # the wait of the last contact answered
        self.agents = [0, 0, 0, 0]  # by category: -, available, busy, away
        self.slots = 0  # capacity of the available and busy agents who could serve it
        # learned eligibilities: (channel, [(needs, min_tier, max_tier) per step reached])
        self.profiles: list[tuple[str, list[tuple[tuple[tuple[str, int], ...], int, int | None]]]] = []

    def record(self, t: float, answered: bool, wait: float) -> None:
        self.ts.append(t)
        if answered:
            self.ws.append(wait)
            self.last_wait = wait
        else:
            self.ws.append(-wait)
        if len(self.ts) >= self.limit:
            self.prune(t - MAX_WINDOW)

    def catch_up(self) -> None:
        """Extend the cumulative counts over the departures recorded since the last read."""
        cum, ws = self.cum, self.ws
        n = len(cum)
        if n == len(ws):
            return
        a, w, ab, aw, al = cum[-1] if cum else self.base
        sl = self.sl
        for i in range(n, len(ws)):
            x = ws[i]
            if x > 0.0 or (x == 0.0 and math.copysign(1.0, x) > 0.0):  # answered
                a += 1
                if x <= sl:
                    w += 1
                aw += x
                al += x
            else:
                ab += 1
                al -= x
            cum.append((a, w, ab, aw, al))

    def prune(self, cut: float) -> None:
        """Forget the departures at or before ``cut`` (their counts go into ``base``)."""
        self.catch_up()
        k = bisect.bisect_right(self.ts, cut)
        if k:
            self.base = self.cum[k - 1]
            del self.ts[:k]
            del self.ws[:k]
            del self.cum[:k]
        self.limit = 2 * len(self.ts) + 1024

    def window(self, now: float, width: float) -> tuple[int, int, int, float, float]:
        """(answered, answered within the threshold, abandoned, answered waits, all waits)
        of the contacts that left the queue in ``(now - width, now]``."""
        self.catch_up()
        if not self.cum:
            return (0, 0, 0, 0.0, 0.0)
        lo = bisect.bisect_right(self.ts, now - width)
        first = self.cum[lo - 1] if lo > 0 else self.base
        last = self.cum[-1]
        return (last[0] - first[0], last[1] - first[1], last[2] - first[2],
                last[3] - first[3], last[4] - first[4])

    def handle(self, value: float) -> None:
        h = self.handles
        if len(h) < HANDLE_SAMPLES:
            h.append(value)
            self.handle_sum += value
        else:
            pos = self.handle_pos
            self.handle_sum += value - h[pos]
            h[pos] = value
            pos = (pos + 1) % HANDLE_SAMPLES
            self.handle_pos = pos
            if pos == 0:  # once per lap, the exact sum: rounding never drifts
                self.handle_sum = sum(h)

    def mean_handle(self) -> float | None:
        h = self.handles
        return self.handle_sum / len(h) if h else None

    def ahead(self, priority: int, key: tuple[float, int] | None) -> int:
        """Contacts waiting ahead of one of ``priority``: every one of a higher priority and,
        at that priority, those before ``key`` (all of them when ``key`` is None: a newcomer)."""
        n = 0
        for p, line in self.lines.items():
            if p > priority:
                n += len(line)
            elif p == priority:
                n += len(line) if key is None else bisect.bisect_left(line, key)
        return n

    def oldest(self) -> float | None:
        best: float | None = None
        for line in self.lines.values():
            if line and (best is None or line[0][0] < best):
                best = line[0][0]
        return best


class AgentRecord:
    """What one agent contributes to the queues it could serve."""

    __slots__ = ("serves", "counted")

    def __init__(self) -> None:
        self.serves: dict[str, list[str]] = {}  # queue -> channels it could serve it on
        self.counted: dict[str, tuple[int, int]] = {}  # queue -> (category, slots) counted


class Tally:
    """Every queue's running counts, and the agents' contributions to them."""

    def __init__(self, queues: Any) -> None:
        self.queues: dict[str, QueueTally] = {name: QueueTally(name, q.sla.within) for name, q in queues.items()}
        self.seen: dict[tuple, bool] = {}  # profile keys learned (cheap form)
        self.pending: list[tuple[str, str, list]] = []  # profiles not yet applied to agents
        self.capped = False
        self.dirty: dict[str, AgentState] = {}
        self.records: dict[str, AgentRecord] = {}

    # ------------------------------------------------------------ contacts
    def learn(self, e: Entry) -> None:
        """Remember which agents could serve ``e``'s queue: its channel, needs and tiers at
        every step it may reach (called when it enters a queue)."""
        if self.capped:
            return  # full: nothing more is learned
        q = e.queue
        key = (q.name, e.chname, e.needs, e.min_tier, e.max_tier, e.contact.segment)
        if key in self.seen:
            return
        if len(self.seen) >= MAX_PROFILES:
            self.capped = True
            return
        self.seen[key] = True
        elig = [q.eligibility(e.base_needs, e.steps[:k]) for k in range(len(e.steps) + 1)]
        self.pending.append((q.name, e.chname, elig))

    def enter(self, e: Entry) -> None:
        """``e`` starts waiting in its queue."""
        t = self.queues[e.queue.name]
        t.waiting += 1
        p = e.priority
        t.by_priority[p] = t.by_priority.get(p, 0) + 1
        seg = e.contact.segment
        t.by_segment[seg] = t.by_segment.get(seg, 0) + 1
        line = t.lines.get(p)
        if line is None:
            line = t.lines[p] = []
        bisect.insort(line, (e.arrival, e.seq))

    def leave(self, e: Entry) -> None:
        """``e`` stops waiting in its queue (assigned, abandoned, moved on)."""
        t = self.queues[e.queue.name]
        t.waiting -= 1
        p = e.priority
        n = t.by_priority[p] - 1
        if n:
            t.by_priority[p] = n
        else:
            del t.by_priority[p]
        seg = e.contact.segment
        n = t.by_segment[seg] - 1
        if n:
            t.by_segment[seg] = n
        else:
            del t.by_segment[seg]
        line = t.lines[p]
        del line[bisect.bisect_left(line, (e.arrival, e.seq))]
        if not line:
            del t.lines[p]

    def answered(self, e: Entry, now: float) -> None:
        self.queues[e.queue.name].record(now, True, now - e.arrival)

    def abandoned(self, e: Entry, now: float) -> None:
        self.queues[e.queue.name].record(now, False, now - e.arrival)

    def handled(self, queue: str, seconds: float) -> None:
        self.queues[queue].handle(seconds)

    # ------------------------------------------------------------ agents
    def touch(self, a: AgentState) -> None:
        """``a`` changed (presence, load, added or removed): re-count it when next read."""
        self.dirty[a.id] = a

    def sync(self, agents: dict[str, AgentState]) -> None:
        """Bring the agents' counts up to date: new profiles first (every agent checked
        against each, once), then the agents that changed since the last read."""
        if self.pending:
            pending, self.pending = self.pending, []
            for qname, ch, elig in pending:
                self.queues[qname].profiles.append((ch, elig))
                for a in agents.values():
                    rec = self.records.get(a.id)
                    if rec is None:
                        continue  # not counted yet (it is dirty): _serves will see every profile
                    if a.capacity.get(ch, 0) and any(qualified(a, n, lo, hi) for n, lo, hi in elig):
                        chans = rec.serves.setdefault(qname, [])
                        if ch not in chans:
                            chans.append(ch)
                            self.dirty[a.id] = a
        if not self.dirty:
            return
        dirty, self.dirty = self.dirty, {}
        for aid, a in dirty.items():
            rec = self.records.get(aid)
            if agents.get(aid) is not a:  # removed
                if rec is not None:
                    for qname, (cat, slots) in rec.counted.items():
                        self._count(qname, cat, slots, -1)
                    del self.records[aid]
                continue
            if rec is None:
                rec = self.records[aid] = AgentRecord()
                self._serves(a, rec)
            for qname, chans in rec.serves.items():
                now_ = self._category(a, chans)
                old = rec.counted.get(qname)
                if old != now_:
                    if old is not None:
                        self._count(qname, old[0], old[1], -1)
                    self._count(qname, now_[0], now_[1], 1)
                    rec.counted[qname] = now_

    def _serves(self, a: AgentState, rec: AgentRecord) -> None:
        """A new agent: the queues it could serve, from every profile learned so far."""
        for qname, t in self.queues.items():
            for ch, elig in t.profiles:
                if a.capacity.get(ch, 0) and any(qualified(a, n, lo, hi) for n, lo, hi in elig):
                    chans = rec.serves.setdefault(qname, [])
                    if ch not in chans:
                        chans.append(ch)

    @staticmethod
    def _category(a: AgentState, chans: list[str]) -> tuple[int, int]:
        if a.presence != AVAILABLE:
            return (_AWAY, 0) if a.presence == "away" else (_NONE, 0)
        slots = 0
        free = False
        for ch in chans:
            cap = a.capacity.get(ch, 0)
            if cap > slots:
                slots = cap
            if not free and a.can_take(a.channels[ch]):
                free = True
        return (_AVAILABLE if free else _BUSY), slots

    def _count(self, qname: str, cat: int, slots: int, sign: int) -> None:
        t = self.queues[qname]
        t.agents[cat] += sign
        if cat == _AVAILABLE or cat == _BUSY:
            t.slots += sign * slots
