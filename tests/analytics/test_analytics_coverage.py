"""Skill coverage by max-flow: feasibility, bottlenecks, cross-training, designs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniroute import analytics

GROUPS = {"a": (3, {"x"}), "b": (2, {"x", "y"})}


def test_feasible_team():
    r = analytics.coverage(GROUPS, {"x": 3.0, "y": 2.0})
    assert r.feasible and r.carried == 5.0 and r.shortfall == 0.0
    assert r.bottleneck_skills == () and r.bottleneck_groups == ()
    assert dict(r.flows["y"]) == {"b": 2.0}


def test_infeasible_team_names_the_bottleneck():
    r = analytics.coverage(GROUPS, {"x": 2.0, "y": 3.0})
    assert not r.feasible
    assert (r.offered, r.carried, r.shortfall) == (5.0, 4.0, 1.0)
    assert r.bottleneck_skills == ("y",) and r.bottleneck_groups == ("b",)


def test_bottleneck_spans_competing_skills():
    # x and y compete for a and b (5 agents) with 6 Erlangs; z is fine on its own
    groups = {"a": (3, {"x"}), "b": (2, {"x", "y"}), "c": (1, {"z"})}
    r = analytics.coverage(groups, {"x": 4.0, "y": 2.0, "z": 0.5})
    assert r.carried == 5.5
    assert r.bottleneck_skills == ("x", "y") and r.bottleneck_groups == ("a", "b")


def test_skill_nobody_has_and_max_occupancy():
    r = analytics.coverage(GROUPS, {"x": 1.0, "w": 0.5})
    assert r.carried == 1.0 and r.bottleneck_skills == ("w",) and r.bottleneck_groups == ()
    r = analytics.coverage(GROUPS, {"x": 3.0, "y": 2.0}, max_occupancy=0.8)
    assert r.carried == pytest.approx(4.0) and not r.feasible


def test_demand_from_rates():
    d = analytics.demand_from_rates({"x": 0.01, "y": 0.02}, {"x": 300.0, "y": 150.0})
    assert d == pytest.approx({"x": 3.0, "y": 3.0})
    assert analytics.demand_from_rates({"x": 0.01}, 200.0) == pytest.approx({"x": 2.0})


def test_cross_training_ranking():
    # x: 4 Erlangs on a (2 agents, x only); y: 1 Erlang on b (3 agents, y only); z: 2 Erlangs
    # on c (1 agent).  Short: x by 2, z by 1.  b has 2 spare agents.
    groups = {"a": (2, {"x"}), "b": (3, {"y"}), "c": (1, {"z"})}
    demand = {"x": 4.0, "y": 1.0, "z": 2.0}
    moves = analytics.cross_training(groups, demand)
    assert analytics.coverage(groups, demand).carried == 4.0
    assert [(m.group, m.skill, m.gain) for m in moves] == [
        ("b", "x", 2.0),  # b's spare 2 agents take x's overflow
        ("b", "z", 1.0),  # or z's
        ("a", "y", 0.0), ("a", "z", 0.0), ("c", "x", 0.0), ("c", "y", 0.0),
    ]
    assert moves[0].carried == 6.0 and not moves[0].feasible
    assert analytics.cross_training(groups, demand, top=1)[0].to_dict()["skill"] == "x"


def test_design_comparison_three_skills():
    demand = {"x": 5.0, "y": 3.0, "z": 1.0}
    d = analytics.design_comparison(demand, {"x": 3, "y": 3, "z": 3})
    assert (d.dedicated.carried, d.chained.carried, d.flexible.carried) == (7.0, 9.0, 9.0)
    assert d.dedicated.bottleneck_skills == ("x",)
    assert d.designs["chained"]["z"] == frozenset({"z", "x"})
    out = d.to_dict()
    assert out["chained"]["skills"]["x"] == ["x", "y"] and out["flexible"]["feasible"]


def test_chain_order_matters():
    demand = {"x": 5.0, "y": 3.0, "z": 1.0}
    # ring x -> z -> y -> x: group y learns x, group z learns y; z's spare agents help y,
    # which frees y's agents for x's overflow
    d = analytics.design_comparison(demand, {"x": 3, "y": 3, "z": 3}, order=["x", "z", "y"])
    assert d.designs["chained"]["y"] == frozenset({"y", "x"})
    assert d.chained.carried == 9.0


@settings(max_examples=30, deadline=None)
@given(
    loads=st.lists(st.floats(0.0, 20.0), min_size=2, max_size=6),
    heads=st.lists(st.integers(1, 15), min_size=6, max_size=6),
)
def test_flexibility_never_hurts(loads, heads):
    skills = [f"s{i}" for i in range(len(loads))]
    demand = dict(zip(skills, loads, strict=True))
    d = analytics.design_comparison(demand, dict(zip(skills, heads[: len(skills)], strict=True)))
    assert d.flexible.carried >= d.chained.carried >= d.dedicated.carried
    total = sum(round(v * 1e6) for v in loads) / 1e6
    assert d.flexible.carried == pytest.approx(min(total, sum(heads[: len(loads)])))
