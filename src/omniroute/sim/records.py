"""What a replication leaves, in columns: its legs, the agents' busy spans and staffed
intervals (read by :mod:`omniroute.sim.metrics`), and the one SimPy event the engine
defines.

Kept apart from :mod:`omniroute.sim.engine`, which the compiled build compiles: these are
plain data holders that tests and users inspect, and :class:`Start` derives from a SimPy
class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import simpy

from ..agents import Agent

__all__ = ["Busy", "Leg", "Legs", "Outcome", "Start"]

_FLOATS = ("arrival", "entered", "answered", "abandoned", "ended", "within", "handle", "patience")
_INTS = ("attempt", "leg", "demand", "customer")
_BOOLS = ("contained", "callback", "moved", "blocked")


class Legs:
    """Every leg of a replication, one column per field (index ``k`` is one leg).

    A leg is one contact's passage through one queue (a transfer makes a second leg); legs
    are in the order they were created (arrivals, retrials and transfers as they happened).

    * float arrays, seconds, ``nan`` where the event did not happen: ``arrival``,
      ``entered`` (reached the queue, after any bot stage), ``answered``, ``abandoned``,
      ``ended`` (service or bot stage over), ``within`` (the queue's SLA threshold),
      ``handle``, ``patience``;
    * int arrays: ``attempt`` (1, then retrials), ``leg`` (0, 1 after a transfer),
      ``demand`` (index into the scenario's demand; ``-1 - i`` for outbound campaign ``i``), ``agent`` (index into ``agent_ids``;
      -1: not answered), ``customer`` (the index of the customer's first leg: a retrial's
      and a transferred leg's are their first attempt's);
    * bool arrays: ``contained`` (by the bot), ``callback`` (took a callback), ``moved``
      (transferred on after this leg), ``blocked`` (found every trunk line taken: not offered);
    * lists: ``queue``, ``served_queue`` (answered from; None), ``spec`` (the demand's shared
      settings), ``contact`` (the :class:`~omniroute.Contact` routed), and ``agent_ids``.
    """

    __slots__ = ("n", "arrival", "entered", "answered", "abandoned", "ended", "within",
                 "handle", "patience", "attempt", "leg", "demand", "contained", "callback",
                 "moved", "blocked", "queue", "served_queue", "agent", "agent_ids", "spec", "contact",
                 "customer")

    def __init__(self, *, arrival: np.ndarray, entered: np.ndarray, answered: np.ndarray,
                 abandoned: np.ndarray, ended: np.ndarray, within: np.ndarray,
                 handle: np.ndarray, patience: np.ndarray, attempt: np.ndarray,
                 leg: np.ndarray, demand: np.ndarray, contained: np.ndarray,
                 callback: np.ndarray, moved: np.ndarray, blocked: np.ndarray, queue: list[str],
                 served_queue: list[str | None], agent: np.ndarray, agent_ids: list[str],
                 spec: list[Any], contact: list[Any], customer: np.ndarray) -> None:
        self.arrival, self.entered, self.answered = arrival, entered, answered
        self.abandoned, self.ended, self.within = abandoned, ended, within
        self.handle, self.patience = handle, patience
        self.attempt, self.leg, self.demand = attempt, leg, demand
        self.contained, self.callback, self.moved = contained, callback, moved
        self.blocked = blocked
        self.queue, self.served_queue = queue, served_queue
        self.agent, self.agent_ids = agent, agent_ids
        self.spec, self.contact = spec, contact
        self.customer = customer
        self.n = len(arrival)

    def __len__(self) -> int:
        return self.n

    def channel(self) -> list[str]:
        """Each leg's channel name."""
        return [s.channel.name for s in self.spec]

    def segment(self) -> list[str | None]:
        """Each leg's customer segment (None: none)."""
        return [s.segment for s in self.spec]


class Leg:
    """One leg as a record, read from :class:`Legs` (for tests and inspection)."""

    __slots__ = (*_FLOATS, *_INTS, *_BOOLS, "queue", "served_queue", "agent", "spec", "contact")

    def __init__(self, legs: Legs, k: int) -> None:
        for f in _FLOATS:
            setattr(self, f, float(getattr(legs, f)[k]))
        for f in _INTS:
            setattr(self, f, int(getattr(legs, f)[k]))
        for f in _BOOLS:
            setattr(self, f, bool(getattr(legs, f)[k]))
        self.queue = legs.queue[k]
        self.served_queue = legs.served_queue[k]
        a = int(legs.agent[k])
        self.agent = legs.agent_ids[a] if a >= 0 else None
        self.spec = legs.spec[k]
        self.contact = legs.contact[k]

    @property
    def channel(self) -> str:
        return self.spec.channel.name  # type: ignore[no-any-return]

    @property
    def segment(self) -> str | None:
        return self.spec.segment  # type: ignore[no-any-return]


class Busy:
    """Agents' busy spans, one array per field: ``agent`` (index into the outcome's agents),
    ``start`` (answer), ``end`` (end of wrap-up), ``weight`` (the share of the agent's
    capacity the contact took) and ``outbound`` (a campaign's contact), in the order the
    contacts ended."""

    __slots__ = ("agent", "start", "end", "weight", "outbound")

    def __init__(self, agent: np.ndarray, start: np.ndarray, end: np.ndarray,
                 weight: np.ndarray, outbound: np.ndarray | None = None) -> None:
        self.agent, self.start, self.end, self.weight = agent, start, end, weight
        self.outbound = outbound if outbound is not None else np.zeros(len(agent), bool)


class Outcome:
    """What a replication leaves: its legs and the agents' busy spans as columns, the agents'
    staffed intervals (per agent id), the agents and the end time."""

    __slots__ = ("columns", "staffed", "busy", "agents", "end", "campaigns")

    def __init__(self, columns: Legs, staffed: dict[str, list[tuple[float, float]]],
                 busy: Busy, agents: dict[str, Agent], end: float,
                 campaigns: list[dict[str, Any]] | None = None) -> None:
        self.columns = columns
        self.staffed = staffed
        self.busy = busy
        self.agents = agents
        self.end = end
        #: per outbound campaign: its dialer's counts (dials, connects, no_answer, failed,
        #: measured from the warm-up) and final ``pacing``
        self.campaigns = campaigns or []

    @property
    def legs(self) -> list[Leg]:
        """The legs as records, in creation order (built on each access)."""
        c = self.columns
        return [Leg(c, k) for k in range(c.n)]


class Start(simpy.events.Event):
    """Calls ``fn`` first thing at the current time, scheduled as SimPy starts a process
    (urgent), so it takes the place a process started here would take among same-time
    events."""

    def __init__(self, env: simpy.Environment, fn: Any) -> None:
        # as simpy.events.Initialize: a triggered event, scheduled urgent
        self.env = env
        self.callbacks = [fn]
        self._value = None
        self._ok = True
        env.schedule(self, simpy.events.URGENT)
