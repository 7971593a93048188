"""Vendor emulators: each vendor's defining behaviour on a small router, and its errors."""

from __future__ import annotations

import pytest

import omniroute as orr
from omniroute import policies as P
from omniroute import vendors as V
from omniroute.testing.independent import IndependentRouter
from omniroute.testing.reference import ReferenceRouter

ROUTERS = [None, ReferenceRouter, IndependentRouter]


def _router(em: V.Emulation, agents: list[orr.Agent], cls: type | None = None, seed: int = 0) -> orr.Router:
    r = em.router(seed) if cls is None else cls(list(em.queues), agent_policy=em.agent_policy(seed),
                                                  contact_policy=em.contact_policy())
    for a in agents:
        r.add_agent(em.agent(a), now=0.0)
        r.set_available(a.id, now=0.0)
    return r


def _call(em: V.Emulation, cid: str, queue: str, **kw: object) -> orr.Contact:
    return orr.Contact(cid, channel=orr.VOICE, queue=queue, needs=dict(em.needs[queue]), **kw)


# ------------------------------------------------------------------ asterisk
ASTERISK = {"queues": [{"name": "sales", "strategy": "leastrecent", "max_penalty": 0,
                        "members": [{"name": "senior", "penalty": 2}, {"name": "junior", "penalty": 0}],
                        "rules": [{"after": 30, "max_penalty": "+2"}]}]}


@pytest.mark.parametrize("cls", ROUTERS)
def test_asterisk_penalty_rule_opens_higher_penalties_after_its_time(cls: type | None) -> None:
    em = V.asterisk(ASTERISK)
    r = _router(em, [orr.Agent("senior"), orr.Agent("junior"), orr.Agent("outsider")], cls)
    assert r.submit(_call(em, "c1", "sales"), now=1.0)[0].agent_id == "junior"
    assert r.submit(_call(em, "c2", "sales"), now=2.0) == []  # senior's penalty 2 > max 0
    got = r.tick(32.0)  # 30 s after c2's arrival: max penalty 2
    assert [(a.contact_id, a.agent_id) for a in got] == [("c2", "senior")]


@pytest.mark.parametrize("cls", ROUTERS)
def test_asterisk_lower_penalty_first_then_linear_order(cls: type | None) -> None:
    cfg = {"queues": [{"name": "q", "strategy": "linear", "members": [
        {"name": "c", "penalty": 1}, {"name": "b", "penalty": 0}, {"name": "a", "penalty": 0}]}]}
    em = V.asterisk(cfg)
    r = _router(em, [orr.Agent("a"), orr.Agent("b"), orr.Agent("c")], cls)
    got = [r.submit(_call(em, f"x{i}", "q"), now=1.0)[0].agent_id for i in range(3)]
    assert got == ["b", "a", "c"]  # penalty 0 in listed order, then penalty 1


def test_asterisk_strategies_map_to_policies_and_notes() -> None:
    def em(strategy: str) -> V.Emulation:
        return V.asterisk({"queues": [{"name": "q", "strategy": strategy, "members": [{"name": "m", "penalty": 3}]}]})
    assert em("ringall").agent_policy().name == "tier-first+random"
    assert "uniform random" in em("ringall").not_expressed[0]
    assert em("fewestcalls").agent_policy().name == "tier-first+fewest-handled"
    assert em("rrmemory").agent_policy().name == "tier-first+round-robin"
    w = em("wrandom").agent_policy(5)
    assert isinstance(w, P.WeightedRandom) and w.penalties == {"m": 3.0}


@pytest.mark.parametrize("config, message", [
    ({"queues": [{"name": "q", "strategy": "roundrobin", "members": [{"name": "m"}]}]},
     r"asterisk.queues\[0\].strategy: unknown value 'roundrobin'; allowed: ringall, leastrecent"),
    ({"queues": [{"name": "q", "members": [{"name": "m"}], "max_penalty": 0,
                  "rules": [{"after": 60, "max_penalty": 1}, {"after": 30, "max_penalty": 2}]}]},
     r"queues\[0\].rules\[1\].after: 30 s is earlier than the rule before it \(60 s\)"),
    ({"queues": [{"name": "q", "members": [{"name": "m"}], "rules": [{"after": 10, "max_penalty": "+1"}]}]},
     r"rules\[0\].max_penalty: '\+1' changes a bound not set on entry"),
    ({"queues": [{"name": "q", "members": [{"name": "m", "penalty": -1}]}]},
     r"members\[0\].penalty: must be an integer >= 0 \(got -1\)"),
    ({"queues": [{"name": "q", "members": [{"name": "m"}], "rules": [{"after": -5}]}]},
     r"rules\[0\].after: must be a number of seconds >= 0 \(got -5\)"),
    ({"queues": [{"name": "a", "strategy": "linear", "members": [{"name": "m"}]},
                 {"name": "b", "strategy": "random", "members": [{"name": "m"}]}]},
     r"queues\[1\].strategy: 'random' differs from queues\[0\]'s 'linear'"),
    ({"queues": [{"name": "q", "members": [{"name": "m"}], "joinempty": "no"}]},
     r"queues\[0\].joinempty: unknown key; allowed: name, strategy"),
])
def test_asterisk_bad_configuration_is_refused(config: dict, message: str) -> None:
    with pytest.raises(orr.ValidationError, match=message):
        V.asterisk(config)


