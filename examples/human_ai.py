"""Human + AI service: a bot contains part of the demand; seniors get a person.

A voice bot and a chat bot answer first and resolve a share of the contacts themselves (they
are then ``bot_contained``, not offered to agents); the rest escalate to the agents.  Older,
high-value customers who want a person on the phone skip the bot: their calls go straight to
a queue of senior advisers (tier 2 and up, with the ``advice`` skill), and after 90 seconds
of waiting any tier-2 agent may take them.  Senior advisers help with ordinary calls only
after those have waited a minute.

Three levels of bot containment with the same agents and the same customers: no bot, the bot
as it is (30% of calls, 45% of chats) and an improved bot (45% / 60%).

Run: python examples/human_ai.py
"""

from __future__ import annotations

import omniroute as orr
from omniroute import reports, sim

REPLICATIONS = 5
SEED = 5
H = 3600.0


def scenario(voice_bot: float, chat_bot: float) -> sim.Scenario:
    queues = [
        sim.QueueSpec(orr.Queue("general", sla=orr.ServiceLevel(0.8, 30.0), max_tier=1,
                                steps=[orr.Step(60.0, max_tier=2)]), channel=orr.VOICE,
                      needs={"service": 1}),
        sim.QueueSpec(orr.Queue("chat", sla=orr.ServiceLevel(0.8, 60.0)), channel=orr.CHAT,
                      needs={"service": 1}),
        sim.QueueSpec(orr.Queue("seniors", sla=orr.ServiceLevel(0.9, 30.0), min_tier=2, priority=1,
                                steps=[orr.Step(90.0, drop=("advice",))]),
                      channel=orr.VOICE, needs={"service": 1, "advice": 3}),
    ]
    agents = [
        sim.AgentGroup(30, skills={"service": 3}, tier=1, capacity={orr.VOICE: 1, orr.CHAT: 3},
                       team="frontline"),
        sim.AgentGroup(10, skills={"service": 4, "advice": 4}, tier=2, capacity={orr.VOICE: 1},
                       team="senior advisers"),
    ]

    def bot(share: float, low: float, high: float) -> sim.Bot | None:
        return sim.Bot(share, sim.Uniform(low, high)) if share > 0 else None

    exp = sim.Exponential
    demand = [
        sim.Demand("seniors", sim.Arrivals(40), sim.Lognormal(540.0, 0.6), patience=exp(600.0),
                   segment="senior, high value", priority=1, name="seniors who want a person"),
        sim.Demand("general", sim.Arrivals(380), sim.Lognormal(270.0, 0.9), patience=exp(180.0),
                   segment="retail", wrap_up=15.0, bot=bot(voice_bot, 45.0, 150.0), name="calls"),
        sim.Demand("chat", sim.Arrivals(200), sim.Gamma(420.0, 0.6), patience=exp(300.0),
                   segment="retail", bot=bot(chat_bot, 30.0, 120.0), name="chats"),
    ]
    return sim.Scenario(queues=queues, agents=agents, demand=demand, horizon=8 * H, warmup=H,
                        name=f"Human + AI (bot containment: calls {voice_bot:.0%}, chats {chat_bot:.0%})",
                        routing=sim.Routing(agent="best-fit"))


def main() -> None:
    variants = {"no bot": (0.0, 0.0), "bot today": (0.30, 0.45), "better bot": (0.45, 0.60)}
    runs = {name: sim.replicate(scenario(*v), REPLICATIONS, seed=SEED) for name, v in variants.items()}
    print(reports.kpi_table(runs["bot today"], columns=("offered", "answered", "service_level", "asa",
                                                        "abandon_rate", "occupancy"),
                            groups=("queues", "segments", "tiers")))
    contained = runs["bot today"].kpi("bot_contained")
    print(f"\ncontained by the bots (not offered to agents): {contained.mean:.0f} "
          f"[{contained.low:.0f}, {contained.high:.0f}] contacts")
    print()
    rows = reports.compare(list(runs.values()), kpis=(
        ("overall", ("offered", "service_level", "asa", "abandon_rate", "occupancy")),
        ("segments", ("service_level", "asa")),
    ))
    print("Bot containment levels, same customers:")
    print(reports.comparison_table(list(runs), rows))


if __name__ == "__main__":
    main()
