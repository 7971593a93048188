"""``omniroute compare``'s fair comparison (issue 13, part 6): Holm's correction in the
table, repeated variants refused, ``--correction``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omniroute.cli import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = str(ROOT / "examples" / "small_centre.toml")


@pytest.mark.parametrize(("argv", "message"), [
    (["retail_bank", "--agent-policy", "best-fit", "--agent-policy", "best-fit"],
     "--agent-policy best-fit is given twice: give each variant once"),
    (["retail_bank", "--contact-policy", "fifo", "--agent-policy", "best-fit", "--contact-policy", "fifo"],
     "--contact-policy fifo is given twice"),
    (["retail_bank", "retail_bank"], "scenario retail_bank is given twice"),
    (["retail_bank", "--agent-policy", "best-fit", "--agent-policy", "nope"],
     "unknown agent policy 'nope'; allowed: ['best-fit', 'fewest-handled'"),
    (["retail_bank", "--agent-policy", "best-fit", "--agent-policy", "round-robin", "--correction", "sidak"],
     "argument --correction: invalid choice: 'sidak' (choose from"),
])
def test_bad_variants_exit_2_and_print_nothing(argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *argv, "-n", "2", "-q"]) == 2
    out = capsys.readouterr()
    assert message in out.err and out.out == ""


def test_the_table_says_which_correction_over_how_many_rows(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", SMALL, "--contact-policy", "priority-fifo", "--contact-policy", "fifo", "-n", "2", "-q"]
    js = tmp_path / "c.json"
    assert main([*argv, "--json", str(js)]) == 0
    out = capsys.readouterr().out
    data = json.loads(js.read_text())
    m = data["correction"]["family"]
    assert data["correction"]["method"] == "holm" and m == sum(r["p_value"] is not None for r in data["rows"]) > 10
    assert f"Holm p: adjusted by Holm's method over the {m} rows; significant: Holm p < 0.05" in out
    assert f"95% simultaneous interval, Bonferroni over the {m} tested rows" in out
    assert "max wait, lowest prio" in out and "occupancy Gini" in out
    assert main([*argv, "--correction", "none", "--alpha", "0.1"]) == 0
    out = capsys.readouterr().out
    assert f"each row alone (no correction for the {m} rows); significant: p < 0.1" in out
    assert "Holm p" not in out and "90% simultaneous interval" in out
