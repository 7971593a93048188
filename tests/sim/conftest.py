"""Shared helpers of the simulation tests."""

from __future__ import annotations

import pytest

import omniroute as orr
from omniroute import sim


def make_mmn(agents: int, per_hour: float, handle: float, *, patience: float | None = None,
        horizon: float = 8 * 3600.0, warmup: float = 3600.0, sla: float = 20.0) -> sim.Scenario:
    """An M/M/n (or M/M/n+M with patience) scenario."""
    return sim.Scenario(
        queues=[orr.Queue("q", sla=orr.ServiceLevel(0.8, sla))],
        agents=[sim.AgentGroup(agents, team="pool")],
        demand=[sim.Demand("q", sim.Arrivals(per_hour), sim.Exponential(handle),
                           patience=sim.Exponential(patience) if patience else None)],
        horizon=horizon, warmup=warmup, name="mmn",
    )


@pytest.fixture
def mmn():
    """The :func:`make_mmn` builder."""
    return make_mmn
