"""What a simulation runs: queues, agent groups with shifts, demand, routing, horizon.

Frozen value objects, validated when built (``ValidationError`` naming the field and the
value).  Build a :class:`Scenario` in code or load one from TOML with
:func:`omniroute.sim.load_scenario`.

Time (one convention, :mod:`omniroute.sim.clock`): simulation times are seconds from the
start of the simulation, which is at clock time ``Scenario.start`` (seconds after midnight)
on weekday ``Scenario.start_day`` (0 = Monday).  Every clock time a user writes is on the wall
clock: shift and break starts and ends are seconds after midnight, shift ``days`` are
weekdays; a profile (arrival rates, staffing periods) that spans whole days is read on the
wall clock from midnight of Monday, a shorter one repeats from the simulation's start.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from .._checks import FrozenMap, attributes, check_duration, check_int, frozen_mapping, levels, real
from ..agents import Agent
from ..channels import VOICE, Channel, channel
from ..errors import UnknownQueueError, ValidationError
from ..expressions import expression_problems
from ..policies import (
    CONTACT_POLICIES,
    AgentPolicy,
    CMu,
    ContactPolicy,
    GeneralizedCMu,
    HeadStart,
    IdlenessRatio,
    QueueRatio,
    RealtimeFirst,
    Reserve,
    Scored,
    ScoreTable,
    WeightedAging,
    agent_policy,
    contact_policy,
)
from ..queues import Queue
from ..router import check_matching
from .clock import Clock
from .distributions import Deterministic, Distribution
from .limits import (
    MAX_AGENTS,
    MAX_ARRIVALS,
    MAX_ATTEMPTS,
    MAX_BUSYNESS_CV,
    MAX_DURATION,
    MAX_HANDLE_FACTOR,
    MAX_LINES,
    MAX_PACING,
    MAX_PER_HOUR,
    MAX_PROFILE_PIECES,
    MAX_REPLICATIONS,
    scenario_limits,
)

__all__ = [
    "Arrivals", "Busyness", "Bot", "Retrial", "Callback", "Transfer", "Demand", "TraceRecord",
    "Trace", "QueueSpec", "Break", "Shift", "AgentGroup", "Routing", "Scenario", "Campaign", "ContactPolicyChoice",
    "ScoredChoice", "ReserveChoice", "IdlenessChoice", "DAY", "WEEK", "cycle_offset",
]

DAY = 86400.0
WEEK = 7 * DAY


def _fraction(owner: str, field: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
        raise ValidationError(f"{owner}.{field} must be a probability in [0, 1] (got {v!r})")
    return float(v)


def _dist(owner: str, field: str, v: Any, optional: bool = False) -> None:
    if v is None and optional:
        return
    if not isinstance(v, Distribution):
        raise ValidationError(f"{owner}.{field} must be a Distribution (got {v!r})")


def _rates(v: float | Sequence[float]) -> float | tuple[float, ...]:
    if isinstance(v, (list, tuple)):
        out = tuple(v)
        if not out:
            raise ValidationError("Arrivals.per_hour must hold at least one rate (got [])")
        for i, r in enumerate(out):
            if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0 <= r <= MAX_PER_HOUR:
                raise ValidationError(f"Arrivals.per_hour[{i}] must be a rate from 0 to {MAX_PER_HOUR:,.0f} "
                                      f"(got {r!r})")
        return tuple(float(r) for r in out)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= MAX_PER_HOUR:
        raise ValidationError(f"Arrivals.per_hour must be a rate from 0 to {MAX_PER_HOUR:,.0f} or a list "
                              f"of rates (got {v!r})")
    return float(v)


@attrs.frozen(slots=True)
class Arrivals:
    """Poisson arrivals at ``per_hour`` contacts an hour.

    A list of rates is a piecewise-constant profile, one rate per ``interval`` seconds,
    repeating: 48 rates of 30 minutes make a day (from midnight), 336 a week (from Monday
    midnight), read on the scenario's wall clock; a profile that is not whole days repeats
    from the simulation's start (see :func:`cycle_offset`).
    """

    per_hour: float | tuple[float, ...] = attrs.field(converter=_rates)
    interval: float = 1800.0

    def __attrs_post_init__(self) -> None:
        if check_duration("Arrivals", "interval", self.interval) <= 0:
            raise ValidationError(f"Arrivals.interval must be > 0 seconds (got {self.interval!r})")

    def rate(self, t: float) -> float:
        """Arrivals per second at time ``t``."""
        r = self.per_hour
        if isinstance(r, tuple):
            r = r[int(t // self.interval) % len(r)]
        return r / 3600.0

    @property
    def period(self) -> float:
        r = self.per_hour
        return self.interval * len(r) if isinstance(r, tuple) else math.inf

    def clock_offset(self, offset: float) -> float:
        """The shift this profile's clock is read with, given the scenario's clock origin
        (``Scenario.clock.origin``: seconds from Monday 00:00 to simulation time 0): see
        :func:`cycle_offset`.  The engine draws arrivals and ``check`` computes its peaks with
        this one rule."""
        return cycle_offset(self.period, offset)

    def rate_on(self, t: float, origin: float) -> float:
        """Arrivals per second at simulation time ``t`` of a scenario whose clock origin is
        ``origin`` (``Scenario.clock.origin``)."""
        return self.rate(t + self.clock_offset(origin))


def cycle_offset(period: float, origin: float) -> float:
    """Where a repeating profile of ``period`` seconds (``math.inf``: constant) is read from
    at simulation time 0: ``origin`` (seconds from Monday 00:00 to simulation time 0, so the
    profile is on the wall clock, a day's profile starting at midnight, a week's on Monday)
    when the period is whole days, 0 for any other period (it repeats from the start)."""
    if math.isfinite(period) and period % DAY:
        return 0.0
    return origin


@attrs.frozen(slots=True)
class Busyness:
    """A day-level busyness factor: every day's rates are multiplied by a Gamma draw of
    mean 1 and coefficient of variation ``cv`` (shared by all demand of the scenario)."""

    cv: float

    def __attrs_post_init__(self) -> None:
        if isinstance(self.cv, bool) or not isinstance(self.cv, (int, float)) \
                or not 0 < self.cv <= MAX_BUSYNESS_CV:
            raise ValidationError(f"Busyness.cv must be a number > 0 and <= {MAX_BUSYNESS_CV:g} (got {self.cv!r})")


@attrs.frozen(slots=True)
class Bot:
    """A bot / self-service stage before the queue: it takes ``time``; a share
    ``containment`` is resolved there, the rest escalates to the queue with its needs."""

    containment: float = attrs.field(converter=lambda v: _fraction("Bot", "containment", v))
    time: Distribution

    def __attrs_post_init__(self) -> None:
        _dist("Bot", "time", self.time)


RETRIAL_PATIENCE = ("new", "same")


@attrs.frozen(slots=True)
class Retrial:
    """An abandoner tries again with ``probability``, after ``delay``; at most
    ``max_attempts`` attempts in all.  The retry is a new offered contact of the same
    customer (same handle time).

    ``patience``: ``"new"`` (the default) draws a fresh patience for each attempt, as if a
    different caller; ``"same"`` keeps the patience the caller had (the same person calling
    back, as in retrial models with one patience per customer).
    """

    probability: float = attrs.field(converter=lambda v: _fraction("Retrial", "probability", v))
    delay: Distribution
    max_attempts: int = 3
    patience: str = "new"

    def __attrs_post_init__(self) -> None:
        _dist("Retrial", "delay", self.delay)
        if self.patience not in RETRIAL_PATIENCE:
            raise ValidationError(f"Retrial.patience must be one of {', '.join(map(repr, RETRIAL_PATIENCE))} "
                                  f"(got {self.patience!r})")
        if check_int("Retrial", "max_attempts", self.max_attempts, low=1) > MAX_ATTEMPTS:
            raise ValidationError(f"Retrial.max_attempts must be at most {MAX_ATTEMPTS} (got {self.max_attempts!r})")


@attrs.frozen(slots=True)
class Callback:
    """A customer still waiting after ``after`` seconds accepts, with ``probability``,
    to leave a number: it stops abandoning and moves to ``queue`` (default: its own),
    keeping its original age (``router.transfer``)."""

    after: float
    probability: float = attrs.field(default=1.0, converter=lambda v: _fraction("Callback", "probability", v))
    queue: str | None = None

    def __attrs_post_init__(self) -> None:
        check_duration("Callback", "after", self.after)


@attrs.frozen(slots=True)
class Transfer:
    """A share ``probability`` of contacts finished by an agent of tier in ``from_tiers``
    goes on to queue ``to`` (with ``needs`` if given), for a further ``handle`` time
    (default: the demand's).  The customer keeps its original arrival."""

    probability: float = attrs.field(converter=lambda v: _fraction("Transfer", "probability", v))
    to: str
    needs: Mapping[str, int] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else levels("Transfer", "needs", v), hash=False
    )
    handle: Distribution | None = None
    from_tiers: tuple[int, ...] = (1,)

    def __attrs_post_init__(self) -> None:
        _dist("Transfer", "handle", self.handle, optional=True)


