"""Per-interval series of Report/Summary: channels, time-average waiting, tier occupancy;
confidence intervals clipped to a KPI's range; parse_duration/parse_clock re-exports."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import omniroute as orr
from omniroute import sim
from omniroute.sim.engine import simulate
from omniroute.sim.report import estimate


def _trace_scenario() -> sim.Scenario:
    """One voice agent, 10-minute intervals over an hour, contacts known to the second.

    * t=0    handle 300: answered at once, busy 0-300
    * t=100  handle 200, waits until served: waits 100-300, busy 300-500
    * t=200  patience 50: abandons at 250 (waited 50)
    * t=650  handle 100: busy 650-750
    * t=1190 handle 60: busy 1190-1250 (straddles the 1200 boundary)
    * t=1900 chat, handle 30, served by the same agent (it has chat capacity): busy 1900-1930
    """
    recs = [
        sim.TraceRecord(0.0, "q", 300.0),
        sim.TraceRecord(100.0, "q", 200.0),
        sim.TraceRecord(200.0, "q", 100.0, patience=50.0),
        sim.TraceRecord(650.0, "q", 100.0),
        sim.TraceRecord(1190.0, "q", 60.0),
        sim.TraceRecord(1900.0, "c", 30.0),
    ]
    return sim.Scenario(
        queues=[orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0)),
                sim.QueueSpec(orr.Queue("c", sla=orr.ServiceLevel(0.8, 60.0)), channel="chat")],
        agents=[sim.AgentGroup(1, team="t", capacity={"voice": 1, "chat": 1}, max_total=1)],
        demand=[sim.Trace(recs)],
        horizon=3600.0, warmup=0.0, interval=600.0, name="trace",
    )


def test_hand_computed_waiting_and_tier_occupancy():
    r = sim.run(_trace_scenario(), 1)
    iv = r.intervals
    assert iv["start"] == [0.0, 600.0, 1200.0, 1800.0, 2400.0, 3000.0]
    # waits: 200 s (100-300) and 50 s (200-250), both in the first interval
    assert iv["overall"]["waiting"] == pytest.approx([250 / 600, 0, 0, 0, 0, 0], abs=1e-12)
    assert iv["queues"]["q"]["waiting"] == pytest.approx(iv["overall"]["waiting"], abs=1e-12)
    assert iv["queues"]["c"]["waiting"] == pytest.approx([0.0] * 6, abs=1e-12)
    assert set(iv["channels"]) == {"voice", "chat"}
    voice, chat = iv["channels"]["voice"], iv["channels"]["chat"]
    assert voice["offered"] == [3, 2, 0, 0, 0, 0]  # by arrival: 1190 is in the second
    assert voice["answered"] == [2, 2, 0, 0, 0, 0]
    assert voice["abandoned"] == [1, 0, 0, 0, 0, 0]
    assert voice["asa"][0] == pytest.approx(100.0)  # (0 + 200) / 2
    assert voice["waiting"] == pytest.approx([250 / 600, 0, 0, 0, 0, 0], abs=1e-12)
    assert chat["offered"] == [0, 0, 0, 1, 0, 0]
    assert chat["service_level"][3] == 1.0 and chat["service_level"][0] is None
    tier = iv["tiers"]["1"]
    assert tier["staffed"] == pytest.approx([1.0] * 6)
    busy = [500, 110, 50, 30, 0, 0]  # seconds busy per interval
    assert tier["occupancy"] == pytest.approx([b / 600 for b in busy], abs=1e-12)
    assert tier["utilization"] == pytest.approx(tier["occupancy"], abs=1e-12)
    assert r.kpis["tiers"]["1"]["occupancy"] == pytest.approx(sum(busy) / 3600)


def _waits_inside(sc: sim.Scenario, ss: np.random.SeedSequence) -> tuple[float, dict[str, float]]:
    """Total waiting time inside [0, horizon) of every leg that waited, overall and by channel."""
    out = simulate(sc, ss)
    total, by_ch = 0.0, {}
    for g in out.legs:
        if g.contained or math.isnan(g.entered):
            continue
        end = g.answered if not math.isnan(g.answered) else (
            g.abandoned if not math.isnan(g.abandoned) else out.end)
        w = max(0.0, min(end, sc.horizon) - max(g.entered, 0.0))
        total += w
        by_ch[g.channel] = by_ch.get(g.channel, 0.0) + w
    return total, by_ch


def _lengths(iv, horizon: float) -> np.ndarray:
    starts = np.array(iv["start"], dtype=float)
    return np.minimum(starts + iv["width"], horizon) - starts


def test_waiting_integrates_to_the_contacts_total_wait(mmn):
    sc = mmn(4, 110, 120, patience=90, horizon=4 * 3600.0, warmup=1800.0)
    ss = np.random.SeedSequence(7)
    r = sim.run(sc, ss)
    iv = r.intervals
    total, _ = _waits_inside(sc, ss)
    area = float(np.dot(iv["overall"]["waiting"], _lengths(iv, sc.horizon)))
    assert total > 0 and r.kpis["overall"]["abandoned"] > 0  # abandoners' waits are in it
    assert area == pytest.approx(total, rel=1e-9)


def test_bundled_scenario_series_are_consistent():
    sc = sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    ss = np.random.SeedSequence(3)
    r = sim.run(sc, ss)
    iv = r.intervals
    n = len(iv["start"])
    lengths = _lengths(iv, sc.horizon)
    total, by_ch = _waits_inside(sc, ss)
    # channel series: same KPIs as the queue series, one per channel of the scenario
    assert set(iv["channels"]) == {q.channel.name for q in sc.queues}
    for s in iv["channels"].values():
        assert set(s) == set(iv["queues"]["general"])
        assert all(len(v) == n for v in s.values())
    # offered: the channels' first legs add up to the overall series
    offered = np.sum([s["offered"] for s in iv["channels"].values()], axis=0)
    assert offered.tolist() == iv["overall"]["offered"]
    # waiting: overall = sum of queues = sum of channels; integrates to the total wait
    ov = np.array(iv["overall"]["waiting"])
    assert np.sum([s["waiting"] for s in iv["queues"].values()], axis=0) == pytest.approx(ov, abs=1e-9)
    assert np.sum([s["waiting"] for s in iv["channels"].values()], axis=0) == pytest.approx(ov, abs=1e-9)
    assert float(ov @ lengths) == pytest.approx(total, rel=1e-9)
    for ch, s in iv["channels"].items():
        assert float(np.dot(s["waiting"], lengths)) == pytest.approx(by_ch.get(ch, 0.0), rel=1e-9, abs=1e-6)
    # tiers: occupancy within [0, 1]; staffed-weighted mean over the measured window = the KPI
    assert sc.warmup % sc.interval == 0
    lo = int(sc.warmup // sc.interval)
    assert set(iv["tiers"]) == set(r.kpis["tiers"])
    for t, s in iv["tiers"].items():
        occ = [x for x in s["occupancy"] if x is not None]
        util = [x for x in s["utilization"] if x is not None]
        assert occ and all(0.0 <= x <= 1.0 for x in occ)
        assert all(0.0 <= x <= 1.0 for x in util)
        for key in ("occupancy", "utilization"):
            busy = sum((x or 0.0) * st * ln for x, st, ln in
                       zip(s[key][lo:], s["staffed"][lo:], lengths[lo:], strict=True))
            staffed = float(np.dot(s["staffed"][lo:], lengths[lo:]))
            assert busy / staffed == pytest.approx(r.kpis["tiers"][t][key], rel=1e-9)
        assert float(np.dot(s["staffed"][lo:], lengths[lo:])) / 3600 == pytest.approx(
            r.kpis["tiers"][t]["staffed_hours"], rel=1e-9)


def test_intervals_are_deterministic(mmn):
    sc = mmn(3, 60, 150, patience=120, horizon=3 * 3600.0)
    a, b = sim.run(sc, 11), sim.run(sc, 11)
    assert a.intervals == b.intervals
    assert sim.run(sc, 12).intervals != a.intervals


def test_summary_means_every_series_and_serialises():
    sc = sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    summary = sim.replicate(sc, 3, seed=5)
    iv = summary.intervals
    assert set(iv) >= {"width", "start", "overall", "queues", "channels", "tiers"}
    reps = [sim.run(sc, s) for s in sim.seeds(5, 3)]
    for group, key, kpi in [("channels", "chat", "waiting"), ("channels", "voice", "offered"),
                            ("tiers", "2", "occupancy"), ("tiers", "1", "utilization"),
                            ("queues", "general", "waiting")]:
        vals = [r.intervals[group][key][kpi] for r in reps]
        for i, m in enumerate(iv[group][key][kpi]):
            xs = [v[i] for v in vals if v[i] is not None]
            assert m == (pytest.approx(sum(xs) / len(xs)) if xs else None)
    ov = [r.intervals["overall"]["waiting"] for r in reps]
    assert iv["overall"]["waiting"] == pytest.approx(np.mean(ov, axis=0).tolist())
    d = summary.to_dict(intervals=True)
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back["intervals"]["channels"]["email"]["waiting"] == pytest.approx(iv["channels"]["email"]["waiting"])
    assert back["intervals"]["tiers"]["1"]["occupancy"][0] == pytest.approx(iv["tiers"]["1"]["occupancy"][0])
    json.dumps(reps[0].to_dict(), allow_nan=False)


# ---------------------------------------------------------------- clipped intervals

def _report(kpis: dict) -> sim.Report:
    return sim.Report("x", 0, kpis, {"width": 60.0, "start": [0.0], "overall": {}, "queues": {}}, 0, 0.0)


def test_intervals_of_nonnegative_kpis_are_clipped_at_zero():
    vals = [0.0, 0.0, 0.0, 0.4]
    raw = estimate(vals)
    assert raw.low < 0  # the plain Student-t interval goes below 0
    s = sim.summarize([_report({"overall": {"asa": v, "offered": 0 if v == 0 else 2},
                                "queues": {"q": {"mean_wait": v}}}) for v in vals])
    asa = s.kpi("asa")
    assert asa.low == 0.0 and asa.high == pytest.approx(raw.high) and asa.mean == pytest.approx(0.1)
    assert s.kpi("offered").low == 0.0
    assert s.kpi("mean_wait", "queues", "q").low == 0.0
    assert 0.0 in asa


def test_intervals_of_fractions_are_clipped_to_unit_interval():
    vals = [1.0, 1.0, 1.0, 0.6]
    s = sim.summarize([_report({"overall": {"service_level": v, "abandon_rate": 1 - v},
                                "tiers": {"1": {"occupancy": v}}}) for v in vals])
    for e in (s.kpi("service_level"), s.kpi("occupancy", "tiers", "1")):
        assert e.high == 1.0 and 0.0 <= e.low < e.mean < 1.0
    ar = s.kpi("abandon_rate")
    assert ar.low == 0.0 and ar.high < 1.0
    d = s.to_dict()
    assert d["kpis"]["overall"]["service_level"]["high"] == 1.0


def test_estimate_default_is_unclipped_and_bounds_apply():
    assert estimate([-1.0, 1.0]).low < -1
    e = estimate([0.0, 0.1], lower=0.0, upper=1.0)
    assert e.low == 0.0 and e.high <= 1.0
    assert estimate([5.0], lower=0.0) == sim.Estimate(5.0, None, None, 1)


def test_simulated_summary_has_no_negative_low():
    sc = sim.load_scenario(sim.bundled_scenario_path("retail_bank"))
    s = sim.replicate(sc, 2, seed=1)
    for group, val in s.kpis.items():
        rows = [val] if group == "overall" else list(val.values())
        for row in rows:
            for k, e in row.items():
                if e.low is not None:
                    assert e.low >= 0.0, (group, k)
                    if k in ("service_level", "p_wait", "abandon_rate", "occupancy", "utilization"):
                        assert e.high <= 1.0, (group, k)


# ---------------------------------------------------------------- re-exports, plots

def test_parse_helpers_are_reexported():
    assert "parse_duration" in sim.__all__ and "parse_clock" in sim.__all__
    assert sim.parse_duration("30m") == 1800.0
    assert sim.parse_clock("08:30") == 8.5 * 3600


def test_plots_use_the_measured_waiting_series(tmp_path):
    from omniroute.reports.plots import channel_series, plot_report

    r = sim.run(_trace_scenario(), 1)
    series = channel_series(r)
    assert series["voice"]["waiting"] == r.intervals["channels"]["voice"]["waiting"]
    # without the channel series: queues grouped by channel, each with its measured waiting
    old = sim.Report(r.scenario, r.seed, r.kpis, {k: v for k, v in r.intervals.items() if k != "channels"},
                     r.contacts, r.end)
    grouped = channel_series(old, _trace_scenario())
    assert grouped["voice"]["waiting"] == pytest.approx(r.intervals["queues"]["q"]["waiting"])
    pytest.importorskip("matplotlib")
    assert plot_report(r, tmp_path / "a.png").stat().st_size > 0
    no_tiers = sim.Report(r.scenario, r.seed, r.kpis,
                          {k: v for k, v in r.intervals.items() if k != "tiers"}, r.contacts, r.end)
    assert plot_report(no_tiers, tmp_path / "b.png").stat().st_size > 0
