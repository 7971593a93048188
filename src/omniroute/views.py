"""Read-only snapshots of the router's state, for dashboards and tests."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .agents import Agent
from .contacts import Contact

__all__ = ["AgentView", "WaitingView"]


@attrs.frozen(slots=True)
class AgentView:
    """One agent as the router sees it now.

    ``presence`` is "available", "away" or "logged_out"; ``load`` counts contacts held per
    channel name, wrap-ups included; ``contacts`` are the ids of the contacts the agent is
    handling; ``wrap_ups`` how many finished contacts are still in wrap-up; ``since`` when it
    last became idle or last got a contact; ``handled`` how many contacts it has received.
    """

    agent: Agent
    presence: str
    reason: str | None
    load: Mapping[str, int] = attrs.field(hash=False)
    contacts: tuple[str, ...]
    wrap_ups: int
    since: float
    handled: int


@attrs.frozen(slots=True)
class WaitingView:
    """One waiting contact: where it waits, since when, and whom it may go to now.

    ``needs``/``min_tier``/``max_tier`` are the eligibility in force at ``step`` (the routing
    step reached); ``held`` is True during a preferred-agent hold; ``declined_by`` lists the
    agents who refused it (or moved it on by a transfer).  ``stuck`` is True when every agent
    of the router who could serve it (skills, tiers and a channel capacity; presence and load
    aside) has declined it and no timed rule is left that could change that (no routing step,
    overflow or decline expiry pending): it will wait until another agent joins or it is
    transferred.  ``Queue.forget_declines`` lets declines expire instead.
    """

    contact: Contact
    queue: str
    arrival: float
    entered: float
    step: int
    needs: Mapping[str, int] = attrs.field(hash=False)
    min_tier: int
    max_tier: int | None
    held: bool
    declined_by: tuple[str, ...]
    stuck: bool = False
