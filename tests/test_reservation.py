"""Threshold reservation (``policies.Reserve``): keep k idle agents of a tier for some queues.

Every small case runs on the fast router and both oracles; agreement state machines with
reserving agent policies check random event streams.
"""

from __future__ import annotations

import pytest
from test_research_policies import restricted

import omniroute as orr
from omniroute import policies as P
from omniroute import serial
from omniroute.testing import IndependentRouter, ReferenceRouter, check_router
from omniroute.testing import strategies as ost

QUEUES = [orr.Queue("general"), orr.Queue("premium")]


@pytest.fixture(params=[orr.Router, ReferenceRouter, IndependentRouter], ids=["fast", "reference", "independent"])
def cls(request):
    return request.param


def pairs(done):
    return [(x.contact_id, x.agent_id) for x in done]


def call(cid: str, queue: str, **kw) -> orr.Contact:
    return orr.Contact(cid, channel=orr.VOICE, queue=queue, **kw)


def router(cls, agents: list[orr.Agent], keep: dict[int, int], then: P.AgentPolicy | None = None):
    r = cls(QUEUES, agent_policy=P.Reserve(keep, ["premium"], then))
    for a in agents:
        r.add_agent(a, 0.0)
    return r


def check(r) -> None:
    if isinstance(r, orr.Router):
        check_router(r)


def test_keeps_k_idle_agents_for_the_protected_queue(cls) -> None:
    r = router(cls, [orr.Agent("p1", tier=2), orr.Agent("p2", tier=2), orr.Agent("f", tier=1)], {2: 1})
    for aid in ("p1", "p2"):
        r.set_available(aid, 0.0)
    assert pairs(r.submit(call("g1", "general"), 1.0)) == [("g1", "p1")]  # 2 idle > 1 kept
    assert r.submit(call("g2", "general"), 2.0) == []  # 1 idle left: kept
    check(r)
    assert pairs(r.submit(call("x", "premium"), 3.0)) == [("x", "p2")]  # the reserve serves premium
    assert pairs(r.set_available("f", 4.0)) == [("g2", "f")]  # tier 1 is not reserved
    check(r)


def test_the_reserve_opens_when_the_count_rises(cls) -> None:
    r = router(cls, [orr.Agent("p1", tier=2), orr.Agent("p2", tier=2)], {2: 1})
    for aid in ("p1", "p2"):
        r.set_available(aid, 0.0)
    r.submit(call("g1", "general"), 1.0)
    r.submit(call("x", "premium"), 2.0)  # p2
    r.submit(call("g2", "general"), 3.0)  # waits: no idle agent
    assert r.complete("x", 4.0) == []  # p2 idle, but it is the one kept
    check(r)
    assert pairs(r.complete("g1", 5.0)) == [("g2", "p1")]  # two idle again: one may go
    check(r)


def test_an_idle_agent_the_rule_kept_is_offered_the_contact(cls) -> None:
    # p1 frees, raising the count, but cannot serve the loan call: p2, kept until then, takes it.
    r = router(cls, [orr.Agent("p1", tier=2), orr.Agent("p2", tier=2, skills={"loans": 1})], {2: 1})
    r.set_available("p1", 0.0)
    assert pairs(r.submit(call("x", "premium"), 1.0)) == [("x", "p1")]
    r.set_available("p2", 2.0)
    assert r.submit(call("g", "general", needs={"loans": 1}), 3.0) == []
    done = r.complete("x", 4.0)
    assert pairs(done) == [("g", "p2")] and done[0].reason.trigger == "reservation"
    check(r)


def test_busy_multitaskers_are_not_the_reserve(cls) -> None:
    chat = {orr.CHAT: 2}
    r = router(cls, [orr.Agent("p1", tier=2, capacity=chat), orr.Agent("p2", tier=2, capacity=chat)], {2: 1})
    for aid in ("p1", "p2"):
        r.set_available(aid, 0.0)
    c = [orr.Contact(f"c{i}", channel=orr.CHAT, queue="general") for i in range(4)]
    assert pairs(r.submit(c[0], 1.0)) == [("c0", "p1")]
    assert pairs(r.submit(c[1], 2.0)) == [("c1", "p1")]  # p1 holds a chat: not idle, not kept
    assert r.submit(c[2], 3.0) == []  # p1 full, p2 the one idle agent kept
    check(r)


def test_a_snapshot_keeps_the_counts() -> None:
    r = router(orr.Router, [orr.Agent("p1", tier=2), orr.Agent("p2", tier=2)], {2: 1})
    for aid in ("p1", "p2"):
        r.set_available(aid, 0.0)
    r.submit(call("g1", "general"), 1.0)
    r.submit(call("g2", "general"), 2.0)
    b = orr.Router.restore(r.snapshot())
    for x in (r, b):
        assert pairs(x.complete("g1", 5.0)) == [("g2", "p1")]


