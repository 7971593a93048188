"""Agent-dependent service (issue 10, rule 6) and group staffing by period (rule 2)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import one_queue_toml

import omniroute as orr
from omniroute import analytics, sim
from omniroute.errors import ScenarioError, ValidationError
from omniroute.sim.engine import simulate, staffing_events
from omniroute.sim.loader import tomllib

H = 3600.0


# ---------------------------------------------------------------------------- handle factor

def test_a_groups_factor_scales_the_handle_time_it_serves() -> None:
    recs = [sim.TraceRecord(0.0, "a", 100.0), sim.TraceRecord(0.0, "b", 100.0)]
    sc = sim.Scenario([orr.Queue("a"), orr.Queue("b")],
                      [sim.AgentGroup(2, team="t", handle_factor={"a": 1.5})],
                      [sim.Trace(recs)], horizon=H)
    out = simulate(sc, np.random.SeedSequence(0))
    served = {g.queue: g.ended - g.answered for g in out.legs}
    assert served == {"a": 150.0, "b": 100.0}  # per queue of entry; others 1
    assert sim.run(sc, 0).kpis["queues"]["a"]["aht"] == pytest.approx(150.0)


def test_faster_agents_match_erlang_c_with_their_handle_time() -> None:
    # 10 agents twice as fast as the drawn 300 s: Erlang C with 150 s, 0.8 utilisation
    sc = sim.Scenario([orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0))],
                      [sim.AgentGroup(10, team="t", handle_factor=0.5)],
                      [sim.Demand("q", sim.Arrivals(192.0), sim.Exponential(300.0))],
                      horizon=40 * H, warmup=2 * H)
    s = sim.replicate(sc, 10, seed=4)
    ec = analytics.erlang_c(192.0 / H, 150.0, 10)
    for kpi, want in (("asa", ec.asa), ("service_level", ec.service_level(20.0)),
                      ("occupancy", ec.occupancy)):
        est = s.kpi(kpi)
        assert est.low <= want <= est.high, (kpi, est, want)


def test_handle_factor_is_checked() -> None:
    with pytest.raises(ValidationError, match=r"AgentGroup.handle_factor must be a number > 0 and <= 100 \(got 0\)"):
        sim.AgentGroup(1, handle_factor=0)
    with pytest.raises(ValidationError, match=r"agents\[0\].handle_factor: 'nope' is not a queue"):
        sim.Scenario([orr.Queue("q")], [sim.AgentGroup(1, handle_factor={"nope": 2.0})],
                     [sim.Demand("q", sim.Arrivals(1.0), sim.Exponential(60.0))], horizon=H)


# ---------------------------------------------------------------------------- staffing

def _staffed(counts: tuple[int, ...], *records: tuple) -> sim.Scenario:
    return sim.Scenario([orr.Queue("q")],
                        [sim.AgentGroup(team="t", staffing=counts, staffing_interval=H)],
                        [sim.Trace([sim.TraceRecord(*r) for r in records])], horizon=2 * H)


def test_when_the_group_shrinks_the_first_agent_to_become_free_leaves() -> None:
    # 2 agents, then 1 from 1 h: both busy at the change; t-0 frees first (3900) and leaves,
    # a ghost from 3600 to 3900; the 3700 call waits for t-1 (free at 4210)
    sc = _staffed((2, 1), (3000.0, "q", 900.0), (3010.0, "q", 1200.0), (3700.0, "q", 100.0))
    out = simulate(sc, np.random.SeedSequence(0))
    assert [(g.answered, g.agent) for g in out.legs] == [(3000.0, "t-0"), (3010.0, "t-1"), (4210.0, "t-1")]
    assert out.staffed["t-0"] == [(0.0, 3900.0)]
    t = sim.run(sc, 0).kpis["teams"]["t"]
    assert t["staffed_hours"] == pytest.approx((3900.0 + 7200.0) / H)
    assert t["occupancy"] == pytest.approx((900.0 + 1200.0 + 100.0) / (3900.0 + 7200.0))


def test_idle_agents_leave_at_once_and_come_back_when_the_group_grows() -> None:
    # 2, 0, 1 agents per hour; nobody is busy at the changes
    sc = _staffed((2, 0, 1), (10.0, "q", 10.0))
    out = simulate(sc, np.random.SeedSequence(0))
    assert out.staffed == {"t-0": [(0.0, H)], "t-1": [(0.0, H)]}  # both idle at 1 h: both go
    assert sim.run(sc, 0).kpis["teams"]["t"]["staffed_hours"] == pytest.approx(2.0)  # 2 x 1 h, then 0


def test_a_call_arriving_while_nobody_is_staffed_waits_for_the_next_period() -> None:
    sc = _staffed((1, 0, 1), (4000.0, "q", 60.0))
    sc = sim.Scenario(sc.queues, sc.agents, sc.demand, horizon=3 * H)
    out = simulate(sc, np.random.SeedSequence(0))
    assert out.legs[0].answered == 2 * H


def test_staffing_events_repeat_and_skip_unchanged_periods() -> None:
    assert staffing_events((2, 2, 3), 10.0, 60.0) == [(0.0, 2), (20.0, 3), (30.0, 2), (50.0, 3)]
    assert staffing_events((4,), 10.0, 1e9) == [(0.0, 4)]


def test_staffing_from_toml_and_its_errors() -> None:
    def base(lines: str) -> str:
        return one_queue_toml(horizon="6h", agents=f"team = \"t\"\n{lines}")

    sc = sim.parse_scenario(tomllib.loads(base('staffing = [12, 18, 9]\nstaffing_interval = "2h"\nhandle_factor = { q = 0.8 }')))
    g = sc.agents[0]
    assert (g.count, g.staffing, g.staffing_interval, dict(g.handle_factor)) == (18, (12, 18, 9), 7200.0, {"q": 0.8})
    for body, msg in [
        ('staffing = []', "agents[0].staffing: [] must be a non-empty list of agent counts"),
        ('staffing = [1, -2]', "agents[0].staffing[1]: -2 must be an integer from 0 to 100,000"),
        ('count = 3\nstaffing = [1, 5]', "agents[0].count: 3 must cover the largest staffing (5)"),
        ('staffing = [1]\nshifts = [{ start = "08:00", end = "16:00" }]', "agents[0].staffing: give shifts or staffing, not both"),
        ('count = 1\nhandle_factor = -1', "agents[0].handle_factor: -1 must be a number > 0"),
        ('staffing = [1]\nstaffing_interval = "0s"', "agents[0].staffing_interval"),
    ]:
        with pytest.raises(ScenarioError) as err:
            sim.parse_scenario(tomllib.loads(base(body)))
        assert msg in str(err.value), (body, str(err.value))
    with pytest.raises(ValidationError, match="give shifts or staffing, not both"):
        sim.AgentGroup(staffing=(1,), shifts=[sim.Shift(0.0, H)])
