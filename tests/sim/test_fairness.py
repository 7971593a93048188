"""Fairness KPIs (issue 13, part 6): the spread of the agents' occupancy and its Gini
coefficient, and the longest and 95th-percentile wait of the lowest priority, checked
against the per-agent KPIs and the legs themselves."""

from __future__ import annotations

import math

import numpy as np
import pytest

import omniroute as orr
from omniroute import sim
from omniroute.sim.engine import simulate
from omniroute.sim.metrics import gini

H = 3600.0


def test_gini_of_known_values() -> None:
    assert gini(np.array([0.5, 0.5, 0.5])) == 0.0
    assert gini(np.array([0.0, 0.0, 1.0])) == pytest.approx(2 / 3)
    assert gini(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(0.25)
    # the mean absolute difference over twice the mean, by brute force
    x = np.random.default_rng(3).uniform(0, 1, 17)
    brute = np.abs(x[:, None] - x[None, :]).mean() / (2 * x.mean())
    assert gini(x) == pytest.approx(brute)
    assert gini(np.array([])) is None and gini(np.array([0.0, 0.0])) is None


def _scenario() -> sim.Scenario:
    """Two priorities on one queue, two teams, one of them on a short shift."""
    queues = [sim.QueueSpec(orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0)), needs={"g": 1})]
    agents = [sim.AgentGroup(3, team="day", skills={"g": 1}, tier=1),
              sim.AgentGroup(2, team="late", skills={"g": 1}, tier=2,
                             shifts=[sim.Shift(2 * H, 4 * H)])]
    demand = [sim.Demand("q", sim.Arrivals(40.0), sim.Exponential(300.0), patience=sim.Exponential(200.0)),
              sim.Demand("q", sim.Arrivals(10.0), sim.Exponential(300.0), priority=2, segment="vip")]
    return sim.Scenario(queues, agents, demand, horizon=4 * H, warmup=0.5 * H, name="fair")


def test_occupancy_spread_is_that_of_the_agents_staffed() -> None:
    sc = _scenario()
    k = sim.run(sc, seed=4).kpis
    occ = {a: d["occupancy"] for a, d in k["agents"].items()}
    staffed = [v for v in occ.values() if v is not None]
    assert len(staffed) == 5
    o = k["overall"]
    assert o["occupancy_range"] == pytest.approx(max(staffed) - min(staffed))
    assert o["occupancy_sd"] == pytest.approx(float(np.std(staffed)))
    assert o["occupancy_gini"] == pytest.approx(gini(np.array(staffed)))
    assert 0 < o["occupancy_gini"] < 1
    for team, ids in (("day", [a for a in occ if a.startswith("day")]), ("late", [a for a in occ if a.startswith("late")])):
        vals = [occ[a] for a in ids]
        assert k["teams"][team]["occupancy_range"] == pytest.approx(max(vals) - min(vals))
        assert k["teams"][team]["occupancy_gini"] == pytest.approx(gini(np.array(vals)))
    assert set(k["tiers"]["2"]) >= {"occupancy_range", "occupancy_sd", "occupancy_gini"}


def test_an_agent_never_staffed_in_the_window_is_left_out() -> None:
    sc = _scenario()
    import attrs
    late = attrs.evolve(sc.agents[1], shifts=(sim.Shift(0.0, 0.25 * H),))  # gone before the warm-up ends
    k = sim.run(attrs.evolve(sc, agents=(sc.agents[0], late)), seed=4).kpis
    assert k["teams"]["late"]["occupancy"] is None
    assert all(k["teams"]["late"][x] is None for x in ("occupancy_range", "occupancy_sd", "occupancy_gini"))
    day = [d["occupancy"] for a, d in k["agents"].items() if a.startswith("day")]
    assert k["overall"]["occupancy_range"] == pytest.approx(max(day) - min(day))


def test_lowest_priority_waits_are_those_of_its_contacts() -> None:
    sc = _scenario()
    seed = np.random.SeedSequence(9)
    out = simulate(sc, seed)
    k = sim.run(sc, seed).kpis["overall"]
    waits = []
    for leg in out.legs:
        if leg.leg or leg.contained or leg.blocked or not sc.warmup <= leg.arrival < sc.horizon:
            continue
        if leg.spec.priority != 0:
            continue
        end = next((t for t in (leg.answered, leg.abandoned) if not math.isnan(t)), out.end)
        waits.append(end - leg.entered)
    assert len(waits) > 50
    assert k["wait_max_lowest"] == pytest.approx(max(waits))
    assert k["wait_p95_lowest"] == pytest.approx(float(np.percentile(waits, 95)))
    # the priority-2 contacts go first: the lowest priority waits longer than the average contact
    assert k["wait_p95_lowest"] > k["mean_wait"]


def test_fairness_kpis_get_intervals_and_are_in_the_json() -> None:
    s = sim.replicate(_scenario(), 3, seed=1)
    d = s.to_dict()["kpis"]
    for kpi in ("occupancy_range", "occupancy_sd", "occupancy_gini", "wait_max_lowest", "wait_p95_lowest"):
        e = d["overall"][kpi]
        assert e["low"] is not None and 0 <= e["low"] <= e["mean"] <= e["high"], kpi
    assert d["overall"]["occupancy_gini"]["high"] <= 1
    assert "occupancy_gini" in d["tiers"]["1"] and "occupancy_gini" in d["teams"]["day"]


def test_nothing_offered_leaves_the_waits_undefined() -> None:
    import attrs
    sc = _scenario()
    quiet = attrs.evolve(sc, demand=(attrs.evolve(sc.demand[0], arrivals=sim.Arrivals(0.0)),))
    k = sim.run(quiet, seed=1).kpis["overall"]
    assert k["wait_max_lowest"] is None and k["wait_p95_lowest"] is None
    assert k["occupancy_range"] == 0.0 and k["occupancy_gini"] is None  # staffed, never busy
