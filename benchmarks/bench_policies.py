"""Cost per decision of every routing policy, built-in and research (issue 13), in both builds.

Two measurements, each at three sizes, so that a cost growing with the backlog or the staff
shows as a growing row:

* **contact policies** (which waiting contact a freed agent takes): 200 busy agents in two
  tiers and a backlog of ``W`` waiting contacts in three queues; a step completes the contact
  of the agent busy the longest (the freed agent takes the contact the policy ranks first)
  and submits one more (it waits).  ``W`` = 1,000, 10,000, 50,000.
* **agent policies** (which idle agent takes an arriving contact): ``N`` idle agents in two
  tiers, no backlog; a step submits a contact (the policy picks its agent) and completes it.
  ``N`` = 100, 1,000, 10,000.

Reported: microseconds per step (one decision plus the call that sets the next one up), best
of 3 runs of up to 3,000 steps or half a second.  The baseline, in the same process: the scanning reference router
(``omniroute.testing.ReferenceRouter``, which looks at every agent and every waiting
contact) with the default policies, at the same sizes.  Each build runs in a child process
(``_builds.call_in_build``); the Markdown table goes to ``benchmarks/RESULTS.md``:

    PYTHONPATH=src python benchmarks/bench_policies.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from _builds import call_in_build

import omniroute as orr
from omniroute import policies as P

QUEUES = "abc"
WAITING = (1_000, 10_000, 50_000)
AGENTS = (100, 1_000, 10_000)


def _score(agent: orr.Agent, contact: orr.Contact) -> float:
    """A trivial score: the agent's level in the needed skill (all equal here)."""
    return float(agent.skills.get("s", 0))


def _call(k: int) -> orr.Contact:
    return orr.Contact(f"c{k}", channel=orr.VOICE, queue=QUEUES[k % 3], needs={"s": 1})


def _router(ap: P.AgentPolicy | None, cp: P.ContactPolicy | None, scan: bool) -> orr.Router:
    if scan:
        from omniroute.testing import ReferenceRouter
        return ReferenceRouter([orr.Queue(n) for n in QUEUES], agent_policy=ap, contact_policy=cp)
    return orr.Router([orr.Queue(n) for n in QUEUES], agent_policy=ap, contact_policy=cp)


def contact_step(cp: P.ContactPolicy, waiting: int, steps: int, budget: float, scan: bool = False) -> float:
    """Microseconds per step of the contact-policy measurement (module docstring)."""
    r = _router(None, cp, scan)
    agents = 200
    for i in range(agents):
        r.add_agent(orr.Agent(f"x{i}", tier=1 + i % 2, skills={"s": 1}), 0.0)
        r.set_available(f"x{i}", 0.0)
    t, k, held = 0.0, 0, {}
    for k in range(agents + waiting):
        t += 0.001
        for x in r.submit(_call(k), t):
            held[x.agent_id] = x.contact_id
    start = time.perf_counter()
    done = 0
    while done < steps and time.perf_counter() - start < budget:
        t += 0.001
        k += 1
        aid = next(iter(held))  # the agent busy the longest
        for x in r.complete(held.pop(aid), t):
            held[x.agent_id] = x.contact_id
        r.submit(_call(k), t)
        done += 1
    return (time.perf_counter() - start) / done * 1e6


def agent_step(ap: P.AgentPolicy, cp: P.ContactPolicy | None, agents: int, steps: int, budget: float,
               scan: bool = False) -> float:
    """Microseconds per step of the agent-policy measurement (module docstring)."""
    r = _router(ap, cp, scan)
    for i in range(agents):
        r.add_agent(orr.Agent(f"x{i}", tier=1 + i % 2, skills={"s": 1 + i % 3}), 0.0)
        r.set_available(f"x{i}", 0.0)
    t, done = 0.0, 0
    start = time.perf_counter()
    while done < steps and time.perf_counter() - start < budget:
        t += 0.001
        (x,) = r.submit(_call(done), t)
        r.complete(x.contact_id, t)
        done += 1
    return (time.perf_counter() - start) / done * 1e6


