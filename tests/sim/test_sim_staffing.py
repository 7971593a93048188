"""sim.staff_by_simulation: per-interval staffing found by simulation from the Erlang estimate."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

import omniroute as orr
from omniroute import analytics, sim
from omniroute.errors import ValidationError

SLA = orr.ServiceLevel(0.8, 20.0)
QUIET, BUSY, HANDLE, WIDTH = 60.0, 180.0, 180.0, 7200.0


def two_intervals(**kw) -> sim.Scenario:
    """M/M/n: Poisson arrivals, exponential handling, one skill; a quiet then a busy interval."""
    return sim.Scenario(
        queues=[orr.Queue("q", sla=SLA)],
        agents=[sim.AgentGroup(1, team="pool", skills={"general": 1})],
        demand=[sim.Demand("q", sim.Arrivals((QUIET, BUSY), interval=WIDTH), sim.Exponential(HANDLE),
                           needs={"general": 1})],
        horizon=2 * WIDTH, interval=WIDTH, name="two intervals", **kw,
    )


@pytest.fixture(scope="module")
def result() -> sim.SimStaffing:
    return sim.staff_by_simulation(two_intervals(), replications=20, seed=1)


def test_meets_target_near_erlang_c_and_busier_needs_more(result):
    erlang = [analytics.staff(r / 3600.0, HANDLE, SLA) for r in (QUIET, BUSY)]
    assert result.erlang_agents == tuple(erlang)
    assert result.model == "erlang_c" and result.queues == ("q",)
    assert result.converged and result.met
    quiet, busy = result.table
    for row, n in zip(result.table, erlang, strict=True):
        assert row.met and row.adjusted
        assert row.service_level.mean >= SLA.target  # the replications' mean
        assert row.queues["q"] == row.service_level
        assert abs(row.simulated_agents - n) <= 2
        assert row.target == SLA.target
    assert busy.simulated_agents > quiet.simulated_agents
    assert (quiet.start, quiet.end, busy.start, busy.end) == (0.0, WIDTH, WIDTH, 2 * WIDTH)
    assert quiet.load == pytest.approx(QUIET / 3600 * HANDLE)
    assert busy.arrival_rate == pytest.approx(BUSY / 3600)


def test_the_plan_is_a_scenario_of_interval_shifts(result):
    groups = result.scenario.agents
    assert [g.count for g in groups] == list(result.simulated_agents)
    assert [(g.shifts[0].start, g.shifts[0].end) for g in groups] == [(0.0, WIDTH), (WIDTH, 3 * WIDTH)]
    assert all(g.prefix == "pool" and g.skills == {"general": 1} for g in groups)
    # the plan runs as any scenario; its replications reproduce the search's numbers
    summary = sim.replicate(result.scenario, replications=20, seed=1)
    assert summary.intervals["queues"]["q"]["service_level"] == pytest.approx(
        [r.service_level.mean for r in result.table])


def test_same_seed_same_plan(result):
    again = sim.staff_by_simulation(two_intervals(), replications=20, seed=1)
    assert again == result
    assert again.history == result.history
    assert again.to_dict() == result.to_dict()
    with ThreadPoolExecutor(2) as pool:
        threaded = sim.staff_by_simulation(two_intervals(), replications=20, seed=1, executor=pool)
    assert threaded == result


def test_to_dict_is_json(result):
    d = json.loads(json.dumps(result.to_dict()))
    assert d["scenario"] == "two intervals" and d["group"] == "pool" and d["seed"] == 1
    assert d["targets"] == {"q": {"target": 0.8, "within": 20.0}}
    row = d["table"][1]
    assert {"start", "erlang_agents", "simulated_agents", "service_level", "met"} <= set(row)
    assert set(row["service_level"]) == {"mean", "low", "high"}
    assert row["service_level"]["low"] <= row["service_level"]["mean"] <= row["service_level"]["high"]


def test_stricter_target_needs_at_least_as_many():
    strict = sim.staff_by_simulation(two_intervals(), (0.95, 20.0), replications=10, seed=2)
    base = sim.staff_by_simulation(two_intervals(), replications=10, seed=2)
    assert strict.targets["q"] == orr.ServiceLevel(0.95, 20.0)
    assert all(s >= b for s, b in zip(strict.simulated_agents, base.simulated_agents, strict=True))
    assert strict.met and all(r.service_level.mean >= 0.95 for r in strict.table)


def test_search_lowers_an_overestimate_and_keeps_other_groups():
    # chats three at a time: Erlang (one contact per agent) overstaffs; the warm-up interval
    # is held at the estimate; the voice group is left alone
    sc = sim.Scenario(
        queues=[orr.Queue("chat", sla=orr.ServiceLevel(0.8, 60.0)), orr.Queue("voice", sla=SLA)],
        agents=[sim.AgentGroup(3, team="voice", skills={"x": 1}),
                sim.AgentGroup(1, team="chat", capacity={orr.CHAT: 3})],
        demand=[sim.Demand("chat", sim.Arrivals((60.0, 240.0), interval=3600.0),
                           sim.Exponential(300.0), channel=orr.CHAT, patience=sim.Exponential(300.0)),
                sim.Demand("voice", sim.Arrivals(10.0), sim.Exponential(180.0), needs={"x": 1})],
        horizon=3 * 3600.0, warmup=1800.0, interval=1800.0, name="chat", start_day=6,
    )
    r = sim.staff_by_simulation(sc, group="chat", replications=6, seed=3)
    assert r.model == "erlang_a" and r.queues == ("chat",) and r.group == "chat"
    assert r.converged and r.met
    first, *rest = r.table
    assert not first.adjusted and first.simulated_agents == first.erlang_agents
    assert all(row.adjusted for row in rest)
    assert sum(r.simulated_agents) < sum(r.erlang_agents)
    assert r.scenario.agents[0] == sc.agents[0]
    assert all(g.shifts[0].days == (6,) for g in r.scenario.agents[1:])


def test_max_iterations_stops_early():
    r = sim.staff_by_simulation(two_intervals(), replications=5, seed=1, max_iterations=1)
    assert r.iterations == 1 and not r.converged and len(r.history) == 1


def test_interval_argument_and_group_by_index():
    r = sim.staff_by_simulation(two_intervals(), replications=4, seed=1, interval=3600.0,
                                group=0, max_iterations=2)
    assert len(r.table) == 4 and r.interval == 3600.0
    assert [row.arrival_rate * 3600 for row in r.table] == pytest.approx([QUIET, QUIET, BUSY, BUSY])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"scenario": "not a scenario"}, ["scenario", "'not a scenario'"]),
        ({"target": 0.8}, ["target", "0.8"]),
        ({"target": (1.5, 20.0)}, ["target", "(1.5, 20.0)"]),
        ({"group": 3}, ["group", "3"]),
        ({"group": "nobody"}, ["group", "'nobody'"]),
        ({"interval": 0}, ["interval", "0"]),
        ({"interval": 2 * 86400.0}, ["interval", "172800.0"]),
        ({"replications": 0}, ["replications", "0"]),
        ({"replications": True}, ["replications", "True"]),
        ({"seed": -1}, ["seed", "-1"]),
        ({"seed": None}, ["seed", "None"]),
        ({"max_iterations": 0}, ["max_iterations", "0"]),
        ({"executor": "pool"}, ["executor", "'pool'"]),
    ],
)
def test_validation(kwargs, words):
    args = {"scenario": two_intervals(), **kwargs}
    with pytest.raises(ValidationError) as e:
        sim.staff_by_simulation(**args)
    msg = str(e.value)
    assert "staff_by_simulation" in msg
    for w in words:
        assert w in msg


def test_group_that_serves_nothing_and_too_long_horizon():
    sc = two_intervals()
    lost = sim.Scenario(queues=sc.queues, agents=[sim.AgentGroup(2, team="email", capacity={orr.EMAIL: 1})],
                        demand=sc.demand, horizon=sc.horizon, interval=WIDTH)
    with pytest.raises(ValidationError, match="group"):
        sim.staff_by_simulation(lost)
    long = sim.Scenario(queues=sc.queues, agents=sc.agents, demand=sc.demand, horizon=8 * 86400.0)
    with pytest.raises(ValidationError, match="horizon"):
        sim.staff_by_simulation(long)
