"""One replication: arrivals, bot stage, patience, retrials, callbacks, transfers and
agents' shifts and breaks, driving an unchanged :class:`~omniroute.Router`.

SimPy is the clock.  Each contact costs a few SimPy timeouts whose value is the contact's
leg index and whose callback is one of the engine's methods: no process, object or closure
per contact.  Arrivals are one chain of timeouts (no generator to resume).  Randomness
comes from independent streams keyed by (demand, purpose), drawn up front in arrival order
where possible, so two policies run with one seed see the same customers (common random
numbers).  The result holds the legs and the agents' busy spans as columns (:class:`Legs`,
:class:`Busy`) and the agents' staffed intervals; :mod:`omniroute.sim.metrics` turns them
into KPIs with numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import simpy

from ..agents import Agent
from ..assignment import Assignment
from ..contacts import Contact
from ..errors import InvalidStateError, ValidationError
from ..policies import agent_policy, contact_policy
from ..router import Router
from .adapter import delay_until
from .limits import MAX_ARRIVALS, MAX_LEGS
from .presence import shift_events, staffing_events
from .records import Busy, Leg, Legs, Outcome, Start
from .scenario import DAY, Arrivals, Campaign, Demand, Scenario, Trace, cycle_offset

__all__ = ["Busy", "Leg", "Legs", "Outcome", "simulate", "stream", "arrival_times", "shift_events",
           "staffing_events"]

# stream purposes, per demand
_ARRIVALS, _HANDLE, _PATIENCE, _BOT, _RETRIAL, _CALLBACK, _TRANSFER = range(7)
_GLOBAL = 1_000_000  # demand index of scenario-wide streams
_BUSYNESS, _POLICY = 0, 1


def stream(ss: np.random.SeedSequence, demand: int, purpose: int) -> np.random.Generator:
    """The generator of one (demand, purpose) stream, independent of any other's use."""
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, demand, purpose))
    return np.random.Generator(np.random.PCG64(child))


