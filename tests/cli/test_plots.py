"""Plots an analyst can read without the source (issue 12): clock time on x, units on every
axis, a legend on every panel, targets named by queue, 95% bands from the replications, the
warm-up shaded, no series hidden behind another; the comparison plot; the currency of the
documentation's images (docs/images/make.py)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import attrs
import pytest

from omniroute import reports, sim
from omniroute.reports import plots

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"


@pytest.fixture(scope="module")
def small() -> tuple[sim.Scenario, sim.Summary]:
    sc = sim.load_scenario(ROOT / "examples" / "small_centre.toml")
    return sc, sim.replicate(sc, 3, seed=4)


def _axes_texts(fig):
    out = []
    for ax in fig.axes:
        leg = ax.get_legend()
        out.append((ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()],
                    [t.get_text() for t in leg.get_texts()] if leg else None))
    return out


def test_the_data_has_bands_from_the_replications(small) -> None:
    sc, s = small
    d = plots.plot_data(s, sc)
    assert d["band_replications"] == 3 and d["warmup"] == sc.warmup
    assert d["clock"] == {"start_day": sc.clock.start_day, "start": sc.clock.start}
    for panel in ("offered", "service_level", "waiting", "occupancy"):
        assert d["panels"][panel], panel
        for name, band in d["panels"][panel].items():
            assert len(band["mean"]) == len(band["low"]) == len(d["start"])
            for m, lo, hi in zip(band["mean"], band["low"], band["high"], strict=True):
                if lo is not None:
                    assert lo <= m + 1e-12 and m <= hi + 1e-12, (panel, name)
            assert any(lo is not None and hi > lo for lo, hi in zip(band["low"], band["high"], strict=True))
    # the band is the replications' Student-t interval of that interval
    kept = sim.replicate(sc, 3, seed=4, keep_intervals=True)
    vals = [row[5] for row in kept.interval_values("offered", "channels", "voice")]
    e = sim.report.estimate(vals, lower=0.0)
    band = d["panels"]["offered"]["voice"]
    assert band["low"][5] == pytest.approx(e.low, rel=1e-12) and band["high"][5] == pytest.approx(e.high, rel=1e-12)
    # every queue's target, named
    assert sorted(q for t in d["targets"] for q in t["queues"]) == sorted(q.name for q in sc.queues)
    assert plots.data_digest(d) == plots.data_digest(json.loads(json.dumps(d)))


def test_every_panel_is_labelled_on_the_clock(small) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    sc, s = small
    d = plots.plot_data(s, sc)
    fig = plots._draw_report(plt, d)
    try:
        want = [label for _, label in sc.clock.ticks(d["start"][0], d["start"][-1] + d["width"], most=7)]
        for xlabel, ylabel, ticks, legend in _axes_texts(fig):
            assert xlabel.startswith("clock time (") and ylabel, (xlabel, ylabel)
            assert ticks == want
            assert legend and "warm-up (not measured)" in legend, legend
        sl_legend = _axes_texts(fig)[1][3]
        assert any(t.startswith("target 80%") and "voice in 20.0 s" in t for t in sl_legend), sl_legend
        assert "95% confidence interval over the 3 replications" in fig._suptitle.get_text()
        # no series hidden: drawn widest first
        widths = [ln.get_linewidth() for ln in fig.axes[1].get_lines() if not ln.get_label().startswith("target")]
        assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    finally:
        plt.close(fig)


def test_without_a_scenario_the_axis_says_time_since_start(small, tmp_path) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    sc, s = small
    one = sim.run(sc, sim.seeds(4, 3)[0])
    d = plots.plot_data(one)
    assert d["clock"] is None and d["band_replications"] == 0
    assert all(b["low"] is None for b in d["panels"]["service_level"].values())
    fig = plots._draw_report(plt, d)
    try:
        assert all(x == "time since start (hours)" for x, _, _, _ in _axes_texts(fig))
        assert "one replication: no confidence bands" in fig._suptitle.get_text()
    finally:
        plt.close(fig)
    assert plots.plot_report(one, tmp_path / "one.svg").read_text().lstrip().startswith("<?xml")
    # a one-replication summary draws its means and says why no bands
    single = plots.plot_data(sim.replicate(sc, 1, seed=4), sc)
    assert single["replications"] == 1 and all(b["low"] is None for b in single["panels"]["offered"].values())


def test_identical_series_say_so_and_multi_day_runs_name_the_days(small) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    sc, s = small
    d = plots.plot_data(s, sc)
    d["panels"]["waiting"]["chat"] = dict(d["panels"]["waiting"]["voice"])
    width = 4 * 3600.0
    d["start"] = [i * width for i in range(len(d["start"]))]  # 18 intervals of 4 h: 3 days
    d["width"] = width
    fig = plots._draw_report(plt, d)
    try:
        texts = _axes_texts(fig)
        assert "voice (same as chat)" in texts[2][3], texts[2][3]  # chat is drawn first, wider
        assert texts[0][0].startswith("day and clock time (")
        days = {t for t in texts[0][2] if t in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
        assert len(days) >= 2, texts[0][2]
    finally:
        plt.close(fig)


def test_comparison_plot_and_its_paired_differences(small, tmp_path) -> None:
    sc, a = small
    b = sim.replicate(attrs.evolve(sc, routing=attrs.evolve(sc.routing, contact="fifo")), 3, seed=4)
    rows = reports.compare([a, b])
    names = ["priority-fifo", "fifo"]
    for r in rows:
        if r.difference is not None and r.difference.low is not None and r.p_value is not None:
            # the paired interval excludes 0 exactly when the paired t-test is significant
            excludes = r.difference.low > 0 or r.difference.high < 0
            assert excludes == (r.p_value < 0.05), r
    from omniroute.reports.compare import as_dicts

    d = plots.comparison_data(names, rows, "t")
    assert d == plots.comparison_data(names, json.loads(json.dumps(as_dicts(names, rows))), "t")
    assert [k["kpi"] for k in d["kpis"]] == ["service_level", "asa", "abandon_rate", "occupancy", "occupancy_sd",
                                             "occupancy_gini", "wait_max_lowest", "wait_p95_lowest"]
    plt = pytest.importorskip("matplotlib.pyplot")
    out = plots.plot_comparison(names, rows, tmp_path / "c.png", title="t")
    assert out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(plots.PlotError, match="no rows"):
        plots.plot_comparison(names, [], tmp_path / "d.png")
    assert not (tmp_path / "d.png").exists() and plt is not None


# ------------------------------------------------------------- the documentation's images

def _maker() -> dict:
    return runpy.run_path(str(IMAGES / "make.py"))


def test_every_image_has_a_maker_and_a_checksum() -> None:
    made = set(_maker()["IMAGES"])
    sums = json.loads((IMAGES / "checksums.json").read_text())
    assert {p.name for p in IMAGES.glob("*.png")} == made == set(sums)


@pytest.mark.parametrize("name", ["demo.png", "video_advice.png", "calibrate_bank.png"])
def test_images_are_current(name: str) -> None:
    """The numbers behind each image are the ones the code computes today (compare.png: in
    tests/cli/test_html_report.py, from the README command's run)."""
    if name == "calibrate_bank.png":
        pytest.importorskip("matplotlib")  # the example computes its points only to draw them
    got = _maker()["digest"](name)
    if got is None:
        pytest.skip(f"{name}: its data is not here")
    sums = json.loads((IMAGES / "checksums.json").read_text())
    assert got == sums[name], f"docs/images/{name} is stale: run python docs/images/make.py {name}"
