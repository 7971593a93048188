"""Simulation-based staffing: per interval, the fewest agents of one group that meet the
service-level targets in simulation, starting from the Erlang estimate.

:func:`staff_by_simulation` works in four steps:

1. **Offered load.**  For each interval of ``interval`` seconds in ``[0, horizon)``, the demand
   the resized group can serve (channel in its capacity, skills meeting the needs) gives an
   arrival rate (the mean of the piecewise-constant profile over the interval, less what a bot
   contains; a trace's records counted) and a mean agent time per contact (handle + wrap-up).
2. **Erlang estimate.**  :func:`omniroute.analytics.staff` per interval for the pooled load:
   Erlang A when every stream has exponential patience (rate-weighted mean patience), else
   Erlang C; the strictest count over the queues' targets.
3. **A plan as shifts.**  The resized group is replaced by one copy per interval with that
   interval's headcount and a :class:`~omniroute.sim.Shift` covering just that interval (on
   the wall clock, :attr:`Scenario.clock`: the interval's time of day, on its weekday; the last
   interval's shift runs one more interval past the horizon, at most to a week after the
   start, so that contacts still waiting then are served as they would be).  Other groups
   stay as they are.
4. **Search with common random numbers.**  Every plan is simulated with the same
   per-replication seeds (those of :func:`omniroute.sim.replicate`), so two plans see the same
   customers.  An interval whose replications' mean service level misses a target is raised
   (by 1, then 2, 4... while it keeps missing; the count that missed becomes its floor).  Once
   every interval meets its targets, every interval above its floor is tried lower, all at
   once (by 1, then 2, 4... while cuts keep meeting; after a miss, halfway to the new floor),
   and keeps the lower count where that interval still meets its targets.  The search stops
   when every target is met and no interval can go lower (``converged``), or after
   ``max_iterations`` simulated plans; the result is the last plan meeting every target (or,
   if none did, the last plan simulated).

Intervals that end by the scenario's warm-up are held at the Erlang estimate (they start from
an empty system and are not measured).  Service level per interval counts contacts by the
interval they **arrive** in, as the reports' interval series do: answered within the threshold
/ offered, an abandon being a miss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import attrs
import numpy as np

from ..agents import Agent
from ..errors import ValidationError
from ..queues import ServiceLevel
from .clock import Clock
from .distributions import Exponential
from .engine import simulate
from .replicate import seeds as replication_seeds
from .report import Estimate, estimate
from .scenario import DAY, WEEK, AgentGroup, Demand, Scenario, Shift, Trace

__all__ = ["SimStaffing", "SimStaffingRow", "staff_by_simulation"]

_FUNC = "staff_by_simulation"
_TOL = 1e-9


@attrs.frozen(slots=True)
class SimStaffingRow:
    """One interval of a simulation-based staffing table.

    ``arrival_rate`` (per second) and ``load`` (Erlangs): the demand the group serves, as the
    Erlang estimate sees it; ``erlang_agents``: that estimate; ``simulated_agents``: the count
    the search settled on; ``service_level``: what ``simulated_agents`` achieve over the
    group's queues together (mean of the replications and its 95% interval; mean None when no
    contact arrived); ``queues``: the same per queue; ``target``: the strictest target of the
    group's queues; ``met``: every queue's replication mean meets its target; ``adjusted``:
    False for an interval held at the Erlang estimate because it lies in the warm-up.
    ``start``/``end`` are seconds from the simulation's start; ``when`` is the interval on the
    scenario's wall clock, ``"Tue 08:00-08:30"``.
    """

    start: float
    end: float
    arrival_rate: float
    load: float
    erlang_agents: int
    simulated_agents: int
    service_level: Estimate
    target: float
    met: bool
    adjusted: bool
    queues: Mapping[str, Estimate] = attrs.field(hash=False)
    when: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready dict (estimates as ``{"mean", "low", "high"}``)."""
        return {
            "start": self.start, "end": self.end, "when": self.when, "arrival_rate": self.arrival_rate,
            "load": self.load, "erlang_agents": self.erlang_agents,
            "simulated_agents": self.simulated_agents,
            "service_level": self.service_level.to_dict(), "target": self.target,
            "met": self.met, "adjusted": self.adjusted,
            "queues": {q: e.to_dict() for q, e in self.queues.items()},
        }


