"""Serialisation of the model and the built-in policies: round trips and clear refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings

import omniroute as orr
from omniroute import serial
from omniroute.policies import AgentPolicy, ContactPolicy
from omniroute.testing.strategies import (
    agent_policy_factories,
    agents,
    contact_policy_factories,
    contacts,
    queue_sets,
)


def through_json(obj: object) -> dict:
    return json.loads(json.dumps(serial.to_dict(obj)))


@settings(max_examples=60, deadline=None)
@given(queues=queue_sets(), agent=agents(), contact=contacts("c1", ["a", "b"]))
def test_round_trip(queues, agent, contact) -> None:
    for q in queues:
        assert serial.from_dict(orr.Queue, through_json(q)) == q
    assert serial.from_dict(orr.Agent, through_json(agent)) == agent
    assert serial.from_dict(orr.Contact, through_json(contact)) == contact
    for ch in agent.capacity:
        assert serial.from_dict(orr.Channel, through_json(ch)) == ch


@pytest.mark.parametrize("name", sorted(agent_policy_factories) + sorted(contact_policy_factories))
def test_policies_round_trip(name) -> None:
    pol = (agent_policy_factories.get(name) or contact_policy_factories[name])()
    cls = AgentPolicy if isinstance(pol, AgentPolicy) else ContactPolicy
    inner = pol
    while not isinstance(inner, orr.policies.Scored) and hasattr(inner, "then"):
        inner = inner.then  # a wrapper (Reserve, PreferredAgent) around a Scored
    if isinstance(inner, orr.policies.Scored) and not isinstance(inner.score, orr.policies.ScoreTable):
        # a Python function cannot be written down (a ScoreTable can)
        with pytest.raises(orr.ValidationError, match="holds a Python function"):
            serial.to_dict(pol)
        return
    back = serial.from_dict(cls, through_json(pol))
    assert type(back) is type(pol) and repr(back) == repr(pol) and back.name == pol.name
    assert serial.to_dict(back) == serial.to_dict(pol)


def test_random_policy_keeps_the_generator_state() -> None:
    pol = orr.policies.Random(np.random.default_rng(99))
    pol.rng.integers(10, size=5)  # a generator already drawn from: its state is what counts
    back = serial.from_dict(AgentPolicy, through_json(pol))
    assert list(back.rng.integers(1000, size=8)) == list(pol.rng.integers(1000, size=8))
    assert serial.from_dict(AgentPolicy, {"kind": "random", "seed": 4}).rng.integers(100) == \
        np.random.default_rng(4).integers(100)


def test_assignment_round_trip() -> None:
    r = orr.Router([orr.Queue("q")])
    r.add_agent(orr.Agent("a"), 0.0)
    r.set_available("a", 0.0)
    (a,) = r.submit(orr.Contact("c", channel=orr.VOICE, queue="q"), 1.5)
    assert serial.from_dict(orr.Assignment, through_json(a)) == a


@pytest.mark.parametrize("cls, data, words", [
    (orr.Queue, {"name": "q", "steps": [{"after": 5.0}, {"after": -1}]}, ["Queue.steps[1]", "after", "-1"]),
    (orr.Queue, {"name": "q", "stepz": []}, ["unknown field 'stepz'", "steps"]),
    (orr.Queue, {"name": "q", "sla": {"target": 2, "within": 20}}, ["Queue.sla", "target", "2"]),
    (orr.Agent, {"skills": {}}, ["Agent.id is required"]),
    (orr.Agent, {"id": "a", "capacity": {"fax": 1}}, ["Agent.capacity['fax']", "unknown channel"]),
    (orr.Agent, {"id": "a", "skills": {"x": 11}}, ["Agent", "11", "1-10"]),
    (orr.Contact, {"id": "c", "channel": "voice", "queue": "q", "preferred_agents": "a"},
     ["Contact.preferred_agents", "list"]),
    (orr.Contact, "c1", ["Contact must be an object"]),
    (AgentPolicy, {"kind": "smartest"}, ["unknown agent policy 'smartest'", "longest-idle"]),
    (AgentPolicy, {"kind": "random", "rng": {"bit_generator": "Nope"}}, ["AgentPolicy.rng", "PCG64"]),
    (ContactPolicy, {"kind": "head-start", "seconds": -3}, ["HeadStart.seconds", "-3"]),
    (ContactPolicy, {"kind": "fifo", "x": 1}, ["unknown field 'x'"]),
])
def test_malformed_input_names_the_field(cls, data, words) -> None:
    with pytest.raises(orr.ValidationError) as info:
        serial.from_dict(cls, data)
    for w in words:
        assert w in str(info.value)


def test_custom_policy_and_unknown_objects_are_refused() -> None:
    class Mine(orr.policies.FIFO):
        pass

    assert not serial.is_builtin(Mine()) and serial.is_builtin(orr.policies.RealtimeFirst())
    with pytest.raises(orr.ValidationError, match="not a built-in policy"):
        serial.to_dict(Mine())
    with pytest.raises(orr.ValidationError, match="cannot serialise"):
        serial.to_dict(object())
    with pytest.raises(orr.ValidationError, match="attributes"):
        serial.to_dict(orr.Contact("c", channel=orr.VOICE, queue="q", attributes={"x": {1, 2}}))
