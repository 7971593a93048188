"""Channels: the media a contact arrives on (voice, chat, email, ...)."""

from __future__ import annotations

import attrs

from .errors import ValidationError

__all__ = ["Channel", "VOICE", "VIDEO", "CHAT", "EMAIL", "SOCIAL", "TASK", "PRESETS", "channel"]


def _check_name(_inst: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"Channel.{attribute.name} must be a non-empty string (got {value!r})")


@attrs.frozen(slots=True)
class Channel:
    """A medium.

    ``realtime``: a customer waits live (voice, video, chat); otherwise the contact is
    deferrable (email, social, back-office task) and is measured against a deadline.
    ``exclusive``: while an agent holds such a contact (voice, video) it takes nothing
    else, and it is only offered to an agent who holds nothing at all.
    """

    name: str = attrs.field(validator=_check_name)
    realtime: bool = True
    exclusive: bool = False

    def __str__(self) -> str:
        return self.name


VOICE = Channel("voice", realtime=True, exclusive=True)
VIDEO = Channel("video", realtime=True, exclusive=True)
CHAT = Channel("chat", realtime=True, exclusive=False)
EMAIL = Channel("email", realtime=False, exclusive=False)
SOCIAL = Channel("social", realtime=False, exclusive=False)
TASK = Channel("task", realtime=False, exclusive=False)

#: The preset channels by name.
PRESETS: dict[str, Channel] = {c.name: c for c in (VOICE, VIDEO, CHAT, EMAIL, SOCIAL, TASK)}


def channel(name: str | Channel) -> Channel:
    """Return the preset channel called ``name`` (a :class:`Channel` passes through)."""
    if isinstance(name, Channel):
        return name
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValidationError(
            f"unknown channel {name!r}; presets are {sorted(PRESETS)} "
            "(define others with Channel(name, realtime=..., exclusive=...))"
        ) from None
