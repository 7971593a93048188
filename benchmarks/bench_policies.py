"""Cost per decision of the research policies (issue 13): cμ, generalised cμ, threshold reservation.

A backlog of waiting contacts in three queues (one skill), 200 agents in two tiers, all busy;
each step completes the contact of the agent busy the longest (the freed agent takes the waiting contact the contact
policy ranks first) and submits a new one.  Reported: microseconds per step (a completion with
its routing decision, plus a submit), best of 3, at two backlog sizes: a policy that scanned the
waiting contacts would grow tenfold with the backlog.  Prints a Markdown table for
``benchmarks/RESULTS.md``; run it once per build (``OMNIROUTE_PURE_PYTHON=1`` for the pure one).

    PYTHONPATH=src python benchmarks/bench_policies.py
"""

from __future__ import annotations

import time

import omniroute as orr
from omniroute import policies as P


def run(cp: P.ContactPolicy, ap: P.AgentPolicy | None, agents: int, waiting: int, steps: int) -> float:
    """Microseconds per step (see the module docstring)."""
    r = orr.Router([orr.Queue(n) for n in "abc"], agent_policy=ap, contact_policy=cp)
    for i in range(agents):
        r.add_agent(orr.Agent(f"x{i}", tier=1 + i % 2, skills={"s": 1}), 0.0)
        r.set_available(f"x{i}", 0.0)
    t, k, held = 0.0, 0, {}
    for k in range(agents + waiting):
        t += 0.001
        for x in r.submit(orr.Contact(f"c{k}", channel=orr.VOICE, queue="abc"[k % 3], needs={"s": 1}), t):
            held[x.agent_id] = x.contact_id
    start = time.perf_counter()
    for _ in range(steps):
        t += 0.001
        k += 1
        aid = next(iter(held))  # the agent busy the longest (a reservation may keep it idle)
        for x in r.complete(held.pop(aid), t):
            held[x.agent_id] = x.contact_id
        r.submit(orr.Contact(f"c{k}", channel=orr.VOICE, queue="abc"[k % 3], needs={"s": 1}), t)
    return (time.perf_counter() - start) / steps * 1e6


CASES = [
    ("priority-fifo (baseline)", lambda: (P.PriorityFIFO(), None)),
    ("weighted-aging (LWWT)", lambda: (P.WeightedAging({"a": 2.0}), None)),
    ("cmu", lambda: (P.CMu({"a": 2.0}, {"b": 0.5}), None)),
    ("gcmu", lambda: (P.GeneralizedCMu({"a": 2.0}, {"b": 0.5}, {"c": 3.0}), None)),
    ("reserve+longest-idle, priority-fifo", lambda: (P.PriorityFIFO(), P.Reserve({2: 5}, ["a"]))),
]


def main() -> None:
    build = "compiled" if orr.ACCELERATED else "pure"
    print("| policy | build | µs/step, 2,000 waiting | µs/step, 20,000 waiting |")
    print("|---|---|---:|---:|")
    for name, make in CASES:
        cells = []
        for waiting in (2_000, 20_000):
            cells.append(min(run(*make(), agents=200, waiting=waiting, steps=10_000) for _ in range(3)))
        print(f"| {name} | {build} | {cells[0]:.1f} | {cells[1]:.1f} |")


if __name__ == "__main__":
    main()
