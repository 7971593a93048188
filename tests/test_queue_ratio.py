"""Queue-ratio routing (Gurvich & Whitt): ``policies.QueueRatio`` (FQR) and, with
``policies.IdlenessRatio``, the queue-and-idleness-ratio rule (QIR).

Every small case runs on the fast router and both oracles; agreement state machines draw
these policies only.
"""

from __future__ import annotations

import pytest
from test_research_policies import restricted

import omniroute as orr
from omniroute import policies as P
from omniroute import serial
from omniroute.testing import IndependentRouter, ReferenceRouter, check_router

QUEUES = [orr.Queue("a"), orr.Queue("b")]


@pytest.fixture(params=[orr.Router, ReferenceRouter, IndependentRouter], ids=["fast", "reference", "independent"])
def cls(request):
    return request.param


def call(cid: str, queue: str) -> orr.Contact:
    return orr.Contact(cid, channel=orr.VOICE, queue=queue)


def pairs(done) -> list[tuple[str, str]]:
    return [(d.contact_id, d.agent_id) for d in done]


def check(r) -> None:
    if isinstance(r, orr.Router):
        check_router(r)


def waiting_ids(r) -> list[str]:
    if isinstance(r, IndependentRouter):
        return [cid for cid in r._contacts if r.status(cid) == "waiting"]
    return [e.id for e in r._waiting]


def test_fqr_holds_the_queue_lengths_near_the_ratios_under_overload(cls) -> None:
    # One agent, two calls (one per queue) per service: the backlog grows by one each
    # service, and the agent serves the queue most above its share: lengths stay near 3:1.
    r = cls(QUEUES, contact_policy=P.QueueRatio({"a": 0.75, "b": 0.25}))
    r.add_agent(orr.Agent("x"), 0.0)
    r.set_available("x", 0.0)
    t, current, served = 0.0, None, []
    for n in range(40):
        for q in ("a", "b"):
            t += 1.0
            done = r.submit(call(f"{q}{n}", q), t)
            current = done[0].contact_id if done else current
        t += 1.0
        done = r.complete(current, t)
        current = done[0].contact_id
        served.append(done[0].queue)
        check(r)
    ids = waiting_ids(r)
    qa, qb = sum(1 for c in ids if c.startswith("a")), sum(1 for c in ids if c.startswith("b"))
    assert qa + qb == 39 and abs(qa - 0.75 * (qa + qb)) <= 1, (qa, qb)
    # equal arrivals: holding a's line at three times b's means serving b about three times as often
    assert 28 <= served.count("b") <= 32, served.count("b")


def test_fqr_serves_the_queue_most_above_its_share(cls) -> None:
    r = cls(QUEUES, contact_policy=P.QueueRatio({"a": 0.5, "b": 0.5}))
    r.add_agent(orr.Agent("x"), 0.0)
    for i, q in enumerate(["a", "b", "b"]):  # a0 is the oldest, but b has 2 > 0.5 * 3
        r.submit(call(f"{q}{i}", q), float(i))
    done = r.set_available("x", 5.0)
    assert pairs(done) == [("b1", "x")]
    assert done[0].reason.score == (-(2 - 0.5 * 3), 1.0, 2)
    check(r)


def test_qir_splits_the_idle_agents_by_p(cls) -> None:
    # Ten idle agents, 5 per tier, p = 0.8 / 0.2: arrivals take the agents of the tier most
    # above its share of the idleness, which leaves the idle agents split 4:1.
    r = cls(QUEUES, agent_policy=P.IdlenessRatio({1: 0.8, 2: 0.2}),
            contact_policy=P.QueueRatio({"a": 0.5, "b": 0.5}))
    for i in range(10):
        aid = f"t{1 + i % 2}-{i}"
        r.add_agent(orr.Agent(aid, tier=1 + i % 2), 0.0)
        r.set_available(aid, 0.0)
    taken = [r.submit(call(f"c{k}", "a"), 1.0 + k)[0].agent_id for k in range(5)]
    # (I1, I2) = (5, 5) -> t2 (5 - 0.2 * 10 = 3 > 5 - 0.8 * 10), ... (5, 1) -> t1 (0.2 > -0.2)
    assert [x[:2] for x in taken] == ["t2", "t2", "t2", "t2", "t1"]  # idle left 4:1, as p says
    check(r)


def test_contacts_routed_at_one_instant_are_re_ranked(cls) -> None:
    # Five contacts wait for tier 2 until a step at 10 s lets tier 1 take them; two tier-1
    # agents are free then: the second pick sees the lengths after the first assignment.
    steps = (orr.Step(0.0, min_tier=2), orr.Step(10.0, min_tier=1))
    r = cls([orr.Queue("a", steps=steps), orr.Queue("b", steps=steps)],
            contact_policy=P.QueueRatio({"a": 0.5, "b": 0.5}))
    for aid in ("x", "y"):
        r.add_agent(orr.Agent(aid, tier=1), 0.0)
        r.set_available(aid, 0.0)
    for i, q in enumerate(["a", "a", "b", "b", "b"]):
        assert r.submit(call(f"{q}{i}", q), 0.0) == []  # all move at 10 s
    # b has 3 > 0.5 * 5: b2 first; then a 2, b 2 of 4: a tie, to the oldest, a0 (ranked once,
    # the order would have been b2, b3)
    assert [d.contact_id for d in r.tick(10.0)] == ["b2", "a0"]
    check(r)


