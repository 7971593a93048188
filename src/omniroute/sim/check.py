"""Static checks of a scenario, before anything runs (``sim.check_scenario``; the command
``omniroute check`` prints them).

:func:`check_scenario` returns :class:`Finding` s, each a *problem* (the scenario cannot work as
written: ``omniroute check`` exits 1) or a *warning* (worth a look), and a capacity table:

* **skills** that contacts need and no agent has, at any level (problem);
* **unservable contacts**: a stream of contacts (a demand, the trace's records of a queue, the
  second leg of a transfer) that no agent group can take at any routing step of its queue or
  of the queues it overflows to, considering the channel capacity, the allowed tiers and the
  skill levels (problem); contacts that nobody may serve before some step (warning);
* **unreachable steps**: a step whose ``after`` is later than the queue's overflow (the contact
  has left the queue by then: problem) or than the longest possible patience of every realtime
  stream into the queue (warning); ``steps`` every stream replaces by ``segment_steps``, and
  ``segment_steps`` of a segment that never reaches the queue (warning); a queue that receives
  no contacts (warning);
* **overflow cycles** (problem: a waiting contact would move round them forever);
* **capacity**: per interval, the offered load (Erlangs: arrivals x mean handle time, after the
  bot, divided by the concurrency on non-exclusive channels) of the realtime streams against
  the agents on shift who can serve them, as a max-flow (``analytics.coverage``): an interval
  where even 100% occupancy cannot carry the load is a problem (its bottleneck queues named);
  the same over the whole horizon with the deferrable work too; and per realtime queue, at its
  peak, the agents Erlang C (or A, with exponential patience) needs for the queue's service level
  against the agents able to serve it (a warning when fewer: they are shared with other queues,
  so more is necessary, not sufficient);
* **on shift**: each agent group's logged-in periods within the horizon, on the wall clock
  (``CheckResult.shifts``), and a warning for deferrable work that arrives while nobody on
  shift can take it.

Every time is on the scenario's wall clock (``Scenario.clock``, ``"Tue 08:30"``), and who is on
duty when comes from the engine's own schedule (:mod:`omniroute.sim.presence`) and arrival
rule (:meth:`~omniroute.sim.Arrivals.rate_on`): check and the simulation cannot disagree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..channels import Channel
from ..queues import Queue
from .clock import WEEKDAYS, Clock
from .load_vendor import EmulatedAgentPolicy
from .presence import duty_changes, logged_spans, on_duty
from .scenario import DAY, AgentGroup, Demand, Scenario, Trace

__all__ = ["Finding", "CapacityRow", "OnShift", "CheckResult", "check_scenario", "check_config"]


@dataclass(frozen=True)
class Finding:
    severity: str  # "problem" | "warning"
    kind: str
    message: str


@dataclass(frozen=True)
class CapacityRow:
    """One realtime queue at its peak interval."""

    queue: str
    channel: str
    peak: float  # start of the peak interval, seconds
    per_hour: float
    load: float  # Erlangs of agent time
    needed: int | None  # Erlang C/A agents for the queue's service level (None: no model)
    able: int  # agents on shift then who can serve the queue at some step
    model: str
    when: str = ""  # the peak interval's start on the wall clock, "Tue 08:30"


@dataclass(frozen=True)
class OnShift:
    """One agent group's time on shift within the horizon, on the wall clock."""

    group: str  # "frontline" (its team) or "group #2"
    count: int
    #: ``"Mon-Fri 08:00-16:00, Sat 09:00-13:00"`` (logged in, breaks included), ``"always on"``,
    #: ``"staffing by period ..."`` or ``"not on shift within the horizon"``
    when: str


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    capacity: list[CapacityRow] = field(default_factory=list)
    shifts: list[OnShift] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "problem"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def add(self, severity: str, kind: str, message: str) -> None:
        f = Finding(severity, kind, message)
        if f not in self.findings:
            self.findings.append(f)


