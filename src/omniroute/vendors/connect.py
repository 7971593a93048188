"""Amazon Connect routing criteria: steps of proficiency conditions, each with an expiry.

Source: Amazon Connect Administrator Guide, "Set routing criteria" flow block, and the API
reference (RoutingCriteriaInputStep, Expiry, AttributeCondition).  See ``docs/vendors.md``.
"""

from __future__ import annotations

from typing import Any

from .. import policies as P
from ..queues import Queue, Step
from ._emulation import Config, Emulation

__all__ = ["connect"]


def connect(config: Any, *, path: str | None = None) -> Emulation:
    """Emulate Connect routing criteria (see ``docs/vendors.md``).

    ``config = {"queues": [{"name", "priority", "steps": [{"conditions": [{"name", "value",
    "level"}], "expiry"}]}]}``: each condition is ``name:value >= level`` (levels 1 to 5,
    the conditions of a step AND-ed), ``expiry`` the step's DurationInSeconds (the last
    step may have none).  An agent's proficiency ``name:value`` at level ``n`` is the skill
    ``"name:value"`` at level ``n``.  ``priority``: the routing profile's queue priority
    (1 first).
    """
    cfg = Config("connect", config, path)
    cfg.table(config, "", ("queues",), ("queues",))
    queues, needs = [], {}
    for qp, q, name in cfg.queues(("name", "priority", "steps"), ("steps",)):
        priority = cfg.integer(q.get("priority", 1), f"{qp}.priority", 1)
        conds: list[dict[str, int]] = []
        expiries: list[float | None] = []
        raw = cfg.items(q, "steps", qp)
        for j, s in enumerate(raw):
            sp = f"{qp}.steps[{j}]"
            cfg.table(s, sp, ("conditions", "expiry"), ("conditions",))
            got: dict[str, int] = {}
            for k, c in enumerate(cfg.items(s, "conditions", sp)):
                cp = f"{sp}.conditions[{k}]"
                cfg.table(c, cp, ("name", "value", "level"), ("name", "value", "level"))
                skill = f"{cfg.name(c['name'], f'{cp}.name')}:{cfg.name(c['value'], f'{cp}.value')}"
                got[skill] = cfg.integer(c["level"], f"{cp}.level", 1, 5)
            conds.append(got)
            e = s.get("expiry")
            if e is None and j < len(raw) - 1:
                raise cfg.fail(f"{sp}.expiry", "is required on every step but the last (a step without "
                               "expiry never moves on)")
            expiries.append(None if e is None else cfg.seconds(e, f"{sp}.expiry", positive=True))
        first = conds[0]
        steps, after = [], 0.0
        for j in range(1, len(conds)):
            after += expiries[j - 1] or 0.0
            steps.append(_relax(cfg, first, conds[j], after, f"{qp}.steps[{j}]"))
        if expiries[-1] is not None:  # all steps expired: any agent of the queue
            steps.append(Step(after + expiries[-1], drop=tuple(first)))
        queues.append(Queue(name, priority=-priority, steps=tuple(steps)))
        needs[name] = first
    cfg.notes.append("the queue's agents are those of the routing profiles serving it: here every agent "
                     "who can take the channel and meets the step's conditions (give agents the "
                     "proficiencies as skills 'name:value')")
    return Emulation("connect", tuple(queues), needs, {}, lambda _seed: P.LongestIdle(), tuple(cfg.notes))


def _relax(cfg: Config, first: dict[str, int], now: dict[str, int], after: float, path: str) -> Step:
    """Step ``now`` as a relaxation of the first step: some conditions dropped, the rest lowered
    by one common amount (what omniroute's ``Step(drop=, lower=)`` can say)."""
    extra = sorted(set(now) - set(first))
    if extra:
        raise cfg.fail(f"{path}.conditions", f"{extra} not in the first step: omniroute's steps only "
                       "widen eligibility (drop or lower a need), they cannot add one")
    drops = tuple(s for s in first if s not in now)
    if not now:
        return Step(after, drop=drops)
    fits = [d for d in range(10) if all(max(1, first[s] - d) == lv for s, lv in now.items())]
    if not fits:
        raise cfg.fail(f"{path}.conditions", f"levels {now} are not the first step's {first} lowered by "
                       "one common amount: omniroute's steps lower every remaining need alike, never raise one")
    return Step(after, drop=drops, lower=fits[0] or None)