@attrs.frozen(slots=True)
class Demand:
    """A stream of contacts to ``queue``.

    ``channel``/``needs`` default to the queue's.  ``patience`` None: nobody abandons
    (deferrable channels never abandon: their queue's ``sla.within`` is their deadline).
    ``attributes``: what every contact of the stream carries (``Contact.attributes``, JSON
    values), read by queues' ``requires`` expressions as ``contact.<name>``; a mix (60%
    Spanish speakers) is two streams.
    """

    queue: str
    arrivals: Arrivals
    handle: Distribution
    patience: Distribution | None = None
    wrap_up: float = 0.0
    segment: str | None = None
    priority: int = 0
    channel: Channel | None = attrs.field(default=None, converter=lambda v: None if v is None else channel(v))
    needs: Mapping[str, int] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else levels("Demand", "needs", v), hash=False
    )
    bot: Bot | None = None
    retrial: Retrial | None = None
    callback: Callback | None = None
    transfer: Transfer | None = None
    name: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=lambda v: _contact_attributes(v),
                                                hash=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.arrivals, Arrivals):
            raise ValidationError(f"Demand.arrivals must be an Arrivals (got {self.arrivals!r})")
        _dist("Demand", "handle", self.handle)
        _dist("Demand", "patience", self.patience, optional=True)
        if self.patience is not None and self.channel is not None and not self.channel.realtime:
            raise ValidationError(deferrable_patience("Demand.patience", self.channel.name, self.patience))
        check_duration("Demand", "wrap_up", self.wrap_up)
        check_int("Demand", "priority", self.priority)


def _contact_attributes(value: Any) -> Mapping[str, Any]:
    return attributes("Demand.attributes", value)


def deferrable_patience(field: str, ch: str, value: Any, queue: str | None = None) -> str:
    """The message for a patience given to contacts of a deferrable channel."""
    whose = f" (the channel of queue {queue!r})" if queue is not None else ""
    return (f"{field} must not be set: channel {ch!r}{whose} is deferrable, its contacts do not "
            f"abandon; remove patience (the queue's sla.within is their deadline instead) "
            f"(got {value!r})")


