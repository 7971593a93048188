"""Real-time statistics and estimated waits, read from the router's running tallies.

``router.stats(now)`` answers a supervisor's wallboard; ``router.estimated_wait(target,
now)`` what a caller is told.  Both read counts the router keeps as it goes
(:mod:`omniroute.tally`), so a read costs O(queues + agents changed since the last read),
never a scan of the waiting contacts, and changes nothing.

**Per queue** (:class:`QueueStats`):

* ``waiting``, ``waiting_by_priority``, ``waiting_by_segment`` (``None``: no segment):
  contacts waiting now;
* ``longest_wait``: ``now`` minus the earliest arrival among them (a contact keeps its age
  across overflow, transfer and declines), 0 when none waits;
* ``agents_available`` / ``agents_busy`` / ``agents_away``: agents who could serve the queue —
  a capacity on the channel and the needed skills and tier at some routing step, for the
  (queue, channel, needs, segment) combinations its contacts have had — that are available
  with room on that channel / available without room / away.  Logged-out agents are not
  counted.  An agent counts in every queue it could serve;
* over the sliding ``window`` (seconds, up to :data:`~omniroute.tally.MAX_WINDOW`), the
  contacts that left the queue: ``answered`` (first assigned in this queue; a declined
  contact is not counted twice, a transferred one counts again in its new queue),
  ``abandoned``, ``service_level`` = answered within the queue's threshold / (answered +
  abandoned), the live form of DESIGN's ``service_level`` (None if nobody left), ``asa``;
* ``handle``: the mean of the queue's last :data:`~omniroute.tally.HANDLE_SAMPLES` handle
  times, assignment to completion plus wrap-up (None before the first completion);
* ``estimated_wait``: what :func:`estimated_wait` tells a newcomer of priority 0.

**Per agent** (:class:`AgentStats`, with ``agents=True``): ``state`` — ``"idle"``
(available, holding nothing), ``"busy"`` (available, holding a contact or a wrap-up),
``"away"``, ``"logged_out"`` — since when, the load by channel.

**Estimated wait** (the queue-length predictor contact centres announce, with abandonment):
a contact with ``n`` contacts ahead of it in its queue (every one of a higher priority, and
the earlier arrivals of its own), in a queue served by ``s`` agent slots (the capacity on the
queue's channel of the available and busy agents who could serve it), mean handle time ``h``
and abandonment rate ``θ`` (abandonments per second of waiting over the last hour: the
exponential-patience estimate, abandoned / total time waited), waits on average

    W(n) = Σ_{j=0..n} 1 / (s/h + j·θ)

seconds: it moves up one place at each service completion (rate ``s/h`` when all slots are
busy) or abandonment ahead of it (``j·θ`` with ``j`` ahead).  With ``θ = 0`` this is
``(n + 1)·h / s``, exact in expectation for an M/M/s queue; it is an approximation where
agents serve several queues (their slots count in each) or where the contact policy is not
first-come-first-served within a priority.  A newcomer when an agent who could serve it is
free and nobody waits ahead: 0.  No agent who could serve it: ``inf``.  No contact yet in the
queue (nobody knows who could serve it) or no completion (``h`` unknown): None.  ``method="last-to-enter"`` gives the simple alternative:
the wait of the last contact answered from the queue (None before the first).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from ._checks import real
from .errors import TimeOrderError, UnknownIdError, ValidationError
from .tally import MAX_WINDOW, QueueTally

__all__ = ["QueueStats", "AgentStats", "Stats", "stats", "estimated_wait", "ABANDON_WINDOW"]

#: The window over which the estimated wait's abandonment rate is measured (seconds).
ABANDON_WINDOW = 3600.0
_METHODS = ("queue-length", "last-to-enter")


@attrs.frozen(slots=True)
class QueueStats:
    """One queue now (see :mod:`omniroute.stats` for each figure's definition)."""

    queue: str
    waiting: int
    waiting_by_priority: Mapping[int, int] = attrs.field(hash=False)
    waiting_by_segment: Mapping[str | None, int] = attrs.field(hash=False)
    longest_wait: float
    agents_available: int
    agents_busy: int
    agents_away: int
    answered: int
    abandoned: int
    service_level: float | None
    asa: float | None
    handle: float | None
    estimated_wait: float | None


@attrs.frozen(slots=True)
class AgentStats:
    """One agent now: ``state`` ("idle", "busy", "away" or "logged_out") since ``since``
    (``time_in_state`` seconds), its presence ``reason``, load by channel name (wrap-ups
    included), contacts held and wrap-ups running."""

    agent_id: str
    state: str
    reason: str | None
    since: float
    time_in_state: float
    load: Mapping[str, int] = attrs.field(hash=False)
    contacts: int
    wrap_ups: int


@attrs.frozen(slots=True)
class Stats:
    """The centre at ``now``: every queue's :class:`QueueStats` (and with ``agents=True``
    every agent's :class:`AgentStats`, in joining order) over the sliding ``window``.
    ``complete`` is False once more distinct (queue, channel, needs, segment) combinations
    arrived than the router tracks for "agents who could serve" (then those counts cover the
    first :data:`~omniroute.tally.MAX_PROFILES`)."""

    now: float
    window: float
    queues: Mapping[str, QueueStats] = attrs.field(hash=False)
    agents: Mapping[str, AgentStats] = attrs.field(hash=False)
    complete: bool


def _now(router: Any, now: Any, call: str) -> float:
    t = real(now)
    if t is None or not math.isfinite(t) or t < 0:
        raise ValidationError(f"{call}: now must be a finite number of seconds >= 0 (got {now!r})")
    if t < router.now:
        raise TimeOrderError(f"{call}: now={now!r} is earlier than the router's now={router.now!r}; "
                             "statistics are read at or after the latest call")
    return t


def stats(router: Any, now: Any, window: Any = 900.0, agents: Any = False) -> Stats:
    """The real-time statistics of ``router`` at ``now`` (see the module's documentation)."""
    t = _now(router, now, "stats")
    w = real(window)
    if w is None or not 0 < w <= MAX_WINDOW:
        raise ValidationError(f"stats: window must be seconds in (0, {MAX_WINDOW:g}] (got {window!r})")
    if not isinstance(agents, bool):
        raise ValidationError(f"stats: agents must be True or False (got {agents!r})")
    tally = router._tally
    tally.sync(router._agents)
    queues = {name: _queue_stats(qt, t, w) for name, qt in tally.queues.items()}
    per_agent: dict[str, AgentStats] = {}
    if agents:
        for a in router._agents.values():
            per_agent[a.id] = AgentStats(
                agent_id=a.id, state=a.state, reason=a.reason, since=a.state_since,
                time_in_state=t - a.state_since, load={k: n for k, n in a.load.items() if n},
                contacts=len(a.contacts), wrap_ups=len(a.wrapups))
    return Stats(now=t, window=w, queues=queues, agents=per_agent, complete=not tally.capped)


def _queue_stats(qt: QueueTally, now: float, window: float) -> QueueStats:
    answered, within, abandoned, ans_wait, _all_wait = qt.window(now, window)
    left = answered + abandoned
    oldest = qt.oldest()
    return QueueStats(
        queue=qt.name, waiting=qt.waiting, waiting_by_priority=dict(sorted(qt.by_priority.items())),
        waiting_by_segment=dict(qt.by_segment), longest_wait=0.0 if oldest is None else now - oldest,
        agents_available=qt.agents[1], agents_busy=qt.agents[2], agents_away=qt.agents[3],
        answered=answered, abandoned=abandoned,
        service_level=within / left if left else None,
        asa=ans_wait / answered if answered else None,
        handle=qt.mean_handle(),
        estimated_wait=_predict(qt, now, 0, None),
    )


def _predict(qt: QueueTally, now: float, priority: int, key: tuple[float, int] | None) -> float | None:
    """The queue-length predictor for a contact of ``priority`` at ``key`` (None: a newcomer)."""
    n = qt.ahead(priority, key)
    if key is None and n == 0 and qt.agents[1] > 0:
        return 0.0
    if not qt.profiles:
        return None  # no contact has come: nobody knows who could serve it
    if qt.slots <= 0:
        return math.inf
    h = qt.mean_handle()
    if h is None:
        return None
    _ans, _within, abandoned, _aw, waited = qt.window(now, ABANDON_WINDOW)
    theta = abandoned / waited if waited > 0 else 0.0
    rate = qt.slots / h if h > 0 else math.inf
    if rate == math.inf:
        return 0.0
    total = 0.0
    for j in range(n + 1):
        total += 1.0 / (rate + j * theta)
    return total


def estimated_wait(router: Any, target: Any, now: Any, method: Any = "queue-length",
                   priority: Any = 0) -> float | None:
    """The expected wait, in seconds from ``now``, of waiting contact ``target`` (a contact
    id: its remaining wait) or of a newcomer to queue ``target`` (a queue name) of
    ``priority``.  See the module's documentation for the predictor, and for when it gives
    0, ``inf`` or None.  An assigned contact waits 0."""
    t = _now(router, now, "estimated_wait")
    if method not in _METHODS:
        raise ValidationError(f"estimated_wait: method must be one of {list(_METHODS)} (got {method!r})")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ValidationError(f"estimated_wait: priority must be an integer (got {priority!r})")
    if not isinstance(target, str):
        raise ValidationError(f"estimated_wait: target must be a queue name or a contact id (got {target!r})")
    is_queue = target in router._queues
    entry = router._contacts.get(target)
    if is_queue and entry is not None:
        raise ValidationError(f"estimated_wait: {target!r} is both a queue name and a live contact's id; "
                              "rename one to ask about it")
    if not is_queue and entry is None:
        raise UnknownIdError(f"estimated_wait: {target!r} is neither a queue (known: {sorted(router._queues)}) "
                             "nor a waiting or assigned contact")
    tally = router._tally
    tally.sync(router._agents)
    if entry is not None:
        if entry.state != "waiting":
            return 0.0
        qt = tally.queues[entry.queue.name]
        if method == "last-to-enter":
            return qt.last_wait
        return _predict(qt, t, entry.priority, (entry.arrival, entry.seq))
    qt = tally.queues[target]
    if method == "last-to-enter":
        return qt.last_wait
    return _predict(qt, t, priority, None)
