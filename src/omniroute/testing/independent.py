"""An independent reference router: the routing rules written out again, as plain scans.

:class:`IndependentRouter` shares no code with :class:`omniroute.Router` beyond the model
(agents, contacts, queues, channels, the decision and view records) and
:meth:`Queue.eligibility <omniroute.Queue.eligibility>`.  It keeps plain records, answers
every question by looking at every agent and every waiting contact, and re-expresses each
policy's order from its documented meaning, so that a bug in the fast router's state
machine (timers, declines, transfers, wrap-ups, routing steps) shows as a disagreement.

It is a test oracle: it does not validate its input beyond what the tests need, and its
``Reason.score`` values are its own (the fast router's scores hold internal stamps).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import policies as pol
from ..agents import Agent
from ..assignment import Assignment, Reason
from ..channels import Channel
from ..contacts import Contact
from ..errors import InvalidStateError, UnknownAgentError, UnknownContactError, ValidationError
from ..expressions import Expression
from ..matching import solve
from ..policies import AgentPolicy, ContactPolicy
from ..queues import Queue
from ..views import AgentView, WaitingView

__all__ = ["IndependentRouter", "passes"]


# ================================================================ attribute expressions
def _value(node: tuple, agent: Agent, contact: Contact) -> Any:
    """An operand's value, ``_ABSENT`` when the attribute is not there."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "contact":
        return contact.attributes.get(node[1], _ABSENT)
    if kind == "skill":
        return agent.skills.get(node[1], 0)
    if kind == "builtin":
        v = getattr(agent, node[1])
        return _ABSENT if v is None else v
    return agent.attributes.get(node[1], _ABSENT)