@attrs.frozen(slots=True)
class TraceRecord:
    """One recorded contact: arrival time (>= 0), queue, handle time (>= 0), patience if
    known (>= 0; None: waits until served)."""

    arrival: float
    queue: str
    handle: float
    patience: float | None = None
    priority: int = 0
    segment: str | None = None
    channel: Channel | None = attrs.field(default=None, converter=lambda v: None if v is None else channel(v))

    def __attrs_post_init__(self) -> None:
        check_duration("TraceRecord", "arrival", self.arrival)
        check_duration("TraceRecord", "handle", self.handle)
        if self.patience is not None:
            check_duration("TraceRecord", "patience", self.patience, allow_inf=True)
        if not isinstance(self.queue, str) or not self.queue:
            raise ValidationError(f"TraceRecord.queue must be a queue name (got {self.queue!r})")
        check_int("TraceRecord", "priority", self.priority)
        if self.segment is not None and not isinstance(self.segment, str):
            raise ValidationError(f"TraceRecord.segment must be a string or None (got {self.segment!r})")
        if self.patience is not None and self.channel is not None and not self.channel.realtime:
            raise ValidationError(deferrable_patience("TraceRecord.patience", self.channel.name, self.patience))


@attrs.frozen(slots=True)
class Trace:
    """Trace-driven demand: the contacts of ``records``, as recorded (arrivals need not be
    sorted).  Records from the horizon on are skipped."""

    records: tuple[TraceRecord, ...] = attrs.field(converter=tuple, hash=False)
    wrap_up: float = 0.0
    name: str | None = "trace"

    def __attrs_post_init__(self) -> None:
        check_duration("Trace", "wrap_up", self.wrap_up)


def _lines(owner: str, value: object) -> None:
    if value is not None and check_int(owner, "lines", value, low=1) > MAX_LINES:
        raise ValidationError(f"{owner}.lines must be at most {MAX_LINES:,} (got {value!r})")


@attrs.frozen(slots=True)
class QueueSpec:
    """A queue as a scenario names it: the router's :class:`~omniroute.Queue` plus the
    channel and needs its contacts have by default."""

    queue: Queue
    channel: Channel = attrs.field(default=VOICE, converter=channel)
    needs: Mapping[str, int] = attrs.field(factory=dict, converter=lambda v: levels("QueueSpec", "needs", v), hash=False)
    #: Trunk lines of this queue (None: unlimited): a contact holds one from its arrival
    #: (bot stage included) until it leaves the centre; one arriving when all are taken is
    #: blocked (and may retry, as its demand's ``retrial`` says).
    lines: int | None = None

    def __attrs_post_init__(self) -> None:
        _lines("QueueSpec", self.lines)

    @property
    def name(self) -> str:
        return self.queue.name


@attrs.frozen(slots=True)
class Break:
    """A break from ``start`` (clock, seconds since midnight) for ``duration`` seconds."""

    start: float
    duration: float

    def __attrs_post_init__(self) -> None:
        if check_duration("Break", "start", self.start) > DAY:
            raise ValidationError(f"Break.start must be a clock time within a day (got {self.start!r})")
        check_duration("Break", "duration", self.duration)


def _clock(t: float) -> str:
    t = int(round(t))
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}" + (f":{t % 60:02d}" if t % 60 else "")


def _span(start: float, end: float) -> float:
    """Length of a shift from clock ``start`` to ``end`` (``end <= start``: next day)."""
    return end - start if end > start else end + DAY - start


def break_offset(shift_start: float, b_start: float) -> float:
    """Seconds from a shift's start to a break's start (a break before the shift's clock
    start is on the next day, in a shift crossing midnight)."""
    return b_start - shift_start if b_start >= shift_start else b_start + DAY - shift_start


def break_problem(start: float, end: float, b: Break) -> str | None:
    """Why break ``b`` does not fit in the shift ``start``-``end`` (None: it does)."""
    length = _span(start, end)
    off = break_offset(start, b.start)
    if off + b.duration <= length + 1e-9:
        return None
    return (f"the break {_clock(b.start)} for {b.duration:g} s must lie inside its shift "
            f"{_clock(start)}-{_clock(end)}" + (" (ending the next day)" if end <= start else ""))


@attrs.frozen(slots=True)
class Shift:
    """Logged in from ``start`` to ``end`` (clock times; ``end <= start`` ends next day), on
    ``days`` (0 = Monday ... 6; None: every day), with ``breaks``.

    Each break must lie inside the shift (a break at a clock time before ``start`` is on the
    next day, in a shift crossing midnight), and breaks must not overlap.
    """

    start: float
    end: float
    days: tuple[int, ...] | None = None
    breaks: tuple[Break, ...] = attrs.field(default=(), converter=tuple)

    def __attrs_post_init__(self) -> None:
        for f in ("start", "end"):
            v = check_duration("Shift", f, getattr(self, f))
            if v > DAY:
                raise ValidationError(f"Shift.{f} must be a clock time within a day (got {v!r})")
        if self.days is not None:
            for d in self.days:
                if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6:
                    raise ValidationError(f"Shift.days must hold day numbers 0-6 (got {d!r})")
        for i, b in enumerate(self.breaks):
            if not isinstance(b, Break):
                raise ValidationError(f"Shift.breaks[{i}] must be a Break (got {b!r})")
            why = break_problem(self.start, self.end, b)
            if why is not None:
                raise ValidationError(f"Shift.breaks[{i}]: {why} (got {b!r})")
        why = overlapping_breaks(self.start, self.breaks)
        if why is not None:
            raise ValidationError(f"Shift.breaks: {why} (got {self.breaks!r})")


def overlapping_breaks(start: float, breaks: Sequence[Break]) -> str | None:
    """Why breaks of one shift overlap (None: they do not)."""
    spans = sorted(((break_offset(start, b.start), b) for b in breaks), key=lambda x: x[0])
    for (o1, b1), (o2, b2) in zip(spans, spans[1:], strict=False):
        if o2 < o1 + b1.duration:
            return (f"breaks must not overlap: {_clock(b1.start)} for {b1.duration:g} s and "
                    f"{_clock(b2.start)} for {b2.duration:g} s")
    return None


