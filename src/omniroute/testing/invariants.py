"""The invariants every router state and every decision must satisfy (DESIGN.md section 4).

One checker, run against the fast router, the reference router and every policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..assignment import Assignment
from ..router import Router
from ..state import AVAILABLE

__all__ = ["check_router", "check_assignments"]


def check_router(router: Router, *, conserving: bool = True, allow_stuck: bool = True) -> None:
    """Assert the state invariants of ``router``.

    Capacity: no agent exceeds any channel's capacity or its overall limit, and nothing
    rides beside an exclusive contact.  Consistency: every assigned contact is held by its
    agent.  Work conservation (when ``conserving``, i.e. after ``tick(now)`` at the current
    time): no waiting contact has an available, eligible agent with room, unless a
    preferred-agent hold keeps it.  With ``allow_stuck=False``: no waiting contact is stuck
    (declined by every agent who could serve it, with no timed rule left; see
    :class:`~omniroute.WaitingView`), and the error names the ones that are.
    """
    agents = router._agents
    for a in agents.values():
        loads = {ch: n for ch, n in a.load.items() if n}
        assert all(n >= 0 for n in a.load.values()), f"agent {a.id}: negative load {a.load}"
        assert a.total == sum(loads.values()), f"agent {a.id}: total {a.total} != {loads}"
        assert len(a.contacts) + len(a.wrapups) == a.total, f"agent {a.id}: load/contacts mismatch"
        for ch, n in loads.items():
            assert n <= a.capacity.get(ch, 0), f"agent {a.id}: {n} on {ch} > capacity"
        excl = sum(n for ch, n in loads.items() if a.channels[ch].exclusive)
        assert excl == a.exclusive, f"agent {a.id}: exclusive count drift"
        if excl:
            assert a.total == 1, f"agent {a.id}: holds {a.total} contacts beside an exclusive one"
        if a.max_total is not None:
            assert a.nonexclusive <= a.max_total, f"agent {a.id}: over max_total"
        for cid, e in a.contacts.items():
            assert e.state == "assigned" and e.agent is a, f"contact {cid}: agent link broken"
    waiting = list(router._waiting)
    assert len({e.id for e in waiting}) == len(waiting), "a contact waits twice"
    live = router._contacts
    assert {e.id for e in waiting} == {cid for cid, e in live.items() if e.state == "waiting"}, (
        "waiting index and contact states disagree"
    )
    for cid, e in live.items():
        if e.state == "assigned":
            assert cid in e.agent.contacts, f"contact {cid}: not in its agent's contacts"
    if not allow_stuck:
        stuck = [v.contact.id for v in router.waiting() if v.stuck]
        assert not stuck, f"stuck contacts (declined by every agent who could serve them): {stuck}"
    if not conserving:
        return
    for e in waiting:
        for a in agents.values():
            if a.presence == AVAILABLE and a.can_take(e.channel) and e.meets(a) and not e.held_for(a):
                raise AssertionError(
                    f"work conservation: contact {e.id} waits while agent {a.id} is eligible and free"
                )


def check_assignments(
    router: Router, assignments: Iterable[Assignment], before: Mapping[str, str], now: float,
    *, ordered: bool = True,
) -> None:
    """Assert that ``assignments`` (one call's result) are sound.

    ``before`` maps each contact id to its status ("waiting", "assigned", ...) before the
    call; a contact is assigned at most once and only from waiting (or from the call's own
    submit/decline/transfer), and its agent meets its needs at the step reached.

    With ``ordered`` (the default), also no priority inversion: no contact still waiting
    after the call outranks, under the contact policy, a contact of the same channel that
    the call gave to an agent it could have gone to (eligible, not held for others).  This
    holds for every call except a ``tick`` whose rules fell due at several instants (a
    contact made eligible at a later instant may find the agent taken at an earlier one):
    pass ``ordered=False`` for those.
    """
    assignments = list(assignments)
    seen: set[str] = set()
    for x in assignments:
        assert x.contact_id not in seen, f"contact {x.contact_id} assigned twice in one call"
        seen.add(x.contact_id)
        assert before.get(x.contact_id) != "assigned" or x.reason.trigger in ("decline", "transfer"), (
            f"contact {x.contact_id} was already assigned"
        )
        assert x.time == now and x.waited >= 0
        e = router._contacts.get(x.contact_id)
        if e is None or e.agent is None or e.agent.id != x.agent_id:
            continue  # it may have been completed again within the call's own effects
        a = e.agent
        assert a.tier >= e.min_tier and (e.max_tier is None or a.tier <= e.max_tier), (
            f"contact {x.contact_id}: agent {a.id} tier {a.tier} outside [{e.min_tier}, {e.max_tier}]"
        )
        for skill, level in e.needs:
            assert a.skills.get(skill, 0) >= level, (
                f"contact {x.contact_id}: agent {a.id} lacks {skill}>={level}"
            )
        assert a.id not in e.declined, f"contact {x.contact_id} offered again to {a.id}"
    if ordered:
        _check_order(router, assignments, now)


def _check_order(router: Router, assignments: list[Assignment], now: float) -> None:
    policy = router.contact_policy

    def rank(e: object) -> tuple:
        return policy.rank(policy.order_key(e), e, now)

    waiting = list(router._waiting)
    for x in assignments:
        e = router._contacts.get(x.contact_id)
        if e is None or e.agent is None or e.agent.id != x.agent_id:
            continue
        a = e.agent
        mine = None
        for w in waiting:
            if w.channel.name == e.channel.name and w.meets(a) and not w.held_for(a):
                mine = rank(e) if mine is None else mine
                assert not rank(w) < mine, (
                    f"priority inversion: {x.contact_id} went to {a.id} while {w.id}, which "
                    f"{a.id} could take and the contact policy ranks first, still waits"
                )
