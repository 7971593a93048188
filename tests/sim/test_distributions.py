from __future__ import annotations

import numpy as np
import pytest

import omniroute as orr
from omniroute import sim


@pytest.mark.parametrize("dist, mean, cv", [
    (sim.Exponential(300.0), 300.0, 1.0),
    (sim.Lognormal(240.0, 0.8), 240.0, 0.8),
    (sim.Gamma(180.0, 0.5), 180.0, 0.5),
    (sim.Uniform(60.0, 120.0), 90.0, (60 / np.sqrt(12)) / 90),
    (sim.Deterministic(42.0), 42.0, 0.0),
    (sim.Empirical([10.0, 20.0, 30.0]), 20.0, np.std([10, 20, 30]) / 20),
])
def test_mean_and_cv_by_sampling(dist, mean, cv):
    x = dist.sample(np.random.default_rng(7), 200_000)
    assert x.mean() == pytest.approx(mean, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(cv, rel=0.02, abs=1e-9)
    assert dist.mean == pytest.approx(mean)
    assert (x >= 0).all()


def test_same_generator_state_same_draws():
    d = sim.Lognormal(100.0, 1.2)
    assert (d.sample(np.random.default_rng(3), 10) == d.sample(np.random.default_rng(3), 10)).all()


def test_by_name_and_errors():
    assert sim.distribution("gamma", mean=10.0, cv=0.5) == sim.Gamma(10.0, 0.5)
    assert sim.distribution("deterministic", mean=5.0) == sim.Deterministic(5.0)
    with pytest.raises(orr.ValidationError, match="unknown distribution 'weibull'"):
        sim.distribution("weibull", mean=1.0)
    with pytest.raises(orr.ValidationError, match="missing"):
        sim.distribution("uniform", low=1.0)
    with pytest.raises(orr.ValidationError, match=r"Lognormal.cv must be a finite number > 0 and <= 10 \(got -1\)"):
        sim.Lognormal(10.0, -1)
    with pytest.raises(orr.ValidationError, match="high must be >= low"):
        sim.Uniform(5.0, 1.0)
