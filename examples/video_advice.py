"""24/7 video advice for a retail bank: premium clients first, then opened to everyone.

About 50 advisers in one centre, on four shifts round the clock, answer video calls.  First the
service is for premium clients only; then it is opened to all retail customers, premium
clients keeping priority.  Both phases run with the same seeds: replication i sees the same
premium clients in both (their demand is the scenario's first stream), so the paired t-test
isolates what opening the service costs them.

Run: python examples/video_advice.py [PLOT.png]   (a plot of the open service, needs matplotlib)
"""

from __future__ import annotations

import sys

import omniroute as orr
from omniroute import reports, sim

REPLICATIONS = 6
SEED = 7


def day_profile(night: float, peak: float) -> list[float]:
    """48 half-hourly rates (per hour): quiet nights, a morning and an evening peak."""
    shape = [0.10, 0.08, 0.06, 0.05, 0.05, 0.05, 0.05, 0.05, 0.06, 0.08, 0.10, 0.15,  # 00-06
             0.25, 0.40, 0.55, 0.70, 0.85, 0.95, 1.00, 0.95, 0.90, 0.85, 0.80, 0.80,  # 06-12
             0.75, 0.70, 0.70, 0.70, 0.70, 0.72, 0.75, 0.80, 0.85, 0.90, 0.95, 0.95,  # 12-18
             0.90, 0.90, 0.95, 1.00, 0.95, 0.85, 0.70, 0.55, 0.40, 0.30, 0.20, 0.15]  # 18-24
    return [round(night + (peak - night) * s, 2) for s in shape]


def advisers() -> list[sim.AgentGroup]:
    """50 advisers: early, day, late and night shifts (video sessions take them whole)."""
    skills = {"advice": 3}
    cap = {orr.VIDEO: 1}

    def group(team: str, count: int, start: float, end: float) -> sim.AgentGroup:
        return sim.AgentGroup(count, skills=skills, tier=2, capacity=cap, team=team,
                              shifts=[sim.Shift(start, end)])

    h = 3600.0
    return [group("early", 12, 6 * h, 14 * h), group("day", 16, 9 * h, 17 * h),
            group("late", 14, 14 * h, 22 * h), group("night", 8, 22 * h, 6 * h)]


def scenario(open_to_all: bool) -> sim.Scenario:
    video = orr.Queue("video", sla=orr.ServiceLevel(0.8, 60.0))
    demand = [sim.Demand("video", sim.Arrivals(day_profile(1.0, 22.0)),
                         sim.Lognormal(20 * 60.0, 0.6), patience=sim.Exponential(8 * 60.0),
                         segment="premium", priority=1, name="premium clients")]
    if open_to_all:
        demand.append(sim.Demand("video", sim.Arrivals(day_profile(1.5, 50.0)),
                                 sim.Lognormal(15 * 60.0, 0.7), patience=sim.Exponential(5 * 60.0),
                                 segment="retail", name="retail customers"))
    name = "Video advice, open to all retail" if open_to_all else "Video advice, premium only"
    return sim.Scenario(queues=[sim.QueueSpec(video, channel=orr.VIDEO, needs={"advice": 1})],
                        agents=advisers(), demand=demand, horizon=24 * 3600.0, warmup=0.0,
                        name=name, interval=1800.0)


def main(plot: str | None = None) -> None:
    premium = sim.replicate(scenario(False), REPLICATIONS, seed=SEED)
    everyone = sim.replicate(scenario(True), REPLICATIONS, seed=SEED)
    for s in (premium, everyone):
        print(reports.kpi_table(s, groups=("segments", "tiers")))
        print()
    rows = reports.compare([premium, everyone], kpis=(
        ("overall", ("service_level", "asa", "abandon_rate", "occupancy")),
        ("segments", ("service_level", "asa", "abandon_rate")),
    ))
    print("Premium only vs open to all, same seeds (paired t-test on the replications):")
    print(reports.comparison_table(["premium only", "open to all"], rows))
    if plot:
        reports.plot_report(everyone, plot, scenario=scenario(True))
        print(f"wrote {plot}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
