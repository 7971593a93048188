"""The custom scoring hook, ``policies.Scored``: choice, ties, limit, cost, errors, snapshots.

Every case runs on the fast router and both oracles (the reference router and the
independent one); the agreement state machines cover it on random streams too.
"""

from __future__ import annotations

import math

import pytest

import omniroute as orr
from omniroute import policies as P
from omniroute import serial
from omniroute.errors import ScoreError
from omniroute.testing import IndependentRouter, ReferenceRouter, check_router

ROUTERS = [orr.Router, ReferenceRouter, IndependentRouter]


@pytest.fixture(params=ROUTERS, ids=["fast", "reference", "independent"])
def cls(request):
    return request.param


def staffed(cls, agents, policy, queues=None):
    r = cls(queues or [orr.Queue("q")], agent_policy=policy)
    for a in agents:
        r.add_agent(a, 0.0)
        r.set_available(a.id, 0.0)
    return r


def voice(cid: str, **kw) -> orr.Contact:
    return orr.Contact(cid, channel=orr.VOICE, queue="q", **kw)


AGENTS = [orr.Agent(f"a{i}", skills={"billing": 1 + i % 4}) for i in range(8)]


def by_level(agent: orr.Agent, contact: orr.Contact) -> float:
    return agent.skills.get("billing", 0)


def test_the_highest_score_wins_ties_to_longest_idle(cls) -> None:
    r = staffed(cls, AGENTS, P.Scored(by_level))
    # a3 and a7 both have level 4: a3 has been idle longer (it was made available first)
    assert [x.agent_id for x in r.submit(voice("c1"), 1.0)] == ["a3"]
    assert [x.agent_id for x in r.submit(voice("c2"), 2.0)] == ["a7"]
    assert [x.agent_id for x in r.submit(voice("c3"), 3.0)] == ["a2"]  # then level 3, idle longest
    if cls is not IndependentRouter:
        check_router(r)


def test_the_reason_says_policy_and_score() -> None:
    r = staffed(orr.Router, AGENTS, P.Scored(by_level))
    (x,) = r.submit(voice("c1"), 1.0)
    assert x.reason.agent_policy == "scored+longest-idle" and x.reason.score[0] == -4.0


def test_limit_scores_only_the_first_agents_in_then_order(cls) -> None:
    calls: list[str] = []

    def score(agent: orr.Agent, contact: orr.Contact) -> float:
        calls.append(agent.id)
        return agent.skills["billing"]

    r = staffed(cls, AGENTS, P.Scored(score, limit=3))
    # longest idle first: a0, a1, a2 are the first three; a2 has the highest level of them
    assert [x.agent_id for x in r.submit(voice("c1"), 1.0)] == ["a2"]
    assert sorted(calls) == ["a0", "a1", "a2"]


def test_a_decision_scores_the_free_eligible_agents_only() -> None:
    """The cost: one call per free agent the index yields for the contact's needs, not one
    per agent of the centre."""
    agents = [orr.Agent(f"a{i}", skills={"billing" if i < 10 else "loans": 3}) for i in range(200)]
    calls = []
    r = staffed(orr.Router, agents, P.Scored(lambda a, c: calls.append(a.id) or 0.0))
    for i in range(6):  # six billing agents busy: four free ones left with the skill
        r.submit(voice(f"busy{i}", needs={"billing": 1}), 1.0)
    calls.clear()
    (x,) = r.submit(voice("c", needs={"billing": 1}), 2.0)
    assert len(calls) == 4 and x.agent_id in calls


@pytest.mark.parametrize("bad", [None, "fast", 3, lambda a: 0.0, lambda a, b, c: 0.0])
def test_a_bad_score_function_is_refused_at_construction(bad) -> None:
    with pytest.raises(orr.ValidationError, match=r"Scored\.score"):
        P.Scored(bad)


