"""The vendor emulators' agent policies: TierFirst, Linear, WeightedRandom.

Their agreement with both oracles runs in the agreement machines (``testing.strategies``
lists them); here, each one's defining behaviour on a small router and its errors.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import omniroute as orr
from omniroute import policies as P
from omniroute import serial, sim
from omniroute.testing.independent import IndependentRouter
from omniroute.testing.reference import ReferenceRouter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _router(policy: P.AgentPolicy, agents: list[orr.Agent], cls: type = orr.Router) -> orr.Router:
    r = cls([orr.Queue("q")], agent_policy=policy)
    for a in agents:
        r.add_agent(a, now=0.0)
        r.set_available(a.id, now=0.0)
    return r


ROUTERS = [orr.Router, ReferenceRouter, IndependentRouter]


@pytest.mark.parametrize("cls", ROUTERS)
def test_tier_first_takes_the_lowest_tier_free_agent(cls: type) -> None:
    # a2 (tier 2) has been idle longest, yet frontline a3 and a1 go first, idle order within
    agents = [orr.Agent("a2", tier=2), orr.Agent("a3", tier=1), orr.Agent("a1", tier=1)]
    r = _router(P.TierFirst(P.LongestIdle()), agents, cls)
    got = [r.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue="q"), now=1.0)[0].agent_id for i in range(3)]
    assert got == ["a3", "a1", "a2"]


@pytest.mark.parametrize("cls", ROUTERS)
def test_linear_follows_the_listed_order_by_id_then_team(cls: type) -> None:
    agents = [orr.Agent("x", team="back"), orr.Agent("y"), orr.Agent("z", team="back"), orr.Agent("w")]
    r = _router(P.Linear(["y", "back"]), agents, cls)
    got = [r.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue="q"), now=1.0)[0].agent_id for i in range(4)]
    assert got == ["y", "x", "z", "w"]  # y, then team back in joining order, then the unlisted
    r.complete("c3", now=2.0)  # w frees first, then x: x is the first free in the list
    r.complete("c1", now=3.0)
    assert r.submit(orr.Contact("d", channel=orr.VOICE, queue="q"), now=5.0)[0].agent_id == "x"


def _draws(policy: P.AgentPolicy, n: int = 400) -> dict[str, int]:
    r = _router(policy, [orr.Agent("p0"), orr.Agent("p1"), orr.Agent("p2", tier=2)])
    counts = {"p0": 0, "p1": 0, "p2": 0}
    for i in range(n):
        a = r.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue="q"), now=float(i))[0]
        counts[a.agent_id] += 1
        r.complete(a.contact_id, now=float(i))
    return counts


def test_weighted_random_favours_low_penalties_as_asterisk_does() -> None:
    # penalty 0 against 1: 1 - 1/4 = 3/4 of the wins; penalty 3 (span 4) against 0: 1/8
    c = _draws(P.WeightedRandom({"p1": 1.0, "p2": 3.0}, seed=5), 2000)
    # spans 1, 2 and 4: p0 wins with probability 2/3 (integrate (1 - x/2)(1 - x/4) over [0, 1])
    assert 0.62 < c["p0"] / 2000 < 0.71
    assert c["p2"] < c["p1"] < c["p0"]
    assert _draws(P.WeightedRandom({"p1": 1.0}, seed=5)) == _draws(P.WeightedRandom({"p1": 1.0}, seed=5))


def test_tier_first_random_draws_in_the_lowest_tier_only() -> None:
    c = _draws(P.TierFirst(P.Random(3)))
    assert c["p2"] == 0 and min(c["p0"], c["p1"]) > 150


def test_errors_name_the_field_and_value() -> None:
    with pytest.raises(orr.ValidationError, match=r"Linear.order\[1\]: 'a' is listed twice"):
        P.Linear(["a", "a"])
    with pytest.raises(orr.ValidationError, match="Linear.order must be a list"):
        P.Linear("abc")
    with pytest.raises(orr.ValidationError, match=r"penalties\['a'\] must be a penalty >= 0 \(got -1\)"):
        P.WeightedRandom({"a": -1})
    with pytest.raises(orr.ValidationError, match="WeightedRandom.seed"):
        P.WeightedRandom(seed=-2)
    with pytest.raises(orr.ValidationError, match="TierFirst.then must not be a PreferredAgent"):
        P.TierFirst(P.PreferredAgent())


@pytest.mark.parametrize("policy", [
    P.TierFirst(P.MostSkilled()), P.Linear(["a", "team"]),
    P.PreferredAgent(P.TierFirst(P.WeightedRandom({"a": 2.0}, default=1.0, seed=np.random.default_rng(4))))])
def test_serial_round_trip_keeps_the_rules_and_the_generator(policy: P.AgentPolicy) -> None:
    data = json.loads(json.dumps(serial.to_dict(policy)))
    back = serial.from_dict(P.AgentPolicy, data)
    assert repr(back) == repr(policy) and back.name == policy.name
    if policy.draw_rng is not None:
        assert back.draw_rng.random() == policy.draw_rng.random()


# ------------------------------------------------------------------ by name, and from scenario files
def test_by_name_with_prefixes_and_parameters() -> None:
    p = P.agent_policy("preferred+tier-first+linear", order=["b", "a"], hold=5.0)
    assert isinstance(p, P.PreferredAgent) and p.name == "preferred+tier-first+linear"
    assert isinstance(p.then, P.TierFirst) and p.then.then.order == ("b", "a")
    w = P.agent_policy("weighted-random", penalties={"x": 2.0}, seed=np.random.default_rng(1))
    assert w.penalties == {"x": 2.0}
    with pytest.raises(orr.ValidationError, match="an agent order applies to agent policy 'linear'"):
        P.agent_policy("random", order=["a"])
    with pytest.raises(orr.ValidationError, match="prefixed with 'tier-first\\+', then with 'preferred\\+'"):
        P.agent_policy("tier-first+preferred+random")


SCENARIO = """
name = "t"
horizon = "1h"
[routing]
{routing}
[[queues]]
name = "q"
[[agents]]
team = "front"
count = 2
tier = 1
[[agents]]
team = "back"
count = 2
tier = 2
[[demand]]
queue = "q"
arrivals = {{ per_hour = 30 }}
handle = {{ dist = "exponential", mean = "3m" }}
"""


def _scenario(routing: str) -> sim.Scenario:
    return sim.parse_scenario(tomllib.loads(SCENARIO.format(routing=routing)))


def test_scenario_files_name_them_with_their_parameters() -> None:
    sc = _scenario('agent = "tier-first+linear"\norder = ["back-1", "front"]')
    pol = sc.routing.agent(np.random.default_rng(0))
    assert pol.name == "tier-first+linear" and pol.then.order == ("back-1", "front")
    sc = _scenario('agent = "weighted-random"\npenalties = { back = 3, front-0 = 1 }')
    assert sc.routing.agent(np.random.default_rng(0)).penalties == {"back": 3.0, "front-0": 1.0}
    assert sim.run(sc, seed=2).to_dict() == sim.run(sc, seed=2).to_dict()
    assert _scenario('agent = "tier-first+fewest-handled"').routing.agent == "tier-first+fewest-handled"


@pytest.mark.parametrize("routing, message", [
    ('agent = "linear"\norder = ["nobody"]', r"routing.order: 'nobody' is neither a team of \[\[agents\]\] nor an agent id"),
    ('agent = "weighted-random"\npenalties = { front = -1 }', r"routing.penalties.front: -1 must be a number >= 0"),
    ('agent = "random"\norder = ["front"]', r"routing: an agent order applies to agent policy 'linear'"),
    ('agent = "tier-first+nope"', r"routing.agent: unknown agent policy 'tier-first\+nope'"),
])
def test_scenario_files_refuse_bad_parameters(routing: str, message: str) -> None:
    with pytest.raises(orr.ScenarioError, match=message):
        _scenario(routing)