def _caps(v: Mapping[Any, int]) -> Mapping[Channel, int]:
    return FrozenMap({channel(k): n for k, n in v.items()})


def _factor(v: Any) -> float | Mapping[str, float]:
    """A handle-time factor (a number > 0) or a mapping queue -> factor."""
    def one(x: Any, where: str) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) \
                or not 0 < x <= MAX_HANDLE_FACTOR:
            raise ValidationError(f"AgentGroup.{where} must be a number > 0 and <= {MAX_HANDLE_FACTOR:g} "
                                  f"(got {x!r})")
        return float(x)
    if isinstance(v, Mapping):
        out = {}
        for q, x in v.items():
            if not isinstance(q, str) or not q:
                raise ValidationError(f"AgentGroup.handle_factor keys must be queue names (got {q!r})")
            out[q] = one(x, f"handle_factor[{q!r}]")
        return FrozenMap(out)
    return one(v, "handle_factor")


def requires_problems(queues: Sequence[QueueSpec], groups: Sequence[AgentGroup],
                      demand: Sequence[Any] = ()) -> list[str]:
    """The queues' expressions checked against the groups' attributes and skills, and
    ``contact.<name>`` against the attributes some demand stream gives its contacts (a name
    no stream gives would be missing, the expression false, for every contact)."""
    carried = {k for d in demand for k in getattr(d, "attributes", {})}
    return [str(e) for e in expression_problems(
        [q.queue for q in queues], [g.agent(0) for g in groups], contact_names=carried,
        where=lambda i, q: f"queues[{i}].")]


@attrs.frozen(slots=True)
class AgentGroup:
    """``count`` identical agents (ids ``{team}-{i}``); ``shifts`` empty: always on.

    ``handle_factor``: how long this group's agents take, as a multiple of the contact's
    drawn handle time: one number for every contact, or ``{queue: factor}`` per queue of
    entry (others 1); the field's models give the service rate by (contact type, group).

    ``attributes``: the agents' attributes, read by queues' ``requires`` expressions.

    ``staffing``: the group's size per period instead of shifts, e.g. ``(12, 18, 9)`` with
    ``staffing_interval=7200`` for three 2-hour periods, repeating like an arrival profile
    (periods that make whole days are on the wall clock from midnight, others repeat from
    the simulation's start: :func:`cycle_offset`).  ``count`` (default: the largest) must cover every period.  When the
    size falls, idle agents leave at once and the rest leave as they become free: an agent
    busy at the change finishes what it holds (a "ghost", staffed until it leaves).
    """

    count: int | None = None
    skills: Mapping[str, int] = attrs.field(factory=dict, converter=lambda v: levels("AgentGroup", "skills", v), hash=False)
    tier: int = 1
    capacity: Mapping[Channel, int] = attrs.field(factory=lambda: {VOICE: 1}, converter=_caps, hash=False)
    team: str | None = None
    shifts: tuple[Shift, ...] = attrs.field(default=(), converter=tuple)
    max_total: int | None = None
    prefix: str | None = None
    handle_factor: float | Mapping[str, float] = attrs.field(default=1.0, converter=lambda v: _factor(v),
                                                           hash=False)
    staffing: tuple[int, ...] = attrs.field(default=(), converter=tuple)
    staffing_interval: float = 1800.0
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=frozen_mapping, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.staffing:
            for i, n in enumerate(self.staffing):
                if check_int("AgentGroup", f"staffing[{i}]", n, low=0) > MAX_AGENTS:
                    raise ValidationError(f"AgentGroup.staffing[{i}] must be at most {MAX_AGENTS:,} (got {n!r})")
            if check_duration("AgentGroup", "staffing_interval", self.staffing_interval) <= 0:
                raise ValidationError(f"AgentGroup.staffing_interval must be > 0 seconds "
                                      f"(got {self.staffing_interval!r})")
            if self.shifts:
                raise ValidationError("AgentGroup: give shifts or staffing, not both")
            if self.count is None:
                object.__setattr__(self, "count", max(self.staffing))
            elif check_int("AgentGroup", "count", self.count, low=0) < max(self.staffing):
                raise ValidationError(f"AgentGroup.count ({self.count}) must cover the largest staffing "
                                      f"({max(self.staffing)})")
        if self.count is None:
            raise ValidationError("AgentGroup.count is required (or give staffing)")
        if check_int("AgentGroup", "count", self.count, low=0) > MAX_AGENTS:
            raise ValidationError(f"AgentGroup.count must be at most {MAX_AGENTS:,} (got {self.count!r})")
        # builds one agent to validate skills, tier, capacity and max_total now
        self.agent(0)

    @property
    def staffing_period(self) -> float:
        """Seconds after which ``staffing`` repeats (``math.inf`` without staffing)."""
        return self.staffing_interval * len(self.staffing) if self.staffing else math.inf

    def agent(self, i: int, prefix: str | None = None) -> Agent:
        p = prefix or self.prefix or self.team or "agent"
        return Agent(f"{p}-{i}", skills=self.skills, tier=self.tier, capacity=self.capacity,
                     team=self.team, max_total=self.max_total, attributes=self.attributes)


DIALER_MODES = ("preview", "progressive", "predictive")


