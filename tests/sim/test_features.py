"""Each scenario capability, on a small model whose outcome can be checked exactly."""

from __future__ import annotations

import numpy as np
import pytest

import omniroute as orr
from omniroute import sim
from omniroute.sim.engine import arrival_times, simulate
from omniroute.sim.scenario import DAY

H = 3600.0


def trace(*records, wrap=0.0):
    return sim.Trace([sim.TraceRecord(*r) for r in records], wrap_up=wrap)


def legs(sc, seed=0):
    return simulate(sc, np.random.SeedSequence(seed))


def test_trace_driven_arrivals():
    sc = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(1, team="t")],
                      [trace((0.0, "q", 100.0), (10.0, "q", 50.0), (20.0, "q", 10.0, 5.0))],
                      horizon=H)
    out = legs(sc)
    got = [(g.arrival, g.answered, g.abandoned, g.ended) for g in out.legs]
    nan = got[2][1]
    assert got[0] == (0.0, 0.0, got[0][2], 100.0)
    assert got[1][1:] == (100.0, got[1][2], 150.0)
    assert got[2][2] == 25.0 and nan != nan  # patience 5 s: abandoned at 25
    r = sim.run(sc, 0)
    assert r.kpis["overall"]["offered"] == 3 and r.kpis["overall"]["abandoned"] == 1
    assert r.kpis["overall"]["asa"] == pytest.approx(45.0)  # (0 + 90) / 2


def test_shift_end_mid_contact_finishes_and_counts():
    # one agent 00:00-00:10, a 15-minute call arriving at 00:05 goes on past the shift end
    sc = sim.Scenario([orr.Queue("q")],
                      [sim.AgentGroup(1, team="t", shifts=[sim.Shift(0.0, 600.0)])],
                      [trace((300.0, "q", 900.0), (700.0, "q", 60.0, 30.0))],
                      horizon=1200.0)
    r = sim.run(sc, 0)
    o = r.kpis["overall"]
    assert o["answered"] == 1 and o["abandoned"] == 1  # nobody after the shift for the second
    t = r.kpis["teams"]["t"]
    assert t["staffed_hours"] == pytest.approx(1200.0 / H)  # 600 s shift + 600 s finishing
    assert t["occupancy"] == pytest.approx(900.0 / 1200.0)


def test_breaks_and_days():
    shift = sim.Shift(8 * H, 16 * H, days=(0, 2), breaks=(sim.Break(12 * H, 1800.0),))
    sc = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(2, team="t", shifts=[shift])],
                      [trace((1.0, "q", 1.0))], horizon=3 * DAY)
    r = sim.run(sc, 0)
    # Monday and Wednesday, 7.5 h each, for 2 agents (Tuesday off)
    assert r.kpis["teams"]["t"]["staffed_hours"] == pytest.approx(2 * 2 * 7.5)


def test_retrial_after_abandonment():
    d = sim.Demand("q", sim.Arrivals(60.0), sim.Exponential(60.0), patience=sim.Deterministic(10.0),
                   retrial=sim.Retrial(1.0, sim.Deterministic(100.0), max_attempts=2))
    sc = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(0, team="t")], [d], horizon=H)
    r = sim.run(sc, 1)
    o = r.kpis["overall"]
    first = o["offered"] - o["retrials"]
    assert o["retrials"] > 0 and o["abandoned"] == o["offered"]  # nobody to answer
    assert first - 10 <= o["retrials"] <= first  # late retries fall after the horizon
    out = legs(sc, 1)
    attempts = [g.attempt for g in out.legs]
    assert attempts.count(2) == attempts.count(1)  # every abandoner retried, once
    for g in out.legs:
        if g.attempt == 2:
            assert g.abandoned - g.entered == pytest.approx(10.0)


def test_callback_keeps_original_age():
    # the agent is busy for 300 s; the second caller accepts a callback after 60 s
    d = sim.Demand("q", sim.Arrivals(0.0), sim.Exponential(1.0))
    sc = sim.Scenario([orr.Queue("q"), orr.Queue("cb", priority=-1)], [sim.AgentGroup(1, team="t")],
                      [d, trace((0.0, "q", 300.0), (10.0, "q", 50.0, 120.0))], horizon=H)
    cb = sim.Callback(60.0, 1.0, "cb")
    sc = sim.Scenario(sc.queues, sc.agents,
                      [sim.Demand("q", sim.Arrivals(0.0), sim.Exponential(1.0), callback=cb), sc.demand[1]],
                      horizon=H)
    # traces carry no callback: attach it by a demand whose records come from a trace
    out = legs(sc)
    assert len(out.legs) == 2  # no callback for trace records (patience 120 s: abandons)
    # Poisson demand with a callback and patience longer than the offer
    d = sim.Demand("q", sim.Arrivals(40.0), sim.Deterministic(300.0),
                   patience=sim.Deterministic(200.0), callback=cb)
    sc2 = sim.Scenario(sc.queues, [sim.AgentGroup(1, team="t")], [d], horizon=H)
    out = legs(sc2, 2)
    cbs = [g for g in out.legs if g.callback]
    assert cbs and all(g.abandoned != g.abandoned for g in cbs)  # they no longer abandon
    answered = [g for g in cbs if g.answered == g.answered]
    assert answered
    for g in answered:
        assert g.answered - g.entered > 60.0  # the wait counts from the original entry
    r = sim.run(sc2, 2)
    assert r.kpis["overall"]["callbacks"] == len([g for g in cbs if g.arrival >= 0])


