"""Bad input gets a clear error naming the field and value, and changes nothing."""

from __future__ import annotations

import math

import pytest

import omniroute as orr


def fingerprint(r: orr.Router) -> tuple:
    live = sorted(r._contacts)
    return (r.agents(), r.waiting(), r.next_wakeup(), r.now,
            [(c, r.status(c), r.assigned_to(c)) for c in live])


@pytest.fixture
def router() -> orr.Router:
    r = orr.Router([orr.Queue("general"), orr.Queue("backup")])
    r.add_agent(orr.Agent("a1", skills={"billing": 3}, capacity={orr.VOICE: 1, orr.CHAT: 2}), 0.0)
    r.add_agent(orr.Agent("a2", skills={"loans": 2}, capacity={orr.VOICE: 1}), 0.0)
    r.set_available("a1", 0.0)
    r.submit(orr.Contact("busy", channel=orr.VOICE, queue="general", needs={"billing": 1}), 1.0)
    r.submit(orr.Contact("waits", channel=orr.VOICE, queue="general", needs={"billing": 1}), 2.0)
    r.complete("busy", 3.0, wrap_up=0.0)  # a1 takes "waits"
    r.submit(orr.Contact("queued", channel=orr.CHAT, queue="general", needs={"loans": 1}), 4.0)
    r.submit(orr.Contact("x", channel=orr.VOICE, queue="general", needs={"billing": 1}), 4.0)
    r.complete("waits", 5.0, wrap_up=10.0)  # a1 in wrap-up until 15
    return r


REFUSED = [
    # (call, args, kwargs, error class, words the message must contain)
    ("submit", lambda: (orr.Contact("x", channel=orr.VOICE, queue="general"), 6.0), {},
     orr.DuplicateIdError, ["'x'"]),
    ("submit", lambda: (orr.Contact("y", channel=orr.VOICE, queue="nope"), 6.0), {},
     orr.UnknownQueueError, ["'nope'", "general"]),
    ("submit", lambda: ("not a contact", 6.0), {}, orr.ValidationError, ["Contact"]),
    ("submit", lambda: (orr.Contact("y", channel=orr.VOICE, queue="general"), 4.5), {},
     orr.TimeOrderError, ["4.5", "5.0"]),
    ("submit", lambda: (orr.Contact("y", channel=orr.VOICE, queue="general"), math.nan), {},
     orr.TimeOrderError, ["nan"]),
    ("submit", lambda: (orr.Contact("y", channel=orr.VOICE, queue="general"), math.inf), {},
     orr.TimeOrderError, ["inf"]),
    ("submit", lambda: (orr.Contact("y", channel=orr.VOICE, queue="general"), "6"), {},
     orr.TimeOrderError, ["'6'"]),
    ("complete", lambda: ("nobody", 6.0), {}, orr.UnknownContactError, ["'nobody'"]),
    ("complete", lambda: ("queued", 6.0), {}, orr.InvalidStateError, ["'queued'", "waiting"]),
    ("abandon", lambda: ("nobody", 6.0), {}, orr.UnknownContactError, ["'nobody'"]),
    ("decline", lambda: ("queued", 6.0), {}, orr.InvalidStateError, ["'queued'"]),
    ("transfer", lambda: ("queued", 6.0), {"queue": "nope"}, orr.UnknownQueueError, ["'nope'"]),
    ("transfer", lambda: ("queued", 6.0), {"needs": {"loans": 11}}, orr.ValidationError, ["11", "1-10"]),
    ("transfer", lambda: ("queued", 6.0), {"wrap_up": -2.0}, orr.ValidationError, ["wrap_up", "-2.0"]),
    ("set_available", lambda: ("ghost", 6.0), {}, orr.UnknownAgentError, ["'ghost'"]),
    ("set_away", lambda: ("ghost", 6.0), {}, orr.UnknownAgentError, ["'ghost'"]),
    ("set_away", lambda: ("a1", 6.0), {"reason": 3}, orr.ValidationError, ["3"]),
    ("logout", lambda: ("a2", -1.0), {}, orr.TimeOrderError, ["-1.0"]),
    ("remove_agent", lambda: ("a1", 6.0), {}, orr.InvalidStateError, ["'a1'"]),
    ("add_agent", lambda: (orr.Agent("a1"), 6.0), {}, orr.DuplicateIdError, ["'a1'"]),
    ("add_agent", lambda: ("a3", 6.0), {}, orr.ValidationError, ["Agent"]),
    ("tick", lambda: (1.0,), {}, orr.TimeOrderError, ["1.0"]),
]


@pytest.mark.parametrize(("call", "args", "kwargs", "error", "words"), REFUSED,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(REFUSED)])
def test_refused_call_changes_nothing(router: orr.Router, call, args, kwargs, error, words) -> None:
    before = fingerprint(router)
    with pytest.raises(error) as info:
        getattr(router, call)(*args(), **kwargs)
    assert isinstance(info.value, orr.OmnirouteError)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert fingerprint(router) == before
    # ... and the router still works afterwards.
    router.tick(20.0)


