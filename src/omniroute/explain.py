"""Why not: for a waiting contact, each agent who could serve it and why that agent is not
taking it now (``Router.explain``).

A support tool's question ("why did agent X not get this contact?") answered from the
router's own state, without changing it.  The agents listed are those with a capacity on its
channel and every needed skill (at some level) at the step reached or a later routing step of
its queue (an overflow to another queue is not followed).  Each gets one reason, the first that applies, in this order:

* ``declined``: the agent refused it (or moved it on); ``until`` when that expires, if ever;
* ``away`` / ``logged_out``: the agent's presence (``detail`` gives its reason);
* ``tier`` / ``level``: not eligible at the step reached; ``until`` the step that admits it
  (None: no step of the queue does);
* ``requires``: in the tiers and at the levels, but it fails the attribute expression in
  force (``detail`` shows it); ``until`` the step that admits it (None: none does);
* ``busy``: no free capacity on the channel (``detail`` says what it holds);
* ``held``: a preferred-agent hold keeps the contact for its preferred agents until ``until``;
* ``reserved``: a threshold reservation (:class:`~omniroute.policies.Reserve`) keeps this idle
  agent for other queues: its tier has no more idle agents than it keeps (``until`` None: it
  opens when another agent of the tier becomes idle, or when this one takes a protected contact);
* ``free``: eligible and free: the router's next decision may give it to this agent (a
  waiting contact with such an agent exists only between a change and the call that routes it,
  or, with a batch window, until ``until``, the next decision instant).

Cost: one pass over the agents (O(agents × (needed skills + expression size)), the
expression evaluated at each step), bounded by ``limit`` in the result.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from ._checks import real
from .errors import InvalidStateError, ValidationError
from .expressions import Expression, bind
from .state import AVAILABLE, Entry, qualified

__all__ = ["Why", "explain"]

_ORDER = {"free": 0, "held": 1, "reserved": 2, "busy": 3, "tier": 4, "level": 5, "requires": 6, "away": 7,
          "logged_out": 8, "declined": 9}


@attrs.frozen(slots=True)
class Why:
    """One agent and why it is not taking the contact now (see :mod:`omniroute.explain`)."""

    agent_id: str
    reason: str
    detail: str
    until: float | None = None


def explain(router: Any, contact_id: Any, now: Any, limit: int = 100) -> tuple[Why, ...]:
    """The agents who could serve waiting contact ``contact_id`` and why each is not taking
    it now: free ones first, then held, reserved, busy, not yet eligible, away, declined; at most
    ``limit`` of them (in the router's joining order within a reason)."""
    t = real(now)
    if t is None or not math.isfinite(t) or t < 0:
        raise ValidationError(f"explain: now must be a finite number of seconds >= 0 (got {now!r})")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"explain: limit must be an integer >= 1 (got {limit!r})")
    e: Entry = router._contact(contact_id)
    if e.state != "waiting":
        raise InvalidStateError(f"explain: contact {contact_id!r} is {e.state}; only a waiting contact "
                                "is explained (assigned_to() says who has it)")
    # eligibility at the step reached and at each later step, with the time it starts
    stages: list[tuple[float | None, tuple, int, int | None]] = [(None, e.needs, e.min_tier, e.max_tier)]
    exprs = [e.queue.requirement(e.steps[: e.step])]
    for k in range(e.step + 1, len(e.steps) + 1):
        needs, mn, mx = e.queue.eligibility(e.base_needs, e.steps[:k])
        stages.append((e.entered + e.steps[k - 1].after, needs, mn, mx))
        exprs.append(e.queue.requirement(e.steps[:k]))
    tests = [None if x is None else bind(x, e.contact.attributes) for x in exprs]
    ch = e.channel
    out: list[tuple[int, int, Why]] = []
    for a in router._agents.values():
        if not a.capacity.get(ch.name, 0):
            continue
        first = next((i for i, (_at, nd, mn, mx) in enumerate(stages) if qualified(a, nd, mn, mx)
                      and (tests[i] is None or tests[i](a))), None)
        if first is None and not any(all(s in a.skills for s, _lv in nd) for _at, nd, _mn, _mx in stages):
            continue  # lacks a needed skill at every step: not one of its possible agents
        why = _why(a, e, stages, len(stages) if first is None else first, exprs[0])
        if why.reason == "free" and router._reserve and not router._open_for(e, a):
            t = a.tier
            why = Why(a.id, "reserved", f"kept idle for {', '.join(sorted(router._protected))}: tier {t} "
                                        f"keeps {router._reserve[t]} idle agents and has {len(router._idle[t])}")
        if why.reason == "free" and router._batch_due >= 0:
            why = Why(why.agent_id, "free", "eligible and free: the next decision instant (batch window) "
                      "may give it the contact", router._batch_due)
        out.append((_ORDER[why.reason], a.order, why))
    out.sort(key=lambda x: (x[0], x[1]))
    return tuple(w for _r, _o, w in out[:limit])


def _why(a: Any, e: Entry, stages: list, first: int, expr: Expression | None) -> Why:
    aid = a.id
    if aid in e.declined:
        end = e.declined[aid]
        return Why(aid, "declined", "declined the contact (or moved it on)",
                   None if math.isinf(end) else end)
    if a.presence != AVAILABLE:
        return Why(aid, a.presence, f"presence {a.presence}" + (f" ({a.reason})" if a.reason else ""))
    if first > 0:
        at = stages[first][0] if first < len(stages) else None  # None: no step admits it
        _at0, needs, mn, mx = stages[0]
        if a.tier < mn or (mx is not None and a.tier > mx):
            allowed = f"{mn}-{mx if mx is not None else 'any'}"
            return Why(aid, "tier", f"tier {a.tier} outside the tiers allowed now ({allowed})", at)
        short = [f"{s} {a.skills.get(s, 0)} < {lv}" for s, lv in needs if a.skills.get(s, 0) < lv]
        if short or expr is None:
            return Why(aid, "level", "level too low now: " + ", ".join(short), at)
        return Why(aid, "requires", f"does not meet requires: {expr.source}", at)
    if not a.can_take(e.channel):
        held = ", ".join(f"{n} {name}" for name, n in sorted(a.load.items()) if n) or "nothing"
        return Why(aid, "busy", f"no free {e.channel.name} capacity (holds {held}; "
                                f"{len(a.wrapups)} in wrap-up)")
    if e.hold_until > 0 and aid not in e.contact.preferred_agents:
        return Why(aid, "held", "held for its preferred agents", e.hold_until)
    return Why(aid, "free", "eligible and free: the next decision may give it the contact")