@pytest.mark.parametrize(("build", "words"), [
    (lambda: P.Reserve({2: 0}, ["q"]), ["Reserve.keep[2]", ">= 1", "0"]),
    (lambda: P.Reserve({}, ["q"]), ["Reserve.keep", "non-empty", "{}"]),
    (lambda: P.Reserve({"2": 1}, ["q"]), ["Reserve.keep", "tiers", "'2'"]),
    (lambda: P.Reserve({2: 1}, "q"), ["Reserve.queues", "list of queue names", "'q'"]),
    (lambda: P.Reserve({2: 1}, []), ["Reserve.queues", "[]"]),
    (lambda: P.Reserve({2: 1}, ["q"], "fifo"), ["Reserve.then", "'fifo'"]),
    (lambda: P.Reserve({2: 1}, ["q"], P.Reserve({1: 1}, ["q"])), ["Reserve.then must not itself be a Reserve"]),
    (lambda: P.PreferredAgent(P.Reserve({1: 1}, ["q"])), ["PreferredAgent.then must not be a Reserve"]),
    (lambda: P.Scored(lambda a, c: 0.0, P.Reserve({1: 1}, ["q"])), ["Scored.then must not be a Reserve",
                                                                    "Reserve(keep, queues, then=Scored(fn))"]),
])
def test_bad_parameters_are_refused(build, words) -> None:
    with pytest.raises(orr.ValidationError) as info:
        build()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_through_serial() -> None:
    pol = P.Reserve({3: 1, 2: 2}, ["b", "a"], P.PreferredAgent(P.BestFit(), hold=4.0))
    d = serial.to_dict(pol)
    assert d["keep"] == {"2": 2, "3": 1} and d["queues"] == ["a", "b"]
    back = serial.from_dict(P.AgentPolicy, d)
    assert repr(back) == repr(pol) and back.name == "reserve+preferred+best-fit"
    with pytest.raises(orr.ValidationError, match=r"AgentPolicy.keep: tiers must be written as whole numbers"):
        serial.from_dict(P.AgentPolicy, {**d, "keep": {"x": 1}})


# ------------------------------------------------------------------ agreement, reserving policies only
TestReserveReference, TestReserveIndependent = restricted(
    sorted(k for k in ost.agent_policy_factories if k.startswith("reserve+")), sorted(ost.contact_policy_factories))


def test_an_agent_leaving_the_reserve_takes_what_it_was_kept_from(cls) -> None:
    r = router(cls, [orr.Agent("p", tier=2, capacity={orr.CHAT: 2})], {2: 1})
    r.set_available("p", 0.0)
    assert r.submit(orr.Contact("g", channel=orr.CHAT, queue="general"), 1.0) == []  # p is the reserve
    done = r.submit(orr.Contact("x", channel=orr.CHAT, queue="premium"), 2.0)
    assert pairs(done) == [("x", "p"), ("g", "p")]  # holding x, p is no longer the reserve
    assert done[1].reason.trigger == "reservation"
    check(r)


def test_explain_names_the_reservation(cls) -> None:
    if cls is not orr.Router:
        return  # explain reads the router's own records
    r = router(cls, [orr.Agent("p", tier=2), orr.Agent("f", tier=1)], {2: 1})
    r.set_available("p", 0.0)
    r.submit(call("g", "general"), 1.0)
    why = {w.agent_id: w for w in r.explain("g", 2.0)}
    assert why["p"].reason == "reserved" and why["p"].until is None
    assert "kept idle for premium" in why["p"].detail and "keeps 1 idle agents and has 1" in why["p"].detail
    assert why["f"].reason == "logged_out"


def test_reserve_around_a_score_ranks_only_the_unreserved(cls) -> None:
    # Scored prefers p (tier 2), but p is the reserve: the general call goes to f.
    score = lambda a, c: 10.0 if a.tier == 2 else 1.0  # noqa: E731
    r = router(cls, [orr.Agent("p", tier=2), orr.Agent("f", tier=1)], {2: 1}, P.Scored(score, limit=1))
    for aid in ("p", "f"):
        r.set_available(aid, 0.0)
    assert pairs(r.submit(call("g", "general"), 1.0)) == [("g", "f")]
    assert pairs(r.submit(call("x", "premium"), 2.0)) == [("x", "p")]
    check(r)


def test_reserve_around_a_preferred_agent_keeps_it_for_the_protected(cls) -> None:
    # The general call prefers p, who is the reserve: it goes to f instead (no hold).
    r = router(cls, [orr.Agent("p", tier=2), orr.Agent("f", tier=1)], {2: 1}, P.PreferredAgent())
    for aid in ("p", "f"):
        r.set_available(aid, 0.0)
    assert pairs(r.submit(call("g", "general", preferred_agents=("p",)), 1.0)) == [("g", "f")]
    assert pairs(r.submit(call("x", "premium", preferred_agents=("p",)), 2.0)) == [("x", "p")]
    check(r)


def test_an_agent_that_leaves_the_reserve_takes_what_its_room_allows(cls) -> None:
    # a7 (3 chat slots) is tier 1's one idle agent, kept for premium while two general chats
    # wait; a8 joins, the tier opens, a7 takes the first chat and so leaves the idle count
    # (closing the tier again) but, no longer idle, it takes the second with its room left.
    # (Found by the agreement machine: the second chat waited beside a7.)
    chat = {orr.VOICE: 0, orr.CHAT: 3}
    r = cls(QUEUES, agent_policy=P.Reserve({1: 1}, ["premium"]))
    r.add_agent(orr.Agent("a7", capacity=chat), 0.0)
    r.set_available("a7", 0.0)
    for cid in ("c4", "c7"):
        assert r.submit(orr.Contact(cid, channel=orr.CHAT, queue="general"), 1.0) == []
    r.add_agent(orr.Agent("a8", capacity={orr.VOICE: 1}), 2.0)
    assert pairs(r.set_available("a8", 2.0)) == [("c4", "a7"), ("c7", "a7")]
    check(r)
