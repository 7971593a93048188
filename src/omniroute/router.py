"""The Router: the one object a platform embeds and the simulation drives.

It keeps the live state (agents' presence and load, waiting contacts, timed rules) and
answers two questions with its indexes: which agent takes a new contact, and which waiting
contact an agent takes when it frees up.  Time comes in as ``now`` on every call; the router
never reads a clock.  Timed rules (routing steps, overflow, preferred-agent holds, wrap-up
ends) take effect in :meth:`Router.tick`; call it at :meth:`Router.next_wakeup` (the SimPy
adapter does).

A call that cannot be taken raises an :class:`~omniroute.errors.OmnirouteError` subclass
before anything changes.  A contact whose needs no logged-in agent can meet is accepted and
waits: an agent may log in, or a routing step may widen its eligibility.

Threads: a ``Router`` is not thread-safe (like a ``dict`` being mutated, its indexes are
updated in several steps).  Call it from one thread, or wrap it in
:class:`~omniroute.LockedRouter`, which serialises every call with a lock.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any, Final

from ._checks import check_duration, check_reason, levels, real
from .agent_index import AgentIndex
from .agents import Agent
from .assignment import Assignment, Reason
from .channels import Channel
from .contacts import Contact
from .errors import (
    DuplicateIdError,
    InvalidStateError,
    ScoreError,
    TimeOrderError,
    UnknownAgentError,
    UnknownContactError,
    UnknownQueueError,
    ValidationError,
)
from .explain import Why
from .explain import explain as explain_waiting
from .expressions import bound, indexed_names
from .matching import solve
from .policies import AgentPolicy, ContactPolicy, LongestIdle, PriorityFIFO, Scored
from .queues import Queue
from .state import AVAILABLE, AWAY, LOGGED_OUT, AgentState, Entry, qualified
from .stats import Stats
from .stats import estimated_wait as _estimated_wait
from .stats import stats as _stats
from .tally import Tally
from .views import AgentView, WaitingView
from .waiting import WaitingIndex

try:  # read by mypyc when it compiles this module; the pure build needs nothing
    from mypy_extensions import mypyc_attr
except ImportError:  # pragma: no cover - mypy_extensions is absent

    def mypyc_attr(*_args: object, **_kwargs: object) -> Callable[[type], type]:  # type: ignore[misc]
        return lambda cls: cls


__all__ = ["Router"]

# Final: the compiled build inlines the constants (no module-dict lookup per use).
_WRAP: Final = "wrap-up"
_tuple_new = tuple.__new__
_joined = attrgetter("order")
_RULE: Final = "rule"
_INF: Final = math.inf
_MATCHINGS: Final = ("greedy", "joint")
_BATCH: Final = "batch"


@mypyc_attr(allow_interpreted_subclasses=True)
class Router:
    """Skills-based router for one contact centre.

    ``queues``: every queue contacts may name.  ``agent_policy`` chooses among eligible
    agents (default :class:`~omniroute.policies.LongestIdle`); ``contact_policy`` chooses
    among waiting contacts (default :class:`~omniroute.policies.PriorityFIFO`).
    ``matching``: ``"greedy"`` (default) routes what several timed rules free at one instant
    contact by contact, best-ranked first; ``"joint"`` solves one assignment problem for the
    contacts and agents that meet there (:mod:`omniroute.matching` says what it optimises).
    Joint matching needs an agent policy that ranks agents (not ``Random``, not
    ``PreferredAgent``).

    Every mutating call returns the :class:`~omniroute.Assignment` objects it caused, in
    decision order.

    Arguments are checked by the router itself (their hints say ``Any`` so that the
    compiled build leaves bad values to those checks): ``queues`` an iterable of
    :class:`~omniroute.Queue`; ``now`` seconds as a float, int or numpy number; ids strings;
    ``wrap_up`` seconds >= 0; reasons non-empty strings or None.
    """


    def __init__(
        self,
        queues: Any,
        agent_policy: Any = None,
        contact_policy: Any = None,
        matching: Any = "greedy",
        batch_window: Any = 0.0,
    ) -> None:
        if isinstance(queues, (str, bytes, Queue)) or not isinstance(queues, Iterable):
            raise ValidationError(
                f"Router.queues must be an iterable of Queue objects (got {queues!r})"
            )
        qs: dict[str, Queue] = {}
        for i, q in enumerate(queues):
            if not isinstance(q, Queue):
                raise ValidationError(f"Router.queues[{i}] must be a Queue (got {q!r})")
            if q.name in qs:
                raise DuplicateIdError(f"Router.queues: duplicate queue name {q.name!r}")
            qs[q.name] = q
        for q in qs.values():
            if q.overflow is not None and q.overflow.to not in qs:
                raise ValidationError(
                    f"Queue {q.name!r}: overflow.to={q.overflow.to!r} is not a queue; known: {sorted(qs)}"
                )
        _check_overflow_loops(qs)
        agent_policy = agent_policy if agent_policy is not None else LongestIdle()
        contact_policy = contact_policy if contact_policy is not None else PriorityFIFO()
        if not isinstance(agent_policy, AgentPolicy):
            raise ValidationError(f"Router.agent_policy must be an AgentPolicy (got {agent_policy!r})")
        if not isinstance(contact_policy, ContactPolicy):
            raise ValidationError(f"Router.contact_policy must be a ContactPolicy (got {contact_policy!r})")
        contact_policy.check_queues(tuple(qs))
        if matching not in _MATCHINGS:
            raise ValidationError(
                f"Router.matching must be one of {list(_MATCHINGS)} (got {matching!r})")
        window = check_matching(agent_policy, contact_policy, matching, batch_window)
        self.matching: str = matching
        self.batch_window: float = window
        # Batching: what waits for the next decision instant (contacts with their trigger,
        # agents whose capacity came back), and that instant (-1: none scheduled).
        self._pending: dict[str, tuple[Entry, str]] = {}
        self._pending_agents: dict[str, AgentState] = {}
        self._batch_due = -1.0
        self._joint = matching == "joint"
        self._scored = isinstance(agent_policy, Scored)
        self._queues = qs
        # Agent attributes the queues' expressions test by value: agents are filed under
        # them (pseudo-skills), so the index serves those tests (omniroute.expressions).
        self._indexed = indexed_names(x for q in qs.values() for _f, x in q.expressions())
        self.agent_policy = agent_policy
        self.contact_policy = contact_policy
        # The assignment hook, unless the policy keeps the base class's empty one.
        hook = agent_policy.on_assign
        self._on_assign = None if getattr(hook, "__func__", None) is AgentPolicy.on_assign else hook
        self._agents: dict[str, AgentState] = {}
        self._contacts: dict[str, Entry] = {}  # live: waiting or assigned
        # Typed Any: the reference router swaps in scanning stand-ins (same methods).
        self._agent_index: Any = AgentIndex(agent_policy)
        self._waiting: Any = WaitingIndex(contact_policy)
        self._timers: list[tuple] = []
        self._timer_limit = 1024  # compact the timer heap when it grows past this
        self._tick_instants = 0
        # One name, one channel: load and indexes are keyed by channel name.
        self._channels: dict[str, Channel] = {}
        self._now = 0.0
        self._order = 0
        self._seq = 0
        self._assigned = 0
        self._tally = Tally(qs)  # real-time statistics (omniroute.stats)
        # Threshold reservation (policies.Reserve): tier -> idle agents kept, the idle agents
        # of each reserved tier, and the tiers whose count rose above the threshold.
        self._reserve: dict[int, int] = dict(agent_policy.reserve)
        self._protected: frozenset[str] = frozenset(agent_policy.protected)
        # Idleness-ratio routing (policies.IdlenessRatio): tier -> target share of the idle
        # agents; the idle agents of reserved and pooled tiers are counted alike.
        self._pools: dict[int, float] = dict(agent_policy.pools)
        self._idle: dict[int, dict[str, AgentState]] = {t: {} for t in (*self._reserve, *self._pools)}
        self._opened: list[int] = []
        self._unkept: list[AgentState] = []  # kept idle agents that took a contact (room left?)
        self._gate_indexes()

    # ================================================================== reading
    @property
    def now(self) -> float:
        """The latest ``now`` any call has passed (0.0 before the first)."""
        return self._now

    @property
    def queues(self) -> Mapping[str, Queue]:
        return dict(self._queues)

    def next_wakeup(self) -> float | None:
        """The earliest time a timed rule changes anything, or None if none is pending."""
        timers = self._timers
        while timers and not self._timer_live(timers[0]):
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def status(self, contact_id: Any) -> str:
        """"waiting" or "assigned"; completed and abandoned contacts are forgotten."""
        return self._contact(contact_id).state

    def agent(self, agent_id: Any) -> AgentView:
        """A snapshot of one agent's live state."""
        return self._view(self._agent(agent_id))

    def agents(self) -> tuple[AgentView, ...]:
        """Snapshots of every agent, in the order they were added."""
        return tuple(self._view(a) for a in self._agents.values())

    def waiting(self) -> tuple[WaitingView, ...]:
        """Snapshots of every waiting contact, oldest submission first."""
        out = []
        for e in sorted(self._waiting, key=lambda e: e.seq):
            out.append(WaitingView(
                contact=e.contact, queue=e.queue.name, arrival=e.arrival, entered=e.entered,
                step=e.step, needs=dict(e.needs), min_tier=e.min_tier, max_tier=e.max_tier,
                held=e.hold_until > 0, declined_by=tuple(sorted(e.declined)), stuck=self._stuck(e),
            ))
        return tuple(out)

    def _stuck(self, e: Entry) -> bool:
        """Has every agent who could serve ``e`` declined it, with no rule left to help?"""
        if not e.declined or self._next_rule(e)[0] is not None:
            return False
        ch = e.channel.name
        for a in self._agents.values():
            if a.id not in e.declined and a.capacity.get(ch, 0) and qualified(
                    a, e.needs, e.min_tier, e.max_tier) and (e.require is None or e.require(a)):
                return False
        return True

    def explain(self, contact_id: Any, now: Any, limit: Any = 100) -> tuple[Why, ...]:
        """Why the waiting contact is not with each agent who could serve it: declined,
        away, not yet eligible (until the step that admits it), busy, held, or free.  Changes
        nothing; see :mod:`omniroute.explain`."""
        return explain_waiting(self, contact_id, now, limit)

    def stats(self, now: Any, window: Any = 900.0, agents: Any = False) -> Stats:
        """Real-time statistics at ``now``: per queue waiting counts, longest wait, agents
        available / busy / away who could serve it, the service level over the last
        ``window`` seconds; per agent (``agents=True``) state, time in it and load.  Costs
        O(queues + agents changed since the last read); changes nothing.  See
        :mod:`omniroute.stats`."""
        return _stats(self, now, window, agents)

    def estimated_wait(self, target: Any, now: Any, method: Any = "queue-length",
                       priority: Any = 0) -> float | None:
        """Expected wait in seconds of waiting contact ``target`` (its id) or of a newcomer
        to queue ``target`` (its name): the queue-length predictor with abandonment, or
        ``method="last-to-enter"``.  See :mod:`omniroute.stats`."""
        return _estimated_wait(self, target, now, method, priority)

    def assigned_to(self, contact_id: Any) -> str | None:
        """The id of the agent handling ``contact_id``, or None while it waits."""
        a = self._contact(contact_id).agent
        return a.id if a is not None else None

    # ================================================================== snapshots
    def snapshot(self) -> dict[str, Any]:
        """The router's whole state as a plain, versioned dict that ``json.dumps`` accepts.

        :meth:`restore` rebuilds a router that decides from then on exactly as this one
        would, reasons included.  A custom policy must say how it snapshots (see
        :class:`~omniroute.policies.PolicyState`), else :class:`~omniroute.SnapshotError`.
        Changes nothing; see :mod:`omniroute.snapshot` and ``docs/live.md``.
        """
        from .snapshot import snapshot

        return snapshot(self)

    @classmethod
    def restore(cls, snapshot: Any, *, queues: Any = None, agent_policy: Any = None,
                contact_policy: Any = None) -> Router:
        """A new router in the state :meth:`snapshot` saved.

        A damaged, edited or unknown-version snapshot is refused with
        :class:`~omniroute.SnapshotError` before anything is built.  ``queues`` and the
        policies, when given, are the configuration expected: a snapshot of another one is
        refused, the difference named.  A custom policy must be given (a new instance; it
        gets the saved state).
        """
        from .snapshot import restore

        return restore(snapshot, queues=queues, agent_policy=agent_policy,
                       contact_policy=contact_policy, cls=cls)

    # ================================================================== agents
    def add_agent(self, agent: Any, now: Any) -> list[Assignment]:
        """Add an agent; it starts logged out (call :meth:`set_available`)."""
        now = self._check_now(now)
        if not isinstance(agent, Agent):
            raise ValidationError(f"add_agent: agent must be an Agent (got {agent!r})")
        if agent.id in self._agents:
            raise DuplicateIdError(f"add_agent: an agent with id {agent.id!r} already exists")
        known = self._channels
        for ch in agent.capacity:
            if known.get(ch.name) is not ch:
                self._check_channel(ch, f"add_agent: agent {agent.id!r} capacity")
        if self._pools and agent.tier not in self._pools:
            raise ValidationError(
                f"add_agent: agent {agent.id!r} has tier {agent.tier}, which the idleness ratios do not "
                f"name; the pools are tiers {sorted(self._pools)} ({self.agent_policy.name})")
        self._now = now
        for ch in agent.capacity:
            self._channels.setdefault(ch.name, ch)
        self._order += 1
        a = AgentState(agent, self._order, now, self._indexed)
        self.agent_policy.on_add(a)
        self._agents[agent.id] = a
        self._agent_index.add(a)
        self._tally.touch(a)
        return []

    def remove_agent(self, agent_id: Any, now: Any) -> list[Assignment]:
        """Remove an agent who holds nothing (log it out and complete its contacts first)."""
        now = self._check_now(now)
        a = self._agent(agent_id)
        if a.total:
            raise InvalidStateError(
                f"remove_agent: agent {agent_id!r} still holds {a.total} contact(s) "
                f"{sorted(a.contacts)} (plus wrap-ups); complete them first"
            )
        self._now = now
        self._agent_index.remove(a)
        del self._agents[agent_id]
        if self._idle:
            self._note_idle(a)
        self._pending_agents.pop(agent_id, None)
        self._tally.touch(a)
        return []

    def set_available(self, agent_id: Any, now: Any) -> list[Assignment]:
        """The agent is ready for contacts; it may take waiting ones at once."""
        now = self._check_now(now)
        a = self._agent(agent_id)
        self._now = now
        out: list[Assignment] = []
        if a.presence != AVAILABLE:
            a.presence, a.reason = AVAILABLE, None
            if not a.total:
                a.since = now
            if self._idle:
                self._note_idle(a)
            self._route_agent(a, now, "available", out)
            if self._opened or self._unkept:
                self._reopen(now, out)
        return out

    def set_away(self, agent_id: Any, now: Any, reason: Any = None) -> list[Assignment]:
        """The agent takes no new contacts (break, training...); it keeps what it holds."""
        return self._presence(agent_id, now, AWAY, reason)

    def logout(self, agent_id: Any, now: Any) -> list[Assignment]:
        """The agent logs out; contacts it holds continue until completed."""
        return self._presence(agent_id, now, LOGGED_OUT, None)

    def _presence(self, agent_id: Any, now: Any, presence: str, reason: Any) -> list[Assignment]:
        now = self._check_now(now)
        a = self._agent(agent_id)
        check_reason("set_away", "reason", reason)
        self._now = now
        a.presence, a.reason = presence, reason
        self._touch(a)
        return []

    # ================================================================== contacts
    def submit(self, contact: Any, now: Any) -> list[Assignment]:
        """A new contact arrives; it goes to an agent at once or waits."""
        now = self._check_now(now)
        if not isinstance(contact, Contact):
            raise ValidationError(f"submit: contact must be a Contact (got {contact!r})")
        if contact.id in self._contacts:
            raise DuplicateIdError(f"submit: contact id {contact.id!r} is already live")
        queue = self._queue(contact.queue, "Contact.queue")
        ch = contact.channel
        known = self._channels.get(ch.name)
        if known is not ch:
            self._check_channel(ch, f"submit: contact {contact.id!r} channel")
            self._channels[ch.name] = ch
        before = self._now
        self._now = now
        self._seq += 1
        e = Entry(contact, self._seq, queue, now)
        if contact.segment is not None or type(queue) is not Queue:
            e.steps = queue.steps_for(contact.segment)
        else:  # what Queue.steps_for answers, without a call into interpreted code
            e.steps = queue.steps
        hold = self.agent_policy.hold
        if hold > 0 and contact.preferred_agents:
            e.hold_until = now + hold
        self._refresh(e, now)
        if self.batch_window > 0:  # routed at the next decision instant (nothing can fail)
            self._tally.learn(e)
            self._contacts[contact.id] = e
            self._route_contact(e, now, "submit", [])
            return []
        try:
            found = self._pick_agent(e)
        except ScoreError:  # a custom score failed: the contact is refused, nothing changed
            self._now = before
            self._seq -= 1
            if known is None:
                del self._channels[ch.name]
            else:
                self._channels[ch.name] = known
            raise
        self._tally.learn(e)
        self._contacts[contact.id] = e
        out: list[Assignment] = []
        self._place(e, found, now, "submit", out)
        if self._unkept:
            self._reopen(now, out)
        return out

    def complete(self, contact_id: Any, now: Any, wrap_up: Any = 0.0) -> list[Assignment]:
        """The agent finished the contact; its capacity comes back after ``wrap_up`` seconds."""
        now = self._check_now(now)
        e = self._assigned_contact(contact_id, "complete")
        if wrap_up.__class__ is not float or not 0.0 <= wrap_up < _INF:
            wrap_up = check_duration("complete", "wrap_up", wrap_up)
        if now + wrap_up == _INF:
            raise ValidationError(f"complete: now + wrap_up must be finite (got wrap_up={wrap_up!r})")
        self._now = now
        a = e.agent
        assert a is not None  # an assigned contact has its agent
        self._tally.handled(e.queue.name, now - e.assigned_at + wrap_up)
        self._drop(e, "completed")
        del a.contacts[contact_id]
        out: list[Assignment] = []
        if wrap_up > 0:
            self._wrap_up(a, e.channel, now + wrap_up)
        else:
            self._release(a, e.channel, now)
            self._route_agent(a, now, "release", out)
            if self._opened or self._unkept:
                self._reopen(now, out)
        return out

    def abandon(self, contact_id: Any, now: Any) -> list[Assignment]:
        """The customer left before being assigned."""
        now = self._check_now(now)
        e = self._contact(contact_id)
        if e.state != "waiting":
            raise InvalidStateError(
                f"abandon: contact {contact_id!r} is {e.state} (with agent {self.assigned_to(contact_id)!r}); "
                "only a waiting contact can be abandoned (use complete())"
            )
        self._now = now
        self._unwait(e)
        self._tally.abandoned(e, now)
        self._drop(e, "abandoned")
        return []

    def decline(self, contact_id: Any, now: Any, away: Any = None) -> list[Assignment]:
        """The agent refused the offer (or it timed out): the contact waits again.

        It keeps its original age and is not offered to that agent again (for good, or for
        the queue's ``forget_declines`` seconds).  With ``away``
        (a reason), the agent is set away first, as platforms do after a missed offer.
        """
        now = self._check_now(now)
        e = self._assigned_contact(contact_id, "decline")
        check_reason("decline", "away", away)
        self._now = now
        a = e.agent
        assert a is not None
        del a.contacts[contact_id]
        a.handled -= 1
        self._release(a, e.channel, now)
        if away is not None:
            a.presence, a.reason = AWAY, away
        forget = e.queue.forget_declines
        self._exclude(e, a.id, _INF if forget is None else now + forget)
        self._touch(a)  # its room is back: a decline that expires at once may
        e.state, e.agent = "waiting", None  # return the contact to it
        self._refresh(e, now)
        out: list[Assignment] = []
        self._route_contact(e, now, "decline", out)
        self._route_agent(a, now, "release", out)
        if self._opened or self._unkept:
            self._reopen(now, out)
        return out

    def transfer(
        self,
        contact_id: Any,
        now: Any,
        queue: Any = None,
        needs: Any = None,
        wrap_up: Any = 0.0,
    ) -> list[Assignment]:
        """Move a contact to another queue and/or other needs, keeping its original arrival.

        An assigned contact leaves its agent (whose capacity comes back after ``wrap_up``)
        and is not offered back to that agent, nor to any agent who declined it; the routing
        steps start again in the new queue.
        """
        now = self._check_now(now)
        e = self._contact(contact_id)
        q = self._queue(queue, "transfer.queue") if queue is not None else e.queue
        new_needs = dict(levels("transfer", "needs", needs)) if needs is not None else None
        wrap_up = check_duration("transfer", "wrap_up", wrap_up)
        if now + wrap_up == _INF:
            raise ValidationError(f"transfer: now + wrap_up must be finite (got wrap_up={wrap_up!r})")
        self._now = now
        out: list[Assignment] = []
        a = e.agent
        if e.state == "waiting":
            self._unwait(e)
        else:
            assert a is not None
            del a.contacts[contact_id]
            self._exclude(e, a.id, _INF)  # never offered back to the agent who moved it on
            if wrap_up > 0:
                self._wrap_up(a, e.channel, now + wrap_up)
            else:
                self._release(a, e.channel, now)
        e.state, e.agent = "waiting", None
        e.queue, e.entered, e.steps, e.step, e.hold_until = q, now, q.steps_for(e.contact.segment), 0, 0.0
        e.first_assigned = -1.0  # counted again in the queue it moves to
        if new_needs is not None:
            e.base_needs = new_needs
        self._refresh(e, now)
        self._tally.learn(e)
        self._route_contact(e, now, "transfer", out)
        if a is not None and not wrap_up:
            self._route_agent(a, now, "release", out)
        if self._opened or self._unkept:
            self._reopen(now, out)
        return out

    def tick(self, now: Any) -> list[Assignment]:
        """Apply every timed rule due by ``now``, in time order, and route what it frees.

        Rules that fall due at the same instant take effect together: wrap-ups end and
        contacts move on first, then the contacts that can now be served are taken in the
        contact policy's order (each by the agent the agent policy picks), whichever rule
        made them eligible.
        """
        now = self._check_now(now)
        self._now = now
        out: list[Assignment] = []
        timers = self._timers
        live = self._timer_live
        pop = heapq.heappop
        self._tick_instants = 0  # how many instants this tick applied rules at (for tests)
        while timers and timers[0][0] <= now:
            due = timers[0][0]
            self._tick_instants += 1
            moved: list[tuple[Entry, str]] = []
            freed: dict[str, AgentState] = {}
            decide = False
            while timers and timers[0][0] == due:
                item = pop(timers)
                if not live(item):
                    continue
                _due, _seq, kind, obj, token = item
                if kind == _BATCH:
                    decide = True
                elif kind == _WRAP:
                    ch = obj.wrapups.pop(token)
                    self._release(obj, ch, due)
                    freed[obj.id] = obj
                else:
                    self._unwait(obj)
                    moved.append((obj, self._refresh(obj, due)))
            if self.batch_window > 0:
                self._batch(moved, list(freed.values()), decide, due, now, out)
            elif len(moved) + len(freed) == 1:
                # One rule: the plain paths (no candidates to order against each other).
                if moved:
                    e, trigger = moved[0]
                    self._route_contact(e, now, trigger, out)
                else:
                    (a,) = freed.values()
                    self._route_agent(a, now, "wrap-up", out)
            elif moved or freed:
                for a in freed.values():
                    self._touch(a)
                for e, _trigger in moved:
                    self._wait(e)
                self._settle_any(moved, list(freed.values()), now, "wrap-up", out)
            if self._opened or self._unkept:
                self._reopen(now, out)
        return out

    # ================================================================== reservation
    def _gate_indexes(self) -> None:
        """Tell both indexes about a reservation and idleness ratios (the reference router
        calls it again)."""
        gate = self._closed if self._reserve else None
        for index in (self._agent_index, self._waiting):
            index.gate = gate
            index.protected = self._protected
        self._agent_index.pools = self._pool_order if self._pools else None

    def _pool_order(self, tiers: list[int]) -> list[int]:
        """``tiers`` in idleness-ratio order: the largest ``I_j - p_j * sum(I)`` first, ties to
        the lower tier (O(pools) for the sum, O(tiers log tiers) for the order)."""
        idle = self._idle
        pools = self._pools
        total = 0
        for t in pools:
            total += len(idle[t])
        return sorted(tiers, key=lambda t: (-(len(idle[t]) - pools[t] * total), t))

    def _closed(self, tier: int) -> bool:
        """Is ``tier`` reserved, with no more idle agents than it keeps?"""
        k = self._reserve.get(tier)
        return k is not None and len(self._idle[tier]) <= k

    def _note_idle(self, a: AgentState) -> None:
        """Count ``a`` among its reserved tier's idle agents, or not (after any change)."""
        d = self._idle.get(a.tier)
        if d is None:
            return
        k = self._reserve.get(a.tier, -1)  # -1: a pooled tier, not reserved
        if a.presence == AVAILABLE and not a.total and a.id in self._agents:
            if a.id not in d:
                d[a.id] = a
                if len(d) == k + 1:
                    self._opened.append(a.tier)
        elif a.id in d:
            if k >= 0 and a.presence == AVAILABLE:
                # It leaves the reserve's count holding something: with room left it may take
                # contacts the rule kept it from while idle (unprotected too), whether it was
                # kept until now or its tier was open at this moment (and its taking a contact
                # just closed the tier again before the reopening offer).
                self._unkept.append(a)
            del d[a.id]

    def _recount_idle(self) -> None:
        """Rebuild the idle counts from the agents (after a restore)."""
        for d in self._idle.values():
            d.clear()
        for a in self._agents.values():
            self._note_idle(a)
        self._opened = []
        self._unkept = []

    def _reopen(self, now: float, out: list[Assignment]) -> None:
        """Offer the waiting contacts the rule kept from agents it no longer keeps: first the
        agents that left a reserved tier's idle count by taking a contact (room left), then,
        when a reserved tier has more idle agents than it keeps again, its idle agents; each
        group in the order the agents joined.  Repeated while an offer makes more of either
        (an idle agent of an opened tier that takes a contact may have room for more)."""
        waiting = self._waiting
        name = self.contact_policy.name
        while self._unkept or self._opened:
            unkept, self._unkept = sorted({a.id: a for a in self._unkept}.values(), key=_joined), []
            opened, self._opened = sorted(set(self._opened)), []
            for a in unkept:
                taken = False
                while self._agents.get(a.id) is a:
                    found = waiting.best_for(a, now)
                    if found is None:
                        break
                    e, rank = found
                    self._unwait(e)
                    self._assign(e, a, now, "reservation", name, rank, out)
                    taken = True
                if taken:
                    self._touch(a)
            for t in opened:
                while not self._closed(t):
                    for a in sorted(self._idle[t].values(), key=_joined):
                        found = waiting.best_for(a, now)
                        if found is not None:
                            e, rank = found
                            self._unwait(e)
                            self._assign(e, a, now, "reservation", name, rank, out)
                            self._touch(a)
                            break
                    else:
                        break

    def _open_for(self, e: Entry, a: AgentState) -> bool:
        """May ``e`` take agent ``a`` under the reservation?"""
        return a.total > 0 or e.queue.name in self._protected or not self._closed(a.tier)

    # ================================================================== machinery
    def _route_contact(self, e: Entry, now: float, trigger: str, out: list[Assignment]) -> None:
        if self.batch_window > 0:  # it waits for the next decision instant
            self._wait(e)
            self._pending[e.id] = (e, trigger)
            self._schedule_batch(now)
            return
        try:
            found = self._pick_agent(e)
        except ScoreError:  # a custom score failed: the contact waits (the call raises)
            self._wait(e)
            raise
        self._place(e, found, now, trigger, out)

    def _place(self, e: Entry, found: tuple[AgentState, tuple] | None, now: float, trigger: str,
               out: list[Assignment]) -> None:
        """``e`` goes to the agent found (with its score), or waits if none."""
        if found is None:
            self._wait(e)
            return
        a, score = found
        self._assign(e, a, now, trigger, self.agent_policy.name, score, out)
        self._touch(a)

    def _pick_agent(self, e: Entry, draw: bool = True) -> tuple[AgentState, tuple] | None:
        """The agent for ``e`` and its score, or None.  ``draw=False`` only asks whether
        there is one: a drawing policy then spends no random number."""
        if self.agent_policy.prefers and e.contact.preferred_agents:
            for i, aid in enumerate(e.contact.preferred_agents):
                a = self._agents.get(aid)
                if a is not None and a.presence == AVAILABLE and a.can_take(e.channel) and e.meets(a) \
                        and (not self._reserve or self._open_for(e, a)):
                    return a, ("preferred", i)
            if e.hold_until > 0:
                return None
        return self._agent_index.best(e, draw)

    def _settle_any(self, moved: list[tuple[Entry, str]], freed: list[AgentState], now: float,
                    via_agent: str, out: list[Assignment]) -> None:
        if self._joint:
            self._settle_joint(moved, freed, now, via_agent, out)
        else:
            self._settle(moved, freed, now, via_agent, out)

    def _settle(self, moved: list[tuple[Entry, str]], freed: list[AgentState], now: float,
                via_agent: str, out: list[Assignment]) -> None:
        """Route what several rules due at one instant changed, in contact-policy order.

        ``moved``: contacts whose eligibility changed (with the rule's trigger), waiting;
        ``freed``: agents whose capacity came back (their assignments get the trigger
        ``via_agent``).  The candidates are the moved
        contacts that some agent can serve now and the waiting contacts a freed agent can
        serve; the best-ranked one goes first, to the agent the agent policy picks.  Only
        assignments follow, so a moved contact that finds no agent finds none later here.
        """
        waiting = self._waiting
        policy = self.contact_policy
        triggers = {e.id: trigger for e, trigger in moved}
        dynamic = policy.dynamic
        # A dynamic policy's ranks move with every assignment: its moved contacts are kept
        # per queue, in the queue's (fixed) order, and the heads are re-ranked each round.
        groups: dict[str, list[Entry]] = {}
        heads: dict[str, int] = {}
        pending: list[tuple] = []
        if dynamic:
            for e, _t in moved:
                groups.setdefault(e.queue.name, []).append(e)
            for q, g in groups.items():
                g.sort(key=_entry_key)
                heads[q] = 0
        else:
            pending = sorted((policy.rank(e.key, e, now), e.seq, e) for e, _t in moved)
        i = 0
        while True:
            first: tuple | None = None  # (rank, entry, agent found) of the best moved contact
            if dynamic:
                first = self._first_moved(groups, heads, now)
            while i < len(pending):
                rank, _s, e = pending[i]
                if e.state == "waiting":
                    found = self._pick_agent(e, draw=False)
                    if found is not None:
                        first = (rank, e, found)
                        break
                i += 1
            best: tuple | None = None  # (rank, entry, agent) of the best contact a freed agent can take
            for a in freed:
                got = waiting.best_for(a, now)
                if got is not None and (best is None or got[1] < best[0]):
                    best = (got[1], got[0], a)
            if first is not None and (best is None or first[0] <= best[0]):
                rank, e, found = first
                if self.agent_policy.draw_rng is not None:
                    found = self._pick_agent(e)
                self._unwait(e)
                assert found is not None
                a, score = found
                self._assign(e, a, now, triggers[e.id], self.agent_policy.name, score, out)
            elif best is not None:
                rank, e, a = best
                found = self._pick_agent(e)
                if found is not None:  # the agent policy's pick (the freed agent, unless a
                    a = found[0]       # hold or an overdue rule left another one free)
                self._unwait(e)
                self._assign(e, a, now, via_agent, self.contact_policy.name, rank, out)
            else:
                return
            self._touch(a)

    def _first_moved(self, groups: dict[str, list[Entry]], heads: dict[str, int],
                     now: float) -> tuple | None:
        """For a dynamic contact policy in :meth:`_settle`: the best-ranked moved contact that
        an agent can take now, as (rank, entry, agent found), ranking each queue's first
        such contact at the current queue lengths (O(queues) ranks per round)."""
        waiting = self._waiting
        lengths = waiting.lengths
        total = len(waiting)
        policy = self.contact_policy
        first: tuple | None = None
        for q, g in groups.items():
            j = heads[q]
            found = None
            while j < len(g):
                e = g[j]
                if e.state == "waiting":
                    found = self._pick_agent(e, draw=False)
                    if found is not None:
                        break
                j += 1
            heads[q] = j
            if found is not None:
                e = g[j]
                r = policy.rank_in(e.key, e, now, lengths, total)
                if first is None or r < first[0]:
                    first = (r, e, found)
        return first

    def _settle_joint(self, moved: list[tuple[Entry, str]], freed: list[AgentState], now: float,
                      via_agent: str, out: list[Assignment]) -> None:
        """:meth:`_settle` for ``matching="joint"``: one assignment problem per round.

        The contacts that meet are the moved contacts some agent can serve and the waiting
        contacts a freed agent can serve; the agents, the freed ones and those who can serve
        a moved contact.  Each round gives each agent at most one contact, chosen by
        :func:`omniroute.matching.solve`; rounds repeat (agents with room left, contacts
        left) until one assigns nothing.  Costs O(those contacts x those agents) per round
        to build plus the solve; see :mod:`omniroute.matching`.
        """
        triggers = {e.id: trigger for e, trigger in moved}
        contacts: dict[str, Entry] = {}
        agents: dict[str, AgentState] = {}
        for e, _trigger in moved:
            able = self._agent_index.eligible(e)
            if able:
                contacts[e.id] = e
                for a in able:
                    agents[a.id] = a
        for a in freed:
            found = self._waiting.eligible(a)
            if found:
                agents[a.id] = a
                for e in found:
                    contacts[e.id] = e
        policy = self.contact_policy
        rows = [x[2] for x in sorted((policy.rank(e.key, e, now), e.seq, e) for e in contacts.values())]
        cols = sorted(agents.values(), key=_joined)
        while True:
            edges: dict[tuple[int, int], float] = {}
            for i, e in enumerate(rows):
                if e.state == "waiting":
                    self._joint_costs(i, e, cols, edges)
            pairs = solve(len(rows), len(cols), edges)
            if not pairs:
                return
            for i, j in pairs:
                e, a = rows[i], cols[j]
                self._unwait(e)
                trigger = triggers.get(e.id, via_agent)
                self._assign(e, a, now, trigger, self.agent_policy.name, ("joint", edges[i, j]), out)
                self._touch(a)

    def _joint_costs(self, i: int, e: Entry, cols: list[AgentState],
                     edges: dict[tuple[int, int], float]) -> None:
        """Row ``i``'s edges: the agents of ``cols`` who can take ``e`` now, and their cost
        (the agent policy's position of the agent for ``e``, or minus a Scored score)."""
        policy = self.agent_policy
        able = [(policy.rank(a, e), a.order, j) for j, a in enumerate(cols)
                if a.presence == AVAILABLE and a.can_take(e.channel) and e.meets(a)]
        if self._scored:
            for r, _order, j in able:
                edges[i, j] = float(r[0])
        else:
            for pos, (_r, _order, j) in enumerate(sorted(able)):
                edges[i, j] = float(pos)

    def _batch(self, moved: list[tuple[Entry, str]], freed: list[AgentState], decide: bool, t: float,
               now: float, out: list[Assignment]) -> None:
        """Batching: what the rules due at ``t`` changed waits for the decision instant; at
        one (``decide``), everything pending is settled together, at ``now`` (trigger
        ``"batch"`` for the contacts an agent's return made routable)."""
        if decide:
            self._batch_due = -1.0
        for e, trigger in moved:
            self._wait(e)
            self._pending[e.id] = (e, trigger)
        for a in freed:
            self._touch(a)
            self._pending_agents[a.id] = a
        if not decide:
            if moved or freed:
                self._schedule_batch(t)
            return
        agents = self._agents
        ready = [(e, t) for e, t in self._pending.values() if e.state == "waiting"]
        back = [a for a in self._pending_agents.values() if agents.get(a.id) is a]
        self._pending.clear()
        self._pending_agents.clear()
        self._settle_any(ready, back, now, _BATCH, out)

    def _schedule_batch(self, t: float) -> None:
        """Schedule the next decision instant, the first multiple of the window after ``t``."""
        if self._batch_due >= 0:
            return
        w = self.batch_window
        due = (math.floor(t / w) + 1.0) * w
        if due <= t:  # rounding
            due += w
        self._batch_due = due
        self._seq += 1
        self._push_timer((due, self._seq, _BATCH, None, 0))

    def _route_agent(self, a: AgentState, now: float, trigger: str, out: list[Assignment]) -> None:
        if self.batch_window > 0:  # it takes contacts at the next decision instant
            self._touch(a)
            self._pending_agents[a.id] = a
            self._schedule_batch(now)
            return
        waiting = self._waiting
        name = self.contact_policy.name
        while True:
            found = waiting.best_for(a, now)
            if found is None:
                break
            e, rank = found
            self._unwait(e)
            self._assign(e, a, now, trigger, name, rank, out)
        self._touch(a)

    def _assign(self, e: Entry, a: AgentState, now: float, trigger: str, policy: str,
                score: tuple, out: list[Assignment]) -> None:
        e.state, e.agent = "assigned", a
        e.version += 1  # cancels the contact's pending timed rules
        ch = e.channel
        name = ch.name
        a.load[name] = a.load.get(name, 0) + 1
        a.total += 1
        if ch.exclusive:
            a.exclusive += 1
        else:
            a.nonexclusive += 1
        a.since = now
        a.handled += 1
        if self._idle:
            self._note_idle(a)
        self._assigned += 1
        a.last_assigned = self._assigned
        a.contacts[e.id] = e
        e.assigned_at = now
        if e.first_assigned < 0:
            e.first_assigned = now
            self._tally.answered(e, now)
        if self._on_assign is not None:
            self._on_assign(a)
        # tuple.__new__ directly: the named tuples' own __new__ is one more Python frame
        reason = _tuple_new(Reason, (trigger, self.agent_policy.name, self.contact_policy.name,
                                     e.step, score))
        out.append(_tuple_new(Assignment, (e.id, a.id, now, e.queue.name, now - e.arrival, reason)))

    def _touch(self, a: AgentState) -> None:
        """``a``'s presence or load changed: re-file it, and note its state for statistics."""
        if self._idle:
            self._note_idle(a)
        self._agent_index.update(a)
        self._tally.touch(a)
        p = a.presence
        st = p if p != AVAILABLE else ("busy" if a.total else "idle")
        if st != a.state:
            a.state, a.state_since = st, self._now

    def _unwait(self, e: Entry) -> None:
        """``e`` stops waiting (assigned, abandoned, moved on)."""
        self._waiting.remove(e)
        self._tally.leave(e)

    def _wrap_up(self, a: AgentState, ch: Channel, until: float) -> None:
        """``a`` keeps a slot on ``ch`` in wrap-up until ``until`` (a timed rule frees it)."""
        self._seq += 1
        a.wrapups[self._seq] = ch
        self._push_timer((until, self._seq, _WRAP, a, self._seq))

    def _release(self, a: AgentState, ch: Channel, t: float) -> None:
        a.load[ch.name] -= 1
        a.total -= 1
        if ch.exclusive:
            a.exclusive -= 1
        else:
            a.nonexclusive -= 1
        if not a.total:
            a.since = t
        if self._idle:
            self._note_idle(a)

    def _wait(self, e: Entry) -> None:
        """``e`` waits: index it and schedule its next timed rule."""
        e.version += 1
        self._waiting.add(e, self._now)
        self._tally.enter(e)
        due, _kind = self._next_rule(e)
        if due is not None:
            self._seq += 1
            self._push_timer((due, self._seq, _RULE, e, e.version))

    def _push_timer(self, item: tuple) -> None:
        timers = self._timers
        heapq.heappush(timers, item)
        if len(timers) > self._timer_limit:
            # Cancelled rules stay in the heap until due; drop them when they pile up, so
            # memory follows the live state (not the history).
            timers[:] = [t for t in timers if self._timer_live(t)]
            heapq.heapify(timers)
            self._timer_limit = 2 * len(timers) + 1024

    def _exclude(self, e: Entry, agent_id: str, until: float) -> None:
        """``e`` is not offered to ``agent_id`` before ``until`` (inf: never)."""
        declined = e.declined
        if declined.get(agent_id, -1.0) >= until:
            return  # already excluded at least as long
        declined[agent_id] = until
        e.decline_due = min(declined.values())

    @staticmethod
    def _next_rule(e: Entry) -> tuple[float | None, str]:
        due, kind = None, ""
        if e.step < len(e.steps):
            due, kind = e.entered + e.steps[e.step].after, "step"
        ov = e.queue.overflow
        if ov is not None and (due is None or e.entered + ov.after < due):
            due, kind = e.entered + ov.after, "overflow"
        if e.hold_until > 0 and (due is None or e.hold_until < due):
            due, kind = e.hold_until, "hold"
        if e.decline_due < _INF and (due is None or e.decline_due < due):
            due, kind = e.decline_due, "decline-expired"
        return due, kind

    def _refresh(self, e: Entry, t: float) -> str:
        """Apply the timed rules due by ``t`` to ``e`` and recompute its eligibility.

        Returns the trigger name of the last rule applied ("step", "overflow", "hold").
        """
        trigger = "step"
        moved = False
        while e.steps or e.hold_until or e.decline_due < _INF or e.queue.overflow is not None:
            due, kind = self._next_rule(e)
            if due is None or due > t:
                break
            trigger = kind
            if kind == "overflow":
                ov = e.queue.overflow
                assert ov is not None
                q = self._queues[ov.to]
                e.queue, e.entered, e.steps, e.step = q, due, q.steps_for(e.contact.segment), 0
                moved = True
                if ov.needs is not None:
                    e.base_needs = dict(ov.needs)
            elif kind == "hold":
                e.hold_until = 0.0
            elif kind == "decline-expired":
                declined = e.declined
                for aid in [aid for aid, end in declined.items() if end <= due]:
                    del declined[aid]
                e.decline_due = min(declined.values(), default=_INF)
            else:
                e.step += 1
        q = e.queue
        if not e.step:  # no step reached: the contact's own needs, the queue's tiers
            base = e.base_needs
            # One need or none is sorted already (most contacts): no sort, no list.
            e.needs = tuple(base.items()) if len(base) < 2 else tuple(sorted(base.items()))
            e.min_tier, e.max_tier = q.min_tier, q.max_tier
            expr = q.requires
        else:
            e.needs, e.min_tier, e.max_tier = q.eligibility(e.base_needs, e.steps[: e.step])
            expr = q.requirement(e.steps[: e.step])
        if expr is None:
            e.require, e.lookup = None, ()
        else:
            e.require, e.lookup = bound(expr, e.contact.attributes)
        if moved:
            self._tally.learn(e)
        return trigger

    def _timer_live(self, item: tuple) -> bool:
        _due, _seq, kind, obj, token = item
        if kind == _WRAP:
            return token in obj.wrapups
        if kind == _BATCH:
            return True
        return obj.state == "waiting" and obj.version == token

    def _drop(self, e: Entry, state: str) -> None:
        e.state = state
        e.version += 1
        del self._contacts[e.id]

    # ------------------------------------------------------------------ validation
    def _check_now(self, now: Any) -> float:
        """``now`` as a float, after checking it (numpy numbers are accepted)."""
        if now.__class__ is float and self._now <= now < _INF:
            return now  # the common case, checked cheaply
        t = real(now)
        if t is None or math.isnan(t) or math.isinf(t):
            raise TimeOrderError(f"now must be a finite number of seconds (got {now!r})")
        if t < self._now:
            raise TimeOrderError(
                f"now={now!r} is earlier than the previous call's now={self._now!r}; time may not go back"
            )
        if t < 0:
            raise TimeOrderError(f"now must be >= 0 (got {now!r})")
        return t

    def _check_channel(self, ch: Channel, where: str) -> None:
        known = self._channels.get(ch.name)
        if known is not None and known != ch:
            raise ValidationError(
                f"{where}: {ch!r} conflicts with the channel {known!r} this router already "
                f"knows under the name {ch.name!r}; one name means one channel"
            )

    def _agent(self, agent_id: Any) -> AgentState:
        try:
            return self._agents[agent_id]
        except (KeyError, TypeError):
            raise UnknownAgentError(f"unknown agent id {agent_id!r}") from None

    def _contact(self, contact_id: Any) -> Entry:
        try:
            return self._contacts[contact_id]
        except (KeyError, TypeError):
            raise UnknownContactError(
                f"unknown contact id {contact_id!r} (not waiting or assigned: never submitted, "
                "or already completed or abandoned)"
            ) from None

    def _assigned_contact(self, contact_id: Any, call: str) -> Entry:
        e = self._contact(contact_id)
        if e.state != "assigned":
            raise InvalidStateError(
                f"{call}: contact {contact_id!r} is waiting, not assigned; {call}() needs an assigned contact"
            )
        return e

    def _queue(self, name: Any, field: str) -> Queue:
        try:
            return self._queues[name]  # type: ignore[index]
        except (KeyError, TypeError):
            raise UnknownQueueError(f"{field}={name!r} is not a queue; known: {sorted(self._queues)}") from None

    @staticmethod
    def _view(a: AgentState) -> AgentView:
        return AgentView(
            agent=a.agent, presence=a.presence, reason=a.reason,
            load={name: n for name, n in a.load.items() if n},
            contacts=tuple(a.contacts), wrap_ups=len(a.wrapups), since=a.since, handled=a.handled,
        )


