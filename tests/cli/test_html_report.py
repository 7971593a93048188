"""The HTML report (issue 12): one self-contained, valid file whose every number matches the
JSON report."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from omniroute import reports, sim
from omniroute.cli import main

VOID = {"meta", "img", "br", "hr", "link", "input"}


class _Checker(HTMLParser):
    """Balanced tags, and every KPI cell's data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.cells: list[dict[str, str]] = []
        self.row: dict[str, str] = {}
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.row = a
        if tag == "td" and "data-kpi" in a:
            self.cells.append({**self.row, **a})
        if tag in ("img", "script", "link"):
            self.sources.append(a.get("src") or a.get("href") or tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


@pytest.fixture(scope="module")
def run() -> tuple[sim.Scenario, sim.Summary, str]:
    sc = sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    s = sim.replicate(sc, 3, seed=2)
    return sc, s, reports.html_report(s, sc, command="omniroute simulate retail_bank -n 3")


def test_the_report_is_valid_and_self_contained(run) -> None:
    _sc, _s, text = run
    assert text.startswith("<!DOCTYPE html>")
    p = _Checker()
    p.feed(text)
    p.close()
    assert p.stack == []
    # no network: any image is embedded, no script, no stylesheet link
    assert all(src.startswith("data:image/png;base64,") for src in p.sources), p.sources
    for part in ("Queues", "Agents", "Check", "Provenance", "omniroute simulate retail_bank -n 3"):
        assert part in text


def test_every_number_matches_the_json_report(run) -> None:
    _sc, s, text = run
    want = json.loads(json.dumps(s.to_dict()))["kpis"]
    p = _Checker()
    p.feed(text)
    assert len(p.cells) > 50
    for c in p.cells:
        group, key, kpi = c["data-group"], c["data-key"], c["data-kpi"]
        est = want[group][kpi] if group == "overall" else want[group][key][kpi]
        assert float(c["data-mean"]) == est["mean"], c
        if "data-low" in c and c["data-low"] != "None":
            assert (float(c["data-low"]), float(c["data-high"])) == (est["low"], est["high"]), c


def test_simulate_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["simulate", "retail_bank", "-n", "2", "-q", "--html", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = tmp_path / "missing" / "r.html"
    assert main(["simulate", "retail_bank", "-n", "2", "-q", "--html", str(bad)]) == 2
    assert "--html" in capsys.readouterr().err and not bad.exists()
