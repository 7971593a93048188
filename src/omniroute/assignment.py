"""The router's decisions."""

from __future__ import annotations

import attrs

__all__ = ["Assignment", "Reason"]


@attrs.frozen(slots=True)
class Reason:
    """Why a decision went the way it did.

    ``trigger``: what caused it ("submit", "release", "step", "overflow", "hold",
    "decline", "transfer", "available").  ``step``: the routing step the contact had
    reached (0 = none).  ``agent_policy``/``contact_policy``: the policies' names.
    ``score``: the winning sort key of the policy that chose (smaller wins).
    """

    trigger: str
    agent_policy: str
    contact_policy: str
    step: int
    score: tuple


@attrs.frozen(slots=True)
class Assignment:
    """Contact ``contact_id`` goes to agent ``agent_id`` at ``time``, after ``waited`` seconds."""

    contact_id: str
    agent_id: str
    time: float
    queue: str
    waited: float
    reason: Reason
