"""The model keys of issue 10 through the command line: a bad value in any of them exits 2
with one line per problem naming the key, the value and what is allowed, and writes nothing;
good ones simulate and print the campaign table."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniroute.cli import main

GOOD = """
name = "models"
horizon = "4h"
lines = 40
[[queues]]
name = "in"
lines = 30
needs = { svc = 1 }
[[queues]]
name = "out"
needs = { svc = 1 }
[[agents]]
team = "blend"
skills = { svc = 1 }
staffing = [8, 10]
staffing_interval = "2h"
handle_factor = { in = 0.9 }
[[demand]]
queue = "in"
arrivals = { per_hour = 80 }
handle = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "2m" }
retrial = { probability = 0.5, delay = { dist = "exponential", mean = "5m" }, patience = "same" }
[[outbound]]
name = "sales"
queue = "out"
mode = "predictive"
numbers = 500
pacing = 1.5
max_abandon = 0.03
handle = { dist = "exponential", mean = "3m" }
"""

BAD = [
    ('lines = 40', 'lines = 0', "lines: 0 must be an integer from 1 to 10,000,000"),
    ('lines = 30', 'lines = "many"', "queues[0].lines: 'many' must be an integer from 1 to 10,000,000"),
    ('staffing = [8, 10]', 'staffing = [8, -1]', "agents[0].staffing[1]: -1 must be an integer from 0 to 100,000"),
    ('handle_factor = { in = 0.9 }', 'handle_factor = { in = 0 }', "agents[0].handle_factor.in: 0 must be a number > 0"),
    ('patience = "same" }', 'patience = "again" }', "demand[0].retrial.patience: 'again' must be one of 'new', 'same'"),
    ('mode = "predictive"', 'mode = "robot"', "outbound[0].mode: 'robot' must be one of 'preview', 'progressive', 'predictive'"),
    ('queue = "out"\nmode', 'queue = "elsewhere"\nmode', "outbound[0].queue: 'elsewhere' is not a queue; known: in, out"),
    ('max_abandon = 0.03', 'max_abandon = 3', "outbound[0].max_abandon: 3 must be a probability between 0 and 1"),
]


def test_good_model_keys_simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "m.toml"
    f.write_text(GOOD)
    assert main(["simulate", str(f), "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "campaign sales" in out and "queue out" not in out


@pytest.mark.parametrize(("old", "new", "msg"), BAD)
def test_a_bad_model_key_exits_2_naming_it_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, msg: str) -> None:
    assert old in GOOD
    f = tmp_path / "m.toml"
    f.write_text(GOOD.replace(old, new, 1))
    report = tmp_path / "r.json"
    assert main(["simulate", str(f), "-n", "2", "--json", str(report)]) == 2
    err = capsys.readouterr().err
    assert msg in err, err
    assert not report.exists()


def test_simulate_forewarns_a_skill_nobody_has(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "m.toml"
    f.write_text(GOOD.replace('needs = { svc = 1 }\n[[queues]]\nname = "out"', 'needs = { svc = 1, french = 1 }\n'
                              '[[queues]]\nname = "out"', 1))
    assert main(["simulate", str(f), "-n", "2"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "skill 'french' is needed by" in err and "no agent has it" in err


def test_check_reads_the_arrival_clock_as_the_engine_does() -> None:
    # retail_bank's voice profile is not whole days: the engine repeats it from time 0 and
    # ignores start_day; check once shifted it by start_day and put the peak at the wrong hour
    import numpy as np

    from omniroute import sim
    from omniroute.cli.check import check_scenario

    sc = sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    row = next(r for r in check_scenario(sc).capacity if r.queue == "general")
    offered = np.array(sim.replicate(sc, 3, seed=1).intervals["queues"]["general"]["offered"])
    width = sc.interval
    # the simulated arrivals at check's peak are the highest, up to noise (07:00, where the old
    # clock put it, has about two thirds of them)
    assert offered[int(row.peak // width)] >= 0.9 * offered.max(), (row.peak, offered.tolist())


@pytest.mark.parametrize("command", ["demo", "simulate", "compare", "staff", "check", "scenarios",
                                     "calibrate", "replay"])
def test_every_command_has_examples_in_its_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "example" in out and f"omniroute {command}" in out
    if command in ("simulate", "compare", "check"):
        assert "SCENARIO" in out and "bundled" in out


def test_the_table_names_each_queues_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "retail_bank", "-n", "2", "-q"]) == 0
    out = capsys.readouterr().out
    assert "queue general (SL 20.0 s)" in out and "queue email (SL 4.0 h)" in out
    assert "overall (SL mixed: 20.0 s-4.0 h)" in out