@attrs.frozen(slots=True)
class Campaign:
    """An outbound campaign: the centre calls customers (collections, sales, callbacks).

    Numbers: ``numbers`` on the list at time 0 and ``per_hour`` more arriving (Poisson);
    dialing runs in ``[0, horizon)`` while numbers are left.  Each dial rings for ``ring``
    seconds, then reaches the right party with probability ``rpc``, nobody with
    ``no_answer``, and otherwise fails (busy, wrong party, machine).  A right-party connect
    is a contact of queue ``queue`` (its channel and needs), routed by the router like any
    contact, served for ``handle`` (+ ``wrap_up``).

    ``mode``: ``"preview"`` gives a free agent the record first (``preview`` seconds), then
    the agent dials and waits the ring (the whole attempt is the agent's work);
    ``"progressive"`` dials one number per free agent; ``"predictive"`` dials ``pacing``
    numbers per free agent, so some connects find no agent: a customer not given to an agent
    within ``abandon_after`` seconds hangs up (an **outbound abandon**).  ``max_abandon``
    (e.g. 0.03, a regulator's limit on abandons / connects) makes the predictive dialer lower
    its pacing toward 1 while the campaign's abandon rate is above it.

    Blending: the dialer only counts agents able to serve ``queue`` who are free (available,
    no contact, no wrap-up), less ``reserve`` of them kept for inbound work; a free agent
    means no inbound contact it could take is waiting (the router would have given it one).
    It looks every ``pace_every`` seconds.
    """

    name: str
    queue: str
    handle: Distribution
    mode: str = "progressive"
    numbers: int = 0
    per_hour: float = 0.0
    rpc: float = attrs.field(default=0.3, converter=lambda v: _fraction("Campaign", "rpc", v))
    no_answer: float = attrs.field(default=0.5, converter=lambda v: _fraction("Campaign", "no_answer", v))
    ring: Distribution = attrs.field(factory=lambda: _deterministic(15.0))
    pacing: float = 1.0
    abandon_after: float = 2.0
    max_abandon: float | None = None
    reserve: int = 0
    preview: Distribution | None = None
    wrap_up: float = 0.0
    pace_every: float = 2.0

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError(f"Campaign.name must be a non-empty string (got {self.name!r})")
        if self.mode not in DIALER_MODES:
            raise ValidationError(f"Campaign.mode must be one of {', '.join(map(repr, DIALER_MODES))} "
                                  f"(got {self.mode!r})")
        _dist("Campaign", "handle", self.handle)
        _dist("Campaign", "ring", self.ring)
        if check_int("Campaign", "numbers", self.numbers, low=0) > MAX_ARRIVALS:
            raise ValidationError(f"Campaign.numbers must be at most {MAX_ARRIVALS:,} (got {self.numbers!r})")
        if isinstance(self.per_hour, bool) or not isinstance(self.per_hour, (int, float)) \
                or not 0 <= self.per_hour <= MAX_PER_HOUR:
            raise ValidationError(f"Campaign.per_hour must be a number from 0 to {MAX_PER_HOUR:,.0f} "
                                  f"(got {self.per_hour!r})")
        if self.rpc + self.no_answer > 1.0 + 1e-12:
            raise ValidationError(f"Campaign.rpc + Campaign.no_answer must be at most 1 "
                                  f"(got {self.rpc!r} + {self.no_answer!r})")
        if isinstance(self.pacing, bool) or not isinstance(self.pacing, (int, float)) \
                or not 1.0 <= self.pacing <= MAX_PACING:
            raise ValidationError(f"Campaign.pacing must be a number from 1 to {MAX_PACING:g} "
                                  f"(got {self.pacing!r})")
        if self.pacing != 1.0 and self.mode != "predictive":
            raise ValidationError(f"Campaign.pacing applies to mode 'predictive' only (mode is {self.mode!r})")
        if self.max_abandon is not None:
            _fraction("Campaign", "max_abandon", self.max_abandon)
            if self.mode != "predictive":
                raise ValidationError(f"Campaign.max_abandon applies to mode 'predictive' only "
                                      f"(mode is {self.mode!r})")
        check_duration("Campaign", "abandon_after", self.abandon_after)
        check_duration("Campaign", "wrap_up", self.wrap_up)
        if check_duration("Campaign", "pace_every", self.pace_every) <= 0:
            raise ValidationError(f"Campaign.pace_every must be > 0 seconds (got {self.pace_every!r})")
        check_int("Campaign", "reserve", self.reserve, low=0)
        if self.preview is not None:
            _dist("Campaign", "preview", self.preview)
            if self.mode != "preview":
                raise ValidationError(f"Campaign.preview applies to mode 'preview' only (mode is {self.mode!r})")
        if self.numbers == 0 and self.per_hour == 0:
            raise ValidationError("Campaign: give numbers (a list size) or per_hour (numbers arriving), "
                                  "or both")


def _deterministic(value: float) -> Distribution:
    return Deterministic(value)


PolicySpec = str | Callable[[], AgentPolicy] | Callable[[], ContactPolicy]


def _names(v: Any) -> tuple[str, ...] | None:
    return None if v is None else tuple(v)


@attrs.frozen(slots=True)
class AgentPolicyChoice:
    """An agent policy by name with its parameters, as a picklable factory (``Routing.agent``
    takes it; the scenario file's ``[routing] order`` and ``penalties`` build one).

    ``order``: agent ids or team names for ``linear``; ``penalties``: ``{id or team:
    penalty}`` for ``weighted-random``; ``hold``: the preferred-agent hold.  The replication's
    generator seeds the drawing policies.
    """

    name: str
    order: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    penalties: Mapping[str, float] | None = attrs.field(default=None, hash=False)
    hold: float | None = None

    def __attrs_post_init__(self) -> None:
        self(None)  # build one now: a bad name or parameter is refused here, not per replication

    def __call__(self, rng: np.random.Generator | None) -> AgentPolicy:
        return agent_policy(self.name, seed=0 if rng is None else rng, hold=self.hold, order=self.order,
                            penalties=None if self.penalties is None else dict(self.penalties))


