"""``[routing] contact = "cmu"`` / ``"gcmu"`` from scenario files, and their mistakes."""

from __future__ import annotations

import pickle

import pytest
from conftest import one_queue_toml

from omniroute import sim
from omniroute.errors import ScenarioError, ValidationError
from omniroute.policies import CMu, GeneralizedCMu, RealtimeFirst
from omniroute.sim.loader import tomllib


def load(top: str):
    return sim.parse_scenario(tomllib.loads(one_queue_toml(top=top)))


def test_cmu_and_gcmu_from_toml() -> None:
    sc = load('[routing]\ncontact = "cmu"\ncosts = { q = 2.5 }\nmean_handle = { q = "4m" }')
    pol = sc.routing.contact()
    assert isinstance(pol, CMu) and pol.costs == {"q": 2.5} and pol.rates == {"q": 1 / 240}
    sc = load('[routing]\ncontact = "realtime-first+gcmu"\nmean_handle = { q = 300 }\nexponent = 3')
    pol = sc.routing.contact()
    assert isinstance(pol, RealtimeFirst) and isinstance(pol.then, GeneralizedCMu)
    assert (pol.then.rates, pol.then.default_exponent, pol.then.exponents) == ({"q": 1 / 300}, 3.0, {})
    pol = load('[routing]\ncontact = "gcmu"\nexponent = { q = 1.5 }').routing.contact()
    assert pol.exponents == {"q": 1.5} and pol.default_exponent == 2.0
    pickle.loads(pickle.dumps(sc))  # replications in other processes get the same policy
    assert sim.run(sc, 1).kpis["overall"]["offered"] > 0
    assert isinstance(load('[routing]\ncontact = "gcmu"').routing.contact, str)  # no parameters: by name


@pytest.mark.parametrize(("top", "message"), [
    ('contact = "cmu"\ncosts = { nope = 2 }', "routing.costs.nope: 'nope' is not a queue; known: q"),
    ('contact = "weighted-aging"\nweights = { nope = 2 }', "routing.weights.nope: 'nope' is not a queue"),
    ('contact = "cmu"\ncosts = { q = 0 }', "routing.costs.q: 0 must be a number > 0"),
    ('contact = "cmu"\nmean_handle = { q = "3 minutes" }', "routing.mean_handle.q: '3 minutes' is not a duration"),
    ('contact = "cmu"\nmean_handle = { q = 0 }', "routing.mean_handle.q: 0 must be a duration > 0"),
    ('contact = "gcmu"\nexponent = 0.5', "routing.exponent: 0.5 must be a convex cost exponent from 1 to 100"),
    ('contact = "gcmu"\nexponent = { q = "x" }', "routing.exponent.q: 'x' must be a convex cost exponent"),
    ('contact = "fifo"\ncosts = { q = 2 }', "routing.costs and routing.mean_handle apply to contact policies"),
    ('contact = "cmu"\nexponent = 2', "routing.exponent applies to contact policy 'gcmu' (got 'cmu')"),
    ('contact = "cmu"\ncosts = 3', "routing.costs: 3 must be a table of queue = value"),
])
def test_mistakes_are_refused_before_anything_runs(top, message) -> None:
    with pytest.raises(ScenarioError) as err:
        load("[routing]\n" + top)
    assert message in str(err.value), str(err.value)


def test_mean_handle_must_cover_every_queue() -> None:
    text = one_queue_toml(top='[routing]\ncontact = "cmu"\nmean_handle = { q = "3m" }').replace(
        '[[agents]]', '[[queues]]\nname = "r"\n[[agents]]', 1)
    with pytest.raises(ScenarioError, match="routing.mean_handle: gives no mean handle time for queue.s. r"):
        sim.parse_scenario(tomllib.loads(text))
    with pytest.raises(ValidationError, match="routing.exponent applies to contact policy 'gcmu'"):
        sim.ContactPolicyChoice("fifo", exponents={"q": 2.0})


RESERVE = '[routing]\nagent = "best-fit"\nreserve = { keep = { 2 = 1 }, queues = ["q"] }'


def test_reservation_from_toml() -> None:
    from omniroute.policies import BestFit, Reserve

    text = one_queue_toml(top=RESERVE, agents="count = 2\ntier = 2")
    sc = sim.parse_scenario(tomllib.loads(text))
    pol = sc.routing.agent(None)
    assert isinstance(pol, Reserve) and isinstance(pol.then, BestFit)
    assert (pol.reserve, pol.protected) == ({2: 1}, frozenset({"q"}))
    assert sc.routing.agent.name == pol.name == "reserve+best-fit"
    pickle.loads(pickle.dumps(sc))
    assert sim.run(sc, 1).kpis["overall"]["offered"] > 0