def test_asterisk_members_with_two_penalties_are_noted() -> None:
    em = V.asterisk({"queues": [{"name": "a", "members": [{"name": "m", "penalty": 1}]},
                                {"name": "b", "members": [{"name": "m", "penalty": 4}]}]})
    assert any("member 'm' has penalties" in n for n in em.not_expressed)
    assert em.agent(orr.Agent("m")).skills == {"member:a": 1, "member:b": 1}


# ------------------------------------------------------------------ freeswitch
FREESWITCH = {"queues": [{"name": "support", "strategy": "top-down", "tier-rules-apply": True,
                          "tier-rule-wait-second": 10, "tier-rule-wait-multiply-level": True}],
              "tiers": [{"agent": "l1b", "queue": "support", "level": 1, "position": 2},
                        {"agent": "l1a", "queue": "support", "level": 1, "position": 1},
                        {"agent": "l2", "queue": "support", "level": 2, "position": 1}]}


@pytest.mark.parametrize("cls", ROUTERS)
def test_freeswitch_level_2_only_after_level_times_wait(cls: type | None) -> None:
    em = V.freeswitch(FREESWITCH)
    r = _router(em, [orr.Agent("l2"), orr.Agent("l1b"), orr.Agent("l1a")], cls)
    got = [r.submit(_call(em, f"c{i}", "support"), now=1.0) for i in range(3)]
    assert [g[0].agent_id for g in got[:2]] == ["l1a", "l1b"]  # level 1 by position
    assert got[2] == []
    assert r.tick(20.5) == []  # level 2 waits 2 x 10 s: not before 21.0
    assert [a.agent_id for a in r.tick(21.0)] == ["l2"]


def test_freeswitch_notes_and_errors() -> None:
    cfg = {**FREESWITCH, "queues": [{**FREESWITCH["queues"][0], "tier-rule-no-agent-no-wait": True}]}
    assert any("no-agent-no-wait" in n for n in V.freeswitch(cfg).not_expressed)
    with pytest.raises(orr.ValidationError, match=r"strategy: unknown value 'agent-with-least-talk-time'"):
        V.freeswitch({**FREESWITCH, "queues": [{"name": "support", "strategy": "agent-with-least-talk-time"}]})
    with pytest.raises(orr.ValidationError, match=r"tiers\[0\].queue: unknown value 'sales'; allowed: support"):
        V.freeswitch({**FREESWITCH, "tiers": [{"agent": "a", "queue": "sales"}]})
    with pytest.raises(orr.ValidationError, match=r"tier-rule-wait-second: must be a number of seconds >= 0"):
        V.freeswitch({**FREESWITCH, "queues": [{"name": "support", "tier-rules-apply": True,
                                                "tier-rule-wait-second": -1}]})


# ------------------------------------------------------------------ connect
CONNECT = {"queues": [{"name": "billing", "steps": [
    {"conditions": [{"name": "Language", "value": "English", "level": 4},
                    {"name": "Product", "value": "Cards", "level": 3}], "expiry": 20},
    {"conditions": [{"name": "Language", "value": "English", "level": 2}], "expiry": 40},
]}]}


@pytest.mark.parametrize("cls", ROUTERS)
def test_connect_step_expires_to_the_next_then_to_any_agent(cls: type | None) -> None:
    em = V.connect(CONNECT)
    agents = [orr.Agent("weak", skills={"Language:English": 2}), orr.Agent("none", skills={})]
    r = _router(em, agents, cls)
    assert r.submit(_call(em, "c1", "billing"), now=0.0) == []
    assert [a.agent_id for a in r.tick(20.0)] == ["weak"]  # step 2: English >= 2, Cards dropped
    assert r.submit(_call(em, "c2", "billing"), now=21.0) == []
    assert r.tick(80.0) == []
    assert [a.agent_id for a in r.tick(81.0)] == ["none"]  # all steps expired: any agent


