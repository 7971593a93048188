"""Why not (issue 11, part 5): ``Router.explain`` gives each agent who could serve a waiting
contact one reason, from the router's own state, and changes nothing."""

from __future__ import annotations

import pytest

import omniroute as orr
from omniroute.errors import InvalidStateError, UnknownContactError, ValidationError


def _centre() -> orr.Router:
    r = orr.Router([orr.Queue("premium", min_tier=2, steps=[orr.Step(after=30.0, min_tier=1)])],
                   agent_policy=orr.policies.agent_policy("preferred+longest-idle", hold=20.0))
    agents = {
        "busy": orr.Agent("busy", skills={"loans": 3}, tier=2),
        "away": orr.Agent("away", skills={"loans": 3}, tier=2),
        "junior": orr.Agent("junior", skills={"loans": 3}, tier=1),
        "novice": orr.Agent("novice", skills={"loans": 1}, tier=2),
        "nochat": orr.Agent("nochat", skills={"loans": 3}, tier=2, capacity={orr.CHAT: 2}),
        "off": orr.Agent("off", skills={"loans": 3}, tier=2),
        "pref": orr.Agent("pref", skills={"loans": 3}, tier=2),
        "other": orr.Agent("other", skills={"loans": 3}, tier=2),
    }
    for a in agents.values():
        r.add_agent(a, 0.0)
    for aid in ("busy", "away", "junior", "novice", "pref", "other"):
        r.set_available(aid, 0.0)
    r.submit(orr.Contact("c0", channel=orr.VOICE, queue="premium", needs={"loans": 2}), 0.0)  # -> busy
    r.set_away("away", 0.5, reason="training")
    r.set_away("pref", 0.5, reason="lunch")
    r.set_available("other", 0.5)
    return r


def test_each_agent_gets_its_reason() -> None:
    r = _centre()
    assert r.assigned_to("c0") is not None
    holder = r.assigned_to("c0")
    # c1 prefers "pref" (away): held for 20 s; "other" is free but the hold keeps it away
    r.submit(orr.Contact("c1", channel=orr.VOICE, queue="premium", needs={"loans": 2},
                         preferred_agents=("pref",)), 1.0)
    before = (r.waiting(), r.agents(), r.next_wakeup())
    why = {w.agent_id: w for w in r.explain("c1", 2.0)}
    assert (r.waiting(), r.agents(), r.next_wakeup()) == before  # changes nothing
    assert why[holder].reason == "busy" and "1 voice" in why[holder].detail
    assert why["away"].reason == "away" and "training" in why["away"].detail
    assert why["pref"].reason == "away"
    assert why["junior"].reason == "tier" and why["junior"].until == 31.0  # the step at 30 s
    assert why["novice"].reason == "level" and "loans 1 < 2" in why["novice"].detail
    assert why["novice"].until is None  # no step of the queue lowers the level
    assert "nochat" not in why  # no voice capacity: could never serve it
    assert why["off"].reason == "logged_out"
    free = [w for w in why.values() if w.reason in ("held", "free")]
    assert [(w.reason, w.until) for w in free] == [("held", 21.0)] * len(free) and free
    # the list is ordered: held first, then busy, tier, level, away, logged out
    order = [w.reason for w in r.explain("c1", 2.0)]
    assert order == sorted(order, key=["free", "held", "busy", "tier", "level", "away",
                                       "logged_out", "declined"].index)
    assert len(r.explain("c1", 2.0, limit=2)) == 2


def test_a_decline_is_named_with_its_end() -> None:
    r = orr.Router([orr.Queue("q", forget_declines=60.0)])
    for aid in ("a", "b"):
        r.add_agent(orr.Agent(aid), 0.0)
    r.set_available("a", 0.0)
    r.submit(orr.Contact("c", channel=orr.VOICE, queue="q"), 1.0)
    r.decline("c", 2.0)
    why = {w.agent_id: w for w in r.explain("c", 3.0)}
    assert why["a"].reason == "declined" and why["a"].until == 62.0
    assert why["b"].reason == "logged_out"


def test_bad_calls_are_refused() -> None:
    r = _centre()
    with pytest.raises(UnknownContactError):
        r.explain("nope", 1.0)
    with pytest.raises(InvalidStateError, match="only a waiting contact is explained"):
        r.explain("c0", 1.0)
    with pytest.raises(ValidationError, match="now must be"):
        r.explain("c0", float("nan"))
    with pytest.raises(ValidationError, match="limit must be an integer >= 1"):
        r.explain("c0", 1.0, limit=0)


@pytest.mark.parametrize(("seed", "policy"), [(1, "longest-idle"), (2, "preferred+longest-idle"),
                                              (3, "most-skilled")])
def test_no_waiting_contact_has_a_free_eligible_agent(seed: int, policy: str) -> None:
    # after every call the router has routed what it could: explain never says "free", every
    # agent it lists has a capacity on the contact's channel, and it changes nothing
    from omniroute.testing import soak

    r = orr.Router(soak.queues(), agent_policy=soak.AGENT_POLICIES[policy]())
    d = soak.Driver([r], seed)
    explained = 0
    for _ in range(400):
        d.step()
        for w in r.waiting()[:5]:
            before = r.agents()
            whys = r.explain(w.contact.id, d.now)
            assert r.agents() == before
            assert all(x.reason != "free" for x in whys), (w, whys)
            for x in whys:
                assert r.agent(x.agent_id).agent.capacity.get(w.contact.channel, 0) > 0
            explained += 1
    assert explained > 100
