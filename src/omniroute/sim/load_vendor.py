"""Scenario files: ``[routing] emulate = "asterisk"`` with a ``[vendor]`` table.

The vendor's configuration (``omniroute.vendors``) becomes the scenario's routing: its
queues' steps and tiers replace those of the ``[[queues]]`` entries it names, its needs are
added to theirs, its members (team names of ``[[agents]]``) get their tiers and skills, and
the agent and contact policies are the emulation's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from .. import policies as P
from ..errors import ValidationError
from ..vendors import EMULATORS, Emulation
from .fields import Fields, fmt_value
from .scenario import AgentGroup, Demand, QueueSpec, Routing, Trace

__all__ = ["VendorFields", "EmulatedAgentPolicy", "EmulatedContactPolicy"]

#: ``[routing]`` keys that choose policies: an emulation chooses them itself.
_POLICY_KEYS = ("agent", "contact", "hold", "head_start", "weights", "default_weight", "costs",
                "mean_handle", "exponent")


@attrs.frozen(eq=False)
class EmulatedAgentPolicy:
    """A replication's agent-policy factory for an emulated vendor: plain data (the vendor's
    name and configuration), so that parallel replications can pickle it."""

    vendor: str
    config: Any = attrs.field(repr=False)

    def emulation(self) -> Emulation:
        return EMULATORS[self.vendor](self.config, path="vendor")

    @property
    def name(self) -> str:
        return f"{self.vendor}:{self.emulation().agent_policy(0).name}"

    def __call__(self, rng: np.random.Generator) -> P.AgentPolicy:
        return self.emulation().agent_policy(rng)


@attrs.frozen(eq=False)
class EmulatedContactPolicy:
    """A replication's contact-policy factory for an emulated vendor (see above)."""

    vendor: str
    config: Any = attrs.field(repr=False)

    @property
    def name(self) -> str:
        return f"{self.vendor}:{self().name}"

    def __call__(self) -> P.ContactPolicy:
        return EMULATORS[self.vendor](self.config, path="vendor").contact_policy()


@attrs.frozen
class Emulated:
    """A scenario's sections as an emulation leaves them; ``names``: the emulated queues."""

    queues: list[QueueSpec]
    groups: list[AgentGroup]
    demand: list[Demand | Trace]
    routing: Routing
    names: frozenset[str]


class VendorFields(Fields):
    """Reads ``[routing] emulate`` and ``[vendor]`` and applies the emulation."""

    def emulate(self, data: Mapping[str, Any], queues: list[QueueSpec], groups: list[AgentGroup],
                demand: list[Demand | Trace]) -> Emulated | None:
        """The queues, agent groups, demand and routing as the vendor's configuration makes
        them, or None when the file asks for no emulation (or a problem was found).

        Needs given elsewhere for an emulated queue (a demand's own ``needs``, a transfer's)
        get the emulation's needs too: they replace the queue's, and without them a contact
        would lose its vendor rules (Asterisk's membership, a Connect step's conditions)."""
        rt = data.get("routing")
        name = rt.get("emulate") if isinstance(rt, Mapping) else None
        if name is None:
            if "vendor" in data:
                self.p.add("vendor", "a [vendor] table needs [routing] emulate = one of "
                           f"{', '.join(EMULATORS)} (the vendor whose configuration it is)")
            return None
        if name not in EMULATORS:
            self.p.add("routing.emulate", f"{fmt_value(name)} is not an emulated vendor; allowed: {', '.join(EMULATORS)}")
            return None
        assert isinstance(rt, Mapping)
        clash = [k for k in _POLICY_KEYS if k in rt]
        if clash:
            self.p.add(f"routing.{clash[0]}", f"the emulated vendor ({name}) chooses the policies: remove "
                       f"{', '.join(clash)}, or drop emulate (compare --agent-policy tries others on the same queues)")
        if "vendor" not in data:
            self.p.add("vendor", f"[routing] emulate = {name!r} needs a [vendor] table: the {name} configuration")
            return None
        try:
            em = EMULATORS[name](data["vendor"], path="vendor")
        except ValidationError as exc:
            self.p.add("", str(exc))
            return None
        raw = data["queues"] if isinstance(data.get("queues"), list) else []
        known = {q.name: i for i, q in enumerate(queues)}
        for q in em.queues:
            if q.name not in known:
                self.p.add("vendor.queues", f"{q.name!r} is not a queue; known: {', '.join(known) or 'none'}")
                continue
            given = raw[known[q.name]] if known[q.name] < len(raw) and isinstance(raw[known[q.name]], Mapping) else {}
            for key in ("steps", "min_tier", "max_tier", "segment_steps"):
                if key in given:
                    self.p.add(f"queues[{known[q.name]}].{key}", f"queue {q.name!r} is emulated: its {key} come from "
                               "the [vendor] table; remove it here")
        teams = {g.team for g in groups if g.team is not None}
        for who in em.members:
            if who not in teams:
                self.p.add("vendor", f"member {who!r} is not a team of [[agents]]; teams: "
                           f"{', '.join(sorted(teams)) or 'none'} (a member here is a whole team)")
        if self.p.items:
            return None
        by_name = {q.name: q for q in em.queues}
        out_q = []
        for qs in queues:
            q = by_name.get(qs.name)
            if q is not None:
                qs = attrs.evolve(qs, queue=attrs.evolve(qs.queue, steps=q.steps, min_tier=q.min_tier,
                                                         max_tier=q.max_tier, priority=q.priority or qs.queue.priority),
                                  needs={**qs.needs, **em.needs[q.name]})
            out_q.append(qs)
        out_g = []
        for g in groups:
            m = em.members.get(g.team) if g.team is not None else None
            if m is not None:
                g = attrs.evolve(g, tier=g.tier if m.tier is None else m.tier,
                                 skills={**g.skills, **{s: max(lv, g.skills.get(s, 0)) for s, lv in m.skills.items()}})
            out_g.append(g)
        out_d = []
        for d in demand:
            if isinstance(d, Demand):
                if d.needs is not None and d.queue in em.needs:
                    d = attrs.evolve(d, needs={**d.needs, **em.needs[d.queue]})
                tr = d.transfer
                if tr is not None and tr.needs is not None and tr.to in em.needs:
                    d = attrs.evolve(d, transfer=attrs.evolve(tr, needs={**tr.needs, **em.needs[tr.to]}))
            out_d.append(d)
        routing = Routing(agent=EmulatedAgentPolicy(name, data["vendor"]),
                          contact=EmulatedContactPolicy(name, data["vendor"]))
        return Emulated(out_q, out_g, out_d, routing, frozenset(em.needs))
