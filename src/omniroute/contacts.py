"""Contacts: a customer's call, chat, email, post or a back-office task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._checks import check_id, check_int, frozen_mapping, levels
from .channels import Channel, channel
from .errors import ValidationError

__all__ = ["Contact"]


def _preferred(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if value is not None and not isinstance(value, (tuple, list)):
        raise ValidationError(
            f"Contact.preferred_agents must be a list of agent ids (got {value!r})"
        )
    out = tuple(value or ())
    seen: set[str] = set()
    for i, a in enumerate(out):
        if not isinstance(a, str) or not a.strip():
            raise ValidationError(
                f"Contact.preferred_agents[{i}] must be a non-empty agent id (got {a!r})"
            )
        if a in seen:
            # A repeated id would be filed twice under the agent's hold list; an order of
            # preference names each agent once.
            raise ValidationError(
                f"Contact.preferred_agents[{i}]: agent id {a!r} is listed twice; "
                "name each preferred agent once"
            )
        seen.add(a)
    return out


def _channel(value: Any) -> Channel:
    try:
        return channel(value)
    except ValidationError as exc:
        raise ValidationError(f"Contact.channel: {exc}") from None


@attrs.frozen(slots=True)
class Contact:
    """One piece of demand waiting for an agent.

    ``needs`` maps a skill to the minimum level an agent must have.  ``priority``: larger
    goes first (how much first is the contact policy's business).  ``preferred_agents``:
    agent ids in order of preference, honoured by :class:`~omniroute.policies.PreferredAgent`.
    """

    id: str
    channel: Channel = attrs.field(converter=_channel)
    queue: str
    needs: Mapping[str, int] = attrs.field(
        factory=dict, converter=lambda v: levels("Contact", "needs", v), hash=False
    )
    priority: int = 0
    segment: str | None = None
    preferred_agents: tuple[str, ...] = attrs.field(default=(), converter=_preferred)
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=frozen_mapping, hash=False)

    def __attrs_post_init__(self) -> None:
        check_id("Contact", "id", self.id)
        check_id("Contact", "queue", self.queue)
        check_int("Contact", "priority", self.priority)
        if self.segment is not None and (not isinstance(self.segment, str) or not self.segment):
            raise ValidationError(
                f"Contact.segment must be a non-empty string or None (got {self.segment!r})"
            )
