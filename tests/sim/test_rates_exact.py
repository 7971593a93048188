"""Rates by period of arrival and busyness by day (issue 10, rule 7), against what can be
computed exactly: the counts of a piecewise-constant Poisson process and of a mixed
Poisson process."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import omniroute as orr
from omniroute import sim
from omniroute.sim.engine import arrival_times
from omniroute.sim.scenario import DAY

H = 3600.0


def test_counts_per_period_are_poisson_with_the_periods_means() -> None:
    # 4 periods of 1 h at 0, 30, 90 and 10 per hour: per replication the counts per period are
    # independent Poisson(rate x 1 h); over 400 replications each mean is within its exact
    # 99.9% interval and nothing falls in the empty period
    arr = sim.Arrivals((0.0, 30.0, 90.0, 10.0), interval=H)
    counts = np.array([np.bincount((arrival_times(arr, 4 * H, np.random.default_rng(s)) // H).astype(int),
                                   minlength=4) for s in range(400)])
    assert counts[:, 0].sum() == 0
    for k, lam in ((1, 30.0), (2, 90.0), (3, 10.0)):
        sd = (lam / 400) ** 0.5
        assert abs(counts[:, k].mean() - lam) < 3.3 * sd
        assert counts[:, k].var() == pytest.approx(lam, rel=0.25)  # Poisson: variance = mean
    # arrival times within a period are uniform on it (Kolmogorov-Smirnov)
    t = arrival_times(arr, 4 * H, np.random.default_rng(7))
    inside = t[(t >= 2 * H) & (t < 3 * H)] - 2 * H
    assert stats.kstest(inside / H, "uniform").pvalue > 0.001


def test_busyness_gives_the_mixed_poisson_variance_of_daily_counts() -> None:
    # daily counts N = Poisson(lam G), G ~ Gamma(mean 1, cv c): E N = lam, Var N = lam + lam^2 c^2
    lam_day, cv, days = 240.0, 0.25, 360
    sc = sim.Scenario([orr.Queue("q")], [sim.AgentGroup(1, team="t")],
                      [sim.Demand("q", sim.Arrivals(lam_day / 24), sim.Exponential(1.0))],
                      horizon=days * DAY, busyness=sim.Busyness(cv))
    from omniroute.sim.engine import _Engine  # the arrival schedule alone, without serving it

    eng = _Engine(sc, np.random.SeedSequence(3))
    eng.schedule_arrivals()
    daily = np.bincount((np.array(eng.times) // DAY).astype(int), minlength=days)
    want_var = lam_day + lam_day ** 2 * cv ** 2
    assert daily.mean() == pytest.approx(lam_day, rel=0.05)
    assert daily.var(ddof=1) == pytest.approx(want_var, rel=0.25)
    assert daily.var(ddof=1) > 3 * lam_day  # far above the plain Poisson variance
