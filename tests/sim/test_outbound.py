"""Outbound campaigns and blending (issue 10, rule 8): dialer modes, right-party and
no-answer outcomes, the abandon limit of predictive dialing, reserve for inbound, and the
KPIs by direction."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import one_queue_toml

import omniroute as orr
from omniroute import sim
from omniroute.errors import ScenarioError, ValidationError
from omniroute.sim.engine import simulate
from omniroute.sim.loader import tomllib

H = 3600.0


def centre(mode: str = "progressive", *, pacing: float = 1.0, max_abandon: float | None = None,
           reserve: int = 0, inbound: float = 150.0, numbers: int = 5000, per_hour: float = 0.0,
           preview: sim.Distribution | None = None, warmup: float = 0.0) -> sim.Scenario:
    return sim.Scenario(
        [sim.QueueSpec(orr.Queue("in"), needs={"svc": 1}),
         sim.QueueSpec(orr.Queue("out"), needs={"svc": 1, "collect": 1})],
        [sim.AgentGroup(16, team="blend", skills={"svc": 1, "collect": 1}),
         sim.AgentGroup(4, team="inbound", skills={"svc": 1})],
        [sim.Demand("in", sim.Arrivals(inbound), sim.Exponential(300.0), patience=sim.Exponential(180.0))],
        horizon=8 * H, warmup=warmup,
        outbound=[sim.Campaign("collect", "out", sim.Exponential(180.0), mode=mode, numbers=numbers,
                               per_hour=per_hour, rpc=0.35, no_answer=0.45, pacing=pacing,
                               max_abandon=max_abandon, reserve=reserve, preview=preview)])


@pytest.mark.parametrize("mode", ["progressive", "preview", "predictive"])
def test_every_dial_ends_in_one_outcome_and_connects_are_routed_to_eligible_agents(mode: str) -> None:
    sc = centre(mode, pacing=1.5 if mode == "predictive" else 1.0,
                preview=sim.Deterministic(20.0) if mode == "preview" else None)
    r = sim.run(sc, 3)
    k = r.kpis["outbound"]["collect"]
    assert k["dials"] > 500
    assert k["dials"] == k["connects"] + k["no_answer"] + k["failed"]
    # right party 35%, nobody 45%, other 20%: binomial within 5 standard deviations
    for name, p in (("connects", 0.35), ("no_answer", 0.45), ("failed", 0.20)):
        sd = (k["dials"] * p * (1 - p)) ** 0.5
        assert abs(k[name] - k["dials"] * p) < 5 * sd, name
    out = simulate(sc, np.random.SeedSequence(3))
    c = out.columns
    outbound = c.demand < 0
    served = outbound & (c.agent >= 0)
    teams = {out.agents[c.agent_ids[i]].team for i in c.agent[served]}
    assert teams == {"blend"}  # only agents with the campaign queue's skills
    # inbound KPIs count inbound customers only
    assert r.kpis["overall"]["offered"] == int((~outbound & (c.arrival < sc.horizon) & ~c.blocked).sum())
    if mode != "predictive":
        assert k["outbound_abandoned"] == 0  # an agent waits on every dial


def test_predictive_dialing_keeps_under_the_abandon_limit() -> None:
    free = sim.replicate(centre("predictive", pacing=2.5), 4, seed=1).kpis["outbound"]["collect"]
    capped = sim.replicate(centre("predictive", pacing=2.5, max_abandon=0.03), 4, seed=1).kpis["outbound"]["collect"]
    assert free["outbound_abandon_rate"].mean > 0.15
    assert capped["outbound_abandon_rate"].mean <= 0.03
    assert capped["dials"].mean > 0.5 * free["dials"].mean  # still dialing, slower
    assert capped["pacing"].mean < 2.5


def test_reserve_keeps_agents_for_inbound() -> None:
    none = sim.run(centre(reserve=16), 2).kpis
    assert none["outbound"]["collect"]["dials"] == 0  # never more than 16 of 16 free
    some = sim.run(centre(reserve=4), 2).kpis
    base = sim.run(centre(reserve=0), 2).kpis
    assert 0 < some["outbound"]["collect"]["dials"] < base["outbound"]["collect"]["dials"]
    assert some["overall"]["service_level"] > base["overall"]["service_level"]


def test_numbers_run_out_and_arrive() -> None:
    k = sim.run(centre(numbers=40), 1).kpis["outbound"]["collect"]
    assert k["dials"] == 40
    k = sim.run(centre(numbers=0, per_hour=30.0), 1).kpis["outbound"]["collect"]
    assert 180 < k["dials"] <= 300  # about 240 numbers arrive in 8 h, each dialed once


def test_agent_time_by_direction_adds_up() -> None:
    sc = centre("predictive", pacing=1.5)
    r = sim.run(sc, 5)
    out = simulate(sc, np.random.SeedSequence(5))
    b = out.busy
    dur = np.maximum(np.minimum(b.end, sc.horizon) - np.maximum(b.start, sc.warmup), 0.0)
    o = r.kpis["overall"]
    assert o["outbound_hours"] == pytest.approx(dur[b.outbound].sum() / H)
    assert o["inbound_hours"] == pytest.approx(dur[~b.outbound].sum() / H)
    assert r.kpis["teams"]["inbound"]["outbound_hours"] == 0.0
    assert r.kpis["teams"]["blend"]["outbound_hours"] > 10
    assert "out" not in r.kpis["queues"]  # a campaign's own queue: its figures are the campaign's


def test_campaigns_are_checked() -> None:
    h = sim.Exponential(60.0)
    for kw, msg in [
        ({"mode": "robo"}, "Campaign.mode must be one of 'preview', 'progressive', 'predictive' (got 'robo')"),
        ({"pacing": 2.0}, "Campaign.pacing applies to mode 'predictive' only"),
        ({"rpc": 0.6, "no_answer": 0.6}, "Campaign.rpc + Campaign.no_answer must be at most 1"),
        ({"numbers": 0}, "Campaign: give numbers"),
        ({"mode": "predictive", "pacing": 20.0}, "Campaign.pacing must be a number from 1 to 10"),
        ({"max_abandon": 0.03}, "Campaign.max_abandon applies to mode 'predictive' only"),
        ({"preview": h}, "Campaign.preview applies to mode 'preview' only"),
    ]:
        args = {"numbers": 10, **kw}
        with pytest.raises(ValidationError) as err:
            sim.Campaign("c", "q", h, **args)
        assert msg in str(err.value), (kw, str(err.value))
    with pytest.raises(ValidationError, match=r"outbound\[0\].queue: 'nope' is not a queue"):
        sim.Scenario([orr.Queue("q")], [sim.AgentGroup(1)], [sim.Demand("q", sim.Arrivals(1.0), h)],
                     horizon=H, outbound=[sim.Campaign("c", "nope", h, numbers=1)])


def test_campaigns_from_toml() -> None:
    def base(queue: str, mode: str, pacing: object) -> str:
        return one_queue_toml(agents="count = 2", tail=f"""
[[outbound]]
name = "sales"
queue = "{queue}"
mode = "{mode}"
numbers = 100
pacing = {pacing}
max_abandon = 0.03
handle = {{ dist = "exponential", mean = "4m" }}
ring = {{ dist = "deterministic", value = "12s" }}
""")

    sc = sim.parse_scenario(tomllib.loads(base("q", "predictive", 1.8)))
    cp = sc.outbound[0]
    assert (cp.name, cp.mode, cp.pacing, cp.max_abandon, cp.ring) == ("sales", "predictive", 1.8, 0.03,
                                                                      sim.Deterministic(12.0))
    assert sim.run(sc, 0).kpis["outbound"]["sales"]["dials"] > 0
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(base("nope", "robo", -1)))
    text = str(err.value)
    assert "outbound[0].queue: 'nope' is not a queue; known: q" in text
    assert "outbound[0].mode: 'robo' must be one of 'preview', 'progressive', 'predictive'" in text
    assert "outbound[0].pacing: -1 must be" in text
