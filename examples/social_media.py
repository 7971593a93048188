"""Social media customer care: about 180 public posts a day, complaints first.

A bank's social team answers public posts (a deferrable channel: nobody hangs up, the post
waits for an answer).  Most customers want an answer to an online complaint within a day, so
the queue's service level is "80% answered within 24 hours".  About a third of the posts are
complaints; they go before other posts.  A small team works weekdays 08:00-20:00 and one
person covers weekend days.  One simulated week, run with complaints first (priority, then
first-in-first-out) and with one plain first-in-first-out line, with the same seeds.

Run: python examples/social_media.py
"""

from __future__ import annotations

import omniroute as orr
from omniroute import reports, sim

REPLICATIONS = 6
SEED = 3
HOUR = 3600.0
DAY = 24 * HOUR

# posts per hour over a day (hourly): people post in the evening too
SHAPE = [2, 1, 1, 0.5, 0.5, 1, 2, 5, 9, 11, 11, 10, 11, 11, 10, 10, 10, 11, 12, 13, 13, 11, 8, 4]
TOTAL = sum(SHAPE)


def profile(per_day: float) -> sim.Arrivals:
    return sim.Arrivals([per_day * s / TOTAL for s in SHAPE], interval=HOUR)


def scenario(contact_policy: str) -> sim.Scenario:
    posts = orr.Queue("posts", sla=orr.ServiceLevel(0.8, DAY))
    weekdays = (0, 1, 2, 3, 4)
    team = [
        sim.AgentGroup(3, skills={"social": 3}, team="social-week", capacity={orr.SOCIAL: 3},
                       shifts=[sim.Shift(8 * HOUR, 20 * HOUR, days=weekdays,
                                         breaks=[sim.Break(13 * HOUR, 1800.0)])]),
        sim.AgentGroup(1, skills={"social": 3}, team="social-weekend", capacity={orr.SOCIAL: 3},
                       shifts=[sim.Shift(10 * HOUR, 18 * HOUR, days=(5, 6))]),
    ]
    handle = sim.Lognormal(25 * 60.0, 0.8)  # elapsed time per post, several handled at once
    demand = [
        sim.Demand("posts", profile(60.0), handle, segment="complaint", priority=1, name="complaints"),
        sim.Demand("posts", profile(120.0), sim.Lognormal(15 * 60.0, 0.8), segment="other", name="other posts"),
    ]
    return sim.Scenario(
        queues=[sim.QueueSpec(posts, channel=orr.SOCIAL, needs={"social": 1})],
        agents=team, demand=demand, horizon=8 * DAY, warmup=DAY, interval=3 * HOUR,
        name=f"Social media care ({contact_policy})", start_day=6,
        routing=sim.Routing(contact=contact_policy),
    )


def main() -> None:
    first = sim.replicate(scenario("priority-fifo"), REPLICATIONS, seed=SEED)
    fifo = sim.replicate(scenario("fifo"), REPLICATIONS, seed=SEED)
    print(reports.kpi_table(first, groups=("segments", "teams")))
    print()
    print("Answer within a day; mean wait ('ASA') in hours:")
    for seg in ("complaint", "other"):
        for name, s in (("complaints first", first), ("one FIFO line", fifo)):
            asa = s.kpi("asa", "segments", seg)
            sl = s.kpi("service_level", "segments", seg)
            print(f"  {seg:<9} {name:<16} within a day {100 * sl.mean:5.1f}%   "
                  f"mean wait {asa.mean / 3600:4.1f} h [{asa.low / 3600:.1f}, {asa.high / 3600:.1f}]")
    print()
    rows = reports.compare([first, fifo], kpis=(("overall", ("service_level", "asa")),
                                                ("segments", ("service_level", "asa"))))
    print(reports.comparison_table(["complaints first", "one FIFO line"], rows))


if __name__ == "__main__":
    main()
