"""Fixes of the simulation-layer code review: shifts and breaks, deferrable patience,
loader follow-on errors, CLI tracebacks, overflow KPIs and needs, waits of unanswered."""

from __future__ import annotations

import math

import numpy as np
import pytest

import omniroute as orr
from omniroute import sim
from omniroute.cli import main
from omniroute.errors import ScenarioError, ValidationError
from omniroute.sim.engine import shift_events, simulate

H = 3600.0

BASE = """
horizon = "24h"
replications = 1
[[queues]]
name = "general"
needs = { general = 1 }
[[agents]]
count = 1
skills = { general = 1 }
"""

DEMAND = """
[[demand]]
queue = "general"
arrivals = { per_hour = 10 }
handle = { dist = "exponential", mean = "3m" }
"""


def problems(tmp_path, text: str) -> list[str]:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        sim.load_scenario(p)
    return ei.value.problems


def staffed_hours(shifts, horizon=24 * H) -> float:
    sc = sim.Scenario(
        queues=[orr.Queue("q")],
        agents=[sim.AgentGroup(1, team="t", shifts=shifts)],
        demand=[sim.Demand("q", sim.Arrivals(0.0), sim.Exponential(60.0))],
        horizon=horizon, drain=0.0,
    )
    out = simulate(sc, np.random.SeedSequence(1))
    return sum(e - s for s, e in out.staffed["t-0"]) / H


# ---------------------------------------------------------------- 1. shifts and breaks
def test_break_outside_its_shift_is_refused():
    with pytest.raises(ValidationError, match=r"Shift.breaks\[0\].*inside its shift 08:00-16:00"):
        sim.Shift(8 * H, 16 * H, breaks=[sim.Break(17 * H, 900.0)])
    with pytest.raises(ValidationError, match="inside its shift"):  # runs past the end
        sim.Shift(8 * H, 16 * H, breaks=[sim.Break(15.75 * H, 1800.0)])
    with pytest.raises(ValidationError, match="must not overlap"):
        sim.Shift(8 * H, 16 * H, breaks=[sim.Break(12 * H, 1800.0), sim.Break(12.25 * H, 600.0)])
    # a shift crossing midnight: a break at 02:00 is the next day, inside it
    sim.Shift(22 * H, 6 * H, breaks=[sim.Break(2 * H, 1800.0), sim.Break(23 * H, 600.0)])
    with pytest.raises(ValidationError, match=r"inside its shift 22:00-06:00 \(ending the next day\)"):
        sim.Shift(22 * H, 6 * H, breaks=[sim.Break(7 * H, 600.0)])


def test_loader_refuses_break_outside_shift(tmp_path):
    got = problems(tmp_path, BASE.replace("skills = { general = 1 }", """skills = { general = 1 }
shifts = [ { start = "08:00", end = "16:00", breaks = [ { start = "17:00", duration = "15m" } ] } ]
""") + DEMAND)
    assert len(got) == 1
    assert got[0].startswith("agents[0].shifts[0].breaks[0]: ")
    assert "'17:00'" in got[0] and "inside its shift 08:00-16:00" in got[0]


def test_break_logs_no_one_back_in_and_overlapping_shifts_merge():
    # a break ending with the shift: not logged back in afterwards
    assert staffed_hours([sim.Shift(8 * H, 16 * H, breaks=[sim.Break(15.5 * H, 1800.0)])]) == pytest.approx(7.5)
    # overlapping shifts of one group: logged in 08:00-20:00, not out at 16:00
    assert staffed_hours([sim.Shift(8 * H, 16 * H), sim.Shift(12 * H, 20 * H)]) == pytest.approx(12.0)
    # adjacent shifts merge too
    assert staffed_hours([sim.Shift(8 * H, 12 * H), sim.Shift(12 * H, 16 * H)]) == pytest.approx(8.0)
    # a crossing-midnight shift with a break after midnight, over two days: 00:00-06:00 of
    # day 0 (the shift of day -1), 22:00-06:00, and 22:00 to the horizon at 48:00
    assert staffed_hours([sim.Shift(22 * H, 6 * H, breaks=[sim.Break(2 * H, 1800.0)])],
                         horizon=2 * 24 * H) == pytest.approx(5.5 + 7.5 + 2.0)
    ev = shift_events((sim.Shift(8 * H, 16 * H, breaks=[sim.Break(12 * H, 1800.0)]),
                       sim.Shift(10 * H, 20 * H)), 0, 24 * H)
    # the second shift covers the first one's break: available throughout
    assert ev[:2] == [(8 * H, "on"), (20 * H, "off")]


