"""Predictive pairing: choose the agent a fitted model expects to finish fastest.

A card-services centre takes three types of call (cards, loans, fraud) on one pool of 24
agents in three desks.  Every agent can take every type, but each desk is fast on its own
type and slow on the others (``AgentGroup.handle_factor``: 0.7x on its own, 1.2-1.3x on
the rest).  The router is not told who is fast at what; it learns it from history:

1. **History.**  Past calls per (agent, type), a handful each, drawn from the same handle
   time model (lognormal, cv 0.6) with each desk's true speeds: some agents are new and
   have handled almost nothing of a type.
2. **Model.**  The predicted handle time of agent ``a`` on type ``q`` is the pair's mean
   shrunk toward a prior, ``(sum + K * prior) / (n + K)``; the prior is the type's mean
   times the agent's overall speed (its calls' handle times relative to their types' means,
   itself shrunk toward 1).  A pair with little history gets the prior; one with much,
   its own mean.
3. **Pairing.**  ``policies.Scored(score)`` with ``score = -predicted handle time``: of the
   free agents who can take a call, the fastest predicted one takes it (ties: longest
   idle).  When an agent frees up and calls wait, the oldest call goes to it (the contact
   policy decides there: the score chooses agents, not calls).

Longest idle against predictive pairing on the same customers (common random numbers, a
paired t-test per KPI): ASA, service level and AHT with 95% intervals; and pairing with
``limit=3`` (only the three longest-idle free agents scored per decision: a bounded cost).

A Python function cannot be named in a scenario file: the policy is given in code, as a
factory, ``sim.Routing(agent=lambda _rng:
policies.Scored(score))`` (the simulation passes each replication's policy generator;
``Scored`` draws nothing).  A model exported as a table of predictions by agent (or team,
tier) and queue can be: ``policies.ScoreTable`` and a scenario's ``[routing.score]``
(docs/policies.md, "A score table").

Run: python examples/predictive_pairing.py
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

import numpy as np

import omniroute as orr
from omniroute import policies, reports, sim

REPLICATIONS = 5
SEED = 11
H = 3600.0
TYPES = ("cards", "loans", "fraud")
MEAN_HANDLE = 300.0  # seconds, before the agent's speed
CV = 0.6
#: Each desk's true handle-time factor per type (hidden from the model: it sees history only).
DESKS = {
    "cards desk": {"cards": 0.7, "loans": 1.3, "fraud": 1.2},
    "loans desk": {"cards": 1.2, "loans": 0.7, "fraud": 1.3},
    "fraud desk": {"cards": 1.3, "loans": 1.2, "fraud": 0.7},
}
PER_DESK = 8
K = 5.0  # shrinkage weight: a prior counts as K calls


def scenario(agent: sim.scenario.PolicySpec, name: str) -> sim.Scenario:
    queues = [sim.QueueSpec(orr.Queue(q, sla=orr.ServiceLevel(0.8, 20.0)), channel=orr.VOICE,
                            needs={"cards service": 1}) for q in TYPES]
    agents = [sim.AgentGroup(PER_DESK, skills={"cards service": 2}, team=desk, handle_factor=speeds)
              for desk, speeds in DESKS.items()]
    demand = [sim.Demand(q, sim.Arrivals(75), sim.Lognormal(MEAN_HANDLE, CV),
                         patience=sim.Exponential(240.0), name=q) for q in TYPES]
    return sim.Scenario(queues=queues, agents=agents, demand=demand, horizon=8 * H, warmup=H,
                        name=name, routing=sim.Routing(agent=agent))


def history(rng: np.random.Generator) -> list[tuple[str, str, float]]:
    """Past calls (agent id, type, handle time): a few per pair, some pairs none."""
    sigma = math.sqrt(math.log1p(CV * CV))
    out = []
    for desk, speeds in DESKS.items():
        for i in range(PER_DESK):
            aid = f"{desk}-{i}"  # the ids the simulation gives the group's agents
            for q in TYPES:
                mean = MEAN_HANDLE * speeds[q]
                for x in rng.lognormal(math.log(mean) - sigma * sigma / 2, sigma, rng.poisson(6)):
                    out.append((aid, q, float(x)))
    return out


def fit(past: list[tuple[str, str, float]]) -> dict[tuple[str, str], float]:
    """Predicted handle time per (agent, type): pair means shrunk toward type x agent speed."""
    by_type: dict[str, list[float]] = defaultdict(list)
    for _a, q, x in past:
        by_type[q].append(x)
    type_mean = {q: float(np.mean(by_type[q])) for q in TYPES}
    rel: dict[str, list[float]] = defaultdict(list)
    pair: dict[tuple[str, str], list[float]] = defaultdict(list)
    for a, q, x in past:
        rel[a].append(x / type_mean[q])
        pair[(a, q)].append(x)
    agents = [f"{desk}-{i}" for desk in DESKS for i in range(PER_DESK)]
    model = {}
    for a in agents:
        speed = (sum(rel[a]) + K) / (len(rel[a]) + K)  # shrunk toward 1 (an average agent)
        for q in TYPES:
            xs = pair[(a, q)]
            prior = type_mean[q] * speed
            model[(a, q)] = (sum(xs) + K * prior) / (len(xs) + K)
    return model


def scorer(model: dict[tuple[str, str], float]) -> Callable[[orr.Agent, orr.Contact], float]:
    """``score(agent, contact)`` for ``policies.Scored``: minus the predicted handle time."""

    def score(agent: orr.Agent, contact: orr.Contact) -> float:
        return -model[(agent.id, contact.queue)]  # higher is better: the shortest predicted

    return score


def main() -> None:
    past = history(np.random.default_rng(SEED))
    model = fit(past)
    score = scorer(model)
    truth = {(f"{d}-{i}", q): MEAN_HANDLE * s[q] for d, s in DESKS.items() for i in range(PER_DESK)
             for q in TYPES}
    err = np.mean([abs(model[k] - truth[k]) for k in truth])
    naive = np.mean([abs(MEAN_HANDLE * np.mean([s[q] for s in DESKS.values()]) - truth[k])
                     for k in truth for q in [k[1]]])
    print(f"history: {len(past)} past calls over {len(truth)} (agent, type) pairs; model's mean "
          f"absolute error {err:.0f} s (a type's mean alone: {naive:.0f} s)")

    runs = {
        "longest idle": sim.replicate(scenario("longest-idle", "longest idle"), REPLICATIONS, seed=SEED),
        "predictive pairing": sim.replicate(
            scenario(lambda _rng: policies.Scored(score), "predictive pairing"), REPLICATIONS, seed=SEED),
        # the cost bounded: only the 3 longest-idle free agents are scored per decision
        "pairing, limit 3": sim.replicate(
            scenario(lambda _rng: policies.Scored(score, limit=3), "pairing, limit 3"), REPLICATIONS,
            seed=SEED),
    }
    print()
    for name, s in runs.items():
        parts = []
        for kpi, fmt in (("asa", "{:.1f} s"), ("service_level", "{:.1%}"), ("aht", "{:.0f} s"),
                         ("abandon_rate", "{:.1%}"), ("occupancy", "{:.1%}")):
            e = s.kpi(kpi)
            half = (e.high - e.low) / 2
            parts.append(f"{kpi} {fmt.format(e.mean)} ± {fmt.format(half)}")
        print(f"{name:>18}: " + ", ".join(parts))
    pair = ["longest idle", "predictive pairing"]
    rows = reports.compare([runs[n] for n in pair], kpis=(
        ("overall", ("service_level", "asa", "aht", "abandon_rate", "occupancy")),
        ("queues", ("service_level", "asa", "aht")),
    ))
    print("\nLongest idle vs predictive pairing, same customers (paired t-test on the replications):")
    print(reports.comparison_table(pair, rows))


if __name__ == "__main__":
    main()