def arrival_times(arr: Arrivals, horizon: float, rng: np.random.Generator,
                  day_factors: np.ndarray | None = None, offset: float = 0.0) -> np.ndarray:
    """Sorted Poisson arrival times in ``[0, horizon)`` for a piecewise-constant rate.

    ``offset``: the scenario's clock origin (``Scenario.clock.origin``, seconds from Monday
    00:00 to time 0), which places a profile of whole days on the wall clock
    (:meth:`Arrivals.clock_offset`); ``day_factors[d]`` multiplies the rates of day ``d`` of
    the wall clock (day 0: the day the simulation starts, to its midnight).
    """
    cuts = {0.0, horizon}
    tod = offset % DAY  # the time of day of time 0
    offset = arr.clock_offset(offset)  # 0 for a profile that is not whole days
    if isinstance(arr.per_hour, tuple):
        # profile boundaries, aligned with the shifted clock
        first = -(offset % arr.interval)
        cuts.update(float(x) for x in np.arange(first, horizon, arr.interval) if 0 < x < horizon)
    if day_factors is not None:
        cuts.update(float(x) for x in np.arange(DAY - tod, horizon, DAY))
    edges = np.array(sorted(cuts))
    starts, lens = edges[:-1], np.diff(edges)
    rates = np.array([arr.rate(s + offset) for s in starts])
    if day_factors is not None:
        rates = rates * day_factors[((starts + tod) // DAY).astype(int)]
    lam = rates * lens
    expected = float(lam.sum())
    # a busyness draw can multiply a day far beyond the scenario's checked mean; stop before
    # numpy allocates the arrays (same seed, same refusal)
    if not expected <= MAX_LEGS:
        raise ValidationError(f"arrivals: this replication draws about {expected:,.0f} arrivals in "
                              f"[0, {horizon:g}) s, more than the {MAX_LEGS:,} one replication may "
                              f"hold (the scenario's mean is limited to {MAX_ARRIVALS:,})")
    counts = rng.poisson(lam)
    total = int(counts.sum())
    t = np.repeat(starts, counts) + rng.random(total) * np.repeat(lens, counts)
    t.sort()
    return t


class _Spec:
    """What every contact of one demand shares."""

    __slots__ = ("demand", "queue", "channel", "needs", "priority", "segment", "within",
                 "wrap", "bot", "retrial", "callback", "transfer", "patience_dist", "handle_dist",
                 "pool", "attributes")

    def __init__(self, d: Demand | None, sc: Scenario, queue: str, *, channel: Any = None,
                 priority: int = 0, segment: str | None = None, wrap: float = 0.0) -> None:
        q = sc.queue(queue)
        self.demand = d
        self.queue = queue
        self.channel = channel if channel is not None else q.channel
        self.needs = dict(q.needs)
        self.priority = priority
        self.segment = segment
        self.within = q.queue.sla.within
        self.wrap = wrap
        self.pool: list[Contact] = []  # contacts gone from the router: their ids are free again
        self.bot = self.retrial = self.callback = self.transfer = None
        self.patience_dist = self.handle_dist = None
        self.attributes: Any = d.attributes if d is not None else {}
        if d is not None:
            if d.channel is not None:
                self.channel = d.channel
            if d.needs is not None:
                self.needs = dict(d.needs)
            self.bot, self.retrial, self.callback, self.transfer = d.bot, d.retrial, d.callback, d.transfer
            self.patience_dist, self.handle_dist = d.patience, d.handle
            if not self.channel.realtime:
                # deferrable: a deadline (the queue's SLA), no abandonment; Demand and Scenario
                # refuse a patience here, so this only guards against a bypassed validation
                self.patience_dist = None

    def contact(self, cid: str) -> Contact:
        return Contact(cid, channel=self.channel, queue=self.queue, needs=self.needs,
                       priority=self.priority, segment=self.segment, attributes=self.attributes)


_NAN = math.nan


class _Engine:
    """One replication.  Legs live in columns (Python lists indexed by leg, turned into
    arrays at the end); SimPy timeouts carry the leg's index as their value, so a contact
    costs no object and no closure of its own."""

    def __init__(self, sc: Scenario, ss: np.random.SeedSequence) -> None:
        self.sc = sc
        self.ss = ss
        self.env = env = simpy.Environment()
        r = sc.routing
        pol_rng = stream(ss, _GLOBAL, _POLICY)
        make_agent: Any = r.agent
        make_contact: Any = r.contact
        ap = make_agent(pol_rng) if callable(make_agent) and not isinstance(make_agent, str) else \
            agent_policy(make_agent, seed=pol_rng, hold=r.hold)
        cp = make_contact() if callable(make_contact) and not isinstance(make_contact, str) \
            else contact_policy(make_contact)
        self.router = Router([q.queue for q in sc.queues], agent_policy=ap, contact_policy=cp,
                             matching=r.matching, batch_window=r.batch_window)
        self.live = 0
        self.next_id = 0
        self.rngs: dict[tuple[int, int], np.random.Generator] = {}
        self.agents: dict[str, Agent] = {}
        self.agent_index: dict[str, int] = {}
        self.weights: dict[str, dict[str, float]] = {}
        self.staffed: dict[str, list[tuple[float, float]]] = {}
        self.on_since: dict[str, float] = {}
        self.specs: list[_Spec] = []
        self.drained = env.event()  # fires once the horizon passed and nobody is left
        self.progress: Any = None  # called with the share of the horizon simulated
        self.leg_of: dict[str, int] = {}  # live contact id -> its current leg
        self.made = 0  # legs created so far (creation order of the columns)
        self.tick_at: float | None = None
        self.tick_token = 0
        # legs' columns, laid out by schedule_arrivals(), one slot per leg
        self.times: list[float] = []
        self.index: list[int] = []
        self.bot_times: list[list[float] | None] = []
        self.bot_u: list[list[float] | None] = []
        self.c_spec: list[_Spec] = []
        self.c_demand: list[int] = []
        self.c_queue: list[str] = []
        self.c_within: list[float] = []
        self.c_arrival: list[float] = []
        self.c_handle: list[float] = []
        self.c_patience: list[float] = []
        self.c_entered: list[float] = []
        self.c_answered: list[float] = []
        self.c_abandoned: list[float] = []
        self.c_ended: list[float] = []
        self.c_attempt: list[int] = []
        self.c_leg: list[int] = []
        self.c_contained: list[bool] = []
        self.c_callback: list[bool] = []
        self.c_moved: list[bool] = []
        self.c_agent: list[str | None] = []
        self.c_served: list[str | None] = []
        self.c_contact: list[Contact | None] = []
        self.c_made: list[int] = []
        self.c_customer: list[int] = []  # the customer's first leg (retrials, transfers: theirs)
        self.c_blocked: list[bool] = []
        self.c_line: list[str | None] = []  # the queue whose line the leg holds
        self.c_trunk: list[bool] = []  # holds one of the centre's lines
        # trunk lines: limits and lines taken, per queue and for the centre's calls
        self.q_limit: dict[str, int] = {q.name: q.lines for q in sc.queues if q.lines is not None}
        self.q_taken: dict[str, int] = dict.fromkeys(self.q_limit, 0)
        self.trunks = sc.lines if sc.lines is not None else -1
        self.trunks_taken = 0
        self.lined = bool(self.q_limit) or sc.lines is not None
        # busy spans
        self.c_fin: list[int] = []  # finishing rank (-1: not finished): the busy spans' order
        # agent-dependent handle times, and staffing by period
        self.scaled = False
        self.factor: dict[str, dict[str, float]] = {}  # agent -> queue -> handle factor
        self.periodic = False
        self.group_of: dict[str, int] = {}  # agent -> index of its staffing group
        self.leaving: list[int] = []  # per group: busy agents to leave as they become free
        self.holding: dict[str, int] = {}  # agent -> contacts it holds (staffing, outbound)
        self.busy_until: dict[str, float] = {}  # agent -> end of its last wrap-up
        # outbound campaigns
        self.dialers: list[_Dialer] = []
        self.track = bool(sc.outbound) or any(g.staffing for g in sc.agents)
        self.finished = 0

    def rng(self, d: int, purpose: int) -> np.random.Generator:
        g = self.rngs.get((d, purpose))
        if g is None:
            g = self.rngs[(d, purpose)] = stream(self.ss, d, purpose)
        return g

    # ------------------------------------------------------------------ router calls
    def dispatch(self, done: list[Assignment]) -> None:
        """Hand the router's assignments to their legs, then re-arm the ticker if the call
        created an earlier timed rule (as :class:`RouterResource` does)."""
        for a in done:
            self.assigned(a)
        wake = self.router.next_wakeup()
        if wake is not None and (self.tick_at is None or wake < self.tick_at):
            self.tick_at = wake
            self.tick_token += 1
            self.env.timeout(delay_until(self.env.now, wake), self.tick_token).callbacks.append(self.tick)

    def tick(self, ev: simpy.Event) -> None:
        if ev._value != self.tick_token:
            return  # superseded by an earlier wakeup
        self.tick_at = None
        self.dispatch(self.router.tick(self.env.now))

    # ------------------------------------------------------------------ agents
    def setup_agents(self) -> list[tuple[float, int, str, list[str], int]]:
        """Add every agent; returns the presence changes to come: (time, order, kind,
        agents, staffing target), kind "on", "away", "off" (shifts) or "staff" (a group's
        size by period, with ``staffing`` agents wanted)."""
        sc, router = self.sc, self.router
        counters: dict[str, int] = {}
        events: list[tuple[float, int, str, list[str], int]] = []
        end = sc.horizon + sc.drain
        origin = sc.clock.origin
        seq = 0
        queues = [q.name for q in sc.queues]
        for gi, g in enumerate(sc.agents):
            prefix = g.prefix or g.team or "agent"
            ids = []
            assert g.count is not None
            factor = g.handle_factor
            if isinstance(factor, Mapping):
                by_queue = {q: float(factor.get(q, 1.0)) for q in queues}
            else:
                by_queue = dict.fromkeys(queues, float(factor))
            scaled = any(f != 1.0 for f in by_queue.values())
            self.scaled = self.scaled or scaled
            for _ in range(g.count):
                n = counters.get(prefix, 0)
                counters[prefix] = n + 1
                a = g.agent(n, prefix)
                self.dispatch(router.add_agent(a, now=0.0))
                self.agent_index[a.id] = len(self.agents)
                self.agents[a.id] = a
                self.weights[a.id] = _weights(a)
                self.staffed[a.id] = []
                self.factor[a.id] = by_queue
                ids.append(a.id)
            if g.staffing:
                self.periodic = True
                self.leaving.append(0)
                for aid in ids:
                    self.group_of[aid] = gi
                for t, n in staffing_events(g.staffing, g.staffing_interval, end,
                                            cycle_offset(g.staffing_period, origin)):
                    seq += 1
                    events.append((t, seq, "staff", ids, n))
                continue
            self.leaving.append(0)
            if not g.shifts:
                for aid in ids:
                    self.on(aid)
                continue
            for t, kind in shift_events(g.shifts, sc.start_day, end, sc.start):
                seq += 1
                events.append((t, seq, kind, ids, 0))
        events.sort(key=lambda e: (e[0], e[1]))
        return events

    def staff(self, ids: list[str], want: int) -> None:
        """A staffing group's size becomes ``want``: agents come (pending departures are
        called off first) or go (idle ones at once, the rest as they become free)."""
        if not ids:
            return
        gi = self.group_of[ids[0]]
        on = [aid for aid in ids if aid in self.on_since]
        have = len(on) - self.leaving[gi]
        if want > have:
            need = want - have
            stay = min(need, self.leaving[gi])
            self.leaving[gi] -= stay
            need -= stay
            for aid in ids:
                if not need:
                    break
                if aid not in self.on_since:
                    self.on(aid)
                    need -= 1
        elif want < have:
            excess = have - want
            for aid in reversed(on):
                if not excess:
                    break
                if not self.holding.get(aid, 0):
                    self.off(aid, "off")
                    excess -= 1
            self.leaving[gi] += excess  # busy: the first of them to become free leaves

    def on(self, aid: str) -> None:
        if aid not in self.on_since:
            self.on_since[aid] = self.env.now
        self.dispatch(self.router.set_available(aid, now=self.env.now))

    def off(self, aid: str, kind: str) -> None:
        now = self.env.now
        t0 = self.on_since.pop(aid, None)
        if t0 is not None:
            self.staffed[aid].append((t0, now))
        if kind == "off":
            self.dispatch(self.router.logout(aid, now=now))
        else:
            self.dispatch(self.router.set_away(aid, reason="break", now=now))

    def left(self) -> None:
        """A customer left for good."""
        self.live -= 1
        if not self.live and self.env.now >= self.sc.horizon and not self.drained.triggered:
            self.drained.succeed()

    def shifts(self, events: list[tuple[float, int, str, list[str], int]]):
        env, drained = self.env, self.drained
        for t, _seq, kind, ids, want in events:
            if t > env.now:
                yield env.timeout(t - env.now) | drained
            if drained.triggered:
                return
            if kind == "staff":
                self.staff(ids, want)
                continue
            for aid in ids:
                if kind == "on":
                    self.on(aid)
                else:
                    self.off(aid, kind)

    # ------------------------------------------------------------------ arrivals
    def schedule_arrivals(self) -> int:
        """Draw every arrival (in time order) and lay out their legs' columns; returns how
        many there are.  Leg ``k < n`` is the ``k``-th arrival."""
        sc = self.sc
        factors = None
        if sc.busyness is not None:
            cv = sc.busyness.cv
            k = 1.0 / (cv * cv)
            ndays = int(math.ceil((sc.horizon + sc.start) / DAY))  # days of the wall clock
            factors = stream(self.ss, _GLOBAL, _BUSYNESS).gamma(k, 1.0 / k, ndays)
        times, dids, idx = [], [], []
        handles: list[np.ndarray] = []
        patiences: list[np.ndarray] = []
        self.bot_times = []
        self.bot_u = []
        trace_specs: list[list[_Spec] | None] = []
        drawn = 0
        origin = sc.clock.origin
        for d, dem in enumerate(sc.demand):
            if isinstance(dem, Trace):
                recs = [r for r in dem.records if 0 <= r.arrival < sc.horizon]
                t = np.array([r.arrival for r in recs], dtype=float)
                self.specs.append(_Spec(None, sc, sc.queues[0].name, wrap=dem.wrap_up))
                trace_specs.append([
                    _Spec(None, sc, r.queue, channel=r.channel, priority=r.priority,
                          segment=r.segment, wrap=dem.wrap_up) for r in recs])
                handles.append(np.array([r.handle for r in recs], dtype=float))
                patiences.append(np.array([math.inf if r.patience is None else r.patience
                                           for r in recs], dtype=float))
                self.bot_times.append(None)
                self.bot_u.append(None)
            else:
                spec = _Spec(dem, sc, dem.queue, priority=dem.priority, segment=dem.segment,
                             wrap=dem.wrap_up)
                self.specs.append(spec)
                trace_specs.append(None)
                try:
                    t = arrival_times(dem.arrivals, sc.horizon, self.rng(d, _ARRIVALS), factors,
                                      offset=origin)
                except ValidationError as exc:
                    raise ValidationError(f"demand[{d}].{exc}") from None
                n = len(t)
                handles.append(np.asarray(dem.handle.sample(self.rng(d, _HANDLE), n), dtype=float))
                pd = spec.patience_dist
                patiences.append(np.asarray(pd.sample(self.rng(d, _PATIENCE), n), dtype=float)
                                 if pd is not None else np.full(n, math.inf))
                if dem.bot is not None:
                    rb = self.rng(d, _BOT)
                    self.bot_times.append(dem.bot.time.sample(rb, n).tolist())
                    self.bot_u.append(rb.random(n).tolist())
                else:
                    self.bot_times.append(None)
                    self.bot_u.append(None)
            drawn += len(t)
            if drawn > MAX_LEGS:
                raise ValidationError(f"demand: this replication draws {drawn:,} arrivals, more than the "
                                      f"{MAX_LEGS:,} one replication may hold (the scenario's mean is "
                                      f"limited to {MAX_ARRIVALS:,})")
            times.append(t)
            dids.append(np.full(len(t), d, dtype=np.int64))
            idx.append(np.arange(len(t), dtype=np.int64))
        if times:
            tt, dd, ii = np.concatenate(times), np.concatenate(dids), np.concatenate(idx)
            order = np.lexsort((ii, dd, tt))
            self.times = tt[order].tolist()
            dems = dd[order].tolist()
            self.index = ii[order].tolist()
            handle = np.concatenate(handles)[order].tolist()
            patience = np.concatenate(patiences)[order].tolist()
        else:
            self.times, dems, self.index, handle, patience = [], [], [], [], []
        n = len(self.times)
        specs = self.specs
        leg_specs: list[_Spec] = []
        for d, i in zip(dems, self.index, strict=True):
            ts = trace_specs[d]
            leg_specs.append(ts[i] if ts is not None else specs[d])
        self.c_spec = leg_specs
        self.c_demand = dems
        self.c_queue = [s.queue for s in leg_specs]
        self.c_within = [s.within for s in leg_specs]
        self.c_arrival = list(self.times)  # until each arrives, see arrive()
        self.c_handle = handle
        self.c_patience = patience
        self.c_entered = [_NAN] * n
        self.c_answered = [_NAN] * n
        self.c_abandoned = [_NAN] * n
        self.c_ended = [_NAN] * n
        self.c_attempt = [1] * n
        self.c_leg = [0] * n
        self.c_contained = [False] * n
        self.c_callback = [False] * n
        self.c_moved = [False] * n
        self.c_agent = [None] * n
        self.c_served = [None] * n
        self.c_contact = [None] * n
        self.c_made = [-1] * n  # creation rank; an arrival's leg is created when it arrives
        self.c_fin = [-1] * n
        self.c_customer = list(range(n))
        self.c_blocked = [False] * n
        self.c_line = [None] * n
        self.c_trunk = [False] * n
        return n

    def add_leg(self, k: int, arrival: float, handle: float, patience: float,
                attempt: int) -> int:
        """A new leg like leg ``k`` (a retrial or a transfer); returns its index."""
        return self.new_leg(self.c_spec[k], self.c_demand[k], self.c_queue[k], self.c_within[k],
                            arrival, handle, patience, attempt, self.c_customer[k])

    def new_leg(self, spec: _Spec, demand: int, queue: str, within: float, arrival: float,
                handle: float, patience: float, attempt: int, customer: int) -> int:
        """Append a leg created now (``customer`` -1: a customer of its own); its index."""
        j = len(self.c_arrival)
        if j >= MAX_LEGS:
            where = f"demand[{demand}].retrial" if demand >= 0 else f"outbound[{-1 - demand}]"
            raise ValidationError(
                f"{where}: this replication reached {MAX_LEGS:,} contacts (arrivals, retrials, "
                "transfers and outbound connects), the most one replication may hold; lower "
                "retrial.probability or retrial.max_attempts, or the campaign's numbers")
        self.c_spec.append(spec)
        self.c_demand.append(demand)
        self.c_queue.append(queue)
        self.c_within.append(within)
        self.c_arrival.append(arrival)
        self.c_handle.append(handle)
        self.c_patience.append(patience)
        for times in (self.c_entered, self.c_answered, self.c_abandoned, self.c_ended):
            times.append(_NAN)
        self.c_attempt.append(attempt)
        self.c_leg.append(0)
        for flags in (self.c_contained, self.c_callback, self.c_moved, self.c_blocked, self.c_trunk):
            flags.append(False)
        self.c_agent.append(None)
        self.c_served.append(None)
        self.c_contact.append(None)
        self.c_line.append(None)
        self.c_made.append(self.made)
        self.made += 1
        self.c_fin.append(-1)
        self.c_customer.append(j if customer < 0 else customer)
        return j

    def start_arrivals(self, _ev: Any) -> None:
        self.next_arrival(0)

    def next_arrival(self, k: int) -> None:
        """Arrive every arrival due now from ``k`` on, then wait for the next one."""
        env, times = self.env, self.times
        n = len(times)
        while k < n:
            t = times[k]
            if t > env.now:
                env.timeout(t - env.now, k).callbacks.append(self.arrival_due)
                return
            self.arrive(k)
            k += 1

    def arrival_due(self, ev: simpy.Event) -> None:
        k = ev._value
        self.arrive(k)
        # the common case inline: the next arrival is later (next_arrival handles ties)
        k += 1
        times = self.times
        if k < len(times):
            env = self.env
            t = times[k]
            if t > env.now:
                env.timeout(t - env.now, k).callbacks.append(self.arrival_due)
            else:
                self.next_arrival(k)

    def report_progress(self):
        """Tell ``progress`` the share of the horizon simulated, every hundredth of it."""
        env, horizon, say = self.env, self.sc.horizon, self.progress
        for k in range(1, 101):
            yield env.timeout(horizon * k / 100 - env.now) | self.drained
            if self.drained.triggered:
                break
            say(min(env.now / horizon, 1.0))
        say(1.0)

    def horizon(self):
        yield self.env.timeout(self.sc.horizon)
        if not self.live and not self.drained.triggered:
            self.drained.succeed()

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def arrive(self, k: int) -> None:
        self.c_arrival[k] = self.env.now  # the clock's own sum, which may differ by an ulp
        self.c_made[k] = self.made
        self.made += 1
        self.live += 1
        if self.lined and not self.take_line(k):
            self.block(k)
            return
        d = self.c_demand[k]
        bt = self.bot_times[d]
        if bt is not None:
            i = self.index[k]
            self.c_contained[k] = self.bot_u[d][i] < self.c_spec[k].bot.containment  # type: ignore[index,union-attr]
            self.env.timeout(bt[i], k).callbacks.append(self.after_bot)
        else:
            self.enter(k)

    def after_bot(self, ev: simpy.Event) -> None:
        k = ev._value
        if self.c_contained[k]:
            self.c_ended[k] = self.env.now
            if self.lined:
                self.free_line(k)
            self.left()
        else:
            self.enter(k)

    def enter_due(self, ev: simpy.Event) -> None:
        k = ev._value
        if self.lined and not self.take_line(k):
            self.block(k)
            return
        self.enter(k)

    def enter(self, k: int) -> None:
        env = self.env
        now = env.now
        self.c_entered[k] = now
        spec = self.c_spec[k]
        pool = spec.pool
        c = pool.pop() if pool else spec.contact(self.new_id())
        self.c_contact[k] = c
        self.leg_of[c.id] = k
        self.dispatch(self.router.submit(c, now))
        answered = self.c_answered[k]
        if answered == answered:  # assigned at once
            return
        p = self.c_patience[k]
        if p < math.inf:
            env.timeout(p, k).callbacks.append(self.renege_due)
        cb = spec.callback
        if cb is not None and self.c_leg[k] == 0 and cb.after < p:
            env.timeout(cb.after, k).callbacks.append(self.callback_due)

    def assigned(self, a: Assignment) -> None:
        k = self.leg_of[a.contact_id]
        env = self.env
        self.c_answered[k] = env.now
        aid = a.agent_id
        self.c_agent[k] = aid
        self.c_served[k] = a.queue
        handle = self.c_handle[k]
        if self.scaled:  # this agent's speed on contacts of this queue
            handle *= self.factor[aid][self.c_queue[k]]
        if self.track:
            self.holding[aid] = self.holding.get(aid, 0) + 1
            d = self.c_demand[k]
            if d < 0:  # an outbound contact reached an agent
                self.dialers[-d - 1].answered()
        env.timeout(handle, k).callbacks.append(self.finish)

    def renege_due(self, ev: simpy.Event) -> None:
        k = ev._value
        if self.c_answered[k] != self.c_answered[k] and not self.c_callback[k] \
                and self.c_abandoned[k] != self.c_abandoned[k]:
            self.renege(k)

    def renege(self, k: int) -> None:
        c = self.c_contact[k]
        assert c is not None
        now = self.env.now
        try:
            self.dispatch(self.router.abandon(c.id, now=now))
        except InvalidStateError:  # pragma: no cover - handlers run at once: never assigned here
            return
        del self.leg_of[c.id]
        self.c_abandoned[k] = now
        d = self.c_demand[k]
        if d < 0:  # a connected customer no agent took in time: an outbound abandon
            self.dialers[-d - 1].abandoned()
        spec = self.c_spec[k]
        spec.pool.append(c)
        if self.lined:
            self.free_line(k)
        if not self.retry(k):
            self.left()

    def retry(self, k: int) -> bool:
        """The caller of attempt ``k`` (abandoned or blocked) may call again, as its demand's
        ``retrial`` says; True if a new attempt is scheduled."""
        spec = self.c_spec[k]
        rt = spec.retrial
        attempt = self.c_attempt[k]
        if rt is None or attempt >= rt.max_attempts:
            return False
        rng = self.rng(self.c_demand[k], _RETRIAL)
        if rng.random() >= rt.probability:
            return False
        delay = float(rt.delay.sample(rng, 1)[0])
        if rt.patience == "same":  # the same caller: the patience they had
            pat = self.c_patience[k]
        elif spec.patience_dist is not None:
            pat = float(spec.patience_dist.sample(rng, 1)[0])
        else:
            pat = math.inf
        j = self.add_leg(k, self.env.now + delay, self.c_handle[k], pat, attempt + 1)
        self.env.timeout(delay, j).callbacks.append(self.enter_due)
        return True

    # ------------------------------------------------------------------ outbound
    def dial_loop(self, d: _Dialer):
        env = self.env
        horizon = self.sc.horizon
        every = d.cp.pace_every
        while env.now < horizon:
            self.pace(d)
            yield env.timeout(every)

    def pace(self, d: _Dialer) -> None:
        """Dial as the campaign's mode allows for the eligible agents free now."""
        now = self.env.now
        d.arrive(now)
        if d.numbers <= 0:
            return
        on, holding, until = self.on_since, self.holding, self.busy_until
        free = 0
        for aid in d.eligible:
            if aid in on and not holding.get(aid, 0) and until.get(aid, 0.0) <= now:
                free += 1
        room = free - d.cp.reserve
        if room <= 0:
            return
        mode = d.cp.mode
        if mode == "predictive":
            n = int(d.pace * room) - d.ringing
        else:  # an agent per dial, reserved from the start: work items not yet taken count
            n = room - d.previewing
        for _ in range(min(n, d.numbers)):
            self.dial(d, now)

    def dial(self, d: _Dialer, now: float) -> None:
        cp = d.cp
        rng = d.rng
        d.numbers -= 1
        self.live += 1  # the customer being called, until the call is over
        if now >= self.sc.warmup:
            d.dials += 1
        ring = float(cp.ring.sample(rng, 1)[0])
        u = float(rng.random())
        outcome = 0 if u < cp.rpc else (1 if u < cp.rpc + cp.no_answer else 2)
        talk = float(cp.handle.sample(rng, 1)[0]) if outcome == 0 else 0.0
        measured = now >= self.sc.warmup
        if outcome == 1 and measured:
            d.no_answers += 1
        elif outcome == 2 and measured:
            d.failed += 1
        if cp.mode != "predictive":
            # one agent per dial, from the start: (preview: read the record,) dial, wait the
            # ring, then talk if the right party answered; no connect ever waits
            work = ring + talk
            if cp.preview is not None:
                work += float(cp.preview.sample(rng, 1)[0])
            if outcome == 0 and measured:
                d.connects += 1
            j = self.outbound_leg(d, now, work, math.inf)
            d.previewing += 1
            self.enter(j)
            return
        d.ringing += 1
        self.env.timeout(ring, (d.index, outcome, talk)).callbacks.append(self.ring_done)

    def ring_done(self, ev: simpy.Event) -> None:
        di, outcome, talk = ev._value
        d = self.dialers[di]
        d.ringing -= 1
        now = self.env.now
        if outcome != 0:
            self.left()
            return
        if now >= self.sc.warmup:
            d.connects += 1
        j = self.outbound_leg(d, now, talk, d.cp.abandon_after)
        self.enter(j)

    def outbound_leg(self, d: _Dialer, now: float, handle: float, patience: float) -> int:
        """A leg for a campaign's contact (its demand index is ``-1 - campaign``)."""
        return self.new_leg(d.spec, -1 - d.index, d.cp.queue, d.spec.within, now, handle, patience, 1, -1)

    # ------------------------------------------------------------------ trunk lines
    def take_line(self, k: int) -> bool:
        """Attempt ``k`` takes a line of its queue and, for a call, of the centre; False (and
        nothing taken) if one of them is full."""
        q = self.c_queue[k]
        limit = self.q_limit.get(q)
        if limit is not None and self.q_taken[q] >= limit:
            return False
        ch = self.c_spec[k].channel
        call = self.trunks >= 0 and ch.exclusive and ch.realtime
        if call and self.trunks_taken >= self.trunks:
            return False
        if limit is not None:
            self.q_taken[q] += 1
            self.c_line[k] = q
        if call:
            self.trunks_taken += 1
            self.c_trunk[k] = True
        return True

    def free_line(self, k: int) -> None:
        q = self.c_line[k]
        if q is not None:
            self.q_taken[q] -= 1
            self.c_line[k] = None
        if self.c_trunk[k]:
            self.trunks_taken -= 1
            self.c_trunk[k] = False

    def block(self, k: int) -> None:
        """Attempt ``k`` found every line taken: it is not offered; the caller may retry."""
        self.c_blocked[k] = True
        self.c_ended[k] = self.env.now
        if not self.retry(k):
            self.left()

    def callback_due(self, ev: simpy.Event) -> None:
        k = ev._value
        if self.c_answered[k] != self.c_answered[k] and self.c_abandoned[k] != self.c_abandoned[k]:
            self.offer_callback(k)

    def offer_callback(self, k: int) -> None:
        spec = self.c_spec[k]
        cb = spec.callback
        if self.rng(self.c_demand[k], _CALLBACK).random() >= cb.probability:  # type: ignore[union-attr]
            return
        self.c_callback[k] = True
        c = self.c_contact[k]
        assert c is not None
        self.dispatch(self.router.transfer(c.id, queue=cb.queue or self.c_queue[k],  # type: ignore[union-attr]
                                           needs=None, wrap_up=0.0, now=self.env.now))

    def finish(self, ev: simpy.Event) -> None:
        k = ev._value
        now = self.env.now
        self.c_ended[k] = now
        aid = self.c_agent[k]
        assert aid is not None
        spec = self.c_spec[k]
        wrap = spec.wrap
        self.c_fin[k] = self.finished  # its busy span, (answered, now + wrap), see busy()
        self.finished += 1
        c = self.c_contact[k]
        assert c is not None
        if self.track:
            left = self.holding[aid] - 1
            self.holding[aid] = left
            self.busy_until[aid] = now + wrap
            gi = self.group_of.get(aid)
            if gi is not None and not left and self.leaving[gi]:
                # its group shrank while it was busy: it leaves now, before its capacity
                # comes back (it still finishes any wrap-up)
                self.leaving[gi] -= 1
                self.off(aid, "off")
        tr = spec.transfer
        if tr is not None and self.c_leg[k] == 0 and self.agents[aid].tier in tr.from_tiers:
            rng = self.rng(self.c_demand[k], _TRANSFER)
            if rng.random() < tr.probability:
                handle = (tr.handle or spec.handle_dist).sample(rng, 1)[0]  # type: ignore[union-attr]
                j = self.add_leg(k, self.c_arrival[k], float(handle), math.inf, self.c_attempt[k])
                self.c_queue[j] = tr.to
                self.c_within[j] = self.sc.queue(tr.to).queue.sla.within
                self.c_leg[j] = 1
                self.c_entered[j] = now
                self.c_contact[j] = c
                self.c_moved[k] = True
                if self.lined:  # the call keeps its lines
                    self.c_line[j], self.c_trunk[j] = self.c_line[k], self.c_trunk[k]
                    self.c_line[k], self.c_trunk[k] = None, False
                done = self.router.transfer(c.id, queue=tr.to, needs=tr.needs, wrap_up=wrap,
                                            now=now)
                self.leg_of[c.id] = j
                self.dispatch(done)
                return
        if self.lined:
            self.free_line(k)
        self.left()
        del self.leg_of[c.id]
        self.dispatch(self.router.complete(c.id, now, wrap))
        spec.pool.append(c)

    # ------------------------------------------------------------------ run
    def run(self) -> Outcome:
        env = self.env
        events = self.setup_agents()
        if events:
            env.process(self.shifts(events))
        if self.schedule_arrivals():
            Start(env, self.start_arrivals)
        for ci, cp in enumerate(self.sc.outbound):
            d = _Dialer(self, ci, cp)
            self.dialers.append(d)
            env.process(self.dial_loop(d))
        env.process(self.horizon())
        if self.progress is not None:
            env.process(self.report_progress())
        try:
            env.run(until=self.drained)  # later events (stale timers) change nothing
        except RuntimeError:  # pragma: no cover - simpy: queue empty, contacts stuck
            pass
        end = env.now
        for aid, t0 in self.on_since.items():
            self.staffed[aid].append((t0, max(end, self.sc.horizon)))
        index = self.agent_index
        agent = np.array([-1 if a is None else index[a] for a in self.c_agent], dtype=np.int64)
        return Outcome(self.columns(agent), self.staffed, self.busy(agent), self.agents, end,
                       [d.counts() for d in self.dialers])

    def columns(self, agent: np.ndarray) -> Legs:
        """The legs' columns in creation order (``agent``: each leg's agent index)."""
        made = np.array(self.c_made, dtype=np.int64)
        order = np.argsort(made, kind="stable")
        order = order[made[order] >= 0]  # arrivals that never came (a stuck run) have no leg
        ids = list(self.agents)
        position = np.full(len(made), -1, dtype=np.int64)  # engine leg index -> column index
        position[order] = np.arange(len(order), dtype=np.int64)
        customer = position[np.array(self.c_customer, dtype=np.int64)[order]]

        def floats(xs: list[float]) -> np.ndarray:
            return np.array(xs, dtype=float)[order]

        def objs(xs: list[Any]) -> list[Any]:
            return [xs[i] for i in order.tolist()]

        return Legs(
            arrival=floats(self.c_arrival), entered=floats(self.c_entered),
            answered=floats(self.c_answered), abandoned=floats(self.c_abandoned),
            ended=floats(self.c_ended), within=floats(self.c_within),
            handle=floats(self.c_handle), patience=floats(self.c_patience),
            attempt=np.array(self.c_attempt, dtype=np.int64)[order],
            leg=np.array(self.c_leg, dtype=np.int64)[order],
            demand=np.array(self.c_demand, dtype=np.int64)[order],
            contained=np.array(self.c_contained, dtype=bool)[order],
            callback=np.array(self.c_callback, dtype=bool)[order],
            moved=np.array(self.c_moved, dtype=bool)[order],
            blocked=np.array(self.c_blocked, dtype=bool)[order],
            queue=objs(self.c_queue), served_queue=objs(self.c_served),
            agent=agent[order], agent_ids=ids, spec=objs(self.c_spec),
            contact=objs(self.c_contact), customer=customer,
        )

    def busy(self, agent: np.ndarray) -> Busy:
        """The agents' busy spans, one per finished leg, in the order they finished: from the
        answer to the end of its wrap-up, weighted by the share of capacity it took."""
        fin = np.array(self.c_fin, dtype=np.int64)
        legs = np.flatnonzero(fin >= 0)
        legs = legs[np.argsort(fin[legs], kind="stable")]
        ks = legs.tolist()
        spec, who, weights = self.c_spec, self.c_agent, self.weights
        wrap = np.array([spec[k].wrap for k in ks], dtype=float)
        shares: list[float] = []
        for k in ks:
            aid = who[k]
            assert aid is not None  # a finished leg was answered
            shares.append(weights[aid][spec[k].channel.name])
        weight = np.array(shares, dtype=float)
        ended = np.array(self.c_ended, dtype=float)[legs]
        outbound = np.array(self.c_demand, dtype=np.int64)[legs] < 0
        return Busy(agent[legs], np.array(self.c_answered, dtype=float)[legs], ended + wrap, weight,
                    outbound)


class _Dialer:
    """One campaign's dialer while a replication runs."""

    def __init__(self, eng: _Engine, index: int, cp: Campaign) -> None:
        sc = eng.sc
        self.index = index
        self.cp = cp
        self.spec = _Spec(None, sc, cp.queue, wrap=cp.wrap_up)
        self.rng = stream(eng.ss, _GLOBAL + 2 + index, 0)
        q = sc.queue(cp.queue)
        needs = dict(q.needs)
        mn, mx = q.queue.min_tier, q.queue.max_tier
        self.eligible = [aid for aid, a in eng.agents.items()
                         if a.capacity.get(q.channel, 0) > 0 and mn <= a.tier and (mx is None or a.tier <= mx)
                         and all(a.skills.get(sk, 0) >= lvl for sk, lvl in needs.items())]
        self.numbers = cp.numbers
        self.arrivals: list[float] = []
        if cp.per_hour > 0:
            self.arrivals = arrival_times(Arrivals(cp.per_hour), sc.horizon,
                                          stream(eng.ss, _GLOBAL + 2 + index, 1)).tolist()
        self.next = 0
        self.ringing = 0
        self.previewing = 0
        # under an abandon limit, start at one dial per free agent and let served connects
        # raise it (a start at full pacing would abandon a burst before any feedback)
        self.pace = float(cp.pacing) if cp.max_abandon is None else 1.0
        self.dials = self.connects = self.no_answers = self.failed = 0

    def arrive(self, now: float) -> None:
        """Numbers that arrived on the list by ``now``."""
        arr = self.arrivals
        while self.next < len(arr) and arr[self.next] <= now:
            self.numbers += 1
            self.next += 1

    # Predictive pacing under the abandon limit L: each abandoned connect multiplies the
    # pacing by 0.9, each served one by 1 + 0.08 L / (1 - L), so that it settles where
    # about 0.76 L of connects abandon (0.08 / -ln 0.9; under the limit), between 0.1 dial per
    # free agent (inbound calls taking agents during the ring make even one dial per free
    # agent abandon some) and the configured pacing.
    def answered(self) -> None:
        if self.cp.mode != "predictive":
            self.previewing -= 1
            return
        limit = self.cp.max_abandon
        if limit is not None and limit < 1.0:
            self.pace = min(float(self.cp.pacing), self.pace * (1.0 + 0.08 * limit / (1.0 - limit)))

    def abandoned(self) -> None:
        if self.cp.max_abandon is not None:
            self.pace = max(0.1, self.pace * 0.9)

    def counts(self) -> dict[str, Any]:
        return {"dials": self.dials, "connects": self.connects, "no_answer": self.no_answers,
                "failed": self.failed, "pacing": self.pace}


def _weights(a: Agent) -> dict[str, float]:
    """Share of an agent's capacity one contact of each channel (by name) takes, for
    utilization."""
    nonexcl = sum(n for ch, n in a.capacity.items() if not ch.exclusive)
    if a.max_total is not None:
        nonexcl = min(nonexcl, a.max_total)
    return {ch.name: (1.0 if ch.exclusive else 1.0 / max(nonexcl, 1)) for ch in a.capacity}


def simulate(scenario: Scenario, ss: np.random.SeedSequence, progress: Any = None) -> Outcome:
    """Run one replication of ``scenario`` with the streams of ``ss``.

    ``progress``: called with the share of the horizon simulated (0 to 1), at each hundredth
    of it and at the end; it sees the clock, it changes nothing (same seed, same outcome).
    """
    eng = _Engine(scenario, ss)
    eng.progress = progress
    return eng.run()
