"""Progress inside a long replication (issue 12): the share of the horizon simulated, reported
as the clock passes, without changing the results."""

from __future__ import annotations

import io

from lean_cases import digest, features

from omniroute import reports, sim


def test_progress_sees_the_clock_and_changes_nothing() -> None:
    sc = features()
    seen: list[float] = []
    with_bar = sim.run(sc, 7, progress=seen.append)
    assert digest(with_bar) == digest(sim.run(sc, 7))
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 100
    assert abs(seen[49] - 0.5) < 1e-9  # every hundredth of the horizon


def test_the_replicate_bar_counts_simulated_time(monkeypatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    s = reports.replicate(features(), 2, seed=1, show=True)
    assert s.replications == 2
    assert "% of simulated time" in err.getvalue()