@pytest.mark.parametrize(("build", "words"), [
    (lambda: P.QueueRatio({"a": 0.5, "b": 0.4}), ["QueueRatio.ratios must sum to 1", "0.9"]),
    (lambda: P.QueueRatio({"a": 1.5, "b": -0.5}), ["QueueRatio.ratios['b']", "> 0", "-0.5"]),
    (lambda: P.QueueRatio({}), ["QueueRatio.ratios", "non-empty"]),
    (lambda: P.QueueRatio({1: 1.0}), ["QueueRatio.ratios: keys must be queue names"]),
    (lambda: orr.Router(QUEUES, contact_policy=P.QueueRatio({"a": 0.5, "c": 0.5})),
     ["QueueRatio.ratios names ['c']", "known: ['a', 'b']"]),
    (lambda: orr.Router(QUEUES, contact_policy=P.QueueRatio({"a": 1.0})), ["no share for queue(s) ['b']"]),
    (lambda: IndependentRouter(QUEUES, contact_policy=P.QueueRatio({"a": 1.0})), ["no share for queue(s) ['b']"]),
    (lambda: P.contact_policy("queue-ratio"), ["needs its ratios", "queue_ratios"]),
    (lambda: P.IdlenessRatio({1: 0.5, 2: 0.6}), ["IdlenessRatio.ratios must sum to 1", "1.1"]),
    (lambda: P.IdlenessRatio({"1": 1.0}), ["IdlenessRatio.ratios: keys must be tiers"]),
    (lambda: P.IdlenessRatio({1: 1.0}, P.Reserve({1: 1}, ["a"])), ["IdlenessRatio.then must not be a Reserve"]),
    (lambda: P.Reserve({1: 1}, ["a"], P.IdlenessRatio({1: 1.0})), ["Reserve.then must not be an IdlenessRatio"]),
    (lambda: P.PreferredAgent(P.IdlenessRatio({1: 1.0})), ["PreferredAgent.then must not be a Reserve or"]),
])
def test_bad_parameters_are_refused(build, words) -> None:
    with pytest.raises(orr.ValidationError) as info:
        build()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_an_agent_of_a_tier_not_in_the_pools_is_refused(cls) -> None:
    r = cls(QUEUES, agent_policy=P.IdlenessRatio({1: 0.5, 2: 0.5}))
    with pytest.raises(orr.ValidationError, match=r"tier 3.*\[1, 2\]"):
        r.add_agent(orr.Agent("x", tier=3), 0.0)
    r.add_agent(orr.Agent("x", tier=2), 0.0)  # nothing of the refused one was kept


def test_through_serial_and_snapshot() -> None:
    for pol in (P.QueueRatio({"a": 0.25, "b": 0.75}), P.RealtimeFirst(P.QueueRatio({"a": 0.5, "b": 0.5})),
                P.IdlenessRatio({2: 0.5, 1: 0.5}, P.PreferredAgent(P.BestFit(), hold=3.0))):
        kind = P.AgentPolicy if isinstance(pol, P.AgentPolicy) else P.ContactPolicy
        back = serial.from_dict(kind, serial.to_dict(pol))
        assert type(back) is type(pol) and repr(back) == repr(pol)
    with pytest.raises(orr.ValidationError, match=r"ratios: tiers must be written as whole numbers"):
        serial.from_dict(P.AgentPolicy, {"kind": "idleness-ratio", "ratios": {"x": 1.0}, "then": {"kind": "fifo"}})
    r = orr.Router(QUEUES, agent_policy=P.IdlenessRatio({1: 0.5, 2: 0.5}),
                   contact_policy=P.QueueRatio({"a": 0.5, "b": 0.5}))
    for i in range(4):
        r.add_agent(orr.Agent(f"x{i}", tier=1 + i % 2), 0.0)
    r.set_available("x3", 0.5)
    for i, q in enumerate("aab"):
        r.submit(call(f"{q}{i}", q), 1.0 + i)  # a0 to x3; a1 and b2 wait
    b = orr.Router.restore(r.snapshot())
    for x in (r, b):  # idle counts and queue lengths restored: the same decisions
        got = pairs(x.set_available("x0", 5.0) + x.set_available("x2", 5.0) + x.set_available("x1", 5.5)
                    + x.complete("a0", 6.0) + x.submit(call("n", "b"), 7.0))
        assert got == [("a1", "x0"), ("b2", "x2"), ("n", "x1")], got


# ------------------------------------------------------------------ agreement, these policies only
TestRatioReference, TestRatioIndependent = restricted(
    ["idleness-ratio+longest-idle", "idleness-ratio+preferred+most-skilled", "idleness-ratio+random",
     "longest-idle", "preferred+longest-idle"],
    ["queue-ratio", "realtime-first+queue-ratio"])