def _type(v: Any) -> str | None:
    """The JSON type a comparison needs on both sides (None: comparable with nothing)."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "list"
    return None


def _same(x: Any, y: Any) -> bool:
    if _type(x) is None or _type(x) != _type(y):
        return False
    if _type(x) == "list":
        return len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y, strict=True))
    return bool(x == y)


def passes(expr: Expression | None, agent: Agent, contact: Contact) -> bool:
    """Does ``agent`` pass ``expr`` for ``contact``?  A plain walk over the parse tree,
    written from the documented meaning (:mod:`omniroute.expressions`), not its compiler."""
    if expr is None:
        return True
    return _holds(expr.tree, agent, contact)


def _holds(t: tuple, agent: Agent, contact: Contact) -> bool:
    op = t[0]
    if op == "and":
        return _holds(t[1], agent, contact) and _holds(t[2], agent, contact)
    if op == "or":
        return _holds(t[1], agent, contact) or _holds(t[2], agent, contact)
    if op == "not":
        return not _holds(t[1], agent, contact)
    if op == "truth":
        return _value(t[1], agent, contact) is True
    if op == "cmp":
        x, y = _value(t[2], agent, contact), _value(t[3], agent, contact)
        if t[1] == "==":
            return _same(x, y)
        if t[1] == "!=":
            return _type(x) is not None and _type(x) == _type(y) and not _same(x, y)
        if _type(x) not in ("number", "string") or _type(x) != _type(y):
            return False
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[t[1]]
    x, items = _value(t[1], agent, contact), _value(t[2], agent, contact)
    if op == "has":
        x, items = items, x
    if _type(items) != "list":
        return False
    found = any(_same(x, v) for v in items)
    if op == "notin":
        return _type(x) is not None and not found
    return found


class _Absent:
    """A missing attribute."""


_ABSENT = _Absent()


@dataclass(eq=False)
class _Agent:
    agent: Agent
    order: int  # insertion order (the last tie-break of some policies)
    since: float
    presence: str = "logged_out"
    reason: str | None = None
    contacts: list = field(default_factory=list)  # assigned contacts, in assignment order
    wrapups: list = field(default_factory=list)  # [end, scheduling number, channel]
    handled: int = 0
    last_assigned: int = -1  # number of the router's latest assignment to this agent
    stamp: int = 0  # when the router last noted a change of this agent's state

    def held(self) -> list[Channel]:
        """The channel of everything the agent holds: contacts and wrap-ups."""
        return [c.contact.channel for c in self.contacts] + [w[2] for w in self.wrapups]


@dataclass(eq=False)
class _Contact:
    contact: Contact
    seq: int  # submission order
    arrival: float
    queue: Queue
    entered: float  # when it entered its current queue
    needs: Mapping[str, int]  # its needs before any routing step
    step: int = 0  # routing steps of the current queue applied
    hold_until: float = 0.0  # end of a preferred-agent hold; 0 once over
    declined: dict = field(default_factory=dict)  # agent id -> when its decline ends (inf: never)
    agent: _Agent | None = None
    timer: int = 0  # scheduling number of its pending timed rule, while it waits

    def steps(self) -> tuple:
        return self.queue.steps_for(self.contact.segment)

    def requirement(self) -> Expression | None:
        """The attribute expression in force at the step reached."""
        return self.queue.requirement(self.steps()[: self.step])

    def eligibility(self) -> tuple:
        """(needs as sorted pairs, min_tier, max_tier) at the step reached."""
        return self.queue.eligibility(self.needs, self.steps()[: self.step])


def _busy(a: _Agent) -> int:
    return 1 if a.held() else 0


class IndependentRouter:
    """The routing rules of README "Routing rules", by plain scans (a slow test oracle)."""

    def __init__(self, queues: Iterable[Queue], agent_policy: AgentPolicy | None = None,
                 contact_policy: ContactPolicy | None = None, matching: str = "greedy",
                 batch_window: float = 0.0) -> None:
        self.queues = {q.name: q for q in queues}
        self.matching = matching
        self.window = float(batch_window)
        self._pending: dict[str, str] = {}  # contacts waiting for the decision instant -> trigger
        self._pending_agents: list[_Agent] = []  # agents whose capacity came back meanwhile
        self._batch: tuple[float, int] | None = None  # (decision instant, scheduling number)
        self.agent_policy = agent_policy if agent_policy is not None else pol.LongestIdle()
        self.contact_policy = contact_policy if contact_policy is not None else pol.PriorityFIFO()
        ap = self.agent_policy
        # Threshold reservation: tier -> idle agents kept for the protected queues.
        self._reserve = dict(ap.reserve) if isinstance(ap, pol.Reserve) else {}
        self._protected = ap.protected if isinstance(ap, pol.Reserve) else frozenset()
        # Idleness ratios: tier -> target share of the idle agents.
        self._pools = dict(ap.pools) if isinstance(ap, pol.IdlenessRatio) else {}
        ap = ap.then if isinstance(ap, (pol.Reserve, pol.IdlenessRatio)) else ap
        self.contact_policy.check_queues(tuple(self.queues))
        self._prefers = isinstance(ap, pol.PreferredAgent)
        self._hold = ap.hold if self._prefers else 0.0
        self._base = ap.then if self._prefers else ap
        self._agents: dict[str, _Agent] = {}
        self._contacts: dict[str, _Contact] = {}  # live: waiting or assigned
        self.channels: dict[str, Channel] = {}  # every channel seen, by name
        self.now = 0.0
        self._stamps = 0  # counts notes of agents' state changes
        self._added = 0  # agents ever added
        self._submitted = 0  # contacts ever submitted
        self._scheduled = 0  # timed rules ever scheduled (ties in tick go by this)
        self._assigned = 0  # assignments ever made

    # ================================================================ policies
    def _agent_rank(self, a: _Agent, needs: tuple, p: AgentPolicy | None = None) -> tuple:
        """The base agent policy's (or ``p``'s) rank of ``a`` for a contact needing ``needs``."""
        p = p if p is not None else self._base
        if isinstance(p, pol.LongestIdle):
            return (_busy(a), a.stamp)
        if isinstance(p, pol.LeastOccupied):
            held = a.held()
            cap = sum(a.agent.capacity.values())
            if any(ch.exclusive for ch in held):
                used = 1.0
            else:
                used = len(held) / cap if cap else 1.0
            return (used, a.stamp)
        if isinstance(p, pol.MostSkilled):
            return (-sum(a.agent.skills.get(s, 0) for s, _ in needs), _busy(a), a.stamp)
        if isinstance(p, pol.BestFit):
            return (len(a.agent.skills), sum(a.agent.skills.values()), _busy(a), a.stamp)
        if isinstance(p, pol.RoundRobin):
            return (a.last_assigned, a.order)
        if isinstance(p, pol.FewestHandled):
            return (a.handled, _busy(a), a.stamp)
        if isinstance(p, pol.TierFirst):
            return (a.agent.tier, *self._agent_rank(a, needs, p.then))
        if isinstance(p, pol.Linear):
            # its place in the list: by id, else by team, else after every listed name
            names = list(p.order)
            place = (names.index(a.agent.id) if a.agent.id in names
                     else names.index(a.agent.team) if a.agent.team in names else len(names))
            return (place, a.order)
        raise TypeError(f"IndependentRouter: no agent order for {p!r}")

    def _contact_rank(self, c: _Contact, now: float, p: ContactPolicy | None = None) -> tuple:
        """The contact policy's rank of waiting contact ``c`` at ``now``."""
        p = p if p is not None else self.contact_policy
        if isinstance(p, pol.RealtimeFirst):
            return (0 if c.contact.channel.realtime else 1, *self._contact_rank(c, now, p.then))
        prio = c.contact.priority
        if isinstance(p, pol.PriorityFIFO):
            return (-c.queue.priority, -prio, c.arrival, c.seq)
        if isinstance(p, pol.HeadStart):
            return (-c.queue.priority, c.arrival - p.seconds * prio, c.seq)
        if isinstance(p, pol.WeightedAging):
            credited = c.arrival - p.seconds * prio
            w = p.weights.get(c.queue.name, p.default)
            return (-w * (now - credited), credited, c.seq)
        if isinstance(p, pol.GeneralizedCMu):
            # index c_q mu_q W^(a-1), from the documented cost family C_q(w) = c_q w^a / a
            q = c.queue.name
            cmu = p.costs.get(q, p.default_cost) * p.rates.get(q, p.default_rate)
            a = p.exponents.get(q, p.default_exponent)
            return (-(cmu * (now - c.arrival) ** (a - 1.0)), c.arrival, c.seq)
        if isinstance(p, pol.CMu):
            q = c.queue.name
            return (-(p.costs.get(q, p.default_cost) * p.rates.get(q, p.default_rate)), c.arrival, c.seq)
        if isinstance(p, pol.QueueRatio):
            # Q_i - r_i * sum(Q), the numbers of contacts waiting now (this one included)
            waiting = [w for w in self._contacts.values() if w.agent is None]
            mine = sum(1 for w in waiting if w.queue.name == c.queue.name)
            return (-(mine - p.ratios[c.queue.name] * len(waiting)), c.arrival, c.seq)
        if isinstance(p, pol.EarliestDeadline):
            return (c.arrival + c.queue.sla.within, c.seq)
        if isinstance(p, pol.FIFO):
            return (c.arrival, c.seq)
        raise TypeError(f"IndependentRouter: no contact order for {p!r}")


    def _note(self, a: _Agent) -> None:
        """Note a change of ``a``'s state (where the fast router re-files the agent)."""
        self._stamps += 1
        a.stamp = self._stamps

    def _check_channel(self, ch: Channel) -> None:
        """Refuse a second, different channel under a known name."""
        known = self.channels.get(ch.name, ch)
        if known != ch:
            raise ValidationError(f"channel {ch!r} conflicts with {known!r}: one name, one channel")

    def _channel(self, ch: Channel) -> None:
        """Refuse a second, different channel under a known name; remember a new one."""
        self._check_channel(ch)
        self.channels.setdefault(ch.name, ch)

    # ================================================================ eligibility
    @staticmethod
    def _has_room(a: _Agent, ch: Channel) -> bool:
        held = a.held()
        cap = {c.name: n for c, n in a.agent.capacity.items()}
        if ch.exclusive:
            return not held and cap.get(ch.name, 0) >= 1
        if any(h.exclusive for h in held):
            return False
        if sum(1 for h in held if h.name == ch.name) >= cap.get(ch.name, 0):
            return False
        mt = a.agent.max_total
        return mt is None or sum(1 for h in held if not h.exclusive) < mt

    @staticmethod
    def _qualifies(a: _Agent, c: _Contact) -> bool:
        """Tier, needs and expression at the step reached, and not declined (presence and
        room aside)."""
        needs, lo, hi = c.eligibility()
        tier = a.agent.tier
        if tier < lo or (hi is not None and tier > hi):
            return False
        if any(a.agent.skills.get(s, 0) < lvl for s, lvl in needs):
            return False
        if not passes(c.requirement(), a.agent, c.contact):
            return False
        return a.agent.id not in c.declined

    def _can_serve(self, a: _Agent, c: _Contact) -> bool:
        return (a.presence == "available" and self._has_room(a, c.contact.channel) and self._qualifies(a, c)
                and not self._kept(a, c))

    # ================================================================ reservation
    def _idle_of(self, tier: int) -> list[_Agent]:
        """The idle agents of ``tier`` (available, holding nothing), in the order they joined."""
        return sorted((a for a in self._agents.values()
                       if a.agent.tier == tier and a.presence == "available" and not a.held()),
                      key=lambda a: a.order)

    def _kept(self, a: _Agent, c: _Contact) -> bool:
        """Does the reservation keep ``a`` from ``c``: an idle agent of a reserved tier with no
        more idle agents than it keeps, and ``c`` of a queue it does not protect?"""
        k = self._reserve.get(a.agent.tier)
        if k is None or a.held() or c.queue.name in self._protected:
            return False
        return len(self._idle_of(a.agent.tier)) <= k

    def _reopen(self, now: float, out: list[Assignment]) -> None:
        """First, every available agent of a reserved tier holding something (not the reserve)
        takes what it can, in joining order; then, while a reserved tier has more idle agents
        than it keeps, its first idle agent (in joining order) that can take a waiting contact
        takes its best one; again while either made an assignment (an idle agent that took a
        contact may have room for more)."""
        if not self._reserve:
            return
        while True:
            before = len(out)
            for a in sorted(self._agents.values(), key=lambda a: a.order):
                if a.agent.tier in self._reserve and a.presence == "available" and a.held() \
                        and self._take(a, now, "reservation", out):
                    self._note(a)
            for t, k in sorted(self._reserve.items()):
                while len(self._idle_of(t)) > k:
                    for a in self._idle_of(t):
                        ranked = [(self._contact_rank(c, now), c) for c in self._contacts.values()
                                  if self._may_take(a, c)]
                        if ranked:
                            score, c = min(ranked, key=lambda r: r[0])
                            self._assign(c, a, now, "reservation", score, out)
                            self._note(a)
                            break
                    else:
                        break
            if len(out) == before:
                return

    # ================================================================ timed rules
    def _next_rule(self, c: _Contact) -> tuple[float | None, str]:
        """The waiting contact's next timed rule; at equal times step, overflow, hold, decline end."""
        options = []
        steps = c.steps()
        if c.step < len(steps):
            options.append((c.entered + steps[c.step].after, "step"))
        if c.queue.overflow is not None:
            options.append((c.entered + c.queue.overflow.after, "overflow"))
        if c.hold_until > 0:
            options.append((c.hold_until, "hold"))
        ends = [end for end in c.declined.values() if end != float("inf")]
        if ends:
            options.append((min(ends), "decline-expired"))
        if not options:
            return None, ""
        return min(options, key=lambda o: o[0])  # the first of equal times

    def _advance(self, c: _Contact, t: float) -> str:
        """Apply ``c``'s timed rules due by ``t``; return the kind of the last one applied."""
        trigger = "step"
        while True:
            due, kind = self._next_rule(c)
            if due is None or due > t:
                return trigger
            trigger = kind
            if kind == "step":
                c.step += 1
            elif kind == "hold":
                c.hold_until = 0.0
            elif kind == "decline-expired":
                c.declined = {aid: end for aid, end in c.declined.items() if end > due}
            else:
                ov = c.queue.overflow
                c.queue, c.entered, c.step = self.queues[ov.to], due, 0
                if ov.needs is not None:
                    c.needs = dict(ov.needs)

    def _timers(self) -> list[tuple]:
        """Every pending timed rule: (due, scheduling number, kind, object)."""
        out = []
        for c in self._contacts.values():
            if c.agent is None:
                due, _kind = self._next_rule(c)
                if due is not None:
                    out.append((due, c.timer, "rule", c))
        for a in self._agents.values():
            for w in a.wrapups:
                out.append((w[0], w[1], "wrap-up", (a, w)))
        if self._batch is not None:
            out.append((self._batch[0], self._batch[1], "batch", None))
        return out

    def _defer(self, c: _Contact | None, trigger: str, a: _Agent | None, t: float) -> None:
        """Batching: ``c`` (with its trigger) and/or ``a`` wait for the next decision instant,
        the first multiple of the window after ``t``."""
        if c is not None:
            self._schedule(c)
            self._pending[c.contact.id] = trigger
        if a is not None:
            self._note(a)
            if a not in self._pending_agents:
                self._pending_agents.append(a)
        if self._batch is None:
            due = (math.floor(t / self.window) + 1.0) * self.window
            if due <= t:
                due += self.window
            self._scheduled += 1
            self._batch = (due, self._scheduled)

    # ================================================================ decisions
    def _assign(self, c: _Contact, a: _Agent, now: float, trigger: str, score: tuple,
                out: list[Assignment]) -> None:
        c.agent = a
        a.contacts.append(c)
        a.since = now
        a.handled += 1
        self._assigned += 1
        a.last_assigned = self._assigned
        reason = Reason(trigger, self.agent_policy.name, self.contact_policy.name, c.step, score)
        out.append(Assignment(c.contact.id, a.agent.id, now, c.queue.name, now - c.arrival, reason))

    def _choose(self, c: _Contact, draw: bool = True) -> tuple[_Agent, tuple] | None:
        """The agent who takes ``c`` now and its score, or None (``draw=False``: any one)."""
        if self._prefers and c.contact.preferred_agents:
            for i, aid in enumerate(c.contact.preferred_agents):
                a = self._agents.get(aid)
                if a is not None and self._can_serve(a, c):
                    return a, ("preferred", i)
            if c.hold_until > 0:
                return None
        able = [a for a in self._agents.values() if self._can_serve(a, c)]
        if not able:
            return None
        if self._pools:
            # Idleness ratios: only the tier with the largest I_j - p_j * sum(I) among those
            # with an able agent (ties: the lower tier), I_j its idle agents now.
            idle = {t: len(self._idle_of(t)) for t in self._pools}
            total = sum(idle.values())
            tier = min({a.agent.tier for a in able}, key=lambda t: (-(idle[t] - self._pools[t] * total), t))
            able = [a for a in able if a.agent.tier == tier]
        base = self._base
        drawing = isinstance(base.then if isinstance(base, pol.TierFirst) else base,
                             (pol.Random, pol.WeightedRandom))
        if drawing:
            able.sort(key=lambda a: a.order)
            if not draw:
                return able[0], ()
            return self._draw(able)
        needs = c.eligibility()[0]
        if isinstance(self._base, pol.Scored):
            # The highest score(agent, contact), ties to `then`'s order; with a limit, only
            # the first `limit` able agents in `then`'s order are scored.
            p = self._base
            able.sort(key=lambda a: self._agent_rank(a, needs, p.then))
            if p.limit:
                able = able[: p.limit]
            score, chosen = min(((-float(p.score(a.agent, c.contact)), *self._agent_rank(a, needs, p.then)), a)
                                for a in able)
            return chosen, score
        score, chosen = min(((self._agent_rank(a, needs), a) for a in able), key=lambda r: r[0])
        return chosen, score

    def _draw(self, able: list[_Agent]) -> tuple[_Agent, tuple]:
        """A drawing policy's pick among ``able`` (in joining order) and its score."""
        p = self._base
        pool = able
        if isinstance(p, pol.TierFirst):  # the draw is among the lowest tier only
            low = min(a.agent.tier for a in able)
            pool = [a for a in able if a.agent.tier == low]
            p = p.then
        n = len(pool)
        if n == 1:
            i = 0
        elif isinstance(p, pol.WeightedRandom):
            # Asterisk's wrandom: each draws uniformly in [0, 1 + penalty); the smallest wins.
            draws = p.rng.random(n)
            spans = [1.0 + self._penalty(p, a) for a in pool]
            i = min(range(n), key=lambda j: (draws[j] * spans[j], j))
        else:
            i = int(p.rng.integers(n))
        k = able.index(pool[i])
        return able[k], (k, len(able))

    @staticmethod
    def _penalty(p: pol.WeightedRandom, a: _Agent) -> float:
        if a.agent.id in p.penalties:
            return p.penalties[a.agent.id]
        return p.penalties.get(a.agent.team, p.default) if a.agent.team is not None else p.default

    def _route_contact(self, c: _Contact, now: float, trigger: str, out: list[Assignment]) -> None:
        """``c`` goes to the best agent who can serve it, or waits."""
        if self.window > 0:
            self._defer(c, trigger, None, now)
            return
        found = self._choose(c)
        if found is None:
            self._schedule(c)
            return
        self._assign(c, found[0], now, trigger, found[1], out)
        self._note(found[0])

    def _schedule(self, c: _Contact) -> None:
        if self._next_rule(c)[0] is not None:
            self._scheduled += 1
            c.timer = self._scheduled

    def _may_take(self, a: _Agent, c: _Contact) -> bool:
        """Can agent ``a`` take waiting contact ``c`` now (holds for other agents aside)?"""
        if c.agent is not None or not self._can_serve(a, c):
            return False
        return not (c.hold_until > 0 and a.agent.id not in c.contact.preferred_agents)

    def _route_agent(self, a: _Agent, now: float, trigger: str, out: list[Assignment]) -> None:
        """``a`` takes waiting contacts, best first, while it can."""
        if self.window > 0:
            self._defer(None, "", a, now)
            return
        self._take(a, now, trigger, out)
        self._note(a)

    def _take(self, a: _Agent, now: float, trigger: str, out: list[Assignment]) -> bool:
        """``a`` takes waiting contacts, best first, while it can; did it take any?"""
        taken = False
        while True:
            ranked = [(self._contact_rank(c, now), c) for c in self._contacts.values()
                      if self._may_take(a, c)]
            if not ranked:
                return taken
            score, c = min(ranked, key=lambda r: r[0])
            self._assign(c, a, now, trigger, score, out)
            taken = True

    def _release(self, a: _Agent, t: float) -> None:
        """Something ``a`` held has just been let go (at ``t``)."""
        if not a.held():
            a.since = t

    def _leave(self, c: _Contact) -> _Agent:
        a = c.agent
        a.contacts.remove(c)
        c.agent = None
        return a

    def _wrap_up(self, a: _Agent, c: _Contact, end: float) -> None:
        self._scheduled += 1
        a.wrapups.append([end, self._scheduled, c.contact.channel])

    # ================================================================ agents
    def add_agent(self, agent: Agent, now: float) -> list[Assignment]:
        if self._pools and agent.tier not in self._pools:
            raise ValidationError(f"add_agent: agent {agent.id!r} has tier {agent.tier}, not one of the "
                                  f"idleness ratios' pools {sorted(self._pools)}")
        self.now = now
        self._added += 1
        for ch in agent.capacity:  # every channel checked before any is remembered: a
            self._check_channel(ch)  # refused agent leaves no channel behind
        for ch in agent.capacity:
            self._channel(ch)
        a = _Agent(agent, self._added, since=now)
        self._agents[agent.id] = a
        self._note(a)
        return []

    def remove_agent(self, agent_id: str, now: float) -> list[Assignment]:
        a = self._agent(agent_id)
        if a.held():
            raise InvalidStateError(f"remove_agent: agent {agent_id!r} still holds contacts")
        self.now = now
        del self._agents[agent_id]
        if a in self._pending_agents:
            self._pending_agents.remove(a)
        return []

    def set_available(self, agent_id: str, now: float) -> list[Assignment]:
        a = self._agent(agent_id)
        self.now = now
        out: list[Assignment] = []
        if a.presence != "available":
            a.presence, a.reason = "available", None
            if not a.held():
                a.since = now
            self._route_agent(a, now, "available", out)
            self._reopen(now, out)
        return out

    def set_away(self, agent_id: str, now: float, reason: str | None = None) -> list[Assignment]:
        return self._presence(agent_id, now, "away", reason)

    def logout(self, agent_id: str, now: float) -> list[Assignment]:
        return self._presence(agent_id, now, "logged_out", None)

    def _presence(self, agent_id: str, now: float, presence: str, reason: str | None) -> list[Assignment]:
        a = self._agent(agent_id)
        self.now = now
        a.presence, a.reason = presence, reason
        self._note(a)
        return []

    # ================================================================ contacts
    def submit(self, contact: Contact, now: float) -> list[Assignment]:
        self._check_channel(contact.channel)
        queue = self.queues[contact.queue]  # (a refused contact leaves no channel behind)
        self._channel(contact.channel)
        self.now = now
        self._submitted += 1
        c = _Contact(contact, self._submitted, now, queue, now, contact.needs)
        if self._hold > 0 and contact.preferred_agents:
            c.hold_until = now + self._hold
        self._advance(c, now)
        self._contacts[contact.id] = c
        out: list[Assignment] = []
        self._route_contact(c, now, "submit", out)
        self._reopen(now, out)
        return out

    def complete(self, contact_id: str, now: float, wrap_up: float = 0.0) -> list[Assignment]:
        c = self._contact(contact_id)
        self.now = now
        del self._contacts[contact_id]
        a = self._leave(c)
        out: list[Assignment] = []
        if wrap_up > 0:
            self._wrap_up(a, c, now + wrap_up)
        else:
            self._release(a, now)
            self._route_agent(a, now, "release", out)
            self._reopen(now, out)
        return out

    def abandon(self, contact_id: str, now: float) -> list[Assignment]:
        c = self._contact(contact_id)
        if c.agent is not None:
            raise InvalidStateError(f"abandon: contact {contact_id!r} is assigned")
        self.now = now
        del self._contacts[contact_id]
        return []

    def decline(self, contact_id: str, now: float, away: str | None = None) -> list[Assignment]:
        c = self._contact(contact_id)
        self.now = now
        a = self._leave(c)
        a.handled -= 1
        self._release(a, now)
        if away is not None:
            a.presence, a.reason = "away", away
        self._note(a)
        forget = c.queue.forget_declines
        c.declined[a.agent.id] = max(c.declined.get(a.agent.id, -1.0),
                                     float("inf") if forget is None else now + forget)
        self._advance(c, now)
        out: list[Assignment] = []
        self._route_contact(c, now, "decline", out)
        self._route_agent(a, now, "release", out)
        self._reopen(now, out)
        return out

    def transfer(self, contact_id: str, now: float, queue: str | None = None,
                 needs: Mapping[str, int] | None = None, wrap_up: float = 0.0) -> list[Assignment]:
        c = self._contact(contact_id)
        self.now = now
        a = self._leave(c) if c.agent is not None else None
        if a is not None:
            c.declined[a.agent.id] = float("inf")
            if wrap_up > 0:
                self._wrap_up(a, c, now + wrap_up)
            else:
                self._release(a, now)
        if queue is not None:
            c.queue = self.queues[queue]
        c.entered, c.step, c.hold_until = now, 0, 0.0
        if needs is not None:
            c.needs = dict(needs)
        self._advance(c, now)
        out: list[Assignment] = []
        self._route_contact(c, now, "transfer", out)
        if a is not None and not wrap_up > 0:
            self._route_agent(a, now, "release", out)
        self._reopen(now, out)
        return out

    def tick(self, now: float) -> list[Assignment]:
        """Apply the timed rules due by ``now``, earliest instant first.

        The rules due at one instant take effect together; then, while any can be served,
        the best-ranked contact (contact policy) among those whose rule moved them and those
        a freed agent can take goes to the agent the agent policy picks.
        """
        self.now = now
        out: list[Assignment] = []
        while True:
            due = [t for t in self._timers() if t[0] <= now]
            if not due:
                return out
            when = min(t[0] for t in due)
            moved: dict[str, str] = {}  # contact id -> trigger of its last rule
            freed: list[_Agent] = []
            decide = False
            for _when, _n, kind, obj in sorted((t for t in due if t[0] == when), key=lambda t: t[1]):
                if kind == "batch":
                    decide = True
                elif kind == "wrap-up":
                    a, w = obj
                    a.wrapups.remove(w)
                    self._release(a, when)
                    if a not in freed:
                        freed.append(a)
                else:
                    moved[obj.contact.id] = self._advance(obj, when)
            via = "wrap-up"
            if self.window > 0:
                if not self._batch_instant(moved, freed, decide, when):
                    continue
                moved, freed, via = self._ready(), list(self._pending_agents), "batch"
                freed = [a for a in freed if self._agents.get(a.agent.id) is a]
                self._pending, self._pending_agents = {}, []
            else:
                for a in freed:
                    self._note(a)
                for cid in moved:
                    self._schedule(self._contacts[cid])
            if self.matching == "joint" and (len(moved) + len(freed) > 1 or self.window > 0):
                self._joint(moved, freed, now, via, out)
                continue
            while True:
                candidates = []
                for c in self._contacts.values():
                    if c.agent is not None:
                        continue
                    if c.contact.id in moved and self._choose(c, draw=False) is not None:
                        candidates.append((self._contact_rank(c, now), 0, c))
                    elif any(self._may_take(a, c) for a in freed):
                        candidates.append((self._contact_rank(c, now), 1, c))
                if not candidates:
                    break
                rank, via_agent, c = min(candidates, key=lambda x: (x[0], x[1]))
                agent, score = self._choose(c)
                if via_agent:
                    self._assign(c, agent, now, via, rank, out)
                else:
                    self._assign(c, agent, now, moved[c.contact.id], score, out)
                self._note(agent)
            self._reopen(now, out)

    def _batch_instant(self, moved: dict[str, str], freed: list[_Agent], decide: bool, when: float) -> bool:
        """Batching: what the rules due at ``when`` changed joins the pending; True at a
        decision instant (settle the pending now)."""
        if decide:
            self._batch = None
        for cid, trigger in moved.items():
            self._schedule(self._contacts[cid])
            self._pending[cid] = trigger
        for a in freed:
            self._note(a)
            if a not in self._pending_agents:
                self._pending_agents.append(a)
        if not decide and (moved or freed) and self._batch is None:
            self._defer(None, "", None, when)
        return decide

    def _ready(self) -> dict[str, str]:
        """The pending contacts still waiting, with their triggers."""
        return {cid: t for cid, t in self._pending.items()
                if cid in self._contacts and self._contacts[cid].agent is None}

    def _joint(self, moved: dict[str, str], freed: list[_Agent], now: float, via: str,
               out: list[Assignment]) -> None:
        """Joint matching at one instant: the contacts that meet (moved ones some agent can
        serve, waiting ones a freed agent may take) against the agents that meet (freed
        ones who may take one, those able to serve a moved one), one solve per round."""
        waiting = [c for c in self._contacts.values() if c.agent is None]
        rows, cols = [], []
        for c in waiting:
            able = [a for a in self._agents.values() if self._can_serve(a, c)]
            takers = [a for a in freed if self._may_take(a, c)]
            if (c.contact.id in moved and able) or takers:
                rows.append(c)
            for a in (able if c.contact.id in moved else []) + takers:
                if a not in cols:
                    cols.append(a)
        rows.sort(key=lambda c: (self._contact_rank(c, now), c.seq))
        cols.sort(key=lambda a: a.order)
        while True:
            edges = {}
            for i, c in enumerate(rows):
                if c.agent is not None:
                    continue
                able = [(j, a) for j, a in enumerate(cols) if self._can_serve(a, c)]
                if isinstance(self._base, pol.Scored):
                    for j, a in able:
                        edges[i, j] = -float(self._base.score(a.agent, c.contact))
                else:
                    needs = c.eligibility()[0]
                    able.sort(key=lambda ja: (self._agent_rank(ja[1], needs), ja[1].order))
                    for pos, (j, _a) in enumerate(able):
                        edges[i, j] = float(pos)
            pairs = solve(len(rows), len(cols), edges)
            if not pairs:
                return
            for i, j in pairs:
                self._assign(rows[i], cols[j], now, moved.get(rows[i].contact.id, via),
                             ("joint", edges[i, j]), out)
                self._note(cols[j])

    def next_wakeup(self) -> float | None:
        timers = self._timers()
        return min(t[0] for t in timers) if timers else None

    # ================================================================ reading
    def _agent(self, agent_id: str) -> _Agent:
        if agent_id not in self._agents:
            raise UnknownAgentError(f"unknown agent id {agent_id!r}")
        return self._agents[agent_id]

    def _contact(self, contact_id: str) -> _Contact:
        if contact_id not in self._contacts:
            raise UnknownContactError(f"unknown contact id {contact_id!r}")
        return self._contacts[contact_id]

    def _stuck(self, c: _Contact, needs: tuple, lo: int, hi: int | None) -> bool:
        """Declined by every agent who could serve it, with no timed rule pending."""
        if not c.declined or self._next_rule(c)[0] is not None:
            return False
        for a in self._agents.values():
            cap = {ch.name: n for ch, n in a.agent.capacity.items()}
            tier_ok = lo <= a.agent.tier and (hi is None or a.agent.tier <= hi)
            skills_ok = all(a.agent.skills.get(s, 0) >= lvl for s, lvl in needs)
            skills_ok = skills_ok and passes(c.requirement(), a.agent, c.contact)
            if a.agent.id not in c.declined and cap.get(c.contact.channel.name, 0) and tier_ok and skills_ok:
                return False
        return True

    def status(self, contact_id: str) -> str:
        return "waiting" if self._contact(contact_id).agent is None else "assigned"

    def assigned_to(self, contact_id: str) -> str | None:
        a = self._contact(contact_id).agent
        return a.agent.id if a is not None else None

    def agent(self, agent_id: str) -> AgentView:
        a = self._agent(agent_id)
        load: dict[str, int] = {}
        for ch in a.held():
            load[ch.name] = load.get(ch.name, 0) + 1
        return AgentView(
            agent=a.agent, presence=a.presence, reason=a.reason, load=load,
            contacts=tuple(c.contact.id for c in a.contacts), wrap_ups=len(a.wrapups),
            since=a.since, handled=a.handled,
        )

    def agents(self) -> tuple[AgentView, ...]:
        return tuple(self.agent(aid) for aid in self._agents)

    def waiting(self) -> tuple[WaitingView, ...]:
        out = []
        for c in sorted(self._contacts.values(), key=lambda c: c.seq):
            if c.agent is None:
                needs, lo, hi = c.eligibility()
                out.append(WaitingView(
                    contact=c.contact, queue=c.queue.name, arrival=c.arrival, entered=c.entered,
                    step=c.step, needs=dict(needs), min_tier=lo, max_tier=hi,
                    held=c.hold_until > 0, declined_by=tuple(sorted(c.declined)),
                    stuck=self._stuck(c, needs, lo, hi),
                ))
        return tuple(out)
