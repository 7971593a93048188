"""Trunk lines (issue 10, rule 5): a contact arriving when its queue's or the centre's lines
are all taken is blocked; checked against Erlang B and on cases counted by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import one_queue_toml

import omniroute as orr
from omniroute import analytics, sim
from omniroute.errors import ScenarioError, ValidationError
from omniroute.sim.engine import simulate
from omniroute.sim.loader import tomllib

H = 3600.0


def _loss(agents: int, per_hour: float, handle: float, *, where: str) -> sim.Scenario:
    lines = {"queue": agents, "centre": None}[where]
    return sim.Scenario(
        [sim.QueueSpec(orr.Queue("q"), lines=lines)], [sim.AgentGroup(agents, team="t")],
        [sim.Demand("q", sim.Arrivals(per_hour), sim.Exponential(handle))],
        horizon=120 * H, warmup=2 * H, lines=agents if where == "centre" else None)


@pytest.mark.parametrize("where", ["queue", "centre"])
def test_lines_as_many_as_agents_reproduce_erlang_b(where: str) -> None:
    # M/M/5/5 at 4 Erlangs: nobody waits, a fifth of the callers find every line taken
    sc = _loss(5, 48.0, 300.0, where=where)
    s = sim.replicate(sc, 12, seed=5)
    want = analytics.erlang_b(48.0 / H, 300.0, 5).p_block
    est = s.kpi("block_rate")
    assert est.low <= want <= est.high, (est, want)
    assert abs(est.mean - want) < 0.02
    assert s.kpi("asa").mean == 0.0  # a line is a place in service: nobody queues


def _trace(*records: tuple, lines: int | None = None, centre: int | None = None,
           channel: orr.Channel = orr.VOICE) -> sim.Scenario:
    return sim.Scenario([sim.QueueSpec(orr.Queue("q"), lines=lines, channel=channel)],
                        [sim.AgentGroup(2, team="t", capacity={channel: 1})],
                        [sim.Trace([sim.TraceRecord(*r) for r in records])], horizon=H, lines=centre)


def test_a_blocked_contact_is_counted_not_offered() -> None:
    # one line: 0 takes it for 100 s; 10 and 50 are blocked (even with a free agent); 150 gets in
    sc = _trace((0.0, "q", 100.0), (10.0, "q", 5.0), (50.0, "q", 5.0), (150.0, "q", 5.0), lines=1)
    r = sim.run(sc, 0)
    o = r.kpis["overall"]
    assert (o["offered"], o["answered"], o["blocked"]) == (2, 2, 2)
    assert o["block_rate"] == pytest.approx(2 / 4)
    assert o["customers"] == 4  # a blocked caller is still a customer
    assert r.kpis["queues"]["q"]["blocked"] == 2
    assert r.intervals["overall"]["blocked"][0] == 2 and r.intervals["overall"]["offered"][0] == 2
    out = simulate(sc, np.random.SeedSequence(0))
    assert out.columns.blocked.tolist() == [False, True, True, False]


def test_the_line_is_held_while_waiting_and_freed_on_abandon() -> None:
    # two lines, one agent busy for 100 s: 10 waits (holding the 2nd line) and abandons at 40;
    # 20 is blocked; 60 gets the freed line and waits for the agent
    sc = sim.Scenario([sim.QueueSpec(orr.Queue("q"), lines=2)], [sim.AgentGroup(1, team="t")],
                      [sim.Trace([sim.TraceRecord(0.0, "q", 100.0), sim.TraceRecord(10.0, "q", 5.0, 30.0),
                                  sim.TraceRecord(20.0, "q", 5.0), sim.TraceRecord(60.0, "q", 5.0)])],
                      horizon=H)
    o = sim.run(sc, 0).kpis["overall"]
    assert (o["offered"], o["answered"], o["abandoned"], o["blocked"]) == (3, 2, 1, 1)
    assert o["asa"] == pytest.approx((0.0 + 40.0) / 2)  # 60 waits until 100


def test_centre_lines_count_calls_only() -> None:
    chat = _trace((0.0, "q", 100.0), (10.0, "q", 5.0), centre=1, channel=orr.CHAT)
    assert sim.run(chat, 0).kpis["overall"]["blocked"] == 0
    voice = _trace((0.0, "q", 100.0), (10.0, "q", 5.0), centre=1)
    assert sim.run(voice, 0).kpis["overall"]["blocked"] == 1


def test_a_blocked_caller_retries_as_its_demand_says() -> None:
    sc = sim.Scenario(
        [sim.QueueSpec(orr.Queue("q"), lines=3)], [sim.AgentGroup(3, team="t")],
        [sim.Demand("q", sim.Arrivals(60.0), sim.Exponential(240.0),
                    retrial=sim.Retrial(1.0, sim.Deterministic(60.0), max_attempts=3))],
        horizon=10 * H)
    out = simulate(sc, np.random.SeedSequence(2))
    c = out.columns
    blocked = np.flatnonzero(c.blocked)
    assert len(blocked) > 20
    for k in blocked.tolist():
        later = np.flatnonzero((c.customer == c.customer[k]) & (c.attempt == c.attempt[k] + 1))
        if c.attempt[k] < 3:
            assert len(later) == 1 and c.arrival[later[0]] == pytest.approx(c.ended[k] + 60.0)
        else:
            assert len(later) == 0  # out of attempts: gone
    # at every instant no more than 3 contacts hold a line (waiting or in service)
    start = c.arrival[~c.blocked]
    end = np.where(~np.isnan(c.ended), c.ended, out.end)[~c.blocked]
    ev = sorted([(t, 1) for t in start] + [(t, -1) for t in end], key=lambda x: (x[0], x[1]))
    assert max(np.cumsum([d for _t, d in ev])) <= 3


def test_lines_are_checked() -> None:
    with pytest.raises(ValidationError, match=r"QueueSpec.lines must be >= 1 \(got 0\)"):
        sim.QueueSpec(orr.Queue("q"), lines=0)
    with pytest.raises(ValidationError, match=r"Scenario.lines must be an integer \(got 2.5\)"):
        _trace((0.0, "q", 1.0), centre=2.5)  # type: ignore[arg-type]
    def toml(centre: object, queue: object) -> str:
        return one_queue_toml(top=f"lines = {centre}", queue=f"lines = {queue}")

    sc = sim.parse_scenario(tomllib.loads(toml(4, 2)))
    assert (sc.lines, sc.queues[0].lines) == (4, 2)
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(toml(0, '"two"')))
    text = str(err.value)
    assert "lines: 0 must be an integer from 1 to 10,000,000" in text
    assert "queues[0].lines: 'two' must be an integer from 1 to 10,000,000" in text
