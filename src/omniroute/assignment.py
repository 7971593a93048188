"""The router's decisions.

``Assignment`` and ``Reason`` are immutable named tuples rather than attrs classes: one is
built for every decision on the router's hot path, and a named tuple is the cheapest
immutable record Python has.  They compare, hash and pickle by value like the model's
attrs value objects.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Assignment", "Reason"]


class Reason(NamedTuple):
    """Why a decision went the way it did.

    ``trigger``: what caused it ("submit", "release", "wrap-up", "available", "step",
    "overflow", "hold", "decline", "transfer").  ``agent_policy``/``contact_policy``: the
    policies' names.  ``step``: the routing step the contact had reached (0 = none).
    ``score``: the winning sort key of the policy that chose (smaller wins): the agent
    policy's when a contact found an agent, the contact policy's when an agent found a
    contact, ``("preferred", i)`` when the contact's i-th preferred agent took it.
    """

    trigger: str
    agent_policy: str
    contact_policy: str
    step: int
    score: tuple


class Assignment(NamedTuple):
    """Contact ``contact_id`` goes to agent ``agent_id`` at ``time``, after ``waited`` seconds.

    ``queue`` is the queue it was taken from (after an overflow or a transfer, the new one);
    ``waited`` counts from the contact's original arrival.
    """

    contact_id: str
    agent_id: str
    time: float
    queue: str
    waited: float
    reason: Reason
