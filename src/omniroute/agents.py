"""Agents: who can take which contacts, and how many at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._checks import FrozenMap, attributes, check_id, check_int, levels
from .channels import VOICE, Channel, channel
from .errors import ValidationError

__all__ = ["Agent"]


def _attributes(value: Any) -> Mapping[str, Any]:
    # an expression reads these names as the agent's own fields
    return attributes("Agent.attributes", value, reserved=("id", "tier", "team", "skills"))


def _capacity(value: Mapping[Any, int]) -> Mapping[Channel, int]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"Agent.capacity must be a mapping of channel -> count (got {value!r})")
    out: dict[Channel, int] = {}
    names: dict[str, Channel] = {}
    for key, count in value.items():
        try:
            ch = channel(key)
        except ValidationError as exc:
            raise ValidationError(f"Agent.capacity: {exc}") from None
        if ch.name in names:
            # The router keys load by channel name: one name must mean one channel.
            raise ValidationError(
                f"Agent.capacity: channel name {ch.name!r} appears twice "
                f"({names[ch.name]!r} and {ch!r}); one name means one channel"
            )
        names[ch.name] = ch
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(
                f"Agent.capacity[{ch.name!r}] must be an integer >= 0 (got {count!r})"
            )
        if ch.exclusive and count > 1:
            raise ValidationError(
                f"Agent.capacity[{ch.name!r}] must be 0 or 1: {ch.name} is exclusive (got {count!r})"
            )
        out[ch] = count
    return FrozenMap(out)


@attrs.frozen(slots=True)
class Agent:
    """A person (or a pool seat) who takes contacts.

    ``skills`` maps a skill to a proficiency level 1-10.  ``tier`` is 1 for frontline and
    higher for more senior staff.  ``capacity`` maps a channel (or a preset channel's name)
    to the number of its contacts the agent may hold at once.

    The multitasking rule: non-exclusive channels count separately (3 chats and 2 emails at
    once with ``{CHAT: 3, EMAIL: 2}``) unless ``max_total`` caps their sum; an exclusive
    channel (voice, video) is offered only to an agent who holds nothing (wrap-up
    included), and while the agent holds it nothing else is offered.

    ``attributes`` maps names to JSON values (strings, numbers, booleans, null, lists,
    tables) that :mod:`attribute expressions <omniroute.expressions>` read
    (``Queue(requires='language IN ["es", "en"]')``); lists are kept as tuples.

    The agent's live state (presence, load, idle time) lives in the router.
    """

    id: str
    skills: Mapping[str, int] = attrs.field(
        factory=dict, converter=lambda v: levels("Agent", "skills", v), hash=False
    )
    tier: int = 1
    capacity: Mapping[Channel, int] = attrs.field(
        factory=lambda: {VOICE: 1}, converter=_capacity, hash=False
    )
    team: str | None = None
    max_total: int | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_attributes, hash=False)

    def __attrs_post_init__(self) -> None:
        check_id("Agent", "id", self.id)
        check_int("Agent", "tier", self.tier, low=1)
        if self.max_total is not None:
            check_int("Agent", "max_total", self.max_total, low=1)
        if self.team is not None and (not isinstance(self.team, str) or not self.team):
            raise ValidationError(f"Agent.team must be a non-empty string or None (got {self.team!r})")

    def level(self, skill: str) -> int:
        """The agent's level in ``skill`` (0 if it lacks the skill)."""
        return self.skills.get(skill, 0)
