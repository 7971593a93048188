"""The wall clock in the CLI (issue 12): a bad ``start`` exits 2 with the loader's message;
the interval CSV places each row on the clock; ``check`` prints time on shift with weekdays."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from omniroute.cli import main

BASE = """
name = "clock"
start_day = "fri"
start = "{start}"
horizon = "3d"
interval = "12h"
[[queues]]
name = "q"
[[agents]]
count = 3
shifts = [ {{ start = "08:00", end = "16:00", days = ["mon", "tue", "wed", "thu", "fri"] }} ]
[[demand]]
queue = "q"
arrivals = {{ per_hour = 2 }}
handle = {{ dist = "exponential", mean = "3m" }}
"""


def write(tmp_path: Path, start: str) -> Path:
    p = tmp_path / "clock.toml"
    p.write_text(BASE.format(start=start), encoding="utf-8")
    return p


def test_a_bad_start_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, "8am"))]) == 2
    err = capsys.readouterr().err
    assert "start: '8am' is not a clock time (use 'HH:MM', e.g. '08:00')" in err


def test_check_prints_the_clock_and_weekdays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, "06:00"))]) == 1  # a weekend with nobody on shift
    out = capsys.readouterr().out
    assert "runs Fri 06:00-Mon 06:00 (times on the wall clock)" in out
    assert "Fri 08:00-16:00" in out  # within these three days, Friday's shift only
    # check looks at each 12-hour interval's middle: from Friday 18:00 nobody, all weekend
    assert "no agent on shift can serve them at Fri 18:00-Mon 06:00" in out, out
    assert "is `start` set" not in out and "set the scenario's start" not in out  # start is set


def test_interval_csv_rows_are_on_the_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    assert main(["simulate", str(write(tmp_path, "06:00")), "-n", "2", "-q", "--csv", str(out)]) == 0
    rows = list(csv.DictReader((tmp_path / "out-intervals.csv").open(encoding="utf-8")))
    first = [r for r in rows if r["group"] == "overall" and r["kpi"] == "offered"]
    assert [(r["start"], r["day"], r["weekday"], r["clock"]) for r in first] == [
        ("0.0", "0", "Fri", "06:00"), ("43200.0", "0", "Fri", "18:00"), ("86400.0", "1", "Sat", "06:00"),
        ("129600.0", "1", "Sat", "18:00"), ("172800.0", "2", "Sun", "06:00"), ("216000.0", "2", "Sun", "18:00")]