def check_matching(agent_policy: AgentPolicy, contact_policy: ContactPolicy, matching: Any,
                   batch_window: Any) -> float:
    """Refuse a ``matching`` / ``batch_window`` the policies cannot honour (the router's and
    a scenario's check); the window in seconds."""
    if matching == "joint" and (agent_policy.draw_rng is not None or agent_policy.prefers):
        raise ValidationError(
            f"Router.matching='joint' needs an agent policy that ranks agents (got "
            f"{agent_policy.name!r}): a draw or a preferred-agent hold has no cost to minimise")
    window = real(batch_window)
    if isinstance(batch_window, bool) or window is None or not 0.0 <= window < _INF:
        raise ValidationError(
            f"Router.batch_window must be a number of seconds >= 0 and finite, 0 for no "
            f"batching (got {batch_window!r})")
    if (matching == "joint" or window > 0) and (agent_policy.reserve or agent_policy.pools
                                                 or contact_policy.dynamic):
        what = "matching='joint'" if matching == "joint" else f"batch_window={window:g}"
        raise ValidationError(
            f"Router {what} cannot be combined with {agent_policy.name!r} and "
            f"{contact_policy.name!r}: a reservation or idleness ratios choose tiers contact by "
            "contact, and a queue-ratio order changes with every assignment; route at once "
            "(matching='greedy', batch_window=0) with these policies")
    return window


def _check_overflow_loops(qs: Mapping[str, Queue]) -> None:
    """Refuse overflow cycles of zero total delay (they would move a contact forever)."""
    for start in qs.values():
        seen: list[str] = []
        q, delay = start, 0.0
        while q.overflow is not None and q.name not in seen:
            seen.append(q.name)
            delay += q.overflow.after
            q = qs[q.overflow.to]
        if q.name == start.name and seen and delay == 0:
            raise ValidationError(
                f"Queue overflow cycle {' -> '.join([*seen, start.name])} has zero total delay"
            )


def _entry_key(e: Entry) -> tuple:
    """A waiting contact's order key inside its queue (ends in its submission number)."""
    return e.key
