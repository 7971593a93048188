"""The contact centre as a central business processing platform.

Voice, chat and video contacts and back-office tasks (applications to key in, compliance
checks) share one platform.  Tiers: frontline service (tier 1), premium advisers (tier 2),
wealth managers (tier 3), plus back-office processors.  Routing blends: an agent takes a task
only when no call, chat or video session it could serve is waiting
(``realtime-first+priority-fifo``), and the best-fitting agent takes each contact (fewest
unneeded skills: generalists stay free).

Two designs with the same headcount and the same customers: *dedicated* (frontline answers
contacts only; tasks go to the processors) and *blended* (frontline also processes
applications between contacts).

Run: python examples/processing_platform.py
"""

from __future__ import annotations

import omniroute as orr
from omniroute import reports, sim

REPLICATIONS = 5
SEED = 11
H = 3600.0


def scenario(blended: bool) -> sim.Scenario:
    Q = orr.Queue
    queues = [
        sim.QueueSpec(Q("service", sla=orr.ServiceLevel(0.8, 20.0), max_tier=1,
                        steps=[orr.Step(40.0, max_tier=2)]), channel=orr.VOICE, needs={"service": 1}),
        sim.QueueSpec(Q("chat", sla=orr.ServiceLevel(0.8, 60.0)), channel=orr.CHAT, needs={"service": 1}),
        sim.QueueSpec(Q("advice", sla=orr.ServiceLevel(0.8, 60.0), min_tier=2, priority=1),
                      channel=orr.VIDEO, needs={"advice": 2}),
        sim.QueueSpec(Q("wealth", sla=orr.ServiceLevel(0.9, 30.0), min_tier=3, priority=2),
                      channel=orr.VOICE, needs={"wealth": 3}),
        sim.QueueSpec(Q("applications", sla=orr.ServiceLevel(0.9, 4 * H)), channel=orr.TASK,
                      needs={"processing": 1}),
        sim.QueueSpec(Q("compliance", sla=orr.ServiceLevel(0.9, 2 * H), priority=1), channel=orr.TASK,
                      needs={"compliance": 2}),
    ]
    front_cap = {orr.VOICE: 1, orr.CHAT: 2}
    front_skills = {"service": 3}
    if blended:
        front_cap[orr.TASK] = 1
        front_skills["processing"] = 2
    agents = [
        sim.AgentGroup(36, skills=front_skills, tier=1, capacity=front_cap, team="frontline"),
        sim.AgentGroup(10, skills={"service": 4, "advice": 3}, tier=2,
                       capacity={orr.VOICE: 1, orr.VIDEO: 1}, team="premium advisers"),
        sim.AgentGroup(4, skills={"service": 4, "advice": 4, "wealth": 4}, tier=3,
                       capacity={orr.VOICE: 1, orr.VIDEO: 1}, team="wealth managers"),
        sim.AgentGroup(12, skills={"processing": 3, "compliance": 3}, tier=1,
                       capacity={orr.TASK: 2}, team="back office"),
    ]
    exp, logn = sim.Exponential, sim.Lognormal
    demand = [
        sim.Demand("service", sim.Arrivals(330), logn(240.0, 0.9), patience=exp(180.0), wrap_up=20.0,
                   name="calls"),
        sim.Demand("chat", sim.Arrivals(90), sim.Gamma(480.0, 0.6), patience=exp(240.0), name="chats"),
        sim.Demand("advice", sim.Arrivals(20), logn(1200.0, 0.5), patience=exp(300.0),
                   segment="premium", name="video advice"),
        sim.Demand("wealth", sim.Arrivals(6), logn(900.0, 0.5), patience=exp(600.0),
                   segment="wealth", priority=1, name="wealth clients"),
        sim.Demand("applications", sim.Arrivals(110), logn(600.0, 0.5), name="applications"),
        sim.Demand("compliance", sim.Arrivals(20), logn(900.0, 0.4), name="compliance checks"),
    ]
    return sim.Scenario(queues=queues, agents=agents, demand=demand, horizon=10 * H, warmup=H,
                        name="Processing platform, " + ("blended" if blended else "dedicated"),
                        routing=sim.Routing(agent="best-fit", contact="realtime-first+priority-fifo"))


def main() -> None:
    dedicated = sim.replicate(scenario(False), REPLICATIONS, seed=SEED)
    blended = sim.replicate(scenario(True), REPLICATIONS, seed=SEED)
    print(reports.kpi_table(blended, groups=("channels", "tiers", "teams")))
    print()
    rows = reports.compare([dedicated, blended], kpis=(
        ("queues", ("service_level", "asa")),
        ("teams", ("occupancy",)),
    ))
    print("Dedicated vs blended, same customers:")
    print(reports.comparison_table(["dedicated", "blended"], rows))


if __name__ == "__main__":
    main()
