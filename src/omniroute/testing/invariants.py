"""The invariants every router state and every decision must satisfy (DESIGN.md section 4).

One checker, run against the fast router, the reference router and every policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..assignment import Assignment
from ..router import Router
from ..state import AVAILABLE, qualified

__all__ = ["check_router", "check_assignments", "check_stats"]


def check_router(router: Router, *, conserving: bool = True, allow_stuck: bool = True) -> None:
    """Assert the state invariants of ``router``.

    Capacity: no agent exceeds any channel's capacity or its overall limit, and nothing
    rides beside an exclusive contact.  Consistency: every assigned contact is held by its
    agent.  Work conservation (when ``conserving``, i.e. after ``tick(now)`` at the current
    time): no waiting contact has an available, eligible agent with room, unless a
    preferred-agent hold or a threshold reservation (:class:`~omniroute.policies.Reserve`,
    whose idle counts the router keeps) keeps it.  With ``allow_stuck=False``: no waiting contact is stuck
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
    check_stats(router)
    if not allow_stuck:
        stuck = [v.contact.id for v in router.waiting() if v.stuck]
        assert not stuck, f"stuck contacts (declined by every agent who could serve them): {stuck}"
    if not conserving:
        return
    for e in waiting:
        for a in agents.values():
            if a.presence == AVAILABLE and a.can_take(e.channel) and e.meets(a) and not e.held_for(a) \
                    and (not router._reserve or router._open_for(e, a)):
                raise AssertionError(
                    f"work conservation: contact {e.id} waits while agent {a.id} is eligible and free"
                )


def check_stats(router: Router) -> None:
    """Assert that the real-time statistics (:mod:`omniroute.stats`), kept incrementally,
    equal a scan of ``waiting()`` and ``agents()``: waiting counts by priority and segment,
    longest wait, each waiting contact's place in its queue, and the agents available, busy
    and away who could serve each queue (by the combinations the router learned, which must
    cover every waiting contact's)."""
    now = router.now
    got = router.stats(now).queues
    tally = router._tally
    views = router.waiting()
    for name in router.queues:
        mine = [v for v in views if v.queue == name]
        q = got[name]
        assert q.waiting == len(mine), f"stats: queue {name} waiting {q.waiting} != {len(mine)}"
        by_p: dict[int, int] = {}
        by_s: dict[str | None, int] = {}
        for v in mine:
            by_p[v.contact.priority] = by_p.get(v.contact.priority, 0) + 1
            by_s[v.contact.segment] = by_s.get(v.contact.segment, 0) + 1
        assert dict(q.waiting_by_priority) == by_p, f"stats: queue {name} by priority {q.waiting_by_priority} != {by_p}"
        assert dict(q.waiting_by_segment) == by_s, f"stats: queue {name} by segment {q.waiting_by_segment} != {by_s}"
        oldest = min((v.arrival for v in mine), default=None)
        assert q.longest_wait == (0.0 if oldest is None else now - oldest), f"stats: queue {name} longest wait"
        qt = tally.queues[name]
        for v in mine:
            ahead = sum(1 for w in mine if w.contact.priority > v.contact.priority or (
                w.contact.priority == v.contact.priority and (w.arrival, router._contacts[w.contact.id].seq)
                < (v.arrival, router._contacts[v.contact.id].seq)))
            e = router._contacts[v.contact.id]
            assert qt.ahead(e.priority, (e.arrival, e.seq)) == ahead, f"stats: contact {v.contact.id} place"
        counts = [0, 0, 0, 0]
        slots = 0
        for a in router._agents.values():
            chans = [ch for ch, elig in qt.profiles if a.capacity.get(ch, 0) and any(
                qualified(a, n, lo, hi) for n, lo, hi in elig)]
            if not chans:
                continue
            if a.presence != AVAILABLE:
                counts[3 if a.presence == "away" else 0] += 1
                continue
            free = any(a.can_take(a.channels[ch]) for ch in chans)
            counts[1 if free else 2] += 1
            slots += max(a.capacity[ch] for ch in chans)
        assert [q.agents_available, q.agents_busy, q.agents_away] == counts[1:], (
            f"stats: queue {name} agents {[q.agents_available, q.agents_busy, q.agents_away]} != {counts[1:]}")
        assert qt.slots == slots, f"stats: queue {name} slots {qt.slots} != {slots}"
    if not tally.capped:
        for e in router._contacts.values():
            if e.state == "waiting":
                assert any(ch == e.chname for ch, _elig in tally.queues[e.queue.name].profiles), (
                    f"stats: contact {e.id}'s queue and channel were not learned")
    for a in router._agents.values():
        p = a.presence
        assert a.state == (p if p != AVAILABLE else ("busy" if a.total else "idle")), f"stats: agent {a.id} state"


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
    # A dynamic policy's ranks between queues moved with each assignment (QueueRatio reads
    # the queue lengths): after the call only the order inside one queue, fixed, can be checked.
    dynamic = policy.dynamic

    def rank(e: object) -> tuple:
        return policy.order_key(e) if dynamic else policy.rank(policy.order_key(e), e, now)

    waiting = list(router._waiting)
    for x in assignments:
        e = router._contacts.get(x.contact_id)
        if e is None or e.agent is None or e.agent.id != x.agent_id:
            continue
        a = e.agent
        mine = None
        # A reserved tier's agent may have been kept from unprotected contacts when it took this
        # one (policies.Reserve): those are no inversion.
        kept = a.tier in router._reserve and e.queue.name in router._protected
        for w in waiting:
            if (kept and w.queue.name not in router._protected) or (dynamic and w.queue.name != e.queue.name):
                continue
            if w.channel.name == e.channel.name and w.meets(a) and not w.held_for(a):
                mine = rank(e) if mine is None else mine
                assert not rank(w) < mine, (
                    f"priority inversion: {x.contact_id} went to {a.id} while {w.id}, which "
                    f"{a.id} could take and the contact policy ranks first, still waits"
                )