@pytest.mark.parametrize(("top", "agents", "message"), [
    (RESERVE.replace("1 }", "3 }"), "count = 2\ntier = 2",
     "routing.reserve.keep.2: keeps 3 idle agent(s) of tier 2, but the [[agents]] groups have 2"),
    (RESERVE, "count = 2", "routing.reserve.keep.2: keeps 1 idle agent(s) of tier 2, but the [[agents]] groups have 0"),
    (RESERVE.replace('["q"]', '["nope"]'), "count = 2\ntier = 2", "routing.reserve.queues: 'nope' is not a queue"),
    (RESERVE.replace("{ 2 = 1 }", "{ 2 = 0 }"), "count = 2\ntier = 2", "routing.reserve.keep.2: 0"),
    (RESERVE.replace("{ 2 = 1 }", "{ x = 1 }"), "count = 2\ntier = 2", "routing.reserve.keep.x: 'x' is not a tier"),
    (RESERVE.replace('queues = ["q"]', 'queues = []'), "count = 2\ntier = 2",
     "routing.reserve.queues: [] must be a non-empty list of queue names"),
])
def test_reservation_mistakes(top, agents, message) -> None:
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(one_queue_toml(top=top, agents=agents)))
    assert message in str(err.value), str(err.value)


RATIOS = '[routing]\ncontact = "queue-ratio"\nqueue_ratios = { q = 0.6, r = 0.4 }\nidle_ratios = { 1 = 0.7, 2 = 0.3 }'
TWO_QUEUES = ('[[agents]]', '[[queues]]\nname = "r"\n[[agents]]')


def two_queues(top: str, agents: str = "count = 2") -> str:
    return one_queue_toml(top=top, agents=agents, tail='[[agents]]\ncount = 1\ntier = 2').replace(*TWO_QUEUES, 1)


def test_queue_and_idleness_ratios_from_toml() -> None:
    from omniroute.policies import IdlenessRatio, LongestIdle, QueueRatio

    sc = sim.parse_scenario(tomllib.loads(two_queues(RATIOS)))
    pol = sc.routing.contact()
    assert isinstance(pol, QueueRatio) and pol.ratios == {"q": 0.6, "r": 0.4}
    agent = sc.routing.agent(None)
    assert isinstance(agent, IdlenessRatio) and isinstance(agent.then, LongestIdle)
    assert agent.pools == {1: 0.7, 2: 0.3} and sc.routing.agent.name == agent.name == "idleness-ratio+longest-idle"
    pickle.loads(pickle.dumps(sc))
    assert sim.run(sc, 1).kpis["overall"]["offered"] > 0


@pytest.mark.parametrize(("top", "message"), [
    (RATIOS.replace("0.4", "0.3"), "routing.queue_ratios: QueueRatio.ratios must sum to 1"),
    (RATIOS.replace("r = 0.4", "nope = 0.4"), "routing.queue_ratios.nope: 'nope' is not a queue; known: q, r"),
    (RATIOS.replace(", r = 0.4", ""), "routing.queue_ratios: gives no share for queue(s) r"),
    (RATIOS.replace("0.6", "-0.6"), "routing.queue_ratios.q: -0.6 must be a number > 0"),
    (RATIOS.replace('"queue-ratio"', '"fifo"'), "routing.queue_ratios goes with contact policy 'queue-ratio'"),
    (RATIOS.replace("queue_ratios = { q = 0.6, r = 0.4 }", ""), "contact policy 'queue-ratio' needs its ratios"),
    (RATIOS + "\ncosts = { q = 1 }", 'routing.queue_ratios: goes with contact = "queue-ratio" alone'),
    (RATIOS.replace("0.3 }", "0.4 }"), "routing.idle_ratios: IdlenessRatio.ratios must sum to 1"),
    (RATIOS.replace("1 = 0.7, 2 = 0.3", "1 = 1"), "agents[1].tier: 2 is not a pool of routing.idle_ratios (tiers 1)"),
    (RATIOS.replace("1 = 0.7", "x = 0.7"), "routing.idle_ratios.x: 'x' is not a tier"),
    (RATIOS + '\nreserve = { keep = { 2 = 1 }, queues = ["q"] }', "routing.idle_ratios: cannot be combined with"),
])
def test_ratio_mistakes(top, message) -> None:
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(two_queues(top)))
    assert message in str(err.value), str(err.value)
