"""Streaming replications (issue 12): lazy seeds, a bounded number in flight, a summary that
accumulates in replication order and equals, bit for bit, the one of all reports at once."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import omniroute as orr
from omniroute import reports, sim
from omniroute.sim.replicate import _in_order
from omniroute.sim.report import bounds, estimate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# ------------------------------------------------- the summary as it was computed before streaming

def _keys(dicts: Any) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        for k in d:
            seen.setdefault(k, None)
    return list(seen)


def _reference(reports_: Sequence[sim.Report]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(kpis, intervals) exactly as ``summarize`` computed them from a list of reports before
    it streamed (omniroute at ef58459)."""
    first = reports_[0]
    kpis: dict[str, Any] = {}
    for group in first.kpis:
        if group == "overall":
            names = _keys(r.kpis["overall"] for r in reports_)
            kpis[group] = {k: estimate([r.kpis[group].get(k) for r in reports_], lower=bounds(k)[0],
                                       upper=bounds(k)[1]) for k in names}
            continue
        keys = _keys(r.kpis[group] for r in reports_)
        kpis[group] = {}
        for key in keys:
            rows = [r.kpis[group].get(key) for r in reports_]
            names = _keys(row for row in rows if row is not None)
            kpis[group][key] = {
                k: estimate([row.get(k) if row is not None else None for row in rows],
                            lower=bounds(k)[0], upper=bounds(k)[1]) for k in names}

    def mean_series(rows: list[Mapping[str, list[Any]]]) -> dict[str, list[float | None]]:
        out = {}
        for k in _keys(rows):
            cols = [row[k] for row in rows if k in row]
            means = []
            for vals in zip(*cols, strict=True):
                xs = [v for v in vals if v is not None]
                means.append(sum(xs) / len(xs) if xs else None)
            out[k] = means
        return out

    fi = first.intervals
    iv: dict[str, Any] = {"width": fi["width"], "start": list(fi["start"])}
    if "clock" in fi:
        iv["clock"] = fi["clock"]
    for group in _keys(r.intervals for r in reports_):
        if group in ("width", "start", "clock"):
            continue
        if group == "overall":
            iv[group] = mean_series([r.intervals[group] for r in reports_ if group in r.intervals])
            continue
        groups = [r.intervals.get(group, {}) for r in reports_]
        iv[group] = {key: mean_series([g[key] for g in groups if key in g]) for key in _keys(groups)}
    return kpis, iv


@pytest.fixture
def tiny(mmn):
    return mmn(3, 60.0, 120.0, patience=90.0, horizon=3600.0, warmup=0.0)


def test_streamed_summary_equals_the_summary_of_all_reports_bit_for_bit():
    sc = sim.load_scenario(EXAMPLES / "small_centre.toml")
    reps = [sim.run(sc, s) for s in sim.seeds(4, 3)]
    kpis, iv = _reference(reps)
    for s in (sim.replicate(sc, 3, seed=4), sim.summarize(iter(reps), 4)):
        # repr: every float to its last bit, None kept apart from nan, key order too
        assert repr(s.kpis) == repr(kpis)
        assert repr(s.intervals) == repr(iv)
    with ThreadPoolExecutor(2) as ex:  # replications finish out of order; summed in order
        assert repr(sim.replicate(sc, 3, seed=4, executor=ex, in_flight=2).intervals) == repr(iv)


def test_keys_missing_in_some_replications_and_none_values_are_summarised_as_before():
    def rep(i: int, seg: dict[str, Any], series: dict[str, Any]) -> sim.Report:
        return sim.Report("x", i, {"overall": {"asa": 1.5 * i + 0.1, "offered": i} | ({"late": 0.3} if i else {}),
                                   "segments": seg},
                          {"width": 60.0, "start": [0.0, 60.0], "overall": {"offered": [i, None]},
                           "queues": series}, 0, 0.0)

    reps = [rep(0, {"a": {"asa": 0.1}}, {"q": {"asa": [0.1, None]}, "e": {}}),
            rep(1, {"b": {"asa": 0.7, "x": None}}, {"r": {"asa": [0.2, 0.4]}}),
            rep(2, {"a": {"asa": 0.35}, "b": None}, {"q": {"asa": [None, 1 / 3]}, "r": {"asa": [0.1, 0.2]}})]
    reps[1].intervals["tiers"] = {}  # a group with nothing in it, first seen in replication 1
    kpis, iv = _reference(reps)
    assert iv["tiers"] == {} and iv["queues"]["e"] == {}
    s = sim.summarize(reps, seed=9)
    assert repr(s.kpis) == repr(kpis) and repr(s.intervals) == repr(iv)
    assert s.values("late") == [None, 0.3, 0.3]
    assert s.values("asa", "segments", "b") == [None, 0.7, None]
    assert s.values("x", "segments", "b") == [None, None, None]


def test_lazy_seeds_are_the_spawned_children():
    lazy = list(sim.iter_seeds(11, 50))
    spawned = np.random.SeedSequence(11).spawn(50)
    assert [(c.entropy, c.spawn_key, c.pool_size) for c in lazy] == \
        [(c.entropy, c.spawn_key, c.pool_size) for c in spawned]
    assert all((a.generate_state(8) == b.generate_state(8)).all() for a, b in zip(lazy, spawned, strict=True))
    assert sim.seeds(11, 3)[2].spawn_key == (2,)


def test_a_million_replications_start_without_a_million_seeds(tiny):
    tracemalloc.start()
    try:
        it = sim.stream(tiny, 1_000_000, seed=3)
        first = next(it)
        it.close()
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first == sim.run(tiny, sim.seeds(3, 1)[0])
    assert peak < 20 * 2**20  # a million SeedSequences held some 440 MB