@attrs.frozen(slots=True)
class ContactPolicyChoice:
    """A contact policy by name with its parameters, as a picklable factory (``Routing.contact``
    takes it; the scenario file's ``[routing] head_start`` and ``weights`` build one).

    ``head_start``: seconds of head start per priority unit (``head-start``, default 90);
    ``weights``/``default_weight``: per-queue aging weights (``weighted-aging``, default 1);
    ``costs``/``rates``: per-queue waiting costs and service rates per second (``cmu`` and
    ``gcmu``, default 1; the file gives rates as ``mean_handle`` durations, 1 / mean);
    ``exponents``/``default_exponent``: per-queue convex cost exponents (``gcmu``, default 2);
    ``ratios``: per-queue target shares of the waiting contacts (``queue-ratio``, required;
    the file's ``queue_ratios``).
    """

    name: str
    head_start: float | None = None
    weights: Mapping[str, float] | None = attrs.field(default=None, hash=False)
    default_weight: float | None = None
    costs: Mapping[str, float] | None = attrs.field(default=None, hash=False)
    rates: Mapping[str, float] | None = attrs.field(default=None, hash=False)
    exponents: Mapping[str, float] | None = attrs.field(default=None, hash=False)
    default_exponent: float | None = None
    ratios: Mapping[str, float] | None = attrs.field(default=None, hash=False)

    def __attrs_post_init__(self) -> None:
        self()  # build one now: a bad name or parameter is refused here, not per replication

    def __call__(self) -> ContactPolicy:
        prefix = "realtime-first+"
        base = self.name[len(prefix):] if self.name.startswith(prefix) else self.name
        cls = CONTACT_POLICIES.get(base)
        if cls is None:
            raise ValidationError(f"unknown contact policy {self.name!r}; allowed: {sorted(CONTACT_POLICIES)} "
                                  "(each may be prefixed with 'realtime-first+')")
        if self.head_start is not None and cls is not HeadStart:
            raise ValidationError(f"routing.head_start applies to contact policy 'head-start' (got {self.name!r})")
        if (self.weights is not None or self.default_weight is not None) and cls is not WeightedAging:
            raise ValidationError(f"routing.weights applies to contact policy 'weighted-aging' (got {self.name!r})")
        if (self.costs is not None or self.rates is not None) and cls not in (CMu, GeneralizedCMu):
            raise ValidationError(f"routing.costs and routing.mean_handle apply to contact policies 'cmu' and "
                                  f"'gcmu' (got {self.name!r})")
        if (self.exponents is not None or self.default_exponent is not None) and cls is not GeneralizedCMu:
            raise ValidationError(f"routing.exponent applies to contact policy 'gcmu' (got {self.name!r})")
        if (self.ratios is not None) != (cls is QueueRatio):
            raise ValidationError(f"routing.queue_ratios goes with contact policy 'queue-ratio', and it needs "
                                  f"them (got {self.name!r} with queue_ratios {self.ratios!r})")
        if cls is QueueRatio:
            pol: ContactPolicy = QueueRatio(dict(self.ratios or {}))
        elif cls is HeadStart:
            pol = HeadStart(90.0 if self.head_start is None else self.head_start)
        elif cls is WeightedAging:
            pol = WeightedAging(dict(self.weights or {}), 1.0 if self.default_weight is None else self.default_weight)
        elif cls is GeneralizedCMu:
            pol = GeneralizedCMu(dict(self.costs or {}), dict(self.rates or {}), dict(self.exponents or {}),
                                 default_exponent=2.0 if self.default_exponent is None else self.default_exponent)
        elif cls is CMu:
            pol = CMu(dict(self.costs or {}), dict(self.rates or {}))
        else:
            pol = cls()
        return RealtimeFirst(pol) if base != self.name else pol


@attrs.frozen(slots=True)
class ScoredChoice:
    """A :class:`~omniroute.policies.Scored` agent policy over a score table, as a picklable
    factory (``Routing.agent`` takes it; the scenario file's ``[routing] agent = "scored"``
    with a ``[routing.score]`` table builds one).

    ``table``: the :class:`~omniroute.policies.ScoreTable`; ``then``: the agent policy that
    breaks ties and orders the walk (a name, default ``longest-idle``); ``limit``: score only
    the first ``limit`` eligible agents in ``then``'s order (None: all).
    """

    table: ScoreTable
    then: str = "longest-idle"
    limit: int | None = None

    def __attrs_post_init__(self) -> None:
        self(None)  # build one now: a bad combination is refused here, not per replication

    @property
    def name(self) -> str:
        return f"scored+{self.then}"

    def __call__(self, _rng: Any) -> AgentPolicy:
        if not isinstance(self.then, str) or self.then.startswith("preferred+") or self.then in ("random", "scored"):
            raise ValidationError(f"routing.score.then must name an agent policy that ranks agents (not "
                                  f"random, scored or preferred+...; got {self.then!r})")
        return Scored(self.table, agent_policy(self.then), limit=self.limit)


#: An agent policy a wrapper (reservation, idleness ratios) builds around: a name or a factory.
InnerAgent = str | ScoredChoice | AgentPolicyChoice


def _policy_name(agent: InnerAgent) -> str:
    return agent if isinstance(agent, str) else agent.name


def _inner(agent: InnerAgent, rng: Any, hold: float | None) -> AgentPolicy:
    return agent_policy(agent, seed=rng, hold=hold) if isinstance(agent, str) else agent(rng)


