"""The research contact policies on small cases: the cμ rule, generalised cμ (Gcμ).

Each defining behaviour runs on the fast router and both oracles; a short agreement state
machine restricted to these policies checks them on random event streams.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize
from test_router_agreement import RouterPair
from test_router_independent import IndependentPair

import omniroute as orr
from omniroute import policies as P
from omniroute import serial
from omniroute.testing import IndependentRouter, ReferenceRouter
from omniroute.testing import strategies as ost

QUEUES = [orr.Queue("slow"), orr.Queue("fast"), orr.Queue("other")]


@pytest.fixture(params=[orr.Router, ReferenceRouter, IndependentRouter], ids=["fast", "reference", "independent"])
def cls(request):
    return request.param


def order(cls, policy: P.ContactPolicy, contacts: list[tuple[str, str, float]], start: float,
          step: float = 1.0) -> list[str]:
    """The order one agent serves ``contacts`` (id, queue, arrival) in, from ``start``,
    each handled for ``step`` seconds."""
    r = cls(QUEUES, contact_policy=policy)
    r.add_agent(orr.Agent("a"), 0.0)
    for cid, q, t in contacts:
        r.submit(orr.Contact(cid, channel=orr.VOICE, queue=q), t)
    got: list[str] = []
    now = start
    done = r.set_available("a", now)
    while done:
        got += [x.contact_id for x in done]
        now += step
        out: list[orr.Assignment] = []
        for x in done:
            out += r.complete(x.contact_id, now)
        done = out
    return got


# ------------------------------------------------------------------ cμ
def test_cmu_serves_the_larger_cost_times_rate_first(cls) -> None:
    cs = [("s1", "slow", 0.0), ("s2", "slow", 1.0), ("f1", "fast", 2.0), ("o1", "other", 3.0)]
    # slow: c 3, mu 1/300 -> 0.01; fast: c 1, mu 1/60 -> 0.0167; other: defaults 1 x 1/600
    pol = P.CMu({"slow": 3.0, "fast": 1.0}, {"slow": 1 / 300, "fast": 1 / 60}, default_rate=1 / 600)
    assert order(cls, pol, cs, 10.0) == ["f1", "s1", "s2", "o1"]
    # a larger cost for slow turns the order: 6/300 = 0.02 > 1/60
    pol = P.CMu({"slow": 6.0, "fast": 1.0}, {"slow": 1 / 300, "fast": 1 / 60}, default_rate=1 / 600)
    assert order(cls, pol, cs, 10.0) == ["s1", "s2", "f1", "o1"]
    # however long they wait: the index does not grow with the wait
    assert order(cls, pol, cs, 10_000.0) == ["s1", "s2", "f1", "o1"]


def test_cmu_equal_indexes_go_oldest_first(cls) -> None:
    cs = [("f1", "fast", 0.0), ("s1", "slow", 1.0), ("f2", "fast", 2.0)]
    pol = P.CMu({"slow": 2.0, "fast": 1.0}, {"slow": 1.0, "fast": 2.0})
    assert order(cls, pol, cs, 5.0) == ["f1", "s1", "f2"]


# ------------------------------------------------------------------ Gcμ
def test_gcmu_switches_as_waits_grow(cls) -> None:
    # fast: c 1, mu 1, a = 1 -> index 1 whatever the wait; slow: c 1, mu 0.01, a = 2 -> 0.01 W
    pol = P.GeneralizedCMu(rates={"slow": 0.01}, exponents={"fast": 1.0})
    cs = [("s1", "slow", 0.0), ("f1", "fast", 0.0)]
    assert order(cls, pol, cs, 50.0) == ["f1", "s1"]  # slow's index 0.5 < 1
    assert order(cls, pol, cs, 150.0) == ["s1", "f1"]  # 1.5 > 1: the long wait wins
    # a convex cost (a = 3) overtakes sooner: 0.01 W^2 > 1 from W = 10
    pol = P.GeneralizedCMu(rates={"slow": 0.01}, exponents={"fast": 1.0, "slow": 3.0})
    assert order(cls, pol, cs, 9.0) == ["f1", "s1"]
    assert order(cls, pol, cs, 11.0) == ["s1", "f1"]


def test_gcmu_with_quadratic_costs_is_the_longest_weighted_wait(cls) -> None:
    # a = 2: index c mu W, which is weighted aging with weights c mu.  At 70: s1 70, f1 3 x 30,
    # o1 5 x 15; at 77: s1 77, o1 5 x 22; at 84: s1 84, s2 24
    cs = [("s1", "slow", 0.0), ("f1", "fast", 40.0), ("o1", "other", 55.0), ("s2", "slow", 60.0)]
    gcmu = P.GeneralizedCMu({"fast": 3.0}, {"other": 5.0})
    aging = P.WeightedAging({"fast": 3.0, "other": 5.0})
    assert order(cls, gcmu, cs, 70.0, 7.0) == order(cls, aging, cs, 70.0, 7.0) == ["f1", "o1", "s1", "s2"]


def test_gcmu_with_linear_costs_is_the_cmu_rule(cls) -> None:
    cs = [("s1", "slow", 0.0), ("f1", "fast", 5.0), ("o1", "other", 8.0), ("f2", "fast", 9.0)]
    costs, rates = {"slow": 2.0, "fast": 3.0}, {"fast": 0.5, "other": 4.0}
    got = order(cls, P.GeneralizedCMu(costs, rates, default_exponent=1.0), cs, 20.0)
    assert got == order(cls, P.CMu(costs, rates), cs, 20.0) == ["o1", "s1", "f1", "f2"]


def test_realtime_first_wraps_gcmu(cls) -> None:
    r = cls(QUEUES, contact_policy=P.RealtimeFirst(P.GeneralizedCMu({"slow": 100.0})))
    r.add_agent(orr.Agent("a", capacity={orr.VOICE: 1, orr.EMAIL: 1}), 0.0)
    r.submit(orr.Contact("mail", channel=orr.EMAIL, queue="slow"), 0.0)
    r.submit(orr.Contact("call", channel=orr.VOICE, queue="fast"), 5.0)
    assert [x.contact_id for x in r.set_available("a", 10.0)] == ["call"]


# ------------------------------------------------------------------ configuration
@pytest.mark.parametrize(("build", "words"), [
    (lambda: P.CMu({"q": 0.0}), ["CMu.costs['q']", "> 0", "0.0"]),
    (lambda: P.CMu(rates={"q": -1}), ["CMu.rates['q']", "-1"]),
    (lambda: P.CMu(rates=[1.0]), ["CMu.rates", "mapping of queue name", "[1.0]"]),
    (lambda: P.CMu({1: 2.0}), ["CMu.costs", "queue names", "1"]),
    (lambda: P.CMu(default_cost=float("inf")), ["CMu.default_cost", "inf"]),
    (lambda: P.CMu(default_rate=True), ["CMu.default_rate", "True"]),
    (lambda: P.GeneralizedCMu(exponents={"q": 0.5}), ["GeneralizedCMu.exponents['q']", ">= 1", "0.5"]),
    (lambda: P.GeneralizedCMu(default_exponent="2"), ["GeneralizedCMu.default_exponent", "'2'"]),
    (lambda: P.GeneralizedCMu(costs={"q": "x"}), ["GeneralizedCMu.costs['q']", "'x'"]),
])
def test_bad_parameters_are_refused(build, words) -> None:
    with pytest.raises(orr.ValidationError) as info:
        build()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_by_name_and_through_serial() -> None:
    assert isinstance(P.contact_policy("cmu"), P.CMu)
    assert isinstance(P.contact_policy("realtime-first+gcmu").then, P.GeneralizedCMu)
    for pol in (P.CMu({"a": 2.0}, {"b": 0.25}, default_cost=3.0, default_rate=0.5),
                P.GeneralizedCMu({"a": 2.0}, {"b": 0.25}, {"a": 1.5}, default_exponent=3.0),
                P.RealtimeFirst(P.GeneralizedCMu())):
        back = serial.from_dict(P.ContactPolicy, serial.to_dict(pol))
        assert type(back) is type(pol) and repr(back) == repr(pol)
    with pytest.raises(orr.ValidationError, match=r"ContactPolicy: GeneralizedCMu.exponents\['a'\]"):
        serial.from_dict(P.ContactPolicy, {"kind": "gcmu", "exponents": {"a": 0}})
    with pytest.raises(orr.ValidationError, match="unknown field 'exponents'"):
        serial.from_dict(P.ContactPolicy, {"kind": "cmu", "exponents": {"a": 2}})


# ------------------------------------------------------------------ agreement, these policies only
def restricted(agent_policies: list[str], contact_policies: list[str]) -> tuple[type, type]:
    """The agreement machines (against the reference and the independent oracle) drawing
    their policies from these factory names only, with modest settings."""

    class Only:
        @initialize(queues=ost.queue_sets(), ap=st.sampled_from(agent_policies),
                    cp=st.sampled_from(contact_policies))
        def setup(self, queues: list[orr.Queue], ap: str, cp: str) -> None:
            af, cf = ost.agent_policy_factories[ap], ost.contact_policy_factories[cp]
            self.fast = orr.Router(queues, agent_policy=af(), contact_policy=cf())
            self.ref = self.oracle(queues, agent_policy=af(), contact_policy=cf())

    out = []
    for base in (RouterPair, IndependentPair):
        machine = type(f"Only{base.__name__}", (Only, base), {})
        machine.TestCase.settings = settings(
            max_examples=25, stateful_step_count=40, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        out.append(machine.TestCase)
    return out[0], out[1]


TestResearchReference, TestResearchIndependent = restricted(
    sorted(ost.agent_policy_factories), ["cmu", "gcmu"])
