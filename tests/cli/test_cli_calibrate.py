"""``omniroute calibrate LOG.csv --out my.toml``."""

from __future__ import annotations

import csv

import pytest

from omniroute import sim
from omniroute.cli import main
from omniroute.testing.calllogs import mmcm_log

HEAD = "arrival,queue,wait,outcome,service_start,service_end,agent\n"


def write_log(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) + ["note"])
        w.writeheader()
        for r in rows:
            w.writerow({**r, "note": "x"})


def test_calibrate_writes_a_scenario_check_accepts(tmp_path, capsys):
    log, out = tmp_path / "calls.csv", tmp_path / "my.toml"
    write_log(log, mmcm_log(hours=8, agents=8))
    assert main(["calibrate", str(log), "--out", str(out), "--profile", "day", "--interval", "30m",
                 "--name", "From the log"]) == 0
    text = capsys.readouterr().out
    assert "Handle time per queue" in text and "Kaplan-Meier" in text and f"wrote {out}" in text
    assert "columns ignored: note" in text
    sc = sim.load_scenario(out)
    assert sc.name == "From the log" and sc.interval == 1800.0
    assert main(["check", str(out)]) == 0  # a centre staffed for its load: no problem found
    assert "problems" not in capsys.readouterr().out


@pytest.mark.parametrize("text, message", [
    ("arrival,queue\n1,a\n", "missing columns wait, outcome"),
    (HEAD + "x,a,2,abandoned,,,\n", "calls.csv:2: arrival 'x' is not a time"),
    (HEAD + "1,a,-1,abandoned,,,\n", "calls.csv:2: wait '-1' must be a number of seconds >= 0"),
    (HEAD + "1,a,1,answered,9,3,x\n", "calls.csv:2: service_end '3' is before service_start '9'"),
    (HEAD + "1,a,1,answered,3,900,x\n", "no abandoned call among 1 calls"),
])
def test_bad_log_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, text, message):
    log, out = tmp_path / "calls.csv", tmp_path / "my.toml"
    log.write_text(text, encoding="utf-8")
    assert main(["calibrate", str(log), "--out", str(out)]) == 2
    cap = capsys.readouterr()
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("omniroute: error: ") and message in lines[0]
    assert cap.out == "" and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv"]


def test_bad_options_exit_2(tmp_path, capsys):
    log = tmp_path / "calls.csv"
    write_log(log, mmcm_log(hours=1))
    assert main(["calibrate", str(log), "--out", str(tmp_path / "no" / "x.toml")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["calibrate", str(log), "--out", str(tmp_path / "x.toml"), "--contact-policy", "nope"]) == 2
    assert "unknown contact policy" in capsys.readouterr().err
    assert main(["calibrate", str(log), "--out", str(tmp_path / "x.toml"), "--patience", "weibull"]) == 2
    assert main(["calibrate", str(log)]) == 2  # --out is required
    assert not (tmp_path / "x.toml").exists()


def test_failed_calibration_leaves_an_existing_output_as_it_was(tmp_path, capsys):
    log, out = tmp_path / "calls.csv", tmp_path / "my.toml"
    log.write_text(HEAD + "1,a,1,answered,3,900,x\n", encoding="utf-8")
    out.write_text("# my own scenario\n", encoding="utf-8")
    assert main(["calibrate", str(log), "--out", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "# my own scenario\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv", "my.toml"]