# ---------------------------------------------------------------- 2. deferrable patience
def test_patience_refused_on_a_deferrable_channel_from_the_queue(tmp_path):
    got = problems(tmp_path, BASE.replace('name = "general"', 'name = "general"\nchannel = "email"')
                   + DEMAND + 'patience = { dist = "exponential", mean = "2m" }\n')
    assert len(got) == 1
    assert got[0].startswith("demand[0].patience: channel 'email' (the channel of queue 'general') is deferrable")
    assert "deadline instead" in got[0]

    queues = [sim.QueueSpec(orr.Queue("mail"), channel="email")]
    with pytest.raises(ValidationError, match=r"demand\[0\].patience must not be set: channel 'email'"):
        sim.Scenario(queues=queues, agents=[sim.AgentGroup(1, capacity={orr.EMAIL: 1})],
                     demand=[sim.Demand("mail", sim.Arrivals(1.0), sim.Exponential(60.0),
                                        patience=sim.Exponential(60.0))])
    with pytest.raises(ValidationError, match="Demand.patience must not be set: channel 'email'"):
        sim.Demand("mail", sim.Arrivals(1.0), sim.Exponential(60.0), patience=sim.Exponential(60.0),
                   channel="email")
    with pytest.raises(ValidationError, match=r"records\[1\].patience"):
        sim.Scenario(queues=queues, agents=[sim.AgentGroup(1, capacity={orr.EMAIL: 1})],
                     demand=[sim.Trace([sim.TraceRecord(0.0, "mail", 60.0),
                                        sim.TraceRecord(5.0, "mail", 60.0, patience=30.0)])])


# ---------------------------------------------------------------- 3. follow-on errors
def test_a_bad_queue_gives_one_problem_not_false_references(tmp_path):
    got = problems(tmp_path, BASE.replace("needs = { general = 1 }", "needs = { general = 11 }") + DEMAND)
    assert got == ["queues[0].needs.general: 11 must be a skill level 1-10"]
    got = problems(tmp_path, BASE.replace('needs = { general = 1 }',
                                          'needs = { general = 1 }\noverflow = { after = "1m", to = "general" }')
                   + DEMAND)
    assert len(got) == 1 and "overflow.to must name another queue" in got[0]
    assert not any("is not a queue" in p for p in got)