@attrs.frozen
class SimStaffing:
    """The result of :func:`staff_by_simulation`.

    ``table``: one :class:`SimStaffingRow` per interval; ``group``: the resized group's agent
    id prefix; ``targets``: the service level each of its queues was held to; ``model``:
    ``"erlang_c"`` or ``"erlang_a"`` (the estimate's); ``iterations``: plans simulated;
    ``converged``: every target met and no interval could go lower within ``max_iterations``;
    ``history``: the plans simulated, in order; ``scenario``: the input scenario staffed with
    the plan found (run it with :func:`omniroute.sim.replicate` for every other KPI).
    """

    name: str
    group: str
    queues: tuple[str, ...]
    targets: Mapping[str, ServiceLevel] = attrs.field(hash=False)
    model: str
    interval: float
    replications: int
    seed: int
    iterations: int
    converged: bool
    table: tuple[SimStaffingRow, ...]
    history: tuple[tuple[int, ...], ...] = attrs.field(repr=False)
    scenario: Scenario = attrs.field(repr=False, eq=False)

    @property
    def erlang_agents(self) -> tuple[int, ...]:
        return tuple(r.erlang_agents for r in self.table)

    @property
    def simulated_agents(self) -> tuple[int, ...]:
        return tuple(r.simulated_agents for r in self.table)

    @property
    def met(self) -> bool:
        """Every interval meets its targets."""
        return all(r.met for r in self.table)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: parameters, outcome and ``table`` rows."""
        return {
            "scenario": self.name, "group": self.group, "queues": list(self.queues),
            "targets": {q: {"target": t.target, "within": t.within} for q, t in self.targets.items()},
            "model": self.model, "interval": self.interval, "replications": self.replications,
            "seed": self.seed, "iterations": self.iterations, "converged": self.converged,
            "met": self.met, "table": [r.to_dict() for r in self.table],
        }


# ---------------------------------------------------------------------------- validation


def _bad(name: str, allowed: str, value: Any) -> ValidationError:
    return ValidationError(f"{_FUNC}: {name} must be {allowed} (got {value!r})")


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise _bad(name, f"an integer >= {low}", value)
    return int(value)


def _target(value: Any) -> ServiceLevel | None:
    if value is None or isinstance(value, ServiceLevel):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        try:
            return ServiceLevel(*value)
        except ValidationError as e:
            raise _bad("target", "a ServiceLevel or a (target, within) pair", value) from e
    raise _bad("target", "a ServiceLevel, a (target, within) pair or None", value)


def _group(sc: Scenario, value: Any) -> int:
    n = len(sc.agents)
    if n == 0:
        raise ValidationError(f"{_FUNC}: the scenario {sc.name!r} has no agent group to resize")
    names = [g.prefix or g.team or "agent" for g in sc.agents]
    if value is None:
        return 0
    if isinstance(value, AgentGroup):
        for i, g in enumerate(sc.agents):
            if g is value or g == value:
                return i
        raise _bad("group", "one of the scenario's agent groups", value)
    if isinstance(value, str):
        for i, g in enumerate(sc.agents):
            if value in (g.team, g.prefix):
                return i
        raise _bad("group", f"a team or prefix of the scenario's groups {names}", value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < n:
        return int(value)
    raise _bad("group", f"an index 0..{n - 1}, a team or prefix name ({names}) or an AgentGroup",
               value)


# ---------------------------------------------------------------------------- demand


def _serves(agent: Agent, channel: Any, needs: Mapping[str, int]) -> bool:
    if agent.capacity.get(channel, 0) <= 0:
        return False
    return all(agent.skills.get(s, 0) >= lvl for s, lvl in needs.items())


def _mean_rate(arr: Any, s: float, e: float, offset: float) -> float:
    """Mean arrivals per second of a piecewise-constant profile over ``[s, e)``."""
    if not isinstance(arr.per_hour, tuple):
        return arr.per_hour / 3600.0
    iv = arr.interval
    k = math.floor((s + offset) / iv)
    total, t = 0.0, s
    while t < e:
        nxt = min(e, (k + 1) * iv - offset)
        if nxt > t:
            total += arr.per_hour[k % len(arr.per_hour)] / 3600.0 * (nxt - t)
            t = nxt
        k += 1
    return total / (e - s)


@attrs.frozen(slots=True)
class _Load:
    rates: tuple[float, ...]  # contacts per second, per interval
    loads: tuple[float, ...]  # Erlangs, per interval
    patience: tuple[float | None, ...]  # Erlang A patience per interval, None: Erlang C
    queues: tuple[str, ...]


def _offered(sc: Scenario, agent: Agent, width: float, nbins: int) -> _Load:
    h_end = sc.horizon
    bins = [(i * width, min((i + 1) * width, h_end)) for i in range(nbins)]
    lam = np.zeros(nbins)
    work = np.zeros(nbins)
    pat = np.zeros(nbins)  # sum of lam / patience-mean weights: rate-weighted mean patience
    erlang_a = True
    queues: dict[str, None] = {}
    origin = sc.clock.origin
    for d in sc.demand:
        if isinstance(d, Demand):
            q = sc.queue(d.queue)
            ch = d.channel if d.channel is not None else q.channel
            needs = d.needs if d.needs is not None else q.needs
            if not _serves(agent, ch, needs):
                continue
            queues.setdefault(d.queue, None)
            keep = 1.0 - (d.bot.containment if d.bot is not None else 0.0)
            h = d.handle.mean + d.wrap_up
            exp_pat = isinstance(d.patience, Exponential) and ch.realtime
            offset = d.arrivals.clock_offset(origin)  # the engine's own rule
            for i, (s, e) in enumerate(bins):
                r = _mean_rate(d.arrivals, s, e, offset) * keep
                if r <= 0:
                    continue
                lam[i] += r
                work[i] += r * h
                if exp_pat:
                    pat[i] += r * d.patience.mean  # type: ignore[union-attr]
                else:
                    erlang_a = False
        elif isinstance(d, Trace):
            for r in d.records:
                if not 0 <= r.arrival < h_end:
                    continue
                q = sc.queue(r.queue)
                ch = r.channel if r.channel is not None else q.channel
                if not _serves(agent, ch, q.needs):
                    continue
                queues.setdefault(r.queue, None)
                i = min(int(r.arrival // width), nbins - 1)
                span = bins[i][1] - bins[i][0]
                lam[i] += 1.0 / span
                work[i] += (r.handle + d.wrap_up) / span
                erlang_a = False
    patience = tuple(
        (float(pat[i] / lam[i]) if erlang_a and lam[i] > 0 else None) for i in range(nbins)
    )
    return _Load(tuple(float(x) for x in lam), tuple(float(x) for x in work), patience,
                 tuple(queues))


def _erlang(load: _Load, targets: Mapping[str, ServiceLevel]) -> list[int]:
    from ..analytics import staff as erlang_staff  # scipy: loaded on first use

    out = []
    for lam, work, p in zip(load.rates, load.loads, load.patience, strict=True):
        if lam <= 0:
            out.append(0)
            continue
        h = work / lam
        out.append(max(erlang_staff(lam, h, t, patience=p) for t in set(targets.values())))
    return out


# ---------------------------------------------------------------------------- plans


def _shift(s: float, e: float, clock: Clock) -> Shift:
    """The shift of the simulation times ``[s, e)`` (at most a day) on the wall clock."""
    day = clock.day(s)
    c0 = clock.start + s - day * DAY
    c1 = clock.start + e - day * DAY
    end = c1 if c1 <= DAY else c1 - DAY
    return Shift(c0, end, days=(clock.weekday(s),))


def _plan(sc: Scenario, gi: int, counts: Sequence[int], width: float) -> Scenario:
    """``sc`` with group ``gi`` replaced by one shift-bound copy per interval."""
    g = sc.agents[gi]
    prefix = g.prefix or g.team or "agent"
    h_end = sc.horizon
    groups = []
    last = len(counts) - 1
    for i, n in enumerate(counts):
        if n == 0:
            continue
        s = i * width
        e = min((i + 1) * width, h_end)
        if i == last:  # keep serving what is still waiting at the horizon, but not so
            # long that the shift's weekday comes round again at the start
            e = min(h_end + width, s + DAY, WEEK)
        groups.append(attrs.evolve(g, count=int(n), prefix=prefix, shifts=(_shift(s, e, sc.clock),)))
    return attrs.evolve(sc, agents=(*sc.agents[:gi], *groups, *sc.agents[gi + 1:]),
                        interval=width)


def _counts(sc: Scenario, ss: np.random.SeedSequence, queues: tuple[str, ...],
            within: tuple[float, ...], width: float, nbins: int) -> tuple[np.ndarray, np.ndarray]:
    """One replication: contacts offered and answered in time, per (queue, interval)."""
    out = simulate(sc, ss)
    index = {q: i for i, q in enumerate(queues)}
    offered = np.zeros((len(queues), nbins), dtype=np.int64)
    good = np.zeros((len(queues), nbins), dtype=np.int64)
    h_end = sc.horizon
    legs = out.columns
    qi = np.array([index.get(q, -1) for q in legs.queue], dtype=np.int64)
    m = (qi >= 0) & ~legs.contained & (legs.arrival >= 0) & (legs.arrival < h_end)
    b = np.minimum((legs.arrival[m] // width).astype(np.int64), nbins - 1)
    q = qi[m]
    np.add.at(offered, (q, b), 1)
    wait = legs.answered[m] - legs.entered[m]  # nan: not answered
    limit = np.array(within, dtype=float)[q] + _TOL if len(q) else np.zeros(0)
    ok = wait <= limit
    np.add.at(good, (q[ok], b[ok]), 1)
    return offered, good


@attrs.frozen(slots=True)
class _Result:
    pooled: tuple[Estimate, ...]
    queues: tuple[Mapping[str, Estimate], ...]
    met: tuple[bool, ...]


def _ratio(good: np.ndarray, offered: np.ndarray) -> float | None:
    return float(good) / float(offered) if offered > 0 else None


# ---------------------------------------------------------------------------- search


def staff_by_simulation(
    scenario: Scenario,
    target: ServiceLevel | tuple[float, float] | None = None,
    *,
    group: int | str | AgentGroup | None = None,
    interval: float | None = None,
    replications: int | None = None,
    seed: int = 0,
    max_iterations: int = 30,
    executor: Executor | Any | None = None,
) -> SimStaffing:
    """Per-interval headcount of one agent group meeting service-level targets in simulation.

    ``target``: a :class:`~omniroute.queues.ServiceLevel` (or ``(target, within)``) every
    queue the group serves is held to; None: each queue's own ``sla``.  ``group``: the group
    to resize (index in ``scenario.agents``, team or prefix name, or the group itself; default
    the first); its own shifts are replaced by the plan.  ``interval``: seconds per staffing
    interval (default ``scenario.interval``; at most a day).  ``replications`` (default the
    scenario's) share the seeds of :func:`omniroute.sim.replicate` with ``seed``: same seed,
    same result.  ``max_iterations``: plans simulated at most.  ``executor``: runs the
    replications (any ``concurrent.futures.Executor``, as in :func:`~omniroute.sim.replicate`).

    See the module docstring for the method; raises
    :class:`~omniroute.errors.ValidationError` naming the argument and value on bad input.
    """
    if not isinstance(scenario, Scenario):
        raise _bad("scenario", "a Scenario", scenario)
    sl = _target(target)
    gi = _group(scenario, group)
    if interval is None:
        width = float(scenario.interval)
    else:
        if (isinstance(interval, bool) or not isinstance(interval, (int, float))
                or not 0 < interval <= DAY):
            raise _bad("interval", f"a number of seconds in (0, {DAY:g}]", interval)
        width = float(interval)
    if width > DAY:
        raise _bad("interval", f"a number of seconds in (0, {DAY:g}]", width)
    n_rep = scenario.replications if replications is None else _int("replications", replications, 1)
    seed = _int("seed", seed, 0)
    max_iterations = _int("max_iterations", max_iterations, 1)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise _bad("executor", "None or an object with submit() (a concurrent.futures.Executor)",
                   executor)
    if scenario.horizon > WEEK:
        raise ValidationError(
            f"{_FUNC}: the scenario's horizon must be at most a week ({WEEK:g} s) for a plan of "
            f"weekday shifts (got {scenario.horizon!r})"
        )

    nbins = int(math.ceil(scenario.horizon / width - _TOL))
    grp = scenario.agents[gi]
    agent = grp.agent(0)
    load = _offered(scenario, agent, width, nbins)
    if not load.queues:
        raise _bad("group", "a group that can serve some of the scenario's demand "
                   "(a channel in its capacity, skills meeting the needs)", group)
    targets = {q: sl if sl is not None else scenario.queue(q).queue.sla for q in load.queues}
    within = tuple(targets[q].within for q in load.queues)
    goal = tuple(targets[q].target for q in load.queues)
    erlang = _erlang(load, targets)
    adjustable = [min((i + 1) * width, scenario.horizon) > scenario.warmup for i in range(nbins)]

    children = replication_seeds(seed, n_rep)
    cache: dict[tuple[int, ...], _Result] = {}
    history: list[tuple[int, ...]] = []

    def evaluate(plan: tuple[int, ...]) -> _Result:
        if plan in cache:
            return cache[plan]
        sc = _plan(scenario, gi, plan, width)
        args = (load.queues, within, width, nbins)
        if executor is None:
            reps = [_counts(sc, s, *args) for s in children]
        else:
            futures = [executor.submit(_counts, sc, s, *args) for s in children]
            reps = [f.result() for f in futures]
        pooled, per_queue, met = [], [], []
        for b in range(nbins):
            # service levels: intervals clipped to [0, 1], as a Summary's
            pooled.append(estimate([_ratio(g[:, b].sum(), o[:, b].sum()) for o, g in reps], lower=0.0, upper=1.0))
            qs = {q: estimate([_ratio(g[qi, b], o[qi, b]) for o, g in reps], lower=0.0, upper=1.0)
                  for qi, q in enumerate(load.queues)}
            per_queue.append(qs)
            met.append(all(e.mean is None or e.mean >= goal[qi] - _TOL
                           for qi, e in enumerate(qs.values())))
        res = _Result(tuple(pooled), tuple(per_queue), tuple(met))
        cache[plan] = res
        history.append(plan)
        return res

    plan = list(erlang)
    lo = [plan[i] if not adjustable[i] else 0 for i in range(nbins)]  # fewer agents miss
    up = [1] * nbins  # next raise, doubling while an interval keeps missing
    down = [1] * nbins  # next cut, doubling while cuts keep meeting the targets
    best: tuple[int, ...] | None = None
    converged = False
    for _guard in range(100 * max_iterations):  # plans already seen cost no iteration
        if len(history) >= max_iterations:
            break
        res = evaluate(tuple(plan))
        misses = [i for i in range(nbins) if adjustable[i] and not res.met[i]]
        if misses:
            for i in misses:
                lo[i] = plan[i] + 1
                plan[i] += up[i]
                up[i] *= 2
                down[i] = 1
            continue
        best = tuple(plan)
        up = [1] * nbins
        cut = [i for i in range(nbins) if plan[i] > lo[i]]
        if not cut:
            converged = True
            break
        if len(history) >= max_iterations:
            break
        trial = list(plan)
        for i in cut:
            trial[i] = max(lo[i], plan[i] - down[i])
        tres = evaluate(tuple(trial))
        if all(tres.met[i] for i in range(nbins) if adjustable[i]):
            best = tuple(trial)
        for i in cut:
            if tres.met[i]:
                plan[i] = trial[i]
                down[i] *= 2
            else:
                lo[i] = trial[i] + 1
                down[i] = max(1, (plan[i] - lo[i]) // 2)
    final = best if best is not None else history[-1]
    res = cache[final]
    rows = []
    strictest = max(goal)
    for i in range(nbins):
        s, e = i * width, min((i + 1) * width, scenario.horizon)
        rows.append(SimStaffingRow(
            s, e, load.rates[i], load.loads[i], erlang[i], final[i], res.pooled[i], strictest,
            res.met[i], adjustable[i], res.queues[i], scenario.clock.span(s, e),
        ))
    model = "erlang_a" if any(p is not None for p in load.patience) else "erlang_c"
    return SimStaffing(
        scenario.name, grp.prefix or grp.team or "agent", load.queues, targets, model, width,
        n_rep, seed, len(history), converged, tuple(rows), tuple(history),
        _plan(scenario, gi, final, width),
    )