def test_stream_is_in_replication_order_and_bounded():
    finished: list[int] = []
    submitted = [0]

    def work(x: int) -> int:
        time.sleep(0.02 if x % 3 == 0 else 0.0)  # every third one finishes after later ones
        finished.append(x)
        return x * x

    with ThreadPoolExecutor(3) as pool:
        def submit(x: int) -> Future[int]:
            submitted[0] += 1
            return pool.submit(work, x)

        got = []
        for y in _in_order(submit, iter(range(30)), window=4):
            got.append(y)
            assert submitted[0] - len(got) <= 3  # never more than 4 outstanding
    assert got == [x * x for x in range(30)]
    assert finished != sorted(finished)  # they did finish out of order


def test_closing_a_stream_cancels_what_has_not_started():
    futures: list[Future[int]] = []

    def submit(x: int) -> Future[int]:
        f: Future[int] = Future()
        futures.append(f)
        if x == 0:
            f.set_result(0)
        return f

    it = _in_order(submit, iter(range(100)), window=5)
    assert next(it) == 0
    it.close()
    assert len(futures) == 5 and all(f.cancelled() for f in futures[1:])


def test_summary_accessors_per_replication_and_bands(tiny):
    s = sim.replicate(tiny, 5, seed=2, keep_intervals=True)
    reps = [sim.run(tiny, c) for c in sim.seeds(2, 5)]
    assert s.values("service_level") == [r.kpis["overall"]["service_level"] for r in reps]
    assert s.values("offered", "queues", "q") == [float(r.kpis["queues"]["q"]["offered"]) for r in reps]
    assert s.interval_values("waiting", "queues", "q") == [r.intervals["queues"]["q"]["waiting"] for r in reps]
    band = s.interval_band("service_level")
    assert [e.mean for e in band] == s.intervals["overall"]["service_level"]
    for b, col in zip(band, zip(*(r.intervals["overall"]["service_level"] for r in reps), strict=True), strict=True):
        ref = estimate(list(col), lower=0.0, upper=1.0)
        assert b.n == ref.n and b.low == pytest.approx(ref.low) and b.high == pytest.approx(ref.high)
    with pytest.raises(orr.ValidationError, match="keep_intervals=True"):
        sim.replicate(tiny, 2, seed=2).interval_values("waiting")
    with pytest.raises(KeyError, match="did you mean 'service_level'"):
        s.values("service_levl")


def test_compare_pairs_the_per_replication_values(tiny, mmn):
    from scipy import stats

    other = mmn(4, 60.0, 120.0, patience=90.0, horizon=3600.0, warmup=0.0)
    a, b = sim.replicate(tiny, 6, seed=1), sim.replicate(other, 6, seed=1)
    row = next(r for r in reports.compare([a, b]) if r.group == "overall" and r.kpi == "asa")
    ra = [sim.run(tiny, c).kpis["overall"]["asa"] for c in sim.seeds(1, 6)]
    rb = [sim.run(other, c).kpis["overall"]["asa"] for c in sim.seeds(1, 6)]
    first, second = (ra, rb) if row.best == 0 else (rb, ra)
    assert row.p_value == float(stats.ttest_rel(first, second).pvalue)


def test_bad_streaming_arguments(tiny):
    with pytest.raises(orr.ValidationError, match="in_flight must be an integer >= 1"):
        sim.stream(tiny, 2, in_flight=0)
    with pytest.raises(orr.ValidationError, match=r"replications must be an integer >= 1 and <= 1,000,000"):
        sim.replicate(tiny, 1_000_001)
    with pytest.raises(orr.ValidationError, match="executor must be None"):
        sim.stream(tiny, 2, executor=object())
    with pytest.raises(orr.ValidationError, match="no reports"):
        sim.summarize([])
    t0 = time.perf_counter()
    with pytest.raises(orr.ValidationError, match="processes must be"):
        sim.stream(tiny, 2, processes=0)
    assert time.perf_counter() - t0 < 1.0  # refused before anything runs


def test_series_of_unequal_length_are_refused(tiny):
    a = sim.run(tiny, 1)
    b = sim.Report(a.scenario, 2, a.kpis, {**a.intervals, "overall": {"offered": [1, 2, 3]}}, 0, 0.0)
    with pytest.raises(orr.ValidationError, match=r"interval series overall\.offered has 3 values in replication 1 and 2"):
        sim.summarize([a, b])


def test_a_summary_taken_midway_stays_as_it_was(tiny):
    acc = sim.Summarizer(seed=2, keep_intervals=True)
    reports_ = list(sim.stream(tiny, 4, seed=2))
    for r in reports_[:2]:
        acc.add(r)
    early = acc.summary()
    for r in reports_[2:]:
        acc.add(r)
    assert early.replications == 2 and len(early.values("offered")) == 2
    assert len(early.interval_values("offered")) == 2
    assert early == sim.replicate(tiny, 2, seed=2, keep_intervals=True)
    assert acc.summary() == sim.replicate(tiny, 4, seed=2, keep_intervals=True)


def test_chunks_change_nothing_but_the_tasks(tiny):
    serial = sim.replicate(tiny, 7, seed=6)
    with ThreadPoolExecutor(2) as ex:
        for chunk in (None, 1, 3, 10):
            assert sim.replicate(tiny, 7, seed=6, executor=ex, chunk=chunk, in_flight=2) == serial
    assert sim.replicate(tiny, 7, seed=6, processes=2, chunk=2) == serial
    with pytest.raises(orr.ValidationError, match="chunk must be None or an integer >= 1"):
        sim.stream(tiny, 2, chunk=0)
