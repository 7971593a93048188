"""Issue 8 "Trust": every scenario file ends in one clear error (path, value, what is allowed)
or runs; values that would exhaust the machine are refused with the limit (``sim.limits``)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import omniroute as orr
from omniroute import sim
from omniroute.sim import limits
from omniroute.sim.engine import arrival_times

BASE = """\
name = "Trust"
horizon = "2h"
warmup = "10m"
start_day = "tue"
[[queues]]
name = "general"
channel = "voice"
needs = { general = 1 }
steps = [ { after = "30s", max_tier = 2 } ]
segment_steps = { premium = [ { after = "0s", min_tier = 2 }, { after = "45s", min_tier = 1 } ] }
[[agents]]
team = "front"
count = 10
skills = { general = 3 }
shifts = [ { start = "00:00", end = "10:00", days = ["tue"] } ]
[[demand]]
queue = "general"
arrivals = { per_hour = 60 }
handle = { dist = "gamma", mean = "3m", cv = 0.8 }
patience = { dist = "exponential", mean = "3m" }
"""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Turn a hang into a failure."""
    def hang(_sig: int, _frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def problems(tmp_path: Path, text: str) -> list[str]:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(orr.ScenarioError) as info:
        sim.load_scenario(p)
    return info.value.problems


def mutate(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def test_the_base_scenario_loads(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(BASE, encoding="utf-8")
    sc = sim.load_scenario(p)
    assert sc.start_day == 1 and sc.agents[0].shifts[0].days == (1,)


@pytest.mark.parametrize("old, new, expected", [
    # a table where a string is expected: was "TypeError: unhashable type"
    ('channel = "voice"', "channel = { x = 1 }", "queues[0].channel: {'x': 1} is not a channel; allowed: voice"),
    ('channel = "voice"', "channel = [1, 2]", "queues[0].channel: [1, 2] is not a channel"),
    ('dist = "gamma"', "dist = { x = 1 }", "demand[0].handle.dist: {'x': 1} is not a distribution; allowed:"),
    ('dist = "exponential"', "dist = []", "demand[0].patience.dist: [] is not a distribution"),
    # sizes that allocated petabytes or never ended
    ("per_hour = 60", "per_hour = 1e15", "demand[0].arrivals.per_hour: 1000000000000000.0 must be a number "
     ">= 0 and <= 1,000,000"),
    ("per_hour = 60", "per_hour = [60, 1e15]", "demand[0].arrivals.per_hour[1]: 1000000000000000.0 must be a "
     "rate from 0 to 1,000,000"),
    ('horizon = "2h"', 'horizon = "100000d"', "horizon: '100000d' is longer than the longest duration "
     "allowed, 366 days (31,622,400 s)"),
    ('horizon = "2h"', 'horizon = "2h"\ndrain = 1e15', "drain: 1000000000000000.0 is longer than the longest"),
    ("count = 10", "count = 1000000000000000", "agents[0].count: 1000000000000000 must be an integer from 0 "
     "to 100,000"),
    ("cv = 0.8", "cv = 1e300", "demand[0].handle.cv: 1e+300 must be a number > 0 and <= 10"),
    ('horizon = "2h"', 'horizon = "2h"\nbusyness = { cv = 1e300 }', "busyness.cv: 1e+300 must be a number > 0 "
     "and <= 2"),
    ('horizon = "2h"', 'horizon = "2h"\nreplications = 1000000000000000', "replications: 1000000000000000 must "
     "be an integer from 1 to 10,000"),
    ('patience = { dist = "exponential", mean = "3m" }',
     'patience = { dist = "exponential", mean = "3m" }\nretrial = { probability = 1, delay = '
     '{ dist = "exponential", mean = "1m" }, max_attempts = 1000000000000000 }',
     "demand[0].retrial.max_attempts: 1000000000000000 must be an integer from 1 to 100"),
    ('horizon = "2h"', 'horizon = "2h"\ninterval = "0.1s"', "interval: 0.1 s over a horizon of 7,200 s makes "
     "72,000 report intervals; at most 40,000"),
    ('horizon = "2h"', 'horizon = "2h"\ninterval = 0', "interval: 0 must be a duration > 0"),
    ("per_hour = 60", "per_hour = [60], interval = 0.001", "demand[0].arrivals.interval: 0.001 s over a "
     "horizon of 7,200 s makes 7,200,000 pieces of the profile"),
    # errors that lacked their path
    ("needs = { general = 1 }", 'needs = { general = 1, "" = 2 }', "queues[0].needs.\"\": '' is not a skill name"),
    ("segment_steps = { premium = [ { after = \"0s\", min_tier = 2 }, { after = \"45s\", min_tier = 1 } ] }",
     "segment_steps = { premium = [ { after = \"45s\", min_tier = 2 }, { after = \"0s\", min_tier = 1 } ] }",
     "queues[0].segment_steps.premium[1].after: '0s' is earlier than the step before it (45 s)"),
    ('start_day = "tue"', 'start_day = "wedge"', "start_day: 'wedge' is not a day (use 'mon' ... 'sun'"),
    ('days = ["tue"]', 'days = ["tue", "thursdayish"]', "agents[0].shifts[0].days[1]: 'thursdayish' is not a day"),
])
def test_each_bad_value_names_its_path_value_and_limit(tmp_path, old, new, expected):
    got = problems(tmp_path, mutate(old, new))
    assert any(p.startswith(expected) for p in got), got


def test_expected_arrivals_of_all_demand_together_are_limited(tmp_path):
    one = mutate('horizon = "2h"', 'horizon = "6h"').replace("per_hour = 60", "per_hour = 500000")
    p = tmp_path / "s.toml"
    p.write_text(one, encoding="utf-8")
    assert sim.load_scenario(p).horizon == 6 * 3600  # 3,000,000 arrivals: allowed
    two = one + one[one.index("[[demand]]"):].replace("per_hour = 500000", "per_hour = 400000")
    assert problems(tmp_path, two) == [
        "demand[0].arrivals.per_hour: about 3,000,000 arrivals per replication over the horizon of "
        "21,600 s (5,400,000 with all demand); at most 5,000,000 are allowed (lower the rates or "
        "shorten the horizon)"]


def test_full_day_names_are_days(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(mutate('start_day = "tue"', 'start_day = "Wednesday"'), encoding="utf-8")
    assert sim.load_scenario(p).start_day == 2


def test_a_named_pipe_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    with deadline(10), pytest.raises(orr.ScenarioError, match="is a named pipe, not a scenario file"):
        sim.load_scenario(fifo)


def test_a_device_and_a_directory_are_refused(tmp_path):
    with deadline(10), pytest.raises(orr.ScenarioError, match="is a device"):
        sim.load_scenario("/dev/zero")
    with pytest.raises(orr.ScenarioError, match="is a directory"):
        sim.load_scenario(tmp_path)


def test_a_byte_order_mark_is_accepted_and_a_truncated_file_names_its_line(tmp_path):
    p = tmp_path / "s.toml"
    p.write_bytes(BASE.encode("utf-8-sig"))
    assert sim.load_scenario(p).name == "Trust"
    p.write_text(BASE + 'name2 = "unterminated\n', encoding="utf-8")
    with pytest.raises(orr.ScenarioError, match=r"not valid TOML: .*\(at line \d+"):
        sim.load_scenario(p)
    p.write_text(BASE + "x = [", encoding="utf-8")
    last = BASE.count("\n") + 1
    with pytest.raises(orr.ScenarioError, match=rf"\(at line {last}, the end of the file\)"):
        sim.load_scenario(p)


def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(orr.ScenarioError, match="nested too deeply"):
        sim.load_scenario(p)


@pytest.mark.parametrize("seed", [-1, 1.5, True, None, "1"])
def test_run_and_replicate_refuse_a_bad_seed(mmn, seed):
    sc = mmn(2, 10, 60.0, horizon=600.0, warmup=0.0)
    with pytest.raises(orr.ValidationError, match="seed must be an integer >= 0"):
        sim.run(sc, seed=seed)
    with pytest.raises(orr.ValidationError, match="seed must be an integer >= 0"):
        sim.replicate(sc, 2, seed=seed)


def test_a_numpy_integer_seed_still_runs(mmn):
    sc = mmn(2, 10, 60.0, horizon=600.0, warmup=0.0)
    assert sim.run(sc, np.int64(3)).kpis == sim.run(sc, 3).kpis


def test_value_objects_refuse_values_beyond_the_limits():
    with pytest.raises(orr.ValidationError, match="Arrivals.per_hour must be a rate from 0 to 1,000,000"):
        sim.Arrivals(1e15)
    with pytest.raises(orr.ValidationError, match="Gamma.cv must be a finite number > 0 and <= 10"):
        sim.Gamma(60.0, cv=1e300)
    with pytest.raises(orr.ValidationError, match="Lognormal.cv"):
        sim.Lognormal(60.0, cv=1e300)
    with pytest.raises(orr.ValidationError, match="Exponential.mean"):
        sim.Exponential(1e300)
    with pytest.raises(orr.ValidationError, match="Busyness.cv must be a number > 0 and <= 2"):
        sim.Busyness(1e300)
    with pytest.raises(orr.ValidationError, match="AgentGroup.count must be at most 100,000"):
        sim.AgentGroup(10**15)
    with pytest.raises(orr.ValidationError, match="Retrial.max_attempts must be at most 100"):
        sim.Retrial(0.5, sim.Exponential(60.0), 10**15)
    q = [orr.Queue("q")]
    d = [sim.Demand("q", sim.Arrivals(10), sim.Exponential(60.0))]
    with pytest.raises(orr.ValidationError, match="horizon must be at most 31,622,400 s"):
        sim.Scenario(q, [sim.AgentGroup(1)], d, horizon=1e15)
    with pytest.raises(orr.ValidationError, match="the groups hold 150,000 agents together"):
        sim.Scenario(q, [sim.AgentGroup(100_000), sim.AgentGroup(50_000)], d)


def test_arrival_draws_beyond_the_hard_limit_stop_before_allocating():
    rng = np.random.default_rng(1)
    # within the per-value limits, but a busyness factor of 1000 on a year's days
    days = int(limits.MAX_DURATION // 86400) + 1
    with pytest.raises(orr.ValidationError, match="more than the 20,000,000 one replication may hold"):
        arrival_times(sim.Arrivals(1e6), limits.MAX_DURATION, rng, day_factors=np.full(days, 1000.0))


def test_limits_leave_the_bundled_scenario_and_its_results_alone():
    sc = sim.load_scenario("retail_bank")
    assert sc.horizon <= limits.MAX_DURATION and sum(g.count for g in sc.agents) <= limits.MAX_AGENTS
    assert sim.run(sc, 7).kpis == sim.run(sc, 7).kpis
