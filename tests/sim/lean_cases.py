"""Scenarios that take every path of the simulation engine, and a digest of a report (shared
by the lean-engine tests and the build tests)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import omniroute as orr
from omniroute import sim

H = 3600.0


def features() -> sim.Scenario:
    """Bot, retrials, callbacks, transfers, overflow, steps, wrap-up, chat, segments, shifts
    with breaks, busyness: every path of the engine on one small centre."""
    q_gen = orr.Queue("general", sla=orr.ServiceLevel(0.8, 20.0),
                      steps=[orr.Step(after=30.0, min_tier=1, max_tier=2)],
                      overflow=orr.Overflow(after=90.0, to="spill"))
    queues = [
        sim.QueueSpec(q_gen, needs={"general": 1}),
        sim.QueueSpec(orr.Queue("spill"), needs={"general": 1}),
        sim.QueueSpec(orr.Queue("expert", max_tier=2), needs={"expert": 1}),
        sim.QueueSpec(orr.Queue("chat"), needs={"general": 1}, channel=orr.CHAT),
    ]
    shift = sim.Shift(0.0, 5 * H, breaks=(sim.Break(2 * H, 900.0),))
    agents = [
        sim.AgentGroup(4, team="front", skills={"general": 1}, tier=1,
                       capacity={orr.VOICE: 1, orr.CHAT: 2}, shifts=[shift]),
        sim.AgentGroup(2, team="spec", skills={"general": 1, "expert": 1}, tier=2),
    ]
    demand = [
        sim.Demand("general", sim.Arrivals((40.0, 70.0), interval=2 * H), sim.Exponential(240.0),
                   patience=sim.Exponential(120.0), wrap_up=10.0, segment="retail",
                   bot=sim.Bot(containment=0.3, time=sim.Exponential(60.0)),
                   retrial=sim.Retrial(0.5, sim.Exponential(300.0), max_attempts=3),
                   callback=sim.Callback(after=60.0, probability=0.4),
                   transfer=sim.Transfer(0.2, to="expert", handle=sim.Exponential(180.0))),
        sim.Demand("general", sim.Arrivals(10.0), sim.Exponential(200.0), priority=1,
                   segment="premium", patience=sim.Exponential(300.0)),
        sim.Demand("chat", sim.Arrivals(20.0), sim.Lognormal(400.0, 0.5)),
    ]
    return sim.Scenario(queues, agents, demand, horizon=6 * H, warmup=H, name="features",
                        interval=1800.0, busyness=sim.Busyness(0.2))


# The KPIs and interval series a report held when the digests were pinned; KPIs added
# since are left out, so the digests keep checking what they checked (as are the intervals'
# clock labels, text added since).
KPIS = frozenset({
    "offered", "answered", "abandoned", "service_level", "asa", "mean_wait", "p_wait",
    "abandon_rate", "aht", "unanswered", "callbacks", "retrials", "transferred", "bot_contained",
    "overflowed", "occupancy", "utilization", "staffed_hours", "staffed", "waiting",
})


def _pinned(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _pinned(v) for k, v in x.items() if k != "clock" and (
                not (isinstance(v, (int, float, list)) or v is None) or k in KPIS
                or not isinstance(k, str) or k in ("width", "start", "contacts", "end", "seed",
                                                   "scenario", "replications"))}
    return x


def digest(report: sim.Report) -> str:
    """A hash of everything a report holds (the KPIs of :data:`KPIS`)."""
    text = json.dumps(_pinned(report.to_dict()), sort_keys=True, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cases() -> dict[str, tuple[sim.Scenario, int]]:
    root = Path(__file__).resolve().parents[2]
    return {
        "features": (features(), 7),
        "retail_bank": (sim.load_scenario(sim.bundled_scenario_path("retail_bank")), 3),
        "small_centre": (sim.load_scenario(root / "examples" / "small_centre.toml"), 5),
    }
