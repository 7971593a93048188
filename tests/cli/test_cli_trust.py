"""Issue 8 "Trust": the command line as a new user tries it.  Each test is one finding of the
audit: before the fix it failed (a traceback, a silent misreading, a lost run, a hang)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from omniroute.cli import EXIT_BROKEN_PIPE, commands, main

SMALL = """\
name = "Small"
horizon = "1h"
warmup = "10m"
replications = 2
[[queues]]
name = "general"
[[agents]]
team = "front"
count = 6
[[demand]]
queue = "general"
arrivals = { per_hour = 60 }
handle = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "3m" }
"""


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``python -m omniroute ARGS`` in a process of its own: a hang is a TimeoutExpired failure
    rather than a stuck test run."""
    return subprocess.run([sys.executable, "-m", "omniroute", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.toml"
    p.write_text(textwrap.dedent(SMALL), encoding="utf-8")
    return p


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record whether a run started: every check here must come before it."""
    runs: list[object] = []

    def replicate(*args: object, **kw: object) -> None:
        runs.append(args)
        raise AssertionError("the run started before the outputs were checked")

    monkeypatch.setattr(commands.reports, "replicate", replicate)
    return runs


def err_of(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return captured.err


# --------------------------------------------------------------------------- seeds
def test_negative_seed_is_a_usage_error(small, capsys):
    assert main(["simulate", str(small), "--seed=-1", "-n", "1", "-q"]) == 2
    assert "argument --seed: '-1' is not a seed: use an integer >= 0" in err_of(capsys)


def test_non_integer_seed_is_a_usage_error(small, capsys):
    assert main(["simulate", str(small), "--seed", "1.5", "-n", "1", "-q"]) == 2
    assert "argument --seed: '1.5' is not a seed" in err_of(capsys)


def test_huge_replications_and_processes_are_refused(small, capsys):
    proc = cli("simulate", str(small), "-n", str(10**15))  # 10**15 seeds were spawned one by one
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is not a number of replications: use an integer from 1 to 1,000,000" in proc.stderr
    assert main(["simulate", str(small), "--processes", "100000"]) == 2
    assert "is not a number of processes: use an integer from 1 to 64" in err_of(capsys)


# --------------------------------------------------------------------------- staff
def test_staff_sl_above_one_is_not_read_as_a_percentage(capsys):
    assert main(["staff", "--rate", "200/h", "--handle", "3m", "--sl", "1.5/20s"]) == 2
    assert "the target 1.5 is more than 1; give a fraction (0.8/20s) or a percentage with its sign" in err_of(capsys)


def test_staff_sl_percent_with_its_sign_still_works(capsys):
    assert main(["staff", "--rate", "200/h", "--handle", "3m", "--sl", "80%/20s"]) == 0
    assert "80% answered within 20 s" in capsys.readouterr().out


def test_staff_sl_100_percent_is_refused_before_printing_anything(capsys):
    assert main(["staff", "--rate", "200/h", "--handle", "3m", "--sl", "100%/20s"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "the target must be at least 1% and below 100%" in captured.err


def test_staff_prints_nothing_when_the_formulas_fail(monkeypatch, capsys):
    from omniroute import analytics

    def fails(*args: object, **kw: object) -> int:
        raise ValueError("no finite beta")

    monkeypatch.setattr(analytics, "square_root_staffing", fails)
    assert main(["staff", "--rate", "200/h", "--handle", "3m", "--sl", "0.8/20s"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "omniroute: error: no finite beta\n"


@pytest.mark.parametrize("volumes, field", [("10,,20", 2), ("10,20,", 3), (",10", 1)])
def test_staff_volumes_with_an_empty_field_are_refused(capsys, volumes, field):
    assert main(["staff", "--volumes", volumes, "--handle", "3m"]) == 2
    assert f"field {field} is empty" in err_of(capsys)


def test_staff_rate_with_an_exponent_is_a_rate(capsys):
    assert main(["staff", "--rate", "1.5e3/h", "--handle", "3m"]) == 0
    assert capsys.readouterr().out.startswith("1500 contacts/h x 180 s")
    assert main(["staff", "--rate", "1e12/h", "--handle", "3m"]) == 2
    err = err_of(capsys)
    assert "not a rate" not in err
    assert "'1e12/h' is 1e+12 contacts per hour; at most 1,000,000 per hour are allowed" in err


def test_staff_load_and_agents_are_limited(capsys):
    assert main(["staff", "--rate", "200/h", "--handle", "366d"]) == 2
    assert "staff sizes loads up to 1,000,000 Erlangs" in err_of(capsys)
    assert main(["staff", "--rate", "200/h", "--handle", "3m", "--agents", str(10**15)]) == 2
    assert "is not a number of agents: use an integer from 1 to 100,000" in err_of(capsys)
    assert main(["staff", "--rate", "200/h", "--handle", "1e300"]) == 2
    assert "longer than the longest duration allowed" in err_of(capsys)


def test_staff_profile_that_is_a_named_pipe_is_refused(tmp_path, capsys):
    fifo = tmp_path / "profile.csv"
    os.mkfifo(fifo)
    proc = cli("staff", "--profile", str(fifo), "--handle", "3m")
    assert proc.returncode == 2 and "is a named pipe, not a profile file" in proc.stderr


def test_compare_alpha_must_be_a_significance_level(small, capsys):
    assert main(["compare", str(small), str(small), "--alpha", "5"]) == 2
    assert "'5' is not a significance level" in err_of(capsys)


# --------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("option", ["--json", "--csv", "--plot"])
def test_unwritable_output_is_refused_before_the_run(small, tmp_path, capsys, no_run, option):
    target = tmp_path / "no" / "such" / "dir" / ("out.png" if option == "--plot" else "out.x")
    assert main(["simulate", str(small), "-n", "1", "-q", option, str(target)]) == 2
    assert not no_run
    assert f"{option} {target}: cannot be written: No such file or directory" in err_of(capsys)


def test_output_that_is_a_directory_is_refused_before_the_run(small, tmp_path, capsys, no_run):
    assert main(["simulate", str(small), "-n", "1", "-q", "--json", str(tmp_path)]) == 2
    assert not no_run and "is a directory; give a file name" in err_of(capsys)


def test_compare_json_is_checked_before_the_runs(small, tmp_path, capsys, no_run):
    bad = tmp_path / "missing" / "cmp.json"
    assert main(["compare", str(small), "--agent-policy", "longest-idle", "--agent-policy", "best-fit",
                 "-n", "2", "-q", "--json", str(bad)]) == 2
    assert not no_run and "cannot be written" in err_of(capsys)


def test_output_named_pipe_without_reader_is_refused_not_waited_on(small, tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    proc = cli("simulate", str(small), "-n", "1", "-q", "--json", str(fifo))
    assert proc.returncode == 2 and proc.stdout == ""  # refused before the run printed its table
    assert "no process reads this named pipe" in proc.stderr


def test_the_output_check_leaves_files_as_they_were(tmp_path):
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    old.write_text("kept", encoding="utf-8")
    commands._writable(new, "--json")
    commands._writable(old, "--json")
    assert not new.exists() and old.read_text(encoding="utf-8") == "kept"


def test_missing_matplotlib_is_found_before_the_run(small, tmp_path, capsys, monkeypatch, no_run):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    assert main(["simulate", str(small), "-n", "1", "-q", "--plot", str(tmp_path / "p.png")]) == 2
    assert not no_run
    assert "plots need matplotlib: pip install 'omniroute[plot]'" in err_of(capsys)


def test_unknown_plot_extension_is_refused_before_the_run(small, tmp_path, capsys, no_run):
    assert main(["simulate", str(small), "-n", "1", "-q", "--plot", str(tmp_path / "p.jpg")]) == 2
    assert not no_run
    assert "a plot is written as .png, .pdf, .svg" in err_of(capsys)


@pytest.mark.parametrize("name, magic", [("p.pdf", b"%PDF"), ("p.svg", b"<?xml"), ("p.PNG", b"\x89PNG")])
def test_plot_is_written_in_the_format_its_extension_names(small, tmp_path, capsys, name, magic):
    out = tmp_path / name
    assert main(["simulate", str(small), "-n", "1", "-q", "--plot", str(out)]) == 0
    assert out.read_bytes()[:len(magic)] == magic
    capsys.readouterr()


# --------------------------------------------------------------------------- pipes
def closed_pipe_run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``python -m omniroute ARGS`` writing into a pipe whose reader is gone (``| head -0``)."""
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run([sys.executable, "-m", "omniroute", *args], stdout=w,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(w)


@pytest.mark.parametrize("args", [["scenarios", "retail_bank"], ["check", "retail_bank"]])
def test_broken_pipe_exits_quietly(args):
    proc = closed_pipe_run(args)
    assert proc.stderr == ""
    assert proc.returncode == EXIT_BROKEN_PIPE


def test_help_into_a_closed_pipe_is_quiet():
    # argparse drops what it cannot print and ends with its own status, 0
    proc = closed_pipe_run(["--help"])
    assert (proc.returncode, proc.stderr) == (0, "")


def test_output_into_head_is_quiet():
    proc = subprocess.run(f"{sys.executable} -m omniroute scenarios retail_bank | head -1", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("#") and proc.stderr == ""