def test_bot_containment():
    d = sim.Demand("q", sim.Arrivals(600.0), sim.Exponential(60.0),
                   bot=sim.Bot(0.4, sim.Deterministic(30.0)))
    sc = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(20, team="t")], [d], horizon=4 * H)
    out = legs(sc, 1)
    contained = [g for g in out.legs if g.contained]
    assert 0.35 < len(contained) / len(out.legs) < 0.45
    escalated = [g for g in out.legs if not g.contained]
    assert all(g.entered - g.arrival == pytest.approx(30.0) for g in escalated)
    r = sim.run(sc, 1)
    assert r.kpis["overall"]["bot_contained"] + r.kpis["overall"]["offered"] == len(
        [g for g in out.legs if g.arrival < 4 * H])


def test_transfer_to_specialists_keeps_arrival():
    d = sim.Demand("front", sim.Arrivals(30.0), sim.Exponential(60.0),
                   transfer=sim.Transfer(0.5, "spec", needs={"deep": 1}, handle=sim.Deterministic(120.0)))
    sc = sim.Scenario([orr.Queue("front"), sim.QueueSpec(orr.Queue("spec"), needs={"deep": 1})],
                      [sim.AgentGroup(3, team="front", tier=1),
                       sim.AgentGroup(2, team="spec", tier=2, skills={"deep": 1})],
                      [d], horizon=4 * H, routing=sim.Routing(agent="best-fit"))
    out = legs(sc, 4)
    second = [g for g in out.legs if g.leg == 1]
    assert second
    first = {id(g.contact): g for g in out.legs if g.moved}
    for g in second:
        assert out.agents[g.agent].team == "spec"
        assert g.ended - g.answered == pytest.approx(120.0)
    assert len(first) == len(second) or len(first) > 0
    r = sim.run(sc, 4)
    q = r.kpis["queues"]
    assert q["spec"]["offered"] > 0 and q["front"]["transferred"] > 0
    assert r.kpis["overall"]["offered"] == q["front"]["offered"]  # counted once overall


def test_blending_tasks_only_when_no_realtime_waits():
    voice = sim.Demand("calls", sim.Arrivals(100.0), sim.Exponential(120.0))
    tasks = sim.Demand("backoffice", sim.Arrivals(20.0), sim.Exponential(300.0))
    caps = {orr.VOICE: 1, orr.TASK: 1}
    sc = sim.Scenario([orr.Queue("calls"),
                       sim.QueueSpec(orr.Queue("backoffice", sla=orr.ServiceLevel(0.9, 4 * H)), channel="task")],
                      [sim.AgentGroup(6, team="t", capacity=caps)], [voice, tasks], horizon=8 * H,
                      routing=sim.Routing(contact="realtime-first+priority-fifo"))
    r = sim.run(sc, 3)
    q = r.kpis["queues"]
    assert q["backoffice"]["answered"] > 0 and q["backoffice"]["service_level"] > 0.5
    assert r.kpis["channels"]["task"]["abandoned"] == 0  # deferrable: no abandonment
    # the task waits while calls are served first
    assert q["backoffice"]["asa"] > q["calls"]["asa"]


def test_day_and_week_profile():
    rates = [0.0] * 336
    for day in range(7):
        for k in range(16, 36):  # 08:00-18:00
            rates[day * 48 + k] = 0.0 if day >= 5 else 120.0
    arr = sim.Arrivals(rates, 1800.0)
    t = arrival_times(arr, 7 * DAY, np.random.default_rng(1), offset=0.0)
    hours = (t % DAY) / H
    assert ((hours >= 8) & (hours < 18)).all()
    assert not (t >= 5 * DAY).any()  # the weekend is quiet
    assert len(t) == pytest.approx(5 * 10 * 120, rel=0.05)
    # start on Saturday: the first two days are empty
    t2 = arrival_times(arr, 7 * DAY, np.random.default_rng(1), offset=5 * DAY)
    assert t2.min() >= 2 * DAY


def test_busyness_factor_varies_days():
    arr = sim.Arrivals(1000.0)
    factors = np.array([0.5, 1.5])
    t = arrival_times(arr, 2 * DAY, np.random.default_rng(2), factors)
    n0, n1 = (t < DAY).sum(), (t >= DAY).sum()
    assert n0 == pytest.approx(12000, rel=0.05) and n1 == pytest.approx(36000, rel=0.05)
    d = sim.Demand("q", sim.Arrivals(30.0), sim.Exponential(1.0))
    plain = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(5, team="t")], [d], horizon=20 * DAY)
    busy = sim.Scenario(plain.queues, plain.agents, plain.demand, plain.horizon,
                        busyness=sim.Busyness(0.3))
    counts = [(lambda o: np.bincount((np.array([g.arrival for g in o.legs]) // DAY).astype(int)))(legs(s, 5))
              for s in (plain, busy)]
    cv_plain, cv_busy = (c.std() / c.mean() for c in counts)
    assert cv_busy > 2 * cv_plain


def test_per_interval_series():
    rates = [0.0, 200.0, 400.0, 0.0]
    d = sim.Demand("q", sim.Arrivals(rates, H), sim.Exponential(60.0))
    sc = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(20, team="t")], [d], horizon=4 * H,
                      interval=H)
    r = sim.run(sc, 1)
    off = r.intervals["overall"]["offered"]
    assert off[0] == 0 and off[3] == 0 and 150 < off[1] < 250 and 330 < off[2] < 470
    assert r.intervals["queues"]["q"]["offered"] == off
