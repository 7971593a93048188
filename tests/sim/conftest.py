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


def one_queue_toml(*, top: str = "", queue: str = "", agents: str = "count = 1", demand: str = "",
                   tail: str = "", horizon: str = "2h") -> str:
    """The text of a scenario file with one queue ``q``, one agent group and one Poisson
    demand stream, plus the given lines in each section (for the loader's tests)."""
    return f"""
horizon = "{horizon}"
{top}
[[queues]]
name = "q"
{queue}
[[agents]]
{agents}
[[demand]]
queue = "q"
arrivals = {{ per_hour = 10 }}
handle = {{ dist = "exponential", mean = "3m" }}
{demand}
{tail}
"""


@pytest.fixture
def mmn():
    """The :func:`make_mmn` builder."""
    return make_mmn
