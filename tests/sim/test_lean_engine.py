"""The lean engine (legs in columns, timeouts carrying leg indexes, vectorised KPIs)
reproduces the per-object engine it replaced bit for bit, and its columns are consistent."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lean_cases import cases, digest, features

from omniroute import sim
from omniroute.sim.engine import simulate
from omniroute.sim.metrics import _merged

# Digests of sim.run(scenario, seed).to_dict() computed by the engine before the columns
# (commit 596e707, an object per leg and per-agent span lists: 257a53211b1e1b5f,
# b6af7a140359a4a0, 798a2052a8bc523e): the same seed gave the same report, every KPI and
# interval series to the last bit.  Since then one change, on purpose: interval bins that no
# wait or span overlaps are exactly 0, where the prefix sums left float noise (5 values of
# "features", from 2e-15 to 3e-14, and 2 of "retail_bank"; every other value unchanged).
BEFORE = {
    "features": "5be6d7509e1f0dc7",
    "retail_bank": "2ecfe4462241e9ec",
    "small_centre": "798a2052a8bc523e",
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_reports_are_identical_to_the_engine_before(name: str) -> None:
    sc, seed = cases()[name]
    assert digest(sim.run(sc, seed)) == BEFORE[name]


def test_features_scenario_takes_every_path() -> None:
    o = sim.run(features(), 7).kpis["overall"]
    for kpi in ("callbacks", "retrials", "transferred", "overflowed", "bot_contained", "abandoned"):
        assert o[kpi] > 0, kpi


def test_columns_agree_with_the_records_and_the_busy_spans() -> None:
    sc = features()
    out = simulate(sc, np.random.SeedSequence(7))
    c = out.columns
    legs = out.legs
    assert len(legs) == c.n == len(c.queue) == len(c.spec) == len(c.agent)
    for k in (0, c.n // 2, c.n - 1):
        g = legs[k]
        assert (g.arrival, g.queue, g.attempt) == (c.arrival[k], c.queue[k], c.attempt[k])
        assert g.agent == (c.agent_ids[c.agent[k]] if c.agent[k] >= 0 else None)
    # creation order: an arrival's leg before its retrials and its transferred leg
    assert np.all(np.diff(c.arrival[(c.attempt == 1) & (c.leg == 0)]) >= 0)
    # one busy span per finished answered leg; spans end after they start, by the wrap-up
    finished = ~np.isnan(c.answered) & ~np.isnan(c.ended)
    assert len(out.busy.start) == int(finished.sum())
    assert np.all(out.busy.end >= out.busy.start)
    assert sorted(out.busy.start.tolist()) == sorted(c.answered[finished].tolist())
    # a busy span's agent is the leg's agent
    assert sorted(zip(out.busy.agent.tolist(), out.busy.start.tolist(), strict=True)) == \
        sorted(zip(c.agent[finished].tolist(), c.answered[finished].tolist(), strict=True))


def _union_reference(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def test_merged_spans_match_a_plain_union_per_group() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 40))
        g = rng.integers(0, 4, n)
        s = np.round(rng.random(n) * 20, 1)  # rounded: ties and touching spans
        e = s + np.round(rng.random(n) * 5 - 1, 1)  # some empty
        mg, ms, me = _merged(g, s, e)
        got = {k: [(a, b) for gg, a, b in zip(mg, ms, me, strict=True) if gg == k] for k in range(4)}
        for k in range(4):
            want = _union_reference([(a, b) for gg, a, b in zip(g, s, e, strict=True) if gg == k])
            assert got[k] == want
        assert all(math.isfinite(x) for x in ms)
