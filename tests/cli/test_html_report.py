"""The HTML reports (issue 12): one self-contained, valid file whose every number matches the
JSON report, for ``simulate --html`` and ``compare --html``; the README's compare example is
what the command prints."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from omniroute import reports, sim
from omniroute.cli import main

ROOT = Path(__file__).resolve().parents[2]

VOID = {"meta", "img", "br", "hr", "link", "input"}


class _Checker(HTMLParser):
    """Balanced tags, and every KPI cell's data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.cells: list[dict[str, str]] = []
        self.row: dict[str, str] = {}
        self.sources: list[str] = []
        self.pvalues: list[dict[str, str]] = []
        self.adjusted: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.row = a
        if tag == "td" and "data-kpi" in a:
            self.cells.append({**self.row, **a})
        if tag == "td" and "data-p" in a:
            self.pvalues.append({**self.row, **a})
        if tag == "td" and "data-p-adjusted" in a:
            self.adjusted.append({**self.row, **a})
        if tag in ("img", "script", "link"):
            self.sources.append(a.get("src") or a.get("href") or tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def _valid(text: str) -> _Checker:
    """Parsed: a doctype, balanced tags, and nothing fetched from a network (any image is
    embedded; no script, no stylesheet link)."""
    assert text.startswith("<!DOCTYPE html>")
    p = _Checker()
    p.feed(text)
    p.close()
    assert p.stack == []
    assert all(src.startswith("data:image/png;base64,") for src in p.sources), p.sources
    return p


@pytest.fixture(scope="module")
def run() -> tuple[sim.Scenario, sim.Summary, str]:
    sc = sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    s = sim.replicate(sc, 3, seed=2)
    return sc, s, reports.html_report(s, sc, command="omniroute simulate retail_bank -n 3")


def test_the_report_is_valid_and_self_contained(run) -> None:
    _sc, _s, text = run
    _valid(text)
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
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert f"omniroute simulate retail_bank -n 2 -q --html {out}" in text  # the command that ran
    bad = tmp_path / "missing" / "r.html"
    assert main(["simulate", "retail_bank", "-n", "2", "-q", "--html", str(bad)]) == 2
    assert "--html" in capsys.readouterr().err and not bad.exists()


# ------------------------------------------------------------------ compare --html, --plot

def _block(text: str, command: str) -> str:
    return re.search(rf"```\n\$ {re.escape(command)}\n(.*?)```", text, re.S).group(1).rstrip()


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[str, dict, str, Path]:
    """The README's compare example, run once, with every output written."""
    import contextlib
    import io

    sys_argv = __import__("sys").argv
    tmp = tmp_path_factory.mktemp("cmp")
    js, page, png = tmp / "c.json", tmp / "c.html", tmp / "c.png"
    argv = ["compare", str(ROOT / "examples" / "small_centre.toml"), "--contact-policy", "priority-fifo",
            "--contact-policy", "fifo"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([*argv, "-q", "--json", str(js), "--html", str(page)]
                      + (["--plot", str(png)] if _has_matplotlib() else []))
    assert status == 0 and sys_argv is not None
    return out.getvalue().rstrip(), json.loads(js.read_text()), page.read_text(encoding="utf-8"), png


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_readme_compare_example_is_what_the_command_prints(compared) -> None:
    out, data, _page, _png = compared
    command = ("omniroute compare examples/small_centre.toml --contact-policy priority-fifo "
               "--contact-policy fifo")
    for doc in ("README.md", "docs/cli.md"):
        assert _block((ROOT / doc).read_text(), command) == out, \
            f"{doc}'s compare example is stale: paste `{command}` again"
    # a real difference: the premium segment's service level, significant, and the columns differ
    rows = {(r["group"], r["key"], r["kpi"]): r for r in data["rows"]}
    premium = rows[("segments", "premium", "service_level")]
    assert premium["significant"] and premium["best"] == "priority-fifo"
    assert premium["difference"]["low"] > 0.05
    assert sum(r["significant"] is True for r in data["rows"]) >= 5


def test_compare_html_is_valid_self_contained_and_matches_the_json(compared) -> None:
    _out, data, page, _png = compared
    p = _valid(page)
    if _has_matplotlib():
        assert len(p.sources) == 1
    for part in ("The scenario", "Check", "Paired comparison", "Variant priority-fifo", "Variant fifo",
                 "Provenance", "omniroute compare", "Small centre"):
        assert part in page, part
    rows = {(r["group"], r["key"], r["kpi"]): r for r in data["rows"]}
    variant_cells = difference_cells = simultaneous_cells = 0
    for c in p.cells:
        group, key, kpi = c["data-group"], c["data-key"], c["data-kpi"]
        if "data-difference" in c:
            want = rows[(group, key, kpi)]["difference"]
            difference_cells += 1
        elif "data-simultaneous" in c:
            want = rows[(group, key, kpi)]["simultaneous"]
            simultaneous_cells += 1
        else:
            k = data["kpis"][c["data-variant"]]
            want = k[group][kpi] if group == "overall" else k[group][key][kpi]
            variant_cells += 1
        assert float(c["data-mean"]) == want["mean"], c
        if c.get("data-low", "None") != "None":
            assert (float(c["data-low"]), float(c["data-high"])) == (want["low"], want["high"]), c
    assert difference_cells == sum(r["difference"] is not None for r in data["rows"]) > 5
    assert simultaneous_cells == difference_cells
    assert variant_cells > 2 * len(data["rows"])
    assert len(p.pvalues) == sum(r["p_value"] is not None for r in data["rows"])
    for c in p.pvalues:
        group, key = c["data-group"], c["data-key"]
        assert any(float(c["data-p"]) == r["p_value"] for (g, k, _), r in rows.items() if (g, k) == (group, key))
    adjusted = [float(c["data-p-adjusted"]) for c in p.adjusted]
    assert sorted(adjusted) == sorted(r["p_adjusted"] for r in data["rows"] if r["p_adjusted"] is not None)
    assert "Holm&#x27;s method over the" in page and "simultaneous" in page


def test_compare_plot_is_the_documented_image(compared) -> None:
    """docs/images/compare.png is drawn from these numbers (docs/images/make.py)."""
    from omniroute.reports.plots import comparison_data, data_digest

    _out, data, _page, png = compared
    sums = json.loads((ROOT / "docs" / "images" / "checksums.json").read_text())
    assert data_digest(comparison_data(data["variants"], data["rows"], data["title"])) == sums["compare.png"], \
        "docs/images/compare.png is stale: run python docs/images/make.py compare.png"
    if _has_matplotlib():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_refuses_bad_outputs_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["compare", "retail_bank", "--agent-policy", "longest-idle", "--agent-policy", "best-fit",
            "-n", "2", "-q"]
    bad = tmp_path / "missing" / "c.html"
    assert main([*base, "--html", str(bad)]) == 2
    err = capsys.readouterr()
    assert "--html" in err.err and not bad.exists() and err.out == ""
    assert main([*base, "--plot", str(tmp_path / "c.gif")]) == 2
    err = capsys.readouterr()
    assert "--plot" in err.err and ".gif" in err.err and err.out == ""
    assert list(tmp_path.iterdir()) == []