@attrs.frozen(slots=True)
class ReserveChoice:
    """A threshold reservation around an agent policy by name, as a picklable factory
    (``Routing.agent`` takes it; the scenario file's ``[routing] reserve`` builds one): each
    replication calls it with its policy stream and gets
    ``Reserve(keep, queues, agent_policy(agent, seed=stream, hold=hold))`` (``agent`` a name,
    or a :class:`ScoredChoice` or :class:`AgentPolicyChoice`)."""

    agent: InnerAgent
    keep: Mapping[int, int] = attrs.field(hash=False)
    queues: tuple[str, ...] = attrs.field(converter=tuple)
    hold: float | None = None

    def __attrs_post_init__(self) -> None:
        self(None)  # build one now: a bad name or parameter is refused here, not per replication

    @property
    def name(self) -> str:
        """The policy's name, as the router reports it (``reserve+longest-idle``)."""
        return f"reserve+{_policy_name(self.agent)}"

    def __call__(self, rng: Any) -> AgentPolicy:
        return Reserve(dict(self.keep), list(self.queues), _inner(self.agent, rng, self.hold))


@attrs.frozen(slots=True)
class IdlenessChoice:
    """Idleness-ratio routing around an agent policy by name, as a picklable factory (the
    scenario file's ``[routing] idle_ratios`` builds one): each replication gets
    ``IdlenessRatio(ratios, agent_policy(agent, seed=stream, hold=hold))`` (``agent`` a name,
    or a :class:`ScoredChoice` or :class:`AgentPolicyChoice`)."""

    agent: InnerAgent
    ratios: Mapping[int, float] = attrs.field(hash=False)
    hold: float | None = None

    def __attrs_post_init__(self) -> None:
        self(None)  # build one now: a bad name or parameter is refused here, not per replication

    @property
    def name(self) -> str:
        """The policy's name, as the router reports it (``idleness-ratio+longest-idle``)."""
        return f"idleness-ratio+{_policy_name(self.agent)}"

    def __call__(self, rng: Any) -> AgentPolicy:
        return IdlenessRatio(dict(self.ratios), _inner(self.agent, rng, self.hold))


@attrs.frozen(slots=True)
class Routing:
    """Policies by name (``omniroute.policies.agent_policy`` / ``contact_policy`` names), or
    factories, so that each replication builds fresh policies: an agent-policy factory takes
    the replication's policy generator (a ``numpy.random.Generator``: ``lambda rng:
    policies.Random(rng)`` draws from the replication's own stream; ``lambda _rng:
    policies.Scored(fn)`` ignores it); a contact-policy factory takes no argument."""

    agent: PolicySpec = "longest-idle"
    contact: PolicySpec = "priority-fifo"
    hold: float | None = None
    #: ``"greedy"`` or ``"joint"``: how contacts and agents meeting at one instant are
    #: matched (``omniroute.Router(matching=...)``).
    matching: str = attrs.field(default="greedy", validator=lambda _i, _a, v: _check_matching(v))
    #: Seconds between decision instants; 0: every event is routed at once.
    batch_window: float = attrs.field(default=0.0, converter=lambda v: _check_window(v))

    def __attrs_post_init__(self) -> None:
        agent = self.agent
        if self.matching == "joint" and isinstance(agent, str) and (
                agent == "random" or agent.startswith("preferred+") or self.hold is not None):
            raise ValidationError(f"matching='joint' needs an agent policy that ranks agents "
                                  f"(got agent {agent!r}{'' if self.hold is None else ' with a hold'}): "
                                  "a draw or a preferred-agent hold has no cost to minimise")
        if (self.matching == "joint" or self.batch_window > 0) and \
                isinstance(agent, (str, ScoredChoice, AgentPolicyChoice, ReserveChoice, IdlenessChoice)) and \
                isinstance(self.contact, (str, ContactPolicyChoice)):
            # the policies as each replication builds them: a reservation, idleness ratios or
            # queue ratios cannot be batched or matched jointly (Router refuses them)
            try:
                ap = agent_policy(agent, seed=0, hold=self.hold) if isinstance(agent, str) else agent(None)
                cp = contact_policy(self.contact) if isinstance(self.contact, str) else self.contact()
            except ValidationError:
                return  # a bad name: refused where it is read
            check_matching(ap, cp, self.matching, self.batch_window)


def _check_matching(v: Any) -> None:
    if v not in ("greedy", "joint"):
        raise ValidationError(f"Routing.matching must be 'greedy' or 'joint' (got {v!r})")


def _check_window(v: Any) -> float:
    w = real(v)
    if isinstance(v, bool) or w is None or not 0 <= w < math.inf:
        raise ValidationError(f"Routing.batch_window must be a number of seconds >= 0, 0 for no batching "
                              f"(got {v!r})")
    return w


def _queues(v: Sequence[QueueSpec | Queue]) -> tuple[QueueSpec, ...]:
    return tuple(q if isinstance(q, QueueSpec) else QueueSpec(q) for q in v)


