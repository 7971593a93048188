"""Staffing: fewest agents for each kind of target, shrinkage, the day table, the sqrt rule."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniroute import analytics
from omniroute.queues import ServiceLevel

LAM, H = 100 / 1800, 180.0


def test_textbook_staff_is_14():
    assert analytics.staff(arrival_rate=LAM, handle_time=H, target=ServiceLevel(0.8, 20.0)) == 14
    assert analytics.staff(LAM, H, (0.8, 20.0)) == 14  # a (target, within) pair works too


def fewest(pred, start=1):
    n = start
    while not pred(n):
        n += 1
    return n


@pytest.mark.parametrize("target", [(0.8, 20.0), (0.9, 10.0), (0.5, 60.0), (0.95, 30.0)])
def test_service_level_target_is_the_fewest_meeting_it(target):
    n = analytics.staff(LAM, H, target)
    sl = lambda k: analytics.erlang_c(LAM, H, k).service_level(target[1])  # noqa: E731
    assert n == fewest(lambda k: sl(k) >= target[0], start=11)


def test_asa_target():
    n = analytics.staff(LAM, H, asa=5.0)
    assert analytics.erlang_c(LAM, H, n).asa <= 5.0 < analytics.erlang_c(LAM, H, n - 1).asa


def test_abandon_target_uses_erlang_a():
    n = analytics.staff(LAM, H, abandon=0.01, patience=120.0)
    assert analytics.erlang_a(LAM, H, n, 120.0).p_abandon <= 0.01
    assert analytics.erlang_a(LAM, H, n - 1, 120.0).p_abandon > 0.01


def test_erlang_a_service_level_target_may_need_fewer_agents_than_erlang_c():
    # abandons shorten the queue for those who stay, even though each abandon is a miss
    c = analytics.staff(LAM, H, (0.8, 20.0))
    a = analytics.staff(LAM, H, (0.8, 20.0), patience=60.0)
    assert a <= c
    assert analytics.erlang_a(LAM, H, a, 60.0).service_level(20.0) >= 0.8
    assert analytics.erlang_a(LAM, H, a - 1, 60.0).service_level(20.0) < 0.8


def test_max_occupancy_and_combined_targets():
    assert analytics.staff(LAM, H, max_occupancy=0.8) == 13  # 10 / 13 = 0.77
    assert analytics.staff(LAM, H, (0.8, 20.0), max_occupancy=0.6) == 17  # 10 / 17 = 0.59
    assert analytics.staff(LAM, H, (0.8, 20.0), asa=1.0) == analytics.staff(LAM, H, asa=1.0)


def test_shrinkage_rounds_up():
    assert analytics.staff(LAM, H, (0.8, 20.0), shrinkage=0.3) == math.ceil(14 / 0.7)  # 20
    assert analytics.staff(LAM, H, (0.8, 20.0), shrinkage=0.5) == 28  # exact: no extra agent


def test_no_arrivals_needs_no_agents():
    assert analytics.staff(0.0, H, (0.8, 20.0)) == 0


def test_large_centre():
    n = analytics.staff(10_000 / 300, 300.0, (0.8, 20.0))
    assert 10_000 < n < 10_100
    c = analytics.erlang_c(10_000 / 300, 300.0, n)
    assert c.service_level(20.0) >= 0.8 > analytics.erlang_c(10_000 / 300, 300.0, n - 1).service_level(20.0)


@settings(max_examples=30, deadline=None)
@given(load=st.floats(0.05, 500.0), goal=st.floats(0.05, 0.99), within=st.floats(1.0, 120.0),
       patience=st.none() | st.floats(5.0, 2000.0))
def test_staff_is_minimal(load, goal, within, patience):
    h = 240.0
    n = analytics.staff(load / h, h, (goal, within), patience=patience)

    def sl(k):
        if patience is None:
            return analytics.erlang_c(load / h, h, k).service_level(within)
        return analytics.erlang_a(load / h, h, k, patience).service_level(within)

    assert sl(n) >= goal - 1e-12
    assert n == 1 or sl(n - 1) < goal


def test_halfin_whitt_beta_and_sqrt_rule():
    beta = analytics.halfin_whitt_beta(10.0, H, (0.8, 20.0))
    assert 0.5 < beta < 1.5
    assert analytics.square_root_staffing(LAM, H, (0.8, 20.0)) == math.ceil(10 + beta * math.sqrt(10))
    assert analytics.square_root_staffing(LAM, H, beta=1.0) == math.ceil(10 + math.sqrt(10))
    assert analytics.square_root_staffing(0.0, H, beta=1.0) == 0
    # the rule is asymptotically right: within a couple of agents of Erlang C on large loads
    for load in (50.0, 500.0, 5_000.0):
        exact = analytics.staff(load / H, H, (0.8, 20.0))
        assert abs(analytics.square_root_staffing(load / H, H, (0.8, 20.0)) - exact) <= 2
    # the ASA version: ASA ~ alpha(beta) h / (beta sqrt(R)) meets the target roughly
    n = analytics.square_root_staffing(500 / H, H, asa=10.0)
    assert analytics.erlang_c(500 / H, H, n).asa == pytest.approx(10.0, rel=0.5)


def test_staffing_table():
    volumes = [0, 20, 100, 400]
    rows = analytics.staffing_table([v / 1800 for v in volumes], H, ServiceLevel(0.8, 20.0),
                                    start=8 * 3600.0, shrinkage=0.25)
    assert [r.start for r in rows] == [28800.0, 30600.0, 32400.0, 34200.0]
    assert [r.volume for r in rows] == pytest.approx(volumes)
    assert [r.load for r in rows] == pytest.approx([0.0, 2.0, 10.0, 40.0])
    assert rows[2].agents == 14 and rows[2].scheduled == math.ceil(14 / 0.75)
    for r in rows[1:]:
        assert r.agents == analytics.staff(r.arrival_rate, H, (0.8, 20.0))
        assert r.service_level >= 0.8 and r.occupancy == pytest.approx(r.load / r.agents)
        assert r.sqrt_agents == analytics.square_root_staffing(r.arrival_rate, H, (0.8, 20.0))
        assert r.p_abandon == 0.0
    empty = rows[0]
    assert (empty.agents, empty.scheduled, empty.sqrt_agents, empty.service_level) == (0, 0, 0, None)
    d = rows[2].to_dict()
    assert d["agents"] == 14 and d["service_level"] == pytest.approx(0.888, abs=5e-4)


def test_staffing_table_with_abandonment_and_no_sqrt_beta():
    rows = analytics.staffing_table([0.05, 0.1], 300.0, abandon=0.05, patience=180.0)
    for r in rows:
        assert r.p_abandon <= 0.05 and r.service_level is None and r.sqrt_agents is None
    rows = analytics.staffing_table([0.05], 300.0, abandon=0.05, patience=180.0, beta=0.5,
                                    max_occupancy=0.9)
    assert rows[0].sqrt_agents == max(math.ceil(15 + 0.5 * math.sqrt(15)), math.ceil(15 / 0.9))
