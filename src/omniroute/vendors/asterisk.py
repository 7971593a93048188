"""Asterisk ``app_queue``: queues.conf members, penalties and strategy; queuerules.conf.

Sources: the ``queues.conf.sample`` and ``queuerules.conf.sample`` files shipped with
Asterisk (strategies, ``penaltychange``).  See ``docs/vendors.md`` for the mapping.
"""

from __future__ import annotations

from typing import Any

from .. import policies as P
from ..queues import Queue, Step
from ._emulation import Config, Emulation, Member, member_skill, tiers

__all__ = ["STRATEGIES", "asterisk"]

STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "rrordered", "linear", "wrandom")
_NOTES = {
    "ringall": "ringall rings every free member of the lowest penalty at once and the first to answer "
               "takes the call: modelled as a uniform random choice among them (ring and answer times, "
               "and members busy ringing, are not modelled)",
    "leastrecent": "leastrecent (least recently hung up) is modelled as longest idle: the member whose "
                   "state last changed earliest, wrap-up included",
    "rrmemory": "rrmemory (the member after the last one called, in member order) is modelled as "
                "round robin by the last assignment: the same turn when all members are free",
    "rrordered": "rrordered is modelled as round robin by the last assignment (see rrmemory)",
}


def _bound(cfg: Config, v: Any, current: int | None, path: str) -> int | None:
    """A rule's new penalty bound: absolute (an integer) or relative (``"+3"``, ``"-1"``)."""
    if v is None or v == "":
        return current
    if isinstance(v, str) and v[:1] in "+-" and v[1:].isdigit():
        if current is None:
            raise cfg.fail(path, f"{v!r} changes a bound not set on entry; Asterisk changes "
                           "QUEUE_MAX_PENALTY / QUEUE_MIN_PENALTY only when the dialplan set them: "
                           "give the queue's max_penalty / min_penalty")
        return max(0, current + int(v))
    return cfg.integer(v, path, 0)


def asterisk(config: Any, *, path: str | None = None) -> Emulation:
    """Emulate Asterisk queues (see ``docs/vendors.md``).

    ``config = {"queues": [{"name", "strategy", "members": [{"name", "penalty"}], "weight",
    "max_penalty", "min_penalty", "rules": [{"after", "max_penalty", "min_penalty"}]}]}``:
    ``max_penalty``/``min_penalty`` are the call's ``QUEUE_MAX_PENALTY``/``QUEUE_MIN_PENALTY``
    on entry, ``rules`` the queue's ``penaltychange`` lines (seconds, then an absolute or
    relative ``"+2"`` bound), ``weight`` the queue's weight.  Every queue must use one
    strategy (omniroute has one agent policy per router).
    """
    cfg = Config("asterisk", config, path)
    cfg.table(config, "", ("queues",), ("queues",))
    qs = cfg.queues(("name", "strategy", "members", "weight", "max_penalty", "min_penalty", "rules"),
                    ("members",))
    strategy = cfg.strategy(qs, "ringall", STRATEGIES)
    # members: name -> penalty per queue, in the order listed
    penalty: dict[str, dict[str, int]] = {}
    for qp, q, qn in qs:
        for j, m in enumerate(cfg.items(q, "members", qp)):
            mp = f"{qp}.members[{j}]"
            cfg.table(m, mp, ("name", "penalty"), ("name",))
            who = cfg.name(m["name"], f"{mp}.name")
            if qn in penalty.get(who, {}):
                raise cfg.fail(f"{mp}.name", f"{who!r} is listed twice in queue {qn!r}")
            penalty.setdefault(who, {})[qn] = cfg.integer(m.get("penalty", 0), f"{mp}.penalty", 0)
    own, tier = tiers(cfg, penalty, "penalty", "penalties")
    n = len(tier)
    pens = sorted(tier)

    def span(lo: int | None, hi: int | None) -> tuple[int, int | None]:
        """The tier range of penalties in [lo, hi] (nobody: a tier above every member's)."""
        inside = [tier[p] for p in pens if (lo is None or p >= lo) and (hi is None or p <= hi)]
        return (min(inside), max(inside)) if inside else (n + 1, None)

    queues = []
    for qp, q, qn in qs:
        hi = None if q.get("max_penalty") is None else cfg.integer(q["max_penalty"], f"{qp}.max_penalty", 0)
        lo = None if q.get("min_penalty") is None else cfg.integer(q["min_penalty"], f"{qp}.min_penalty", 0)
        mn, mx = span(lo, hi)
        steps, last = [], -1.0
        for j, r in enumerate(cfg.items(q, "rules", qp, required=False)):
            rp = f"{qp}.rules[{j}]"
            cfg.table(r, rp, ("after", "max_penalty", "min_penalty"), ("after",))
            after = cfg.seconds(r["after"], f"{rp}.after")
            if after < last:
                raise cfg.fail(f"{rp}.after", f"{after:g} s is earlier than the rule before it ({last:g} s): "
                               "penalty rules must be in increasing time order")
            last = after
            hi = _bound(cfg, r.get("max_penalty"), hi, f"{rp}.max_penalty")
            lo = _bound(cfg, r.get("min_penalty"), lo, f"{rp}.min_penalty")
            smn, smx = span(lo, hi)
            steps.append(Step(after, min_tier=smn, max_tier=smx if smx is not None else n + 1))
        weight = cfg.integer(q.get("weight", 0), f"{qp}.weight", 0)
        queues.append(Queue(qn, priority=weight, min_tier=mn, max_tier=mx, steps=tuple(steps)))
    members = {who: Member(tier=tier[own[who]], skills={member_skill(qn): 1 for qn in per})
               for who, per in penalty.items()}
    order = list(penalty)  # as listed, queue by queue
    if strategy in _NOTES:
        cfg.notes.append(_NOTES[strategy])
    if strategy == "wrandom":
        cfg.notes.append("wrandom's metric random() % ((1 + penalty) * 1000) is drawn as a real number "
                         "in [0, 1 + penalty): the same chances up to the integer rounding")
    weights = {who: float(own[who]) for who in penalty}
    make = _policy(strategy, order, weights)
    return Emulation("asterisk", tuple(queues), {qn: {member_skill(qn): 1} for _p, _q, qn in qs}, members,
                     make, tuple(cfg.notes))


def _policy(strategy: str, order: list[str], weights: dict[str, float]) -> Any:
    """The agent policy's factory: lowest penalty (tier) first, then the strategy."""
    def make(seed: Any) -> P.AgentPolicy:
        if strategy == "wrandom":  # the penalty is only a weight here, not an order
            return P.WeightedRandom(weights, seed=seed)
        then: P.AgentPolicy = {
            "leastrecent": P.LongestIdle, "fewestcalls": P.FewestHandled, "rrmemory": P.RoundRobin,
            "rrordered": P.RoundRobin, "linear": lambda: P.Linear(order),
        }.get(strategy, lambda: P.Random(seed))()
        return P.TierFirst(then)
    return make