@attrs.frozen(slots=True)
class Scenario:
    """Everything one replication needs.

    Simulation time 0 is clock time ``start`` on weekday ``start_day`` (:attr:`clock`);
    ``horizon``, ``warmup`` and ``drain`` are durations from it.  Arrivals stop at
    ``horizon``; contacts present then are served to their end (agents keep their shifts
    until the system is empty, at most ``drain`` seconds more).
    KPIs cover contacts arriving in ``[warmup, horizon)``; per-interval KPIs use
    ``interval``-second bins.
    """

    queues: tuple[QueueSpec, ...] = attrs.field(converter=_queues)
    agents: tuple[AgentGroup, ...] = attrs.field(converter=tuple)
    demand: tuple[Demand | Trace, ...] = attrs.field(converter=tuple)
    horizon: float = DAY
    warmup: float = 0.0
    name: str = "scenario"
    routing: Routing = Routing()
    busyness: Busyness | None = None
    interval: float = 1800.0
    replications: int = 10
    start_day: int = 0
    drain: float = WEEK
    #: Trunk lines shared by the centre's calls (contacts of exclusive real-time channels,
    #: voice and video; None: unlimited), beside any queue's own ``lines``.
    lines: int | None = None
    #: Outbound campaigns (:class:`Campaign`): the centre's own calls, blended with inbound.
    outbound: tuple[Campaign, ...] = attrs.field(default=(), converter=tuple)
    #: Clock time of simulation time 0 on ``start_day``, seconds after midnight in
    #: ``[0, 86400)`` (the file's ``start = "08:00"``).
    start: float = 0.0

    @property
    def clock(self) -> Clock:
        """Simulation time on the wall clock (:mod:`omniroute.sim.clock`): time 0 is ``start``
        on weekday ``start_day``."""
        return Clock(self.start_day, self.start)

    def __attrs_post_init__(self) -> None:
        _lines("Scenario", self.lines)
        problems = self.problems()
        if problems:
            raise ValidationError("Scenario: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """Cross-reference problems (unknown queues, warm-up past the horizon...)."""
        out: list[str] = []
        names = [q.name for q in self.queues]
        known = set(names)
        if len(known) != len(names):
            out.append(f"queues: duplicate queue names in {names}")
        for q in self.queues:
            ov = q.queue.overflow
            if ov is not None and ov.to not in known:
                out.append(f"queue {q.name!r}: overflow.to {ov.to!r} is not a queue; known: {sorted(known)}")
        out += requires_problems(self.queues, self.agents, self.demand)
        for i, g in enumerate(self.agents):
            if g.staffing and (self.horizon + self.drain) / g.staffing_interval > MAX_PROFILE_PIECES:
                out.append(f"agents[{i}].staffing_interval: {g.staffing_interval:g} s makes more than "
                           f"{MAX_PROFILE_PIECES:,} periods over the horizon and drain")
            if isinstance(g.handle_factor, Mapping):
                for qn in g.handle_factor:
                    if qn not in known:
                        out.append(f"agents[{i}].handle_factor: {qn!r} is not a queue; known: {sorted(known)}")
        seen_campaigns: set[str] = set()
        for i, cp in enumerate(self.outbound):
            if not isinstance(cp, Campaign):
                out.append(f"outbound[{i}] must be a Campaign (got {cp!r})")
                continue
            if cp.queue not in known:
                out.append(f"outbound[{i}].queue: {cp.queue!r} is not a queue; known: {sorted(known)}")
            if cp.name in seen_campaigns:
                out.append(f"outbound[{i}].name: {cp.name!r} is a duplicate campaign name")
            seen_campaigns.add(cp.name)
        chans = {q.name: q.channel for q in self.queues}
        for i, d in enumerate(self.demand):
            refs: list[tuple[str, str]] = []
            if isinstance(d, Demand):
                qch = chans.get(d.queue)
                if d.patience is not None and d.channel is None and qch is not None and not qch.realtime:
                    out.append(deferrable_patience(f"demand[{i}].patience", qch.name, d.patience, d.queue))
                refs.append(("queue", d.queue))
                if d.callback is not None and d.callback.queue is not None:
                    refs.append(("callback.queue", d.callback.queue))
                if d.transfer is not None:
                    refs.append(("transfer.to", d.transfer.to))
            elif isinstance(d, Trace):
                refs.extend(("records.queue", r.queue) for r in d.records if r.queue not in known)
                for j, r in enumerate(d.records):
                    qch = chans.get(r.queue)
                    if r.patience is not None and r.channel is None and qch is not None and not qch.realtime:
                        out.append(deferrable_patience(f"demand[{i}].records[{j}].patience", qch.name,
                                                       r.patience, r.queue))
                        break
            else:
                out.append(f"demand[{i}] must be a Demand or a Trace (got {d!r})")
            for field, qn in refs:
                if qn not in known:
                    out.append(f"demand[{i}].{field}: {qn!r} is not a queue; known: {sorted(known)}")
                    break
        h = check_duration("Scenario", "horizon", self.horizon)
        if h <= 0:
            out.append(f"horizon must be > 0 seconds (got {self.horizon!r})")
        w = check_duration("Scenario", "warmup", self.warmup)
        if w >= h > 0:
            out.append(f"warmup ({w}s) must be shorter than the horizon ({h}s)")
        if check_duration("Scenario", "interval", self.interval) <= 0:
            out.append(f"interval must be > 0 seconds (got {self.interval!r})")
        for f in ("horizon", "drain"):
            if check_duration("Scenario", f, getattr(self, f)) > MAX_DURATION:
                out.append(f"{f} must be at most {MAX_DURATION:,.0f} s (366 days) (got {getattr(self, f)!r})")
        if check_int("Scenario", "replications", self.replications, low=1) > MAX_REPLICATIONS:
            out.append(f"replications must be at most {MAX_REPLICATIONS:,} (got {self.replications!r})")
        if h > 0 and self.interval > 0:
            out += scenario_limits(
                h, self.interval, [(f"agents[{i}].count", g.count) for i, g in enumerate(self.agents)],
                [(f"demand[{i}].arrivals.per_hour", d.arrivals.per_hour, d.arrivals.interval)
                 for i, d in enumerate(self.demand) if isinstance(d, Demand)],
                [(f"demand[{i}].records", sum(1 for r in d.records if r.arrival < h))
                 for i, d in enumerate(self.demand) if isinstance(d, Trace)])
        check_int("Scenario", "start_day", self.start_day, low=0)
        if self.start_day > 6:
            out.append(f"start_day must be 0 (Monday) to 6 (got {self.start_day!r})")
        if check_duration("Scenario", "start", self.start) >= DAY:
            out.append(f"start must be a clock time in [0, 86400) seconds after midnight, "
                       f"00:00 to 23:59:59 (got {self.start!r})")
        return out

    def queue(self, name: str) -> QueueSpec:
        for q in self.queues:
            if q.name == name:
                return q
        raise UnknownQueueError(
            f"Scenario.queue: {name!r} is not a queue; known: {[q.name for q in self.queues]}"
        )