@dataclass
class _Stream:
    label: str
    queue: str
    channel: Channel
    needs: dict[str, int]
    segment: str | None
    handle: float  # mean seconds
    per_hour: Any  # callable t -> contacts per hour
    realtime: bool
    max_patience: float | None = None
    patience_mean: float | None = None
    exponential_patience: bool = False


def _max_of(dist: Any) -> float | None:
    if dist is None:
        return None
    name = type(dist).__name__
    if name == "Deterministic":
        return float(dist.value)
    if name == "Uniform":
        return float(dist.high)
    if name == "Empirical":
        return float(max(dist.values))
    return math.inf


def _streams(sc: Scenario) -> list[_Stream]:
    out: list[_Stream] = []
    for i, d in enumerate(sc.demand):
        if isinstance(d, Demand):
            q = sc.queue(d.queue)
            ch = d.channel or q.channel
            needs = dict(d.needs if d.needs is not None else q.needs)
            share = 1.0 - (d.bot.containment if d.bot is not None else 0.0)
            arr = d.arrivals
            origin = sc.clock.origin

            def rate(t: float, arr: Any = arr, share: float = share, origin: float = origin) -> float:
                return arr.rate_on(t, origin) * 3600.0 * share  # the engine's own rule

            label = f"demand[{i}]" + (f" ({d.name})" if d.name else "")
            pat = d.patience if ch.realtime else None
            out.append(_Stream(label, d.queue, ch, needs, d.segment, d.handle.mean, rate, ch.realtime,
                               _max_of(pat), pat.mean if pat is not None else None,
                               type(pat).__name__ == "Exponential"))
            if d.transfer is not None:
                tq = sc.queue(d.transfer.to)
                tn = dict(d.transfer.needs if d.transfer.needs is not None else needs)
                th = d.transfer.handle.mean if d.transfer.handle is not None else d.handle.mean
                p = d.transfer.probability

                def trate(t: float, rate: Any = rate, p: float = p) -> float:
                    return rate(t) * p

                out.append(_Stream(f"{label} transfers", tq.name, ch, tn, d.segment, th, trate,
                                   ch.realtime))
        elif isinstance(d, Trace):
            by_q: dict[tuple[str, str | None, str | None], list[Any]] = {}
            for r in d.records:
                ch = r.channel.name if r.channel is not None else None
                by_q.setdefault((r.queue, ch, r.segment), []).append(r)
            for (qn, _chn, seg), recs in by_q.items():
                q = sc.queue(qn)
                ch = recs[0].channel or q.channel
                width = sc.interval
                nb = max(1, int(math.ceil(sc.horizon / width)))
                counts = [0] * nb
                for r in recs:
                    if 0 <= r.arrival < sc.horizon:
                        counts[min(int(r.arrival // width), nb - 1)] += 1
                handle = sum(r.handle for r in recs) / len(recs)

                def trace_rate(t: float, counts: list[int] = counts, width: float = width) -> float:
                    b = int(t // width)
                    return counts[b] * 3600.0 / width if 0 <= b < len(counts) else 0.0

                pats = [r.patience for r in recs]
                mx = None if any(p is None for p in pats) else max(pats)
                out.append(_Stream(f"demand[{i}] trace of queue {qn!r}", qn, ch, dict(q.needs), seg,
                                   handle, trace_rate, ch.realtime, mx))
    return out


def _states(q: Queue, needs: dict[str, int], segment: str | None) -> list[tuple[float, dict[str, int], int, int | None]]:
    """(after, needs, min_tier, max_tier) at each step of ``q`` for a contact of ``segment``."""
    steps = q.steps_for(segment)
    out = []
    for k in range(len(steps) + 1):
        relaxed, min_t, max_t = q.eligibility(needs, steps[:k])
        out.append((steps[k - 1].after if k else 0.0, dict(relaxed), min_t, max_t))
    return out


def _can(g: AgentGroup, ch: Channel, needs: dict[str, int], min_t: int, max_t: int | None) -> bool:
    if g.count <= 0 or g.capacity.get(ch, 0) <= 0:
        return False
    if g.tier < min_t or (max_t is not None and g.tier > max_t):
        return False
    return all(g.skills.get(s, 0) >= lvl for s, lvl in needs.items())


def _chain(sc: Scenario, start: str, needs: dict[str, int]) -> list[tuple[Queue, float, dict[str, int]]]:
    """The queues a waiting contact passes through by overflow, with the time it enters each
    and its needs there (an overflow with ``needs`` replaces them)."""
    out, seen, t = [], set(), 0.0
    q = sc.queue(start).queue
    while q.name not in seen:
        seen.add(q.name)
        out.append((q, t, needs))
        if q.overflow is None:
            break
        t += q.overflow.after
        if q.overflow.needs is not None:
            needs = dict(q.overflow.needs)
        q = sc.queue(q.overflow.to).queue
    return out


def _reachable(q: Queue, after: float) -> bool:
    return q.overflow is None or after <= q.overflow.after


def _eligible_groups(sc: Scenario, s: _Stream) -> tuple[set[int], float | None]:
    """Indices of groups that can serve ``s`` at some reachable step, and the earliest wait at
    which anyone may (None: never)."""
    groups: set[int] = set()
    first: float | None = None
    for q, t0, base in _chain(sc, s.queue, s.needs):
        for after, needs, lo, hi in _states(q, base, s.segment):
            if not _reachable(q, after):
                continue
            ok = {i for i, g in enumerate(sc.agents) if _can(g, s.channel, needs, lo, hi)}
            if ok and first is None:
                first = t0 + after
            groups |= ok
    return groups, first


def _why(sc: Scenario, s: _Stream) -> str:
    caps = [g for g in sc.agents if g.count > 0 and g.capacity.get(s.channel, 0) > 0]
    if not caps:
        return f"no agent takes channel {s.channel.name!r}"
    reasons = []
    for q, _t0, base in _chain(sc, s.queue, s.needs):
        states = [st for st in _states(q, base, s.segment) if _reachable(q, st[0])]
        _, needs, lo, hi = states[-1]
        tiered = [g for g in caps if g.tier >= lo and (hi is None or g.tier <= hi)]
        where = f"in queue {q.name!r}" if q.name != s.queue else "even after its steps"
        if not tiered:
            tiers = sorted({g.tier for g in caps})
            reasons.append(f"{where}, tiers {lo}-{hi if hi is not None else 'any'} are allowed but "
                           f"agents taking {s.channel.name} are tier {', '.join(map(str, tiers))}")
            continue
        missing = sorted({f"{sk} >= {lvl}" for sk, lvl in needs.items()
                          if all(g.skills.get(sk, 0) < lvl for g in tiered)})
        reasons.append(f"{where}, no agent taking {s.channel.name} in tiers {lo}-"
                       f"{hi if hi is not None else 'any'} has {', '.join(missing) or 'all the needed levels at once'}")
    return "; ".join(reasons)


def _ranges(times: Sequence[float], width: float) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for t in times:
        if out and abs(out[-1][1] - t) < 1e-6:
            out[-1][1] = t + width
        else:
            out.append([t, t + width])
    return [(a, b) for a, b in out]


def check_scenario(sc: Scenario) -> CheckResult:
    """Run every static check on ``sc``."""
    res = CheckResult()
    streams = _streams(sc)
    qnames = [q.name for q in sc.queues]

    # --- what an emulated vendor's configuration does that omniroute does not reproduce
    if isinstance(sc.routing.agent, EmulatedAgentPolicy):
        for note in sc.routing.agent.emulation().not_expressed:
            res.add("warning", "emulation", f"{sc.routing.agent.vendor} emulation: {note}")

    # --- skills nobody has
    have = {s for g in sc.agents if g.count > 0 for s in g.skills}
    missing: dict[str, dict[str, None]] = {}
    for qs in sc.queues:
        for skill in qs.needs:
            if skill not in have:
                missing.setdefault(skill, {})[f"queue {qs.name!r}"] = None
    for st in streams:
        for skill in st.needs:
            if skill not in have and f"queue {st.queue!r}" not in missing.get(skill, {}):
                missing.setdefault(skill, {})[f"queue {st.queue!r} ({st.label})"] = None
    for skill, users in missing.items():
        # A problem if some contact needing it can never be served; a warning if a step or an
        # overflow relaxes it (the contacts then always wait for that).
        stuck = any(skill in st.needs and not _eligible_groups(sc, st)[0] for st in streams)
        if stuck or not streams:
            res.add("problem", "skill", f"skill {skill!r} is needed by {', '.join(users)} but no agent has it")
        else:
            res.add("warning", "skill", f"skill {skill!r} is needed by {', '.join(users)} but no agent "
                    "has it: its contacts are served only once a step or an overflow relaxes it")

    # --- overflow cycles
    seen_cycles: set[frozenset[str]] = set()
    for name in qnames:
        path, q = [], sc.queue(name).queue
        while q.overflow is not None and q.name not in path:
            path.append(q.name)
            q = sc.queue(q.overflow.to).queue
        if q.name in path:
            cyc = path[path.index(q.name):]
            if frozenset(cyc) not in seen_cycles:
                seen_cycles.add(frozenset(cyc))
                res.add("problem", "overflow-cycle", "overflow cycle " + " -> ".join([*cyc, cyc[0]])
                        + ": a contact waiting long enough moves round it forever")

    # --- unservable streams
    eligible: dict[int, set[int]] = {}
    for k, st in enumerate(streams):
        groups, first = _eligible_groups(sc, st)
        eligible[k] = groups
        if not groups:
            res.add("problem", "unservable", f"queue {st.queue!r}: contacts of {st.label} "
                    f"({st.channel.name}, needs {st.needs or '{}'}"
                    + (f", segment {st.segment!r}" if st.segment else "")
                    + f") can never be served: {_why(sc, st)}")
        elif first and first > 0:
            res.add("warning", "late", f"queue {st.queue!r}: no agent may serve contacts of "
                    f"{st.label} before they have waited {first:g} s (the first step that widens "
                    "eligibility enough)")

    # --- queues that receive nothing / cannot serve their own contacts
    fed = {st.queue for st in streams} | {cp.queue for cp in sc.outbound}  # campaigns feed theirs
    for d in sc.demand:
        if isinstance(d, Demand) and d.callback is not None and d.callback.queue:
            fed.add(d.callback.queue)
    for name in list(fed):
        fed.update(q.name for q, _t, _n in _chain(sc, name, {}))
    for qs in sc.queues:
        if qs.name not in fed:
            res.add("warning", "unused-queue", f"queue {qs.name!r} receives no contacts "
                    "(no demand, overflow, transfer or callback leads to it)")

    # --- unreachable steps
    for qs in sc.queues:
        q = qs.queue
        into = [st for st in streams if st.queue == qs.name]
        lists = [("steps", q.steps)] + [(f"segment_steps.{seg}", sts) for seg, sts in q.segment_steps.items()]
        for label, sts in lists:
            for j, step in enumerate(sts):
                if q.overflow is not None and step.after > q.overflow.after:
                    res.add("problem", "unreachable-step",
                            f"queue {qs.name!r} {label}[{j}] (after {step.after:g} s) can never be "
                            f"reached: contacts overflow to {q.overflow.to!r} after {q.overflow.after:g} s")
                elif into and all(st.realtime and st.max_patience is not None and step.after > st.max_patience
                                  for st in into):
                    res.add("warning", "unreachable-step",
                            f"queue {qs.name!r} {label}[{j}] (after {step.after:g} s) is never "
                            "reached: every customer has abandoned by then")
        if q.steps and into and all(st.segment in q.segment_steps for st in into):
            res.add("warning", "unused-steps", f"queue {qs.name!r}: its steps are never used: "
                    "every stream into it is of a segment with its own segment_steps")
        segs = {st.segment for st in into}
        for seg in q.segment_steps:
            if into and seg not in segs:
                res.add("warning", "unused-steps", f"queue {qs.name!r}: segment_steps.{seg} is never "
                        f"used: no contact of segment {seg!r} reaches the queue")

    res.shifts = _on_shift(sc)
    _capacity(sc, streams, eligible, res)
    return res


def _days(days: list[int]) -> str:
    """Weekdays as runs: ``"Mon-Fri"``, ``"Sat, Sun"``, ``"Tue"``."""
    runs: list[list[int]] = []
    for d in sorted(set(days)):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(WEEKDAYS[r[0]] if len(r) == 1 else f"{WEEKDAYS[r[0]]}, {WEEKDAYS[r[1]]}" if len(r) == 2
                     else f"{WEEKDAYS[r[0]]}-{WEEKDAYS[r[-1]]}" for r in runs)


def shift_text(spans: list[tuple[float, float]], clock: Clock) -> str:
    """Logged-in spans on the wall clock, one entry per time of day with its weekdays:
    ``"Mon-Fri 08:00-16:00, Sat 09:00-13:00"``; a span of a day or more is written whole
    (``"Tue 08:00-Thu 18:00"``)."""
    by_time: dict[str, list[int]] = {}
    for s, e in spans:
        if e - s >= DAY:
            by_time.setdefault(clock.span(s, e), [])
            continue
        end = clock.label(e, weekday=False)
        key = f"{clock.label(s, weekday=False)}-{'24:00' if end == '00:00' else end}"
        by_time.setdefault(key, []).append(clock.weekday(s))
    return ", ".join(f"{_days(days)} {key}" if days else key for key, days in by_time.items())


def _on_shift(sc: Scenario) -> list[OnShift]:
    out = []
    clock = sc.clock
    for i, g in enumerate(sc.agents):
        name = g.team or f"group #{i}"
        if g.staffing:
            when = (f"staffing by period: {len(g.staffing)} periods of {g.staffing_interval / 60:g} min, "
                    f"{min(g.staffing)}-{max(g.staffing)} agents")
        elif not g.shifts:
            when = "always on"
        else:
            when = shift_text(logged_spans(g, clock, sc.horizon), clock) or "not on shift within the horizon"
        out.append(OnShift(name, g.count or 0, when))
    return out


def _spans(sc: Scenario, times: list[float], hint: bool = False) -> str:
    """Interval starts as clock spans, the first four (``"Tue 00:00-08:00, Wed 00:00-08:00 ..."``),
    with ``hint``, a word when the first begins as a simulation that starts at midnight does
    (shifts pasted without the scenario's ``start`` leave such a stretch with nobody)."""
    runs = _ranges(sorted(set(times)), sc.interval)
    text = ", ".join(sc.clock.span(a, min(b, sc.horizon)) for a, b in runs[:4]) + (" ..." if len(runs) > 4 else "")
    if hint and runs[0][0] == 0.0 and sc.start == 0.0:
        text += (f" (the simulation starts at {sc.clock.label(0.0)}, and shifts are on the wall clock: "
                 "set the scenario's start, e.g. start = \"08:00\", if the day starts later)")
    return text


def _concurrency(sc: Scenario, st: _Stream, groups: set[int]) -> float:
    if st.channel.exclusive or not groups:
        return 1.0
    return float(max(sc.agents[i].capacity.get(st.channel, 1) for i in groups)) or 1.0


def _capacity(sc: Scenario, streams: list[_Stream], eligible: dict[int, set[int]], res: CheckResult) -> None:
    from .. import analytics

    width = sc.interval
    nb = max(1, int(math.ceil(sc.horizon / width)))
    starts = [i * width for i in range(nb)]
    conc = {k: _concurrency(sc, st, eligible[k]) for k, st in enumerate(streams)}
    gname = [f"{g.team or 'group'}#{i}" for i, g in enumerate(sc.agents)]
    short: dict[str, list[float]] = {}
    nobody: dict[str, list[float]] = {}
    staffed_total = [0.0] * len(sc.agents)
    work_total: dict[int, float] = {}
    clock = sc.clock
    duty = [duty_changes(g, clock, sc.horizon) for g in sc.agents]  # the engine's own schedule
    idle: dict[str, list[float]] = {}  # deferrable work arriving while nobody on shift can take it
    for t0 in starts:
        mid = t0 + width / 2
        on = [on_duty(changes, mid) for changes in duty]
        for i, n in enumerate(on):
            staffed_total[i] += n * width
        demand: dict[str, float] = {}
        groups: dict[str, set[str]] = {}
        for k, st in enumerate(streams):
            lam = st.per_hour(mid) / 3600.0
            work_total[k] = work_total.get(k, 0.0) + lam * width * st.handle / conc[k]
            if not st.realtime and lam > 0 and eligible[k] and not any(on[i] for i in eligible[k]):
                idle.setdefault(st.queue, []).append(t0)
            if not st.realtime or lam <= 0 or not eligible[k]:
                continue
            key = f"{st.queue}" if st.channel.name == sc.queue(st.queue).channel.name else f"{st.queue}/{st.channel.name}"
            demand[key] = demand.get(key, 0.0) + lam * st.handle / conc[k]
            if not any(on[i] for i in eligible[k]):
                nobody.setdefault(st.queue, []).append(t0)
            for i in eligible[k]:
                if on[i]:
                    groups.setdefault(gname[i], set()).add(key)
        demand = {k: v for k, v in demand.items() if v > 1e-9}
        if not demand:
            continue
        grp = {g: (float(on[gname.index(g)]), skills) for g, skills in groups.items()}
        if not grp:
            continue
        cov = analytics.coverage(grp, demand, max_occupancy=1.0)
        if not cov.feasible:
            for qn in cov.bottleneck_skills:
                short.setdefault(qn, []).append(t0)
    for qn, times in nobody.items():
        res.add("problem", "capacity", f"queue {qn!r}: realtime contacts arrive but no agent on shift "
                f"can serve them at {_spans(sc, times, hint=True)}")
    for qn, times in idle.items():
        res.add("warning", "no-agents", f"queue {qn!r}: contacts arrive but no agent on shift can serve "
                f"them at {_spans(sc, times, hint=True)}; they wait for the next shift")
    for qn, times in short.items():
        res.add("problem", "capacity", f"queue {qn!r}: the offered load exceeds what the agents on "
                f"shift who can serve it could carry even at 100% occupancy at {_spans(sc, times)}")

    # whole horizon, deferrable work included
    demand = {}
    groups = {}
    for k, st in enumerate(streams):
        if not eligible[k] or work_total.get(k, 0.0) <= 0:
            continue
        demand[st.queue] = demand.get(st.queue, 0.0) + work_total[k] / sc.horizon
        for i in eligible[k]:
            if staffed_total[i] > 0:
                groups.setdefault(gname[i], set()).add(st.queue)
    if demand and groups:
        grp = {g: (staffed_total[gname.index(g)] / sc.horizon, s) for g, s in groups.items()}
        cov = analytics.coverage(grp, demand, max_occupancy=1.0)
        if not cov.feasible:
            res.add("problem", "capacity", f"over the whole horizon the work ({cov.offered:.1f} "
                    f"agent-Erlangs) exceeds what the staffed agents can carry ({cov.carried:.1f}); "
                    f"bottleneck: {', '.join(cov.bottleneck_skills)}")

    # Erlang staffing at each realtime queue's peak
    for qs in sc.queues:
        ks = [k for k, st in enumerate(streams) if st.queue == qs.name and st.realtime and eligible[k]]
        if not ks:
            continue
        best = None
        for t0 in starts:
            mid = t0 + width / 2
            lam = sum(streams[k].per_hour(mid) for k in ks) / 3600.0
            if best is None or lam > best[1]:
                best = (t0, lam)
        assert best is not None
        t0, lam = best
        if lam <= 0:
            continue
        h = sum(streams[k].per_hour(t0 + width / 2) * streams[k].handle for k in ks) / (lam * 3600.0)
        c = max(conc[k] for k in ks)
        able_groups = set().union(*(eligible[k] for k in ks))
        able = sum(on_duty(duty[i], t0 + width / 2) for i in able_groups)
        pats = [streams[k] for k in ks]
        exp_pat = all(p.exponential_patience for p in pats)
        patience = (sum(p.patience_mean for p in pats) / len(pats)) if exp_pat else None
        model = "Erlang A" if patience else "Erlang C"
        needed = None
        if qs.channel.exclusive:
            try:
                needed = analytics.staff(lam, h, target=qs.queue.sla, patience=patience)
            except ValueError:  # a model that does not apply: no number
                needed = None
        else:
            model = "load only"
        res.capacity.append(CapacityRow(qs.name, qs.channel.name, t0, lam * 3600.0, lam * h / c,
                                        needed, able, model, clock.label(t0)))
        if needed is not None and able < needed:
            sla = qs.queue.sla
            res.add("warning", "staffing", f"queue {qs.name!r} at its peak ({clock.label(t0)}): {model} needs "
                    f"{needed} agents for {sla.target:.0%} within {sla.within:g} s; only {able} on shift "
                    "can serve it")


#: What :func:`check_config` reports: the structural checks (no traffic, so no capacity).
CONFIG_KINDS = ("skill", "overflow-cycle", "unservable", "late", "unreachable-step", "unused-steps")


def check_config(queues: Sequence[Queue], agents: Sequence[Any], *,
                 channels: dict[str, Channel] | None = None,
                 needs: dict[str, dict[str, int]] | None = None) -> CheckResult:
    """The static checks of a platform's live configuration: queues and agents, no scenario.

    ``agents``: :class:`~omniroute.Agent` objects; ``channels``/``needs``: per queue name, the
    channel and the ``{skill: level}`` its contacts come with (default voice, no needs).
    Reports needed skills nobody has, overflow cycles, contacts nobody may serve (at any step
    of the queue or of the queues it overflows to), steps no contact reaches (after the
    overflow) and steps replaced by segment steps; no capacity, since there is no traffic.
    """
    from ..channels import VOICE
    from .distributions import Exponential
    from .scenario import AgentGroup as Group
    from .scenario import Arrivals, QueueSpec

    channels = channels or {}
    needs = needs or {}
    specs = [QueueSpec(q, channel=channels.get(q.name, VOICE), needs=needs.get(q.name, {})) for q in queues]
    groups = [Group(1, skills=dict(a.skills), tier=a.tier, capacity=dict(a.capacity), team=a.team,
                    max_total=a.max_total, prefix=a.id) for a in agents]
    # one nominal stream per queue stands for "its contacts" (rate and handle do not matter here)
    demand = [Demand(q.name, Arrivals(1.0), Exponential(60.0)) for q in queues]
    sc = Scenario(specs, groups, demand, horizon=DAY, name="configuration")
    res = check_scenario(sc)
    out = CheckResult()
    for f in res.findings:
        if f.kind in CONFIG_KINDS:
            # the nominal streams are the queues' contacts: name them so
            out.add(f.severity, f.kind, re.sub(r"(contacts of )?demand\[\d+\]", "contacts", f.message))
    return out
