"""Vendor emulators: a contact centre's current routing rules, expressed in omniroute's model.

Each function takes one vendor's configuration in that vendor's own vocabulary (plain
dicts and lists, as a TOML table gives them) and returns an :class:`Emulation`: queues
with steps and tiers, the needs a contact of each queue starts with, what changes on each
member, the agent and contact policies, and ``not_expressed``, what of the configuration
omniroute does not reproduce exactly.  A bad configuration raises
:class:`~omniroute.ValidationError` naming its path (prefixed by the keyword ``path``, by
default the vendor's name), the value and what is allowed.

``docs/vendors.md`` says, per vendor, what it does, what it does not and the mapping.
"""

from __future__ import annotations

from collections.abc import Callable

from ._emulation import Emulation, Member
from .asterisk import asterisk
from .connect import connect
from .freeswitch import freeswitch
from .genesys import genesys
from .salesforce import salesforce

__all__ = ["Emulation", "Member", "asterisk", "freeswitch", "connect", "genesys", "salesforce", "EMULATORS"]

#: The emulators by name (``[routing] emulate = "..."`` in a scenario file).
EMULATORS: dict[str, Callable[..., Emulation]] = {
    "asterisk": asterisk, "freeswitch": freeswitch, "connect": connect, "genesys": genesys,
    "salesforce": salesforce,
}
