"""Time on a clock (issue 12): the scenario's ``start`` puts simulation time 0 on the wall
clock; shifts, breaks, whole-day profiles and busyness days are read on it, by the engine and
by ``check`` alike; what a user reads is written with weekday and time of day."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import numpy as np
import pytest
from conftest import one_queue_toml

import omniroute as orr
from omniroute import sim
from omniroute.sim.clock import Clock
from omniroute.sim.engine import arrival_times, shift_events
from omniroute.sim.loader import tomllib
from omniroute.sim.presence import duty_changes, logged_spans, on_duty

ROOT = Path(__file__).resolve().parents[2]
H = 3600.0
DAY = 24 * H


def load(text: str) -> sim.Scenario:
    return sim.parse_scenario(tomllib.loads(text))


def problems(text: str) -> list[str]:
    with pytest.raises(orr.ScenarioError) as info:
        load(text)
    return info.value.problems


def test_start_puts_time_zero_on_the_wall_clock() -> None:
    sc = load(one_queue_toml(top='start_day = "wed"\nstart = "08:30"'))
    assert sc.start == 8.5 * H and sc.clock == Clock(2, 8.5 * H)
    assert sc.clock.label(0.0) == "Wed 08:30"
    assert load(one_queue_toml()).clock == Clock(0, 0.0)  # default: Monday 00:00


@pytest.mark.parametrize("value,msg", [
    ('"25:00"', "start: '25:00' is not a clock time (use 'HH:MM', e.g. '08:00')"),
    ('"24:00"', "start: '24:00' is not a time of day (use 'HH:MM' from '00:00' to '23:59'; "
                "'24:00' is the next day's '00:00')"),
    ("8", "start: 8 is not a clock time (use 'HH:MM', e.g. '08:00')"),
])
def test_a_bad_start_is_refused_with_its_path_and_value(value: str, msg: str) -> None:
    assert problems(one_queue_toml(top=f"start = {value}")) == [msg]


def test_a_scenario_built_in_code_checks_start() -> None:
    sc = load(one_queue_toml())
    with pytest.raises(orr.ValidationError, match=r"start must be a clock time in \[0, 86400\).*86400"):
        attrs.evolve(sc, start=DAY)
    with pytest.raises(orr.ValidationError, match="Scenario.start must be a finite number >= 0"):
        attrs.evolve(sc, start=-1.0)


def test_shifts_are_on_the_wall_clock() -> None:
    shifts = (sim.Shift(9 * H, 17 * H, breaks=[sim.Break(12 * H, 1800.0)]),)
    # a simulation starting at 08:00: the 09:00 shift starts an hour in
    assert shift_events(shifts, 0, 30 * H, 8 * H)[:4] == [
        (1 * H, "on"), (4 * H, "away"), (4.5 * H, "on"), (9 * H, "off")]
    # days are weekdays of the wall clock: Friday 20:00 + 16 h is Saturday noon, no shift
    fri = (sim.Shift(9 * H, 17 * H, days=(4,)),)
    assert shift_events(fri, 4, 2 * DAY, 20 * H) == []
    # a night shift begun the day before the start is on at time 0
    night = (sim.Shift(22 * H, 6 * H),)
    assert shift_events(night, 0, 12 * H, 2 * H)[:2] == [(0.0, "on"), (4 * H, "off")]


def _docs_toml(heading: str, contains: str) -> str:
    text = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    section = text[text.index(heading):]
    return next(b for b in re.findall(r"```toml\n(.*?)```", section, re.S) if contains in b)


def test_the_docs_example_staffs_frontline_for_the_whole_day() -> None:
    # docs/scenario-format.md's top level (horizon 10 h) and agent group (shifts 08:00-16:00),
    # pasted as written, with a queue and a demand stream
    text = (_docs_toml("## Top level", "horizon") + _docs_toml("## `[[agents]]`", "shifts")
            + '[[queues]]\nname = "general"\nneeds = { general = 1 }\n'
            + '[[demand]]\nqueue = "general"\narrivals = { per_hour = 60 }\n'
            + 'handle = { dist = "exponential", mean = "3m" }\n')
    sc = load(text)
    assert sc.horizon == 10 * H and sc.clock.label(0.0) == "Tue 08:00"
    frontline = sc.agents[0]
    assert logged_spans(frontline, sc.clock, sc.horizon) == [(0.0, 8 * H)]
    res = sim.check_scenario(sc)
    assert res.shifts[0].when == "Tue 08:00-16:00"
    # nobody is left at the start any more: only the break and the two hours after the shift
    assert [f.message for f in res.findings if "no agent on shift" in f.message] == [
        "queue 'general': realtime contacts arrive but no agent on shift can serve them at "
        "Tue 12:00-12:30, Tue 16:00-18:00"]
    # the simulation has them on from time 0: after the 30-minute warm-up, 40 agents x 7 h
    # (8 h less the warm-up and the break; without start, 08:00-10:00 would leave 1.5 h)
    rep = sim.run(sc, seed=1)
    assert rep.kpis["teams"]["frontline"]["staffed_hours"] == pytest.approx(40 * 7.0, rel=0.01)


def test_shifts_pasted_without_start_get_a_hint() -> None:
    text = one_queue_toml(horizon="10h", agents='count = 4\nshifts = [ { start = "08:00", end = "16:00" } ]')
    res = sim.check_scenario(load(text))
    (f,) = [f for f in res.problems if "no agent on shift" in f.message]
    assert "at Mon 00:00-08:00 (the simulation starts at Mon 00:00" in f.message
    assert 'start = "08:00"' in f.message
    assert res.shifts[0].when == "Mon 08:00-10:00"


def test_a_week_of_shifts_is_listed_with_its_weekdays() -> None:
    text = one_queue_toml(top='start = "06:00"', horizon="7d", agents=(
        'count = 4\ncapacity = { email = 1 }\nshifts = [ { start = "08:00", end = "16:00", days = ["mon", "tue", "wed", "thu", "fri"] },\n'
        '           { start = "09:00", end = "13:00", days = ["sat"] } ]'),
        queue='channel = "email"')
    res = sim.check_scenario(load(text))
    assert res.shifts[0].when == "Mon-Fri 08:00-16:00, Sat 09:00-13:00"
    (f,) = [f for f in res.findings if f.kind == "no-agents"]  # deferrable: a warning
    assert f.severity == "warning"
    assert f.message.startswith("queue 'q': contacts arrive but no agent on shift can serve them at "
                                "Mon 06:00-08:00, Mon 16:00-Tue 08:00, Tue 16:00-Wed 08:00, Wed 16:00-Thu 08:00 ...")


def test_check_counts_the_agents_the_engine_logs_in() -> None:
    # a crossing-midnight shift with a break, days, a start in the evening: check's count of
    # agents on duty at each minute is the engine's own schedule
    g = sim.AgentGroup(3, shifts=[sim.Shift(22 * H, 6 * H, days=(0, 2), breaks=[sim.Break(2 * H, 1800.0)]),
                                  sim.Shift(10 * H, 14 * H)])
    clock = Clock(6, 20 * H)  # Sunday 20:00
    changes = duty_changes(g, clock, 4 * DAY)
    events = shift_events(g.shifts, 6, 4 * DAY, 20 * H)
    for t in np.arange(0.0, 4 * DAY, 60.0):
        last = [kind for when, kind in events if when <= t]
        assert on_duty(changes, t) == (3 if last and last[-1] == "on" else 0)


def test_a_whole_day_profile_is_on_the_wall_clock() -> None:
    rates = [0.0] * 24
    rates[9] = 600.0  # 09:00-10:00 only
    text = one_queue_toml(top='start = "08:00"', horizon="4h")
    sc = load(text.replace("arrivals = { per_hour = 10 }",
                           f'arrivals = {{ per_hour = {rates}, interval = "1h" }}'))
    t = arrival_times(sc.demand[0].arrivals, sc.horizon, np.random.default_rng(1), offset=sc.clock.origin)
    assert len(t) > 400 and t.min() >= H and t.max() < 2 * H
    (row,) = sim.check_scenario(sc).capacity
    assert row.peak == H and row.when == "Mon 09:00"
    # a shorter cycle repeats from the start, whatever the clock
    assert sim.Arrivals([60.0, 0.0], 1800.0).rate_on(0.0, sc.clock.origin) == 60.0 / 3600


def test_whole_day_staffing_is_on_the_wall_clock() -> None:
    staffing = [0] * 24
    staffing[9] = 2
    g = sim.AgentGroup(staffing=staffing, staffing_interval=H)
    assert duty_changes(g, Clock(0, 8 * H), DAY) == [(0.0, 0), (H, 2), (2 * H, 0)]
    # a shorter cycle repeats from the start
    g2 = sim.AgentGroup(staffing=[1, 2], staffing_interval=H)
    assert duty_changes(g2, Clock(0, 8 * H), 3 * H) == [(0.0, 1), (H, 2), (2 * H, 1)]


def test_busyness_days_end_at_the_wall_clocks_midnight() -> None:
    arr = sim.Arrivals(3600.0)
    # 20:00 start: day 0 (factor 0) ends at 4 h, day 1 (factor 1) follows
    t = arrival_times(arr, 8 * H, np.random.default_rng(2), np.array([0.0, 1.0]), offset=20 * H)
    assert len(t) > 3000 and t.min() >= 4 * H


def test_the_bundled_scenario_on_the_clock_is_the_old_one() -> None:
    # retail_bank once wrote its 08:00-18:00 day as simulated 00:00-10:00; on the clock
    # (start = "08:00", shifts at their real hours) it is the same simulation, bit for bit
    sc = sim.load_scenario("retail_bank")
    assert sc.clock.label(0.0) == "Tue 08:00" and sc.clock.span(0.0, sc.horizon) == "Tue 08:00-18:00"

    def back(s: sim.Shift) -> sim.Shift:
        return sim.Shift(s.start - 8 * H, s.end - 8 * H, s.days,
                         tuple(sim.Break(b.start - 8 * H, b.duration) for b in s.breaks))

    old = attrs.evolve(sc, start=0.0, agents=tuple(
        attrs.evolve(g, shifts=tuple(back(s) for s in g.shifts)) for g in sc.agents))
    assert old.agents[0].shifts[0].start == 0.0
    a, b = sim.run(sc, seed=5), sim.run(old, seed=5)
    assert a.kpis == b.kpis
    assert {k: v for k, v in a.intervals.items() if k != "clock"} == \
        {k: v for k, v in b.intervals.items() if k != "clock"}


def test_interval_series_carry_their_clock() -> None:
    sc = sim.load_scenario("retail_bank")
    rep = sim.run(sc, seed=2)
    iv = rep.intervals["clock"]
    assert iv["start_day"] == "tue" and iv["start"] == "08:00"
    assert iv["labels"][:3] == ["Tue 08:00", "Tue 08:30", "Tue 09:00"] and len(iv["labels"]) == 20
    summary = sim.replicate(sc, 2, seed=2)
    assert summary.intervals["clock"] == iv
    assert summary.to_dict(intervals=True)["intervals"]["clock"] == iv


def test_staffing_by_simulation_plans_shifts_on_the_clock() -> None:
    sc = sim.Scenario(
        queues=[orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0))],
        agents=[sim.AgentGroup(1, team="pool")],
        # five half-hours: not a whole day, so the profile runs from the start (whatever
        # start_day and start), as the engine draws it
        demand=[sim.Demand("q", sim.Arrivals((60.0, 120.0, 30.0, 30.0, 30.0), 1800.0), sim.Exponential(180.0))],
        horizon=2 * H, interval=1800.0, start_day=6, start=22 * H, name="late")
    r = sim.staff_by_simulation(sc, replications=2, seed=1, max_iterations=2)
    assert [row.when for row in r.table] == ["Sun 22:00-22:30", "Sun 22:30-23:00", "Sun 23:00-23:30",
                                             "Sun 23:30-24:00"]
    assert [row.arrival_rate * 3600 for row in r.table] == pytest.approx([60.0, 120.0, 30.0, 30.0])
    assert r.table[0].to_dict()["when"] == "Sun 22:00-22:30"
    # the plan's shifts are on the wall clock: 22:00 on Sunday, the last one past midnight
    shifts = [g.shifts[0] for g in r.scenario.agents if g.shifts]
    assert (shifts[0].start, shifts[0].end, shifts[0].days) == (22 * H, 22.5 * H, (6,))
    assert (shifts[-1].start, shifts[-1].end, shifts[-1].days) == (23.5 * H, 0.5 * H, (6,))