def test_connect_refuses_what_steps_cannot_say() -> None:
    bad = {"queues": [{"name": "q", "steps": [
        {"conditions": [{"name": "L", "value": "en", "level": 2}], "expiry": 5},
        {"conditions": [{"name": "T", "value": "x", "level": 1}]}]}]}
    with pytest.raises(orr.ValidationError, match=r"steps\[1\].conditions: \['T:x'\] not in the first step"):
        V.connect(bad)
    raise_ = {"queues": [{"name": "q", "steps": [
        {"conditions": [{"name": "L", "value": "en", "level": 2}], "expiry": 5},
        {"conditions": [{"name": "L", "value": "en", "level": 4}]}]}]}
    with pytest.raises(orr.ValidationError, match="never raise one"):
        V.connect(raise_)
    with pytest.raises(orr.ValidationError, match=r"steps\[0\].expiry: is required on every step but the last"):
        V.connect({"queues": [{"name": "q", "steps": [{"conditions": [{"name": "L", "value": "e", "level": 1}]},
                                                        {"conditions": []}]}]})
    with pytest.raises(orr.ValidationError, match=r"level: must be an integer from 1 to 5 \(got 7\)"):
        V.connect({"queues": [{"name": "q", "steps": [{"conditions": [{"name": "L", "value": "e", "level": 7}]}]}]})


# ------------------------------------------------------------------ genesys
GENESYS = {"queues": [{"name": "es", "skills": {"spanish": 3, "cards": 2},
                       "rings": [{"timeout": 15, "remove": ["cards"]}, {"timeout": 30}, {}],
                       "members": [{"name": "ring1", "ring": 1}, {"name": "ring3", "ring": 3}]}]}


@pytest.mark.parametrize("cls", ROUTERS)
def test_genesys_ring_2_drops_a_skill_after_its_timeout(cls: type | None) -> None:
    em = V.genesys(GENESYS)
    agents = [orr.Agent("ring1", skills={"spanish": 4}), orr.Agent("ring3", skills={"spanish": 3, "cards": 5})]
    r = _router(em, agents, cls)
    assert r.submit(_call(em, "c1", "es"), now=0.0) == []  # ring 1: ring1 lacks cards, ring3 not yet
    assert [a.agent_id for a in r.tick(15.0)] == ["ring1"]  # ring 2: cards removed
    assert r.submit(_call(em, "c2", "es"), now=16.0) == []
    assert [a.agent_id for a in r.tick(61.0)] == ["ring3"]  # ring 3 after 15 + 30 s


def test_genesys_errors() -> None:
    with pytest.raises(orr.ValidationError, match=r"rings\[0\].remove\[0\]: 'french' is not one of the queue's skills"):
        V.genesys({"queues": [{"name": "q", "skills": {"a": 1}, "rings": [{"timeout": 5, "remove": ["french"]}, {}]}]})
    with pytest.raises(orr.ValidationError, match="at most 6"):
        V.genesys({"queues": [{"name": "q", "rings": [{"timeout": 1}] * 7}]})
    with pytest.raises(orr.ValidationError, match=r"rings\[0\].timeout: must be a number of seconds > 0"):
        V.genesys({"queues": [{"name": "q", "rings": [{"timeout": 0}, {}]}]})
    with pytest.raises(orr.ValidationError, match=r"members\[0\].ring: must be an integer from 1 to 2"):
        V.genesys({"queues": [{"name": "q", "rings": [{"timeout": 1}, {}], "members": [{"name": "m", "ring": 3}]}]})


# ------------------------------------------------------------------ salesforce
SALESFORCE = {"drop_additional_skills_timeout": 30, "queues": [{"name": "cases", "skills": [
    {"name": "english", "level": 5}, {"name": "hardware", "level": 3, "additional": True, "priority": 0},
    {"name": "usa", "level": 0, "additional": True, "priority": 2}]}]}


@pytest.mark.parametrize("cls", ROUTERS)
def test_salesforce_drops_additional_skills_group_by_group(cls: type | None) -> None:
    em = V.salesforce(SALESFORCE)
    agents = [orr.Agent("hw", skills={"english": 6, "hardware": 3}), orr.Agent("en", skills={"english": 5})]
    r = _router(em, agents, cls)
    assert r.submit(_call(em, "c1", "cases"), now=0.0) == []
    assert [a.agent_id for a in r.tick(30.0)] == ["hw"]  # priority 2 (usa) dropped first
    assert r.submit(_call(em, "c2", "cases"), now=31.0) == []
    assert r.tick(60.0) == []  # c2's usa drops at 61
    assert r.tick(91.0)[0].agent_id == "en"  # then hardware (priority 0): English alone


def test_salesforce_errors() -> None:
    with pytest.raises(orr.ValidationError, match="drop_additional_skills_timeout is not set"):
        V.salesforce({"queues": [{"name": "q", "skills": [{"name": "a", "additional": True}]}]})
    with pytest.raises(orr.ValidationError, match=r"routing_model: unknown value 'external'"):
        V.salesforce({"routing_model": "external", "queues": [{"name": "q", "skills": [{"name": "a"}]}]})
    with pytest.raises(orr.ValidationError, match=r"drop_additional_skills_timeout: must be a number of seconds > 0"):
        V.salesforce({"drop_additional_skills_timeout": -1, "queues": [{"name": "q", "skills": [{"name": "a"}]}]})
