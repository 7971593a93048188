"""The ``omniroute`` command: in-process through ``main([...])`` and as ``python -m omniroute``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap

import pytest

from omniroute.cli import main
from omniroute.cli.check import check_scenario
from omniroute.sim import load_scenario

BROKEN = """\
name = "Broken"
horizon = "8x"
[[queues]]
name = "general"
channel = "fax"
[[agents]]
count = -1
[[demand]]
queue = "general"
arrivals = { per_hour = 10 }
handle = { dist = "exponential", mean = "3OOs" }
"""

FLAWED = """\
name = "Flawed"
horizon = "8h"
[[queues]]
name = "general"
needs = { general = 1, french = 2 }
steps = [ { after = "30s", max_tier = 2 }, { after = "20m", drop = ["french"] } ]
overflow = { after = "10m", to = "backup" }
[[queues]]
name = "backup"
overflow = { after = "5m", to = "general" }
[[queues]]
name = "video"
channel = "video"
[[queues]]
name = "orphan"
[[agents]]
team = "a"
count = 5
skills = { general = 3 }
[[demand]]
queue = "general"
arrivals = { per_hour = 30 }
handle = { dist = "exponential", mean = "5m" }
[[demand]]
queue = "video"
arrivals = { per_hour = 5 }
handle = { dist = "exponential", mean = "5m" }
"""

OVERLOADED = """\
name = "Overloaded"
horizon = "4h"
[[queues]]
name = "general"
[[agents]]
team = "day"
count = 5
shifts = [ { start = "00:00", end = "02:00" } ]
[[demand]]
queue = "general"
arrivals = { per_hour = 120 }
handle = { dist = "exponential", mean = "5m" }
"""

SMALL = """\
name = "Small"
horizon = "3h"
warmup = "30m"
replications = 3
[[queues]]
name = "general"
sla = { target = 0.8, within = "20s" }
[[queues]]
name = "chat"
channel = "chat"
[[agents]]
team = "front"
count = 12
skills = { general = 2 }
capacity = { voice = 1, chat = 2 }
[[agents]]
team = "senior"
count = 3
tier = 2
skills = { general = 4 }
[[demand]]
queue = "general"
arrivals = { per_hour = 150 }
handle = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "3m" }
[[demand]]
queue = "chat"
arrivals = { per_hour = 30 }
handle = { dist = "exponential", mean = "6m" }
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_demo_prints_kpi_table(capsys):
    assert main(["demo", "-n", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    for label in ("Retail bank", "overall", "service level", "ASA", "abandoned %", "occupancy",
                  "queue general", "channel voice", "segment premium", "tier 1", "±"):
        assert label in out


def test_simulate_writes_json_csv_and_plot(tmp_path, capsys):
    sc = write(tmp_path, "small.toml", SMALL)
    js, cs, png = tmp_path / "out.json", tmp_path / "out.csv", tmp_path / "out.png"
    rc = main(["simulate", str(sc), "-n", "2", "--seed", "3", "--json", str(js), "--csv", str(cs),
               "--plot", str(png), "--agent-policy", "best-fit", "--all"])
    assert rc == 0
    captured = capsys.readouterr()
    assert "team senior" in captured.out
    assert "wrote" in captured.err
    data = json.loads(js.read_text())
    assert data["scenario"] == "Small" and data["replications"] == 2 and data["seed"] == 3
    assert set(data["kpis"]) >= {"overall", "queues", "channels", "tiers", "teams"}
    assert set(data["kpis"]["overall"]["service_level"]) == {"mean", "low", "high"}
    rows = list(csv.DictReader(cs.open()))
    assert rows[0].keys() == {"group", "key", "kpi", "mean", "low", "high", "n"}
    assert any(r["group"] == "queues" and r["key"] == "chat" and r["kpi"] == "service_level" for r in rows)
    iv = list(csv.DictReader((tmp_path / "out-intervals.csv").open()))
    assert {r["kpi"] for r in iv} >= {"offered", "service_level"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_json_to_stdout_is_deterministic(tmp_path, capsys):
    sc = write(tmp_path, "small.toml", SMALL)
    assert main(["simulate", str(sc), "-n", "2", "--json", "-", "-q"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["simulate", str(sc), "-n", "2", "--json", "-", "-q"]) == 0
    assert json.loads(capsys.readouterr().out) == first


def test_bad_scenario_lists_every_problem_and_exits_2(tmp_path, capsys):
    sc = write(tmp_path, "broken.toml", BROKEN)
    for cmd in (["simulate", str(sc)], ["check", str(sc)], ["compare", str(sc), "--agent-policy",
                                                               "random", "--agent-policy", "best-fit"]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert err.startswith("omniroute: error: ")
        assert "horizon: '8x' is not a duration" in err
        assert "queues[0].channel: 'fax' is not a channel; allowed:" in err
        assert "demand[0].handle.mean: '3OOs' is not a duration" in err
        assert "Traceback" not in err


def test_missing_file_and_bad_policy_exit_2(capsys):
    assert main(["simulate", "no/such/file.toml"]) == 2
    assert "cannot read scenario file" in capsys.readouterr().err
    assert main(["simulate", "retail_bank", "--agent-policy", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown agent policy 'nope'" in err and "longest-idle" in err


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["staff", "--rate", "abc", "--handle", "3m"]) == 2
    assert "is not a rate" in capsys.readouterr().err
    assert main(["compare", "retail_bank"]) == 2
    assert "at least two variants" in capsys.readouterr().err
    assert main(["--version"]) == 0


def test_compare_marks_better_and_tests_significance(tmp_path, capsys):
    sc = write(tmp_path, "small.toml", SMALL)
    rc = main(["compare", str(sc), "--contact-policy", "priority-fifo", "--contact-policy", "fifo",
               "--agent-policy", "longest-idle", "-n", "3", "-q"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "longest-idle / priority-fifo" in out and "longest-idle / fifo" in out
    assert "paired t" in out and "[" in out
    js = tmp_path / "cmp.json"
    same = write(tmp_path, "same.toml", SMALL)  # an A/A comparison: the same scenario under two names
    assert main(["compare", str(sc), str(same), "-n", "3", "-q", "--json", str(js)]) == 0
    data = json.loads(js.read_text())
    row = next(r for r in data["rows"] if r["group"] == "overall" and r["kpi"] == "service_level")
    assert row["p_value"] == 1.0 and row["p_adjusted"] == 1.0 and row["significant"] is False  # identical
    assert data["correction"] == {"method": "holm", "family": sum(r["p_value"] is not None for r in data["rows"])}
    # the same scenario file twice is a repeated variant, not a comparison
    assert main(["compare", str(sc), str(sc), "-n", "3", "-q"]) == 2
    assert "is given twice" in capsys.readouterr().err


def test_compare_detects_a_real_difference(tmp_path, capsys):
    sc = write(tmp_path, "small.toml", SMALL)
    bigger = write(tmp_path, "bigger.toml", SMALL.replace("count = 12", "count = 16"))
    assert main(["compare", str(sc), str(bigger), "-n", "8", "-q", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["rows"] if r["group"] == "overall" and r["kpi"] == "asa")
    assert row["best"] == "bigger" and row["significant"] is True
    assert row["p_value"] < row["p_adjusted"] < 0.05  # significant after Holm's correction too


def test_staff_single_rate(capsys):
    assert main(["staff", "--rate", "200/h", "--handle", "180s", "--sl", "0.8/20s"]) == 0
    out = capsys.readouterr().out
    assert "agents needed: 14" in out and "square-root rule: 13" in out
    assert main(["staff", "--rate", "100/30m", "--handle", "3m", "--sl", "80%/20s", "--patience", "2m",
                 "--shrinkage", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "Erlang A" in out and "to schedule with 30% shrinkage" in out


def test_staff_profile(tmp_path, capsys):
    assert main(["staff", "--volumes", "12,40,95,160", "--handle", "4m", "--sl", "0.8/20s",
                 "--patience", "3m", "--shrinkage", "0.3", "--start", "08:00"]) == 0
    out = capsys.readouterr().out
    # the values of docs/analytics.md's staffing table
    assert "08:00" in out and "09:30" in out and "sqrt rule" in out
    assert " 24 " in out and " 35 " in out
    prof = tmp_path / "day.csv"
    prof.write_text("start,volume\n08:00,12\n08:30,40\n", encoding="utf-8")
    assert main(["staff", "--profile", str(prof), "--handle", "4m"]) == 0
    assert "08:30" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("when,count\n1,2\n", encoding="utf-8")
    assert main(["staff", "--profile", str(bad), "--handle", "4m"]) == 2
    assert "needs a column 'volume'" in capsys.readouterr().err


def test_check_clean_bundled_scenario(capsys):
    assert main(["check", "retail_bank"]) == 0
    out = capsys.readouterr().out
    assert "no problems found" in out and "Erlang A" in out


def test_check_finds_every_kind_of_problem(tmp_path, capsys):
    sc = write(tmp_path, "flawed.toml", FLAWED)
    assert main(["check", str(sc)]) == 1
    out = capsys.readouterr().out
    assert "skill 'french' is needed by queue 'general' but no agent has it" in out
    assert "overflow cycle general -> backup -> general" in out
    assert "no agent takes channel 'video'" in out
    assert "steps[1] (after 1200 s) can never be reached" in out
    assert "queue 'orphan' receives no contacts" in out


def test_check_capacity(tmp_path, capsys):
    sc = write(tmp_path, "over.toml", OVERLOADED)
    assert main(["check", str(sc)]) == 1
    out = capsys.readouterr().out
    assert "could carry even at 100% occupancy at Mon 00:00-02:00" in out
    assert "no agent on shift can serve them at Mon 02:00-04:00" in out
    res = check_scenario(load_scenario(str(sc)))
    assert {f.kind for f in res.problems} == {"capacity"}
    assert res.capacity[0].needed is not None and res.capacity[0].needed > 10


def test_check_strict_warnings(tmp_path):
    sc = write(tmp_path, "small.toml", SMALL + '[[queues]]\nname = "unused"\n')
    assert main(["check", str(sc)]) == 0
    assert main(["check", str(sc), "--strict"]) == 1


def test_scenarios_lists_and_prints(capsys):
    assert main(["scenarios"]) == 0
    assert "retail_bank" in capsys.readouterr().out
    assert main(["scenarios", "retail_bank"]) == 0
    assert "[[queues]]" in capsys.readouterr().out
    assert main(["scenarios", "nope"]) == 2


def test_python_dash_m_bad_scenario(tmp_path):
    sc = write(tmp_path, "broken.toml", BROKEN)
    r = subprocess.run([sys.executable, "-m", "omniroute", "simulate", str(sc)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "omniroute: error:" in r.stderr and "4 problems" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args,code", [(["check", "retail_bank"], 0), (["simulate", "missing.toml"], 2)])
def test_python_dash_m_exit_codes(args, code):
    r = subprocess.run([sys.executable, "-m", "omniroute", *args], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr


def test_check_follows_overflow_needs(tmp_path, capsys) -> None:
    path = tmp_path / "ovf.toml"
    path.write_text(
        'name = "overflow"\nhorizon = "2h"\n'
        '[[queues]]\nname = "french"\nchannel = "voice"\nneeds = { french = 2 }\n'
        'overflow = { after = "1m", to = "general" }\n'
        '[[queues]]\nname = "general"\nchannel = "voice"\nneeds = { general = 1 }\n'
        '[[agents]]\ncount = 5\nskills = { general = 2 }\ncapacity = { voice = 1 }\n'
        '[[demand]]\nqueue = "french"\narrivals = { per_hour = 20 }\n'
        'handle = { dist = "exponential", mean = "3m" }\n'
    )
    from omniroute.cli import main as cli_main

    assert cli_main(["check", str(path)]) == 0  # served by general agents after the overflow
    out = capsys.readouterr().out
    assert "before they have waited 60 s" in out
