"""The router's mutable bookkeeping: one record per live agent and per live contact.

These are machinery, not API: the router hands out frozen snapshots (``views``) instead.
Policies read them to compute sort keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from .agents import Agent
from .channels import Channel
from .contacts import Contact
from .expressions import agent_tags
from .queues import Queue

__all__ = ["AgentState", "Entry", "qualified", "AVAILABLE", "AWAY", "LOGGED_OUT"]

# Final: the compiled build inlines them instead of looking them up in a module dict.
AVAILABLE: Final = "available"
AWAY: Final = "away"
LOGGED_OUT: Final = "logged_out"


class AgentState:
    """Live state of one agent.

    ``load`` counts the contacts held per channel, wrap-ups included (capacity comes back
    when wrap-up ends); ``since`` is when the agent last became idle or last got a contact;
    ``version`` changes whenever anything a policy or the index reads changes.  ``tags``:
    the pseudo-skills (attribute values) the agent index files it under, for the attributes
    the router's expressions test by value (``indexed``).
    """

    __slots__ = (
        "agent", "id", "order", "presence", "reason", "load", "total", "exclusive",
        "nonexclusive", "since", "handled", "last_assigned", "version", "contacts",
        "wrapups", "skills", "tier", "capacity", "channels", "max_total", "n_skills",
        "sum_levels", "cap_total", "keys", "cache", "filed", "state", "state_since",
        "attributes", "team", "tags",
    )

    def __init__(self, agent: Agent, order: int, now: float, indexed: Any = ()) -> None:
        self.agent = agent
        self.id = agent.id
        self.order = order
        self.presence = LOGGED_OUT
        self.reason: str | None = None
        # Internally channels are keyed by name: str hashes are cached, attrs' are not.
        self.capacity: dict[str, int] = {ch.name: n for ch, n in agent.capacity.items()}
        self.channels: dict[str, Channel] = {ch.name: ch for ch in agent.capacity}
        self.load: dict[str, int] = {}
        self.total = 0  # contacts held, all channels, wrap-ups included
        self.exclusive = 0  # exclusive contacts held
        self.nonexclusive = 0  # non-exclusive contacts held
        self.since = now
        self.handled = 0
        self.last_assigned = -1
        self.version = 0
        self.contacts: dict[str, Entry] = {}  # live assigned contacts by id
        self.wrapups: dict[int, Channel] = {}  # completed contacts still in wrap-up
        self.skills: dict[str, int] = dict(agent.skills)
        self.tier = agent.tier
        # What attribute expressions read (omniroute.expressions), as an Agent offers them.
        self.attributes: Mapping[str, Any] = agent.attributes
        self.team: str | None = agent.team
        self.max_total = agent.max_total
        self.n_skills = len(agent.skills)
        self.sum_levels = sum(agent.skills.values())
        self.cap_total = sum(agent.capacity.values())
        # Pseudo-skills for the attributes the router's expressions test by value
        # (``indexed``: their names; see omniroute.expressions.agent_tags).
        self.tags: tuple[str, ...] = agent_tags(agent.attributes, indexed) if indexed else ()
        # The agent index's private bookkeeping: the skill sets it may be filed under, and
        # per channel the queues or heaps it is filed in (see ``AgentIndex.add``).
        names = sorted([*self.skills, *self.tags])
        self.keys: list[tuple[str, ...]] = [(), *((s,) for s in names)] + [
            (s, t) for i, s in enumerate(names) for t in names[i + 1:]
        ]
        self.cache: dict[str, list] = {}
        self.filed: Any = None  # a FIFO index's current entry for this agent, if any
        # For real-time statistics: "logged_out", "away", "idle" or "busy", and since when.
        self.state = LOGGED_OUT
        self.state_since = now

    def can_take(self, ch: Channel) -> bool:
        """Has the agent free capacity for a contact on ``ch`` (presence aside)?"""
        name = ch.name
        if ch.exclusive:
            return self.total == 0 and self.capacity.get(name, 0) >= 1
        if self.exclusive:
            return False
        if self.load.get(name, 0) >= self.capacity.get(name, 0):
            return False
        return self.max_total is None or self.nonexclusive < self.max_total

    def free_channels(self) -> list[str]:
        """Names of the channels the agent could take a contact on now (empty unless available)."""
        if self.presence != AVAILABLE:
            return []
        chans = self.channels
        return [name for name, cap in self.capacity.items() if cap and self.can_take(chans[name])]


def qualified(a: AgentState, needs: tuple[tuple[str, int], ...], min_tier: int,
              max_tier: int | None) -> bool:
    """Is agent ``a`` in the tier range and at or above every ``(skill, level)`` of ``needs``?"""
    if a.tier < min_tier or (max_tier is not None and a.tier > max_tier):
        return False
    skills = a.skills
    for skill, level in needs:
        if skills.get(skill, 0) < level:
            return False
    return True


class Entry:
    """Live state of one contact inside the router.

    ``arrival`` is the original arrival (kept across overflow and transfer), ``entered``
    the time it entered its current queue (steps and overflow count from there).
    ``needs``/``min_tier``/``max_tier`` are the eligibility in force at the step reached.
    ``declined`` maps the agents who declined it (or transferred it away) to the time their
    decline expires (``inf``: never, the default).
    """

    __slots__ = (
        "contact", "id", "seq", "channel", "queue", "arrival", "entered", "base_needs",
        "needs", "min_tier", "max_tier", "step", "steps", "declined", "decline_due", "state",
        "agent", "hold_until", "version", "priority", "key", "cls", "slot", "chname",
        "first_assigned", "assigned_at", "require", "lookup",
    )

    def __init__(self, contact: Contact, seq: int, queue: Queue, now: float) -> None:
        self.contact = contact
        self.id = contact.id
        self.seq = seq
        self.channel = contact.channel
        # The channel's name, read on every lookup: a native str, not an attrs attribute.
        self.chname: str = self.channel.name
        self.queue = queue
        self.arrival = now
        self.entered = now
        self.base_needs: Mapping[str, int] = contact.needs
        self.needs: tuple[tuple[str, int], ...] = ()
        self.min_tier = 1
        self.max_tier: int | None = None
        self.step = 0
        self.steps: tuple = ()
        # Agents who may not be offered this contact -> when that ends (inf: never).
        self.declined: dict[str, float] = {}
        self.decline_due = math.inf  # the earliest end in ``declined`` (inf: none ends)
        self.state = "waiting"
        self.agent: AgentState | None = None
        self.hold_until = 0.0
        self.version = 0
        self.priority = contact.priority
        self.key: tuple = ()  # contact policy's order key, set when it starts waiting
        self.cls: Any = None  # the waiting index's bucket, while waiting
        self.slot = 0  # the waiting index's token for its current heap entry
        # When it was first assigned in its current queue (-1: not yet; counted once in the
        # queue's statistics) and when its current assignment began (for handle times).
        self.first_assigned = -1.0
        self.assigned_at = -1.0
        # The attribute expression in force at the step reached, with the contact's
        # attributes put in (omniroute.expressions.bind): a predicate of the agent, or None.
        self.require: Any = None
        # The skills and pseudo-skills every agent passing it is filed under (the index
        # looks there): omniroute.expressions.lookup.
        self.lookup: tuple[str, ...] = ()

    def meets(self, a: AgentState) -> bool:
        """Does agent ``a`` satisfy this contact's current needs, tiers, expression and
        declines?"""
        return (qualified(a, self.needs, self.min_tier, self.max_tier) and a.id not in self.declined
                and (self.require is None or bool(self.require(a))))

    def held_for(self, a: AgentState) -> bool:
        """True while a preferred-agent hold keeps this contact from agent ``a``.

        ``hold_until`` is 0 once the hold is over (the router clears it in ``tick``).
        """
        return self.hold_until > 0 and a.id not in self.contact.preferred_agents