RATIOS = {"a": 0.5, "b": 0.3, "c": 0.2}
CONTACT_CASES: list[tuple[str, Callable[[], P.ContactPolicy]]] = [
    ("priority-fifo", P.PriorityFIFO),
    ("head-start", P.HeadStart),
    ("weighted-aging (LWWT)", lambda: P.WeightedAging({"a": 2.0})),
    ("earliest-deadline", P.EarliestDeadline),
    ("fifo", P.FIFO),
    ("realtime-first+priority-fifo", lambda: P.RealtimeFirst(P.PriorityFIFO())),
    ("cmu", lambda: P.CMu({"a": 2.0}, {"b": 0.5})),
    ("gcmu", lambda: P.GeneralizedCMu({"a": 2.0}, {"b": 0.5}, {"c": 3.0})),
    ("queue-ratio (FQR)", lambda: P.QueueRatio(RATIOS)),
]
AGENT_CASES: list[tuple[str, Callable[[], tuple[P.AgentPolicy, P.ContactPolicy | None]]]] = [
    ("longest-idle", lambda: (P.LongestIdle(), None)),
    ("least-occupied", lambda: (P.LeastOccupied(), None)),
    ("most-skilled", lambda: (P.MostSkilled(), None)),
    ("best-fit", lambda: (P.BestFit(), None)),
    ("round-robin", lambda: (P.RoundRobin(), None)),
    ("fewest-handled", lambda: (P.FewestHandled(), None)),
    ("random", lambda: (P.Random(1), None)),
    ("preferred+longest-idle", lambda: (P.PreferredAgent(P.LongestIdle()), None)),
    ("scored (trivial score)", lambda: (P.Scored(_score), None)),
    ("scored, limit=8", lambda: (P.Scored(_score, limit=8), None)),
    ("reserve {2: 5}+longest-idle", lambda: (P.Reserve({2: 5}, ["a"]), None)),
    ("qir: idleness-ratio + queue-ratio", lambda: (P.IdlenessRatio({1: 0.7, 2: 0.3}), P.QueueRatio(RATIOS))),
]


def measure(steps: int = 3_000, budget: float = 0.5, repeat: int = 3) -> dict[str, Any]:
    """Every case at every size in this process's build: µs per step, best of ``repeat`` runs
    of ``steps`` steps, each cut short after ``budget`` seconds (the scans and the policies
    that grow with the staff would otherwise take minutes)."""
    def best(fn: Callable[[], float]) -> float:
        return round(min(fn() for _ in range(repeat)), 2)

    out: dict[str, Any] = {"accelerated": orr.ACCELERATED, "contact": {}, "agent": {}}
    out["contact"]["scan baseline: ReferenceRouter, priority-fifo"] = [
        best(lambda w=w: contact_step(P.PriorityFIFO(), w, steps, budget, scan=True)) for w in WAITING]
    for name, make in CONTACT_CASES:
        out["contact"][name] = [best(lambda w=w, make=make: contact_step(make(), w, steps, budget))
                                for w in WAITING]
    out["agent"]["scan baseline: ReferenceRouter, longest-idle"] = [
        best(lambda n=n: agent_step(P.LongestIdle(), None, n, steps, budget, scan=True)) for n in AGENTS]
    for name, make2 in AGENT_CASES:
        out["agent"][name] = [best(lambda n=n, make2=make2: agent_step(*make2(), n, steps, budget))
                              for n in AGENTS]
    return out


def table(kind: str, sizes: tuple[int, ...], what: str, results: dict[str, dict]) -> str:
    head = " | ".join(f"{b} {s:,} {what}" for b in results for s in sizes)
    lines = [f"| {kind} policy | {head} |", "|---|" + "---:|" * (len(sizes) * len(results))]
    for name in results["compiled"][kind]:
        cells = " | ".join(f"{v:.1f}" for b in results for v in results[b][kind][name])
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    quick = "--quick" in sys.argv  # a smoke run: fewer steps, one repeat
    call = "measure(steps=300, budget=0.1, repeat=1)" if quick else "measure()"
    results = {b: call_in_build(b, "bench_policies", call) for b in ("compiled", "pure")}
    print("µs per step (best of 3): contact policies, 200 busy agents, W waiting contacts\n")
    print(table("contact", WAITING, "waiting", results))
    print("\nµs per step (best of 3): agent policies, N idle agents, no backlog\n")
    print(table("agent", AGENTS, "agents", results))


if __name__ == "__main__":
    main()