def test_unknown_ids_are_key_errors(router: orr.Router) -> None:
    with pytest.raises(KeyError):
        router.complete("nobody", 6.0)
    with pytest.raises(KeyError):
        router.agent("ghost")


def test_calls_on_an_assigned_contact(router: orr.Router) -> None:
    router.tick(15.0)  # wrap-up over: a1 takes "x"
    assert router.status("x") == "assigned"
    before = fingerprint(router)
    with pytest.raises(orr.InvalidStateError, match="'x'"):
        router.abandon("x", 16.0)
    with pytest.raises(orr.ValidationError, match="wrap_up.*-1.0"):
        router.complete("x", 16.0, wrap_up=-1.0)
    with pytest.raises(orr.ValidationError, match="wrap_up.*nan"):
        router.complete("x", 16.0, wrap_up=math.nan)
    assert fingerprint(router) == before


@pytest.mark.parametrize(("build", "words"), [
    (lambda: orr.Agent(""), ["Agent.id", "''"]),
    (lambda: orr.Agent("a", skills={"billing": 0}), ["Agent.skills['billing']", "1-10", "0"]),
    (lambda: orr.Agent("a", skills={"billing": 11}), ["11"]),
    (lambda: orr.Agent("a", skills={"": 1}), ["skill"]),
    (lambda: orr.Agent("a", capacity={orr.CHAT: -1}), ["Agent.capacity['chat']", "-1"]),
    (lambda: orr.Agent("a", capacity={orr.VOICE: 2}), ["exclusive", "2"]),
    (lambda: orr.Agent("a", capacity={"fax": 1}), ["'fax'", "voice"]),
    (lambda: orr.Agent("a", tier=0), ["Agent.tier", "0"]),
    (lambda: orr.Contact("", channel=orr.VOICE, queue="q"), ["Contact.id"]),
    (lambda: orr.Contact("c", channel="pigeon", queue="q"), ["'pigeon'"]),
    (lambda: orr.Contact("c", channel=orr.VOICE, queue="q", needs={"x": 12}), ["Contact.needs['x']", "12"]),
    (lambda: orr.ServiceLevel(1.5, 20.0), ["ServiceLevel.target", "1.5"]),
    (lambda: orr.ServiceLevel(0.8, -1.0), ["ServiceLevel.within", "-1.0"]),
    (lambda: orr.Step(after=-5.0), ["Step.after", "-5.0"]),
    (lambda: orr.Step(after=5.0, min_tier=3, max_tier=2), ["max_tier", "min_tier=3"]),
    (lambda: orr.Queue("q", steps=[orr.Step(10.0), orr.Step(5.0)]), ["increasing"]),
    (lambda: orr.Queue("q", overflow=orr.Overflow(10.0, "q")), ["overflow.to", "'q'"]),
    (lambda: orr.Router([orr.Queue("q"), orr.Queue("q")]), ["duplicate", "'q'"]),
    (lambda: orr.Router([orr.Queue("q", overflow=orr.Overflow(5.0, "z"))]), ["'z'"]),
    (lambda: orr.Router([orr.Queue("a", overflow=orr.Overflow(0.0, "b")),
                         orr.Queue("b", overflow=orr.Overflow(0.0, "a"))]), ["cycle", "zero"]),
    (lambda: orr.policies.agent_policy("fastest"), ["'fastest'", "longest-idle"]),
    (lambda: orr.policies.contact_policy("lifo"), ["'lifo'", "priority-fifo"]),
    (lambda: orr.policies.HeadStart(-3), ["HeadStart.seconds", "-3"]),
    (lambda: orr.policies.PreferredAgent(hold=-1.0), ["hold", "-1.0"]),
    (lambda: orr.policies.PreferredAgent(then="x"), ["PreferredAgent.then", "'x'"]),
    (lambda: orr.policies.RealtimeFirst(then="x"), ["RealtimeFirst.then", "'x'"]),
    (lambda: orr.policies.WeightedAging(seconds="x"), ["WeightedAging.seconds", "'x'"]),
    (lambda: orr.policies.Random("x"), ["Random.seed", "'x'"]),
    (lambda: orr.Step(10.0, drop=5), ["Step.drop", "5"]),
    (lambda: orr.Overflow(10.0, "b", needs={"x": 0}), ["Overflow.needs['x']", "0"]),
])
def test_model_validation(build, words) -> None:
    with pytest.raises(orr.OmnirouteError) as info:
        build()
    assert isinstance(info.value, ValueError)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_model_mappings_are_read_only_and_pickle() -> None:
    import pickle

    a = orr.Agent("a", skills={"billing": 3}, capacity={orr.VOICE: 1, orr.CHAT: 2})
    with pytest.raises(TypeError):
        a.skills["billing"] = 9  # type: ignore[index]
    assert pickle.loads(pickle.dumps(a)) == a
    assert hash(a) == hash(orr.Agent("a", skills={"billing": 3}, capacity={orr.VOICE: 1, orr.CHAT: 2}))