# ---------------------------------------------------------------- 4. no tracebacks
def check_fails(tmp_path, capsys, text: str, name: str = "s.toml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(p)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "no problems found" not in out
    return err


def test_breaks_not_a_list(tmp_path, capsys):
    text = BASE.replace("skills = { general = 1 }", 'skills = { general = 1 }\nshifts = [ { start = "08:00", '
                        'end = "16:00", breaks = 5 } ]') + DEMAND
    got = problems(tmp_path, text)
    assert got == ["agents[0].shifts[0].breaks: 5 must be a list of breaks [ { start = '12:00', duration = '30m' } ]"]
    err = check_fails(tmp_path, capsys, text)
    assert "agents[0].shifts[0].breaks: 5 must be a list" in err


def test_non_utf8_trace_and_scenario(tmp_path, capsys):
    (tmp_path / "calls.csv").write_bytes(b"arrival,queue,handle\n10,g\xe9n\xe9ral,60\n")
    err = check_fails(tmp_path, capsys, BASE + '[[demand]]\ntrace = "calls.csv"\n')
    assert "demand[0].trace: 'calls.csv'" in err and "calls.csv" in err and "not UTF-8" in err
    (tmp_path / "latin.toml").write_bytes((BASE + DEMAND).replace("horizon", "# \xe9\nhorizon").encode("latin-1"))
    capsys.readouterr()
    assert main(["check", str(tmp_path / "latin.toml")]) == 2
    err = capsys.readouterr().err
    assert "latin.toml" in err and "not UTF-8" in err and "Traceback" not in err


@pytest.mark.parametrize("row, field", [
    ("10,general,-5,", "handle"), ("-1,general,60,", "arrival"), ("nan,general,60,", "arrival"),
    ("10,general,inf,", "handle"), ("10,general,60,-3", "patience"), ("10,general,60,nan", "patience"),
])
def test_bad_trace_values(tmp_path, capsys, row, field):
    (tmp_path / "calls.csv").write_text(f"arrival,queue,handle,patience\n{row}\n", encoding="utf-8")
    text = BASE + '[[demand]]\ntrace = "calls.csv"\n'
    got = problems(tmp_path, text)
    assert len(got) == 1 and got[0].startswith(f"demand[0].trace:2.{field}: ")
    assert "must be a finite number of seconds >= 0" in got[0]
    err = check_fails(tmp_path, capsys, text)
    assert f"demand[0].trace:2.{field}" in err


def test_trace_record_validates_values():
    for kw in ({"arrival": -1.0}, {"arrival": math.nan}, {"arrival": math.inf}, {"handle": -5.0},
               {"handle": math.nan}, {"handle": math.inf}, {"patience": -1.0}, {"patience": math.nan}):
        args = {"arrival": 0.0, "queue": "q", "handle": 60.0, **kw}
        field = next(iter(kw))
        with pytest.raises(ValidationError, match=f"TraceRecord.{field}"):
            sim.TraceRecord(**args)
    assert sim.TraceRecord(0.0, "q", 0.0, patience=math.inf).patience == math.inf


# ---------------------------------------------------------------- 5. overflow KPIs and needs
OVERFLOW = """
horizon = "1h"
replications = 1
[[queues]]
name = "french"
needs = {{ french = 1 }}
overflow = {{ after = "10s", to = "general" }}
[[queues]]
name = "general"
{general_needs}
[[agents]]
team = "plain"
count = 1
skills = {{ general = 1 }}
[[demand]]
records = [ {{ arrival = 0, queue = "french", handle = 60 }} ]
"""


def test_overflow_takes_the_target_queues_needs(tmp_path):
    p = tmp_path / "o.toml"
    p.write_text(OVERFLOW.format(general_needs="needs = { general = 1 }"), encoding="utf-8")
    sc = sim.load_scenario(p)
    assert dict(sc.queue("french").queue.overflow.needs) == {"general": 1}
    r = sim.run(sc, seed=1)
    fr = r.kpis["queues"]["french"]
    # counted in the queue of entry, answered by a non-French agent after overflowing
    assert fr["offered"] == fr["answered"] == 1 and fr["overflowed"] == 1
    assert fr["asa"] == pytest.approx(10.0)
    assert r.kpis["queues"]["general"]["offered"] == 0
    assert r.kpis["agents"]["plain-0"]["answered"] == 1
    assert r.kpis["overall"]["overflowed"] == 1

    # a target queue declaring no needs: the contact keeps its own (French) needs
    p.write_text(OVERFLOW.format(general_needs=""), encoding="utf-8")
    sc = sim.load_scenario(p)
    assert sc.queue("french").queue.overflow.needs is None
    r = sim.run(sc, seed=1)
    fr = r.kpis["queues"]["french"]
    assert fr["answered"] == 0 and fr["unanswered"] == 1 and fr["overflowed"] == 0


# ---------------------------------------------------------------- 6. waits of unanswered
def test_mean_wait_and_p_wait_count_unanswered_contacts():
    sc = sim.Scenario(
        queues=[orr.Queue("a"), sim.QueueSpec(orr.Queue("b"), needs={"rare": 1})],
        agents=[sim.AgentGroup(1, team="t")],
        demand=[sim.Trace([sim.TraceRecord(0.0, "a", 60.0), sim.TraceRecord(600.0, "b", 60.0)])],
        horizon=H,
    )
    r = sim.run(sc, seed=1)
    o = r.kpis["overall"]
    assert o["offered"] == 2 and o["answered"] == 1 and o["unanswered"] == 1
    # the unanswered contact waited from 600 s to the run's end (the horizon: nothing left to do)
    assert o["mean_wait"] == pytest.approx((0.0 + (H - 600.0)) / 2)
    assert o["p_wait"] == pytest.approx(0.5)
    assert o["asa"] == pytest.approx(0.0)
    assert r.kpis["queues"]["b"]["mean_wait"] == pytest.approx(H - 600.0)
    assert r.kpis["queues"]["b"]["p_wait"] == pytest.approx(1.0)
