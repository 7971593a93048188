"""Genesys Cloud bullseye routing: rings widened after a timeout by removing skills.

Source: Genesys Cloud Resource Center, "Bullseye routing" and the queue's routing API
(``bullseye.rings[].expansionCriteria`` TIMEOUT_SECONDS, ``actions.skillsToRemove``; queue
members' bullseye ring number).  See ``docs/vendors.md``.
"""

from __future__ import annotations

from typing import Any

from .. import policies as P
from ..queues import Queue, Step
from ._emulation import Config, Emulation, Member

__all__ = ["EVALUATIONS", "genesys"]

EVALUATIONS = ("all-skills", "best-available", "disregard-skills")
MAX_RINGS = 6


def genesys(config: Any, *, path: str | None = None) -> Emulation:
    """Emulate bullseye routing (see ``docs/vendors.md``).

    ``config = {"evaluation", "queues": [{"name", "skills": {skill: level}, "rings":
    [{"timeout", "remove": [skills]}], "members": [{"name", "ring"}]}]}``: ``skills`` are
    the ACD skills the flow attaches to the interaction, ``rings`` at most 6 (every ring but
    the last has a timeout; its ``remove`` applies when the interaction moves past it),
    ``members`` the queue members' bullseye ring numbers (a member takes interactions from
    its ring on).  ``evaluation``: all-skills (the default), best-available or
    disregard-skills.
    """
    cfg = Config("genesys", config, path)
    cfg.table(config, "", ("evaluation", "queues"), ("queues",))
    evaluation = cfg.choice(config.get("evaluation", "all-skills"), "evaluation", EVALUATIONS)
    queues, needs, ring_of = [], {}, {}
    for qp, q, name in cfg.queues(("name", "skills", "rings", "members"), ("rings",)):
        skills = q.get("skills", {})
        if not isinstance(skills, dict):
            raise cfg.fail(f"{qp}.skills", f"must be a table of skill = level (got {skills!r})")
        want = {cfg.name(s, f"{qp}.skills"): cfg.integer(lv, f"{qp}.skills.{s}", 1, 10) for s, lv in skills.items()}
        rings = cfg.items(q, "rings", qp)
        if len(rings) > MAX_RINGS:
            raise cfg.fail(f"{qp}.rings", f"has {len(rings)} rings; bullseye routing has at most {MAX_RINGS}")
        steps, after, removed = [], 0.0, set()
        members = cfg.items(q, "members", qp, required=False)
        for j, r in enumerate(rings[:-1]):
            rp = f"{qp}.rings[{j}]"
            cfg.table(r, rp, ("timeout", "remove"), ("timeout",))
            after += cfg.seconds(r["timeout"], f"{rp}.timeout", positive=True)
            drop = r.get("remove", [])
            if not isinstance(drop, list):
                raise cfg.fail(f"{rp}.remove", f"must be a list of skill names (got {drop!r})")
            for k, s in enumerate(drop):
                if s not in want:
                    raise cfg.fail(f"{rp}.remove[{k}]", f"{s!r} is not one of the queue's skills "
                                   f"({', '.join(want) or 'none'})")
                if s in removed:
                    raise cfg.fail(f"{rp}.remove[{k}]", f"{s!r} was already removed by an earlier ring")
                removed.add(s)
            steps.append(Step(after, drop=tuple(drop), max_tier=j + 2 if members else None))
        last = rings[-1]
        cfg.table(last, f"{qp}.rings[{len(rings) - 1}]", ("timeout", "remove"))
        if last.get("remove"):
            raise cfg.fail(f"{qp}.rings[{len(rings) - 1}].remove", "the last ring removes nothing: "
                           "no ring follows it")
        for k, m in enumerate(members):
            mp = f"{qp}.members[{k}]"
            cfg.table(m, mp, ("name", "ring"), ("name", "ring"))
            who = cfg.name(m["name"], f"{mp}.name")
            ring = cfg.integer(m["ring"], f"{mp}.ring", 1, len(rings))
            if ring_of.get(who, ring) != ring:
                cfg.notes.append(f"member {who!r} is in ring {ring_of[who]} and ring {ring} of different "
                                 f"queues; omniroute's tier is per agent: the lower ring is used")
            ring_of[who] = min(ring, ring_of.get(who, ring))
        if evaluation == "disregard-skills":
            want, steps = {}, [Step(s.after, max_tier=s.max_tier) for s in steps if s.max_tier is not None]
        queues.append(Queue(name, max_tier=1 if members else None, steps=tuple(steps)))
        needs[name] = want
    if evaluation == "best-available":
        cfg.notes.append("best-available (the agent with the best proficiency in the skills) is modelled "
                         "as the highest total level in the needed skills, then longest idle")
    if evaluation == "disregard-skills":
        cfg.notes.append("disregard-skills: the skills are ignored (no needs, no skills removed); the "
                         "rings still widen by members' ring numbers")
    make = (lambda _seed: P.MostSkilled()) if evaluation == "best-available" else (lambda _seed: P.LongestIdle())
    return Emulation("genesys", tuple(queues), needs, {w: Member(tier=r) for w, r in ring_of.items()},
                     make, tuple(cfg.notes))