@pytest.mark.parametrize(("kw", "match"), [
    ({"then": P.Random(1)}, r"Scored\.then"),
    ({"then": P.PreferredAgent()}, r"Scored\.then"),
    ({"then": "longest-idle"}, r"Scored\.then"),
    ({"limit": 0}, r"Scored\.limit"),
    ({"limit": True}, r"Scored\.limit"),
    ({"limit": 2.0}, r"Scored\.limit"),
    ({"then": P.MostSkilled(), "limit": 3}, r"Scored\.limit=3 .*most-skilled"),
])
def test_bad_configuration_is_refused_at_construction(kw, match) -> None:
    with pytest.raises(orr.ValidationError, match=match):
        P.Scored(by_level, **kw)


@pytest.mark.parametrize(("value", "what"), [
    (math.nan, "returned nan"), (None, "returned None"), ("3", "returned '3'"), (True, "returned True"),
    (ZeroDivisionError("boom"), "raised ZeroDivisionError: boom"),
])
def test_a_bad_score_at_call_time_names_policy_agent_and_contact(value, what) -> None:
    def score(agent: orr.Agent, contact: orr.Contact) -> float:
        if contact.id != "bad":
            return 1.0
        if isinstance(value, Exception):
            raise value
        return value

    r = staffed(orr.Router, AGENTS[:1], P.Scored(score))
    r.submit(voice("ok"), 1.0)
    r.complete("ok", 2.0)
    before = r.snapshot()
    with pytest.raises(ScoreError, match=rf"scored\+longest-idle: score\(agent 'a0', contact 'bad'\) {what}"):
        r.submit(voice("bad", needs={"billing": 1}), 3.0)
    assert r.snapshot() == before  # a refused submit changes nothing
    assert [x.agent_id for x in r.submit(voice("next"), 3.0)] == ["a0"]


def test_a_score_error_while_rerouting_leaves_the_contact_waiting() -> None:
    """Outside ``submit`` (a decline, a transfer, a tick re-routes a contact) the call's
    own change stands and the contact that could not be scored waits, even beside a free
    agent, until something routes it again (``transfer(contact_id, now)`` in place does)."""
    fail = {"on": False}

    def score(agent: orr.Agent, contact: orr.Contact) -> float:
        if fail["on"]:
            raise RuntimeError("model offline")
        return 0.0

    r = staffed(orr.Router, AGENTS[:2], P.Scored(score))
    r.submit(voice("c"), 1.0)
    fail["on"] = True
    with pytest.raises(ScoreError, match="model offline"):
        r.decline("c", 2.0)
    assert r.status("c") == "waiting"
    check_router(r, conserving=False)
    assert r.agent("a0").contacts == () and r.agent("a1").contacts == ()  # a1 free, c waits
    fail["on"] = False  # the model is back: a transfer in place routes the contact again
    assert [(x.contact_id, x.agent_id) for x in r.transfer("c", 3.0)] == [("c", "a1")]
    check_router(r)


def test_snapshot_restores_with_the_policy_given_and_serial_refuses() -> None:
    r = staffed(orr.Router, AGENTS, P.Scored(by_level, then=P.RoundRobin(), limit=5))
    r.submit(voice("c1"), 1.0)
    s = r.snapshot()
    assert s["content"]["config"]["agent_policy"]["custom"] == "scored+round-robin"
    with pytest.raises(orr.SnapshotError, match="pass a new instance"):
        orr.Router.restore(s)
    twin = orr.Router.restore(s, agent_policy=P.Scored(by_level, then=P.RoundRobin(), limit=5))
    assert twin.submit(voice("c2"), 2.0) == r.submit(voice("c2"), 2.0)
    with pytest.raises(orr.ValidationError, match="holds a Python function"):
        serial.to_dict(P.Scored(by_level))
    with pytest.raises(orr.ValidationError, match="holds a Python function"):
        serial.to_dict(P.PreferredAgent(P.Scored(by_level)))


def test_preferred_agents_first_then_the_score(cls) -> None:
    r = staffed(cls, AGENTS, P.PreferredAgent(P.Scored(by_level)))
    assert [x.agent_id for x in r.submit(voice("c1", preferred_agents=("a0",)), 1.0)] == ["a0"]
    assert [x.agent_id for x in r.submit(voice("c2"), 2.0)] == ["a3"]
