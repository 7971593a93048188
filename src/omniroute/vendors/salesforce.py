"""Salesforce Omni-Channel skills-based routing: required and additional skills, dropped
after a timeout, group by group.

Source: Salesforce Help, "Routing Configuration Settings" and the Summer '20 release note
"Prioritize Additional Routing Skills".  See ``docs/vendors.md``.
"""

from __future__ import annotations

from typing import Any

from .. import policies as P
from ..queues import Queue, Step
from ._emulation import Config, Emulation

__all__ = ["MODELS", "salesforce"]

MODELS = ("most-available", "least-active")


def salesforce(config: Any, *, path: str | None = None) -> Emulation:
    """Emulate skills-based routing (see ``docs/vendors.md``).

    ``config = {"routing_model", "drop_additional_skills_timeout", "queues": [{"name",
    "priority", "skills": [{"name", "level", "additional", "priority"}]}]}``: skill levels 0
    to 10 (0: having the skill is enough); additional skills are dropped when no agent has
    them, the highest skill ``priority`` value first, one group per timeout.  A queue's
    ``priority`` is its routing configuration's routing priority (lower routed first).
    """
    cfg = Config("salesforce", config, path)
    cfg.table(config, "", ("routing_model", "drop_additional_skills_timeout", "queues"), ("queues",))
    model = cfg.choice(config.get("routing_model", "most-available"), "routing_model", MODELS)
    timeout = None
    if "drop_additional_skills_timeout" in config:
        timeout = cfg.seconds(config["drop_additional_skills_timeout"], "drop_additional_skills_timeout",
                              positive=True)
    queues, needs = [], {}
    for qp, q, name in cfg.queues(("name", "priority", "skills"), ("skills",)):
        want: dict[str, int] = {}
        groups: dict[int, list[str]] = {}
        for j, s in enumerate(cfg.items(q, "skills", qp)):
            sp = f"{qp}.skills[{j}]"
            cfg.table(s, sp, ("name", "level", "additional", "priority"), ("name",))
            skill = cfg.name(s["name"], f"{sp}.name")
            if skill in want:
                raise cfg.fail(f"{sp}.name", f"{skill!r} is listed twice")
            want[skill] = max(1, cfg.integer(s.get("level", 0), f"{sp}.level", 0, 10))
            if cfg.flag(s.get("additional", False), f"{sp}.additional"):
                groups.setdefault(cfg.integer(s.get("priority", 0), f"{sp}.priority", 0, 10), []).append(skill)
            elif "priority" in s:
                raise cfg.fail(f"{sp}.priority", "applies to additional skills only (set additional = true)")
        if groups and timeout is None:
            raise cfg.fail(f"{qp}.skills", "has additional skills but drop_additional_skills_timeout is not "
                           "set: give the routing configuration's timeout in seconds")
        steps = [Step(timeout * (k + 1), drop=tuple(groups[p]))  # type: ignore[operator]
                 for k, p in enumerate(sorted(groups, reverse=True))]
        queues.append(Queue(name, priority=-cfg.integer(q.get("priority", 1), f"{qp}.priority", 0),
                            steps=tuple(steps)))
        needs[name] = want
    cfg.notes.append(f"{model} is modelled as least occupied (the smallest share of capacity in use): "
                     "the same order when agents have equal capacities; Omni-Channel's capacity weights "
                     "per work item size are not modelled (omniroute counts contacts per channel)")
    return Emulation("salesforce", tuple(queues), needs, {}, lambda _seed: P.LeastOccupied(), tuple(cfg.notes))
