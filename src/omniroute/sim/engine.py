"""One replication: arrivals, bot stage, patience, retrials, callbacks, transfers and
agents' shifts and breaks, driving an unchanged :class:`~omniroute.Router` through
:class:`~omniroute.sim.adapter.RouterResource`.

Each contact costs a few SimPy timeouts with plain callbacks (no process per contact).
Randomness comes from independent streams keyed by (demand, purpose), drawn up front in
arrival order where possible, so two policies run with one seed see the same customers
(common random numbers).  The result is a list of per-leg :class:`Leg` records and the
agents' staffed and busy intervals; :mod:`omniroute.sim.metrics` turns them into KPIs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import simpy

from ..agents import Agent
from ..assignment import Assignment
from ..contacts import Contact
from ..errors import ValidationError
from ..policies import agent_policy, contact_policy
from ..router import Router
from .adapter import RouterResource
from .limits import MAX_ARRIVALS, MAX_LEGS
from .scenario import DAY, Arrivals, Demand, Scenario, Shift, Trace, break_offset

__all__ = ["Leg", "Outcome", "simulate", "stream", "arrival_times"]

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

    ``day_factors[d]`` multiplies day ``d``'s rates; ``offset`` shifts the profile's clock
    (the scenario's start day).
    """
    cuts = {0.0, horizon}
    if isinstance(arr.per_hour, tuple) and (len(arr.per_hour) * arr.interval) % DAY:
        offset = 0.0  # a profile that is not whole days repeats from time 0, whatever the day
    if isinstance(arr.per_hour, tuple):
        # profile boundaries, aligned with the shifted clock
        first = -(offset % arr.interval)
        cuts.update(float(x) for x in np.arange(first, horizon, arr.interval) if 0 < x < horizon)
    if day_factors is not None:
        cuts.update(float(x) for x in np.arange(DAY, horizon, DAY))
    edges = np.array(sorted(cuts))
    starts, lens = edges[:-1], np.diff(edges)
    rates = np.array([arr.rate(s + offset) for s in starts])
    if day_factors is not None:
        rates = rates * day_factors[(starts // DAY).astype(int)]
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


class Leg:
    """One contact's passage through one queue (a transfer makes a second leg)."""

    __slots__ = (
        "eng", "spec", "demand", "queue", "within", "arrival", "entered", "answered",
        "abandoned", "ended", "agent", "served_queue", "handle", "patience", "attempt",
        "callback", "leg", "contained", "moved", "contact",
    )

    def __init__(self, eng: _Engine, demand: int, spec: _Spec, arrival: float,
                 handle: float, patience: float, attempt: int = 1) -> None:
        self.eng = eng
        self.spec = spec
        self.demand = demand
        self.queue = spec.queue
        self.within = spec.within
        self.arrival = arrival
        self.entered = self.answered = self.abandoned = self.ended = math.nan
        self.agent: str | None = None
        self.served_queue: str | None = None  # the queue it was answered from (after overflow)
        self.handle = handle
        self.patience = patience
        self.attempt = attempt
        self.callback = self.moved = self.contained = False
        self.leg = 0

    # SimPy callbacks (bound methods: no closure per contact)
    @property
    def channel(self) -> str:
        return self.spec.channel.name

    @property
    def segment(self) -> str | None:
        return self.spec.segment

    def assigned(self, a: Assignment) -> None:
        env = self.eng.env
        self.answered = env.now
        self.agent = a.agent_id
        self.served_queue = a.queue
        env.timeout(self.handle).callbacks.append(self.finish)

    def finish(self, _ev: Any) -> None:
        self.eng.finish(self)

    def renege(self, _ev: Any) -> None:
        if self.answered != self.answered and not self.callback and self.abandoned != self.abandoned:
            self.eng.renege(self)

    def offer_callback(self, _ev: Any) -> None:
        if self.answered != self.answered and self.abandoned != self.abandoned:
            self.eng.offer_callback(self)

    def after_bot(self, _ev: Any) -> None:
        self.eng.after_bot(self)


class _Spec:
    """What every contact of one demand shares."""

    __slots__ = ("demand", "queue", "channel", "needs", "priority", "segment", "within",
                 "wrap", "bot", "retrial", "callback", "transfer", "patience_dist", "handle_dist",
                 "pool")

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
                       priority=self.priority, segment=self.segment)


class Outcome:
    """What a replication leaves: legs, agents' staffed and busy intervals, end time."""

    __slots__ = ("legs", "staffed", "busy", "agents", "end")

    def __init__(self, legs: list[Leg], staffed: dict[str, list[tuple[float, float]]],
                 busy: dict[str, list[tuple[float, float, float]]], agents: dict[str, Agent],
                 end: float) -> None:
        self.legs = legs
        self.staffed = staffed
        self.busy = busy
        self.agents = agents
        self.end = end


class _Engine:
    def __init__(self, sc: Scenario, ss: np.random.SeedSequence) -> None:
        self.sc = sc
        self.ss = ss
        self.env = env = simpy.Environment()
        r = sc.routing
        pol_rng = stream(ss, _GLOBAL, _POLICY)
        ap = r.agent(pol_rng) if callable(r.agent) and not isinstance(r.agent, str) else \
            agent_policy(r.agent, seed=pol_rng, hold=r.hold)
        cp = r.contact() if callable(r.contact) and not isinstance(r.contact, str) else contact_policy(r.contact)
        self.router = Router([q.queue for q in sc.queues], agent_policy=ap, contact_policy=cp)
        self.res = RouterResource(env, self.router)
        self.legs: list[Leg] = []
        self.live = 0
        self.next_id = 0
        self.rngs: dict[tuple[int, int], np.random.Generator] = {}
        self.agents: dict[str, Agent] = {}
        self.weights: dict[str, dict[Any, float]] = {}
        self.staffed: dict[str, list[tuple[float, float]]] = {}
        self.on_since: dict[str, float] = {}
        self.busy: dict[str, list[tuple[float, float, float]]] = {}
        self.specs: list[_Spec] = []
        self.drained = env.event()  # fires once the horizon passed and nobody is left

    def rng(self, d: int, purpose: int) -> np.random.Generator:
        g = self.rngs.get((d, purpose))
        if g is None:
            g = self.rngs[(d, purpose)] = stream(self.ss, d, purpose)
        return g

    # ------------------------------------------------------------------ agents
    def setup_agents(self) -> list[tuple[float, int, str, list[str]]]:
        sc, router = self.sc, self.router
        counters: dict[str, int] = {}
        events: list[tuple[float, int, str, list[str]]] = []
        end = sc.horizon + sc.drain
        seq = 0
        for g in sc.agents:
            prefix = g.prefix or g.team or "agent"
            ids = []
            for _ in range(g.count):
                n = counters.get(prefix, 0)
                counters[prefix] = n + 1
                a = g.agent(n, prefix)
                router.add_agent(a, now=0.0)
                self.agents[a.id] = a
                self.weights[a.id] = _weights(a)
                self.staffed[a.id] = []
                self.busy[a.id] = []
                ids.append(a.id)
            if not g.shifts:
                for aid in ids:
                    self.on(aid)
                continue
            for t, kind in shift_events(g.shifts, sc.start_day, end):
                seq += 1
                events.append((t, seq, kind, ids))
        events.sort(key=lambda e: (e[0], e[1]))
        return events

    def on(self, aid: str) -> None:
        if aid not in self.on_since:
            self.on_since[aid] = self.env.now
        self.res.set_available(aid)

    def off(self, aid: str, kind: str) -> None:
        t0 = self.on_since.pop(aid, None)
        if t0 is not None:
            self.staffed[aid].append((t0, self.env.now))
        if kind == "off":
            self.res.logout(aid)
        else:
            self.res.set_away(aid, reason="break")

    def left(self) -> None:
        """A customer left for good."""
        self.live -= 1
        if not self.live and self.env.now >= self.sc.horizon and not self.drained.triggered:
            self.drained.succeed()

    def shifts(self, events: list[tuple[float, int, str, list[str]]]):
        env, drained = self.env, self.drained
        for t, _seq, kind, ids in events:
            if t > env.now:
                yield env.timeout(t - env.now) | drained
            if drained.triggered:
                return
            for aid in ids:
                if kind == "on":
                    self.on(aid)
                else:
                    self.off(aid, kind)

    # ------------------------------------------------------------------ arrivals
    def schedule_arrivals(self) -> tuple[list[float], list[int], list[int]]:
        sc = self.sc
        factors = None
        if sc.busyness is not None:
            cv = sc.busyness.cv
            k = 1.0 / (cv * cv)
            ndays = int(math.ceil(sc.horizon / DAY))
            factors = stream(self.ss, _GLOBAL, _BUSYNESS).gamma(k, 1.0 / k, ndays)
        times, dids, idx = [], [], []
        drawn = 0
        self.handles: list[list[float]] = []
        self.patiences: list[list[float] | None] = []
        self.bot_times: list[list[float] | None] = []
        self.bot_u: list[list[float] | None] = []
        self.trace_specs: list[list[_Spec] | None] = []
        for d, dem in enumerate(sc.demand):
            if isinstance(dem, Trace):
                recs = [r for r in dem.records if 0 <= r.arrival < sc.horizon]
                t = np.array([r.arrival for r in recs], dtype=float)
                self.specs.append(_Spec(None, sc, sc.queues[0].name, wrap=dem.wrap_up))
                self.trace_specs.append([
                    _Spec(None, sc, r.queue, channel=r.channel, priority=r.priority,
                          segment=r.segment, wrap=dem.wrap_up) for r in recs])
                self.handles.append([r.handle for r in recs])
                self.patiences.append([math.inf if r.patience is None else r.patience for r in recs])
                self.bot_times.append(None)
                self.bot_u.append(None)
            else:
                spec = _Spec(dem, sc, dem.queue, priority=dem.priority, segment=dem.segment,
                             wrap=dem.wrap_up)
                self.specs.append(spec)
                self.trace_specs.append(None)
                try:
                    t = arrival_times(dem.arrivals, sc.horizon, self.rng(d, _ARRIVALS), factors,
                                      offset=sc.start_day * DAY)
                except ValidationError as exc:
                    raise ValidationError(f"demand[{d}].{exc}") from None
                n = len(t)
                self.handles.append(dem.handle.sample(self.rng(d, _HANDLE), n).tolist())
                pd = spec.patience_dist
                self.patiences.append(pd.sample(self.rng(d, _PATIENCE), n).tolist() if pd is not None else None)
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
        if not times:
            return [], [], []
        tt, dd, ii = np.concatenate(times), np.concatenate(dids), np.concatenate(idx)
        order = np.lexsort((ii, dd, tt))
        return tt[order].tolist(), dd[order].tolist(), ii[order].tolist()

    def arrivals(self, times: list[float], dems: list[int], idx: list[int]):
        env = self.env
        arrive = self.arrive
        for t, d, i in zip(times, dems, idx, strict=True):
            if t > env.now:
                yield env.timeout(t - env.now)
            arrive(d, i)

    def horizon(self):
        yield self.env.timeout(self.sc.horizon)
        if not self.live and not self.drained.triggered:
            self.drained.succeed()

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def arrive(self, d: int, i: int) -> None:
        ts = self.trace_specs[d]
        spec = ts[i] if ts is not None else self.specs[d]
        pat = self.patiences[d]
        leg = Leg(self, d, spec, self.env.now, self.handles[d][i],
                  pat[i] if pat is not None else math.inf)
        self.legs.append(leg)
        self.live += 1
        bt = self.bot_times[d]
        if bt is not None:
            leg.contained = self.bot_u[d][i] < spec.bot.containment  # type: ignore[union-attr,index]
            self.env.timeout(bt[i]).callbacks.append(leg.after_bot)
        else:
            self.enter(leg)

    def after_bot(self, leg: Leg) -> None:
        if leg.contained:
            leg.ended = self.env.now
            self.left()
        else:
            self.enter(leg)

    def enter(self, leg: Leg) -> None:
        env = self.env
        leg.entered = env.now
        spec = leg.spec
        pool = spec.pool
        leg.contact = c = pool.pop() if pool else spec.contact(self.new_id())
        self.res.submit(c, leg.assigned)
        if leg.answered == leg.answered:  # assigned at once
            return
        p = leg.patience
        if p < math.inf:
            env.timeout(p).callbacks.append(leg.renege)
        cb = spec.callback
        if cb is not None and leg.leg == 0 and cb.after < p:
            env.timeout(cb.after).callbacks.append(leg.offer_callback)

    def renege(self, leg: Leg) -> None:
        if not self.res.abandon(leg.contact.id):
            return
        now = self.env.now
        leg.abandoned = now
        spec = leg.spec
        spec.pool.append(leg.contact)
        rt = spec.retrial
        if rt is not None and leg.attempt < rt.max_attempts:
            rng = self.rng(leg.demand, _RETRIAL)
            if rng.random() < rt.probability:
                delay = float(rt.delay.sample(rng, 1)[0])
                pat = math.inf
                if spec.patience_dist is not None:
                    pat = float(spec.patience_dist.sample(rng, 1)[0])
                if len(self.legs) >= MAX_LEGS:
                    raise ValidationError(
                        f"demand[{leg.demand}].retrial: this replication reached {MAX_LEGS:,} contacts "
                        "(arrivals and their retrials), the most one replication may hold; lower "
                        "retrial.probability or retrial.max_attempts")
                nxt = Leg(self, leg.demand, spec, now + delay, leg.handle, pat,
                          attempt=leg.attempt + 1)
                self.legs.append(nxt)
                self.env.timeout(delay).callbacks.append(lambda _ev: self.enter(nxt))
                return
        self.left()

    def offer_callback(self, leg: Leg) -> None:
        cb = leg.spec.callback
        if self.rng(leg.demand, _CALLBACK).random() >= cb.probability:  # type: ignore[union-attr]
            return
        leg.callback = True
        self.res.transfer(leg.contact.id, queue=cb.queue or leg.queue, handler=leg.assigned)  # type: ignore[union-attr]

    def finish(self, leg: Leg) -> None:
        now = self.env.now
        leg.ended = now
        aid = leg.agent
        spec = leg.spec
        wrap = spec.wrap
        self.busy[aid].append((leg.answered, now + wrap, self.weights[aid][spec.channel]))  # type: ignore[index]
        tr = spec.transfer
        if tr is not None and leg.leg == 0 and self.agents[aid].tier in tr.from_tiers:  # type: ignore[index]
            rng = self.rng(leg.demand, _TRANSFER)
            if rng.random() < tr.probability:
                handle = (tr.handle or spec.handle_dist).sample(rng, 1)[0]  # type: ignore[union-attr]
                nxt = Leg(self, leg.demand, spec, leg.arrival, float(handle), math.inf,
                          attempt=leg.attempt)
                nxt.queue = tr.to
                nxt.within = self.sc.queue(tr.to).queue.sla.within
                nxt.leg = 1
                nxt.entered = now
                nxt.contact = leg.contact
                leg.moved = True
                self.legs.append(nxt)
                self.res.transfer(leg.contact.id, queue=tr.to, needs=tr.needs, wrap_up=wrap,
                                  handler=nxt.assigned)
                return
        self.left()
        c = leg.contact
        self.res.release(c.id, wrap)
        spec.pool.append(c)

    # ------------------------------------------------------------------ run
    def run(self) -> Outcome:
        env = self.env
        events = self.setup_agents()
        if events:
            env.process(self.shifts(events))
        times, dems, idx = self.schedule_arrivals()
        if times:
            env.process(self.arrivals(times, dems, idx))
        env.process(self.horizon())
        try:
            env.run(until=self.drained)  # later events (stale timers) change nothing
        except RuntimeError:  # pragma: no cover - simpy: queue empty, contacts stuck
            pass
        end = env.now
        for aid, t0 in self.on_since.items():
            self.staffed[aid].append((t0, max(end, self.sc.horizon)))
        return Outcome(self.legs, self.staffed, self.busy, self.agents, end)


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted disjoint union of ``spans``; overlapping and adjacent spans are merged."""
    out: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def shift_events(shifts: tuple[Shift, ...], start_day: int, end: float) -> list[tuple[float, str]]:
    """(time, "on" | "away" | "off") presence changes of a group's agents up to ``end``.

    The agent is logged in during the union of the group's shifts (overlapping or adjacent
    shifts merge into one logged-in period) and available when some shift covers the time
    outside that shift's own breaks; logged in but not available is "away" (a break).
    """
    logged: list[tuple[float, float]] = []
    avail: list[tuple[float, float]] = []
    for day in range(-1, int(end // DAY) + 1):
        dow = (start_day + day) % 7
        base = day * DAY
        for sh in shifts:
            if sh.days is not None and dow not in sh.days:
                continue
            t_on = base + sh.start
            t_off = base + sh.end + (DAY if sh.end <= sh.start else 0.0)
            logged.append((t_on, t_off))
            t = t_on
            for b in sorted(sh.breaks, key=lambda b: break_offset(sh.start, b.start)):
                t_b = t_on + break_offset(sh.start, b.start)
                avail.append((t, t_b))
                t = max(t, t_b + b.duration)
            avail.append((t, t_off))
    acts: list[tuple[float, str]] = []
    av = _union(avail)
    k = 0
    for s, e in _union(logged):
        if e <= 0 or s > end:
            continue
        while k < len(av) and av[k][1] <= s:
            k += 1
        while k < len(av) and av[k][0] < e:  # available periods inside this logged-in one
            a0, a1 = av[k]
            if a1 > 0:
                acts.append((max(a0, 0.0), "on"))
                if a1 < e:
                    acts.append((a1, "away"))
            k += 1
        acts.append((e, "off"))
    return acts


def _weights(a: Agent) -> dict[Any, float]:
    """Share of an agent's capacity one contact of each channel takes (for utilization)."""
    nonexcl = sum(n for ch, n in a.capacity.items() if not ch.exclusive)
    if a.max_total is not None:
        nonexcl = min(nonexcl, a.max_total)
    return {ch: (1.0 if ch.exclusive else 1.0 / max(nonexcl, 1)) for ch in a.capacity}


def simulate(scenario: Scenario, ss: np.random.SeedSequence) -> Outcome:
    """Run one replication of ``scenario`` with the streams of ``ss``."""
    return _Engine(scenario, ss).run()
