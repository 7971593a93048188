"""FreeSWITCH ``mod_callcenter``: queues, tiers (level and position), tier rules.

Source: the mod_callcenter page of the FreeSWITCH documentation (developer.signalwire.com,
"FreeSWITCH Explained", Modules, mod_callcenter).  See ``docs/vendors.md`` for the mapping.
"""

from __future__ import annotations

from typing import Any

from .. import policies as P
from ..queues import Queue, Step
from ._emulation import Config, Emulation, Member, member_skill, tiers

__all__ = ["STRATEGIES", "freeswitch"]

STRATEGIES = ("ring-all", "longest-idle-agent", "round-robin", "top-down", "agent-with-fewest-calls",
              "sequentially-by-agent-order", "random", "ring-progressively")
_QUEUE_KEYS = ("name", "strategy", "tier-rules-apply", "tier-rule-wait-second",
               "tier-rule-wait-multiply-level", "tier-rule-no-agent-no-wait")
_NOTES = {
    "ring-all": "ring-all rings every free agent of the lowest level at once, the first to answer "
                "taking the call: modelled as a uniform random choice among them (ring and answer "
                "times are not modelled)",
    "ring-progressively": "ring-progressively (ring-all, adding agents as the call rings on) is "
                          "modelled as ring-all: a uniform random choice among the free agents of "
                          "the lowest level",
    "round-robin": "round-robin (the agent after the last one offered, by position) is modelled as "
                   "round robin by the last assignment",
}


def freeswitch(config: Any, *, path: str | None = None) -> Emulation:
    """Emulate mod_callcenter queues and tiers (see ``docs/vendors.md``).

    ``config = {"queues": [{"name", "strategy", "tier-rules-apply", "tier-rule-wait-second",
    "tier-rule-wait-multiply-level", "tier-rule-no-agent-no-wait"}], "tiers": [{"agent",
    "queue", "level", "position"}]}``, the queue parameters and tiers of callcenter.conf.xml
    (defaults as there: rules off, 300 s, multiply on, no-agent-no-wait off).
    """
    cfg = Config("freeswitch", config, path)
    cfg.table(config, "", ("queues", "tiers"), ("queues", "tiers"))
    qs = cfg.queues(_QUEUE_KEYS, ())
    names = [qn for _p, _q, qn in qs]
    strategy = cfg.strategy(qs, "longest-idle-agent", STRATEGIES)
    level: dict[str, dict[str, int]] = {}
    position: dict[str, int] = {}
    for j, t in enumerate(cfg.items(config, "tiers", "")):
        tp = f"tiers[{j}]"
        cfg.table(t, tp, ("agent", "queue", "level", "position"), ("agent", "queue"))
        who = cfg.name(t["agent"], f"{tp}.agent")
        qn = cfg.choice(t["queue"], f"{tp}.queue", names)
        if qn in level.get(who, {}):
            raise cfg.fail(f"{tp}", f"agent {who!r} has two tiers in queue {qn!r}")
        level.setdefault(who, {})[qn] = cfg.integer(t.get("level", 1), f"{tp}.level", 0)
        pos = cfg.integer(t.get("position", 1), f"{tp}.position", 0)
        position[who] = min(pos, position.get(who, pos))
    own, tier = tiers(cfg, level, "level", "levels")
    queues = []
    for qp, q, qn in qs:
        steps = []
        max_tier = None
        if cfg.flag(q.get("tier-rules-apply", False), f"{qp}.tier-rules-apply"):
            wait = cfg.seconds(q.get("tier-rule-wait-second", 300), f"{qp}.tier-rule-wait-second")
            multiply = cfg.flag(q.get("tier-rule-wait-multiply-level", True), f"{qp}.tier-rule-wait-multiply-level")
            if cfg.flag(q.get("tier-rule-no-agent-no-wait", False), f"{qp}.tier-rule-no-agent-no-wait"):
                cfg.notes.append(f"queue {qn!r}: tier-rule-no-agent-no-wait (skip a level's wait "
                                 "when none of its agents is available) depends on who is logged in: "
                                 "not expressed, every level waits its full time")
            levels = sorted({lv for per in level.values() for q_, lv in per.items() if q_ == qn})
            if levels:
                max_tier = tier[min(levels)] if min(levels) in tier else 1
                # the lowest level at once; level L after L x wait (multiply) or after wait
                for lv in levels[1:]:
                    if lv in tier:
                        steps.append(Step(lv * wait if multiply else wait, max_tier=tier[lv]))
                steps.sort(key=lambda s: s.after)
        queues.append(Queue(qn, max_tier=max_tier, steps=tuple(steps)))
    if strategy in _NOTES:
        cfg.notes.append(_NOTES[strategy])
    members = {who: Member(tier=tier[own[who]], skills={member_skill(qn): 1 for qn in per})
               for who, per in level.items()}
    order = sorted(level, key=lambda w: (position[w], list(level).index(w)))

    def make(seed: Any) -> P.AgentPolicy:
        then: P.AgentPolicy = {
            "longest-idle-agent": P.LongestIdle, "round-robin": P.RoundRobin,
            "agent-with-fewest-calls": P.FewestHandled, "top-down": lambda: P.Linear(order),
            "sequentially-by-agent-order": lambda: P.Linear(order),
        }.get(strategy, lambda: P.Random(seed))()
        return P.TierFirst(then)

    return Emulation("freeswitch", tuple(queues), {qn: {member_skill(qn): 1} for qn in names}, members,
                     make, tuple(cfg.notes))
