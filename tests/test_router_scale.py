"""Fast router and oracles agree on long random streams with dozens of agents.

The Hypothesis state machines explore odd corners with few agents; these seeded streams run
long enough to exercise what only shows at scale: bucket compaction, stale entries deep
inside buckets, multi-tier merges, pair buckets, needs of three skills, preferred agents,
segments, overflow that replaces needs, transfers, declines with ``away`` and logouts, for
every agent policy and every contact policy, against both oracles.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_router_agreement import RouterPair
from test_router_independent import IndependentPair

import omniroute as orr
from omniroute.testing import check_router
from omniroute.testing import strategies as ost

SKILLS = [f"s{i}" for i in range(8)]


def _queues() -> list[orr.Queue]:
    return [
        orr.Queue("q0", steps=[orr.Step(10.0, lower=1)]),
        orr.Queue("q1", max_tier=1, steps=[orr.Step(5.0, max_tier=3), orr.Step(15.0, lower=2, drop=("s0",))],
                  segment_steps={"vip": (orr.Step(0.0, min_tier=2), orr.Step(8.0, min_tier=1))}),
        orr.Queue("q2", min_tier=2, priority=1, overflow=orr.Overflow(20.0, "q0", needs={"s1": 1})),
    ]


@pytest.mark.parametrize(("ap", "cp", "seed"), [
    ("longest-idle", "priority-fifo", 1),
    ("most-skilled", "weighted-aging", 2),
    ("best-fit", "earliest-deadline", 3),
    ("random", "head-start", 4),
    ("round-robin", "fifo", 5),
    ("least-occupied", "realtime-first", 6),
    ("fewest-handled", "priority-fifo", 7),
    ("preferred+longest-idle", "weighted-aging", 8),
    ("preferred+most-skilled", "fifo", 9),
])
@pytest.mark.parametrize("pair", [RouterPair, IndependentPair], ids=["reference", "independent"])
def test_long_streams_agree(pair: type, ap: str, cp: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_agents = 60
    routers = [cls(_queues(), agent_policy=ost.agent_policy_factories[ap](),
                   contact_policy=ost.contact_policy_factories[cp]())
               for cls in (orr.Router, pair.oracle)]
    now = 0.0
    for i in range(n_agents):
        k = int(rng.integers(1, 5))
        skills = {SKILLS[j]: int(rng.integers(1, 6)) for j in rng.choice(8, size=k, replace=False)}
        cap = {orr.VOICE: 1, orr.CHAT: int(rng.integers(0, 4)), orr.EMAIL: int(rng.integers(0, 3))}
        max_total = None if rng.random() < 0.7 else int(rng.integers(1, 4))
        agent = orr.Agent(f"a{i}", skills=skills, tier=int(rng.integers(1, 4)), capacity=cap,
                          max_total=max_total)
        for r in routers:
            r.add_agent(agent, now)
            if i % 4:
                r.set_available(agent.id, now)
    assigned: list[str] = []
    waiting: set[str] = set()
    n = 0

    def both(method: str, *args, **kw) -> None:
        results = [getattr(r, method)(*args, **kw) for r in routers]
        assert pair.facts(results[0]) == pair.facts(results[1]), (method, args, kw)
        for x in results[0]:
            assigned.append(x.contact_id)
            waiting.discard(x.contact_id)

    for step in range(1500):
        now += float(rng.exponential(0.6))
        if rng.random() < 0.8:
            both("tick", now)
        u = rng.random()
        if u < 0.42:
            n += 1
            k = int(rng.integers(0, 4))
            needs = {SKILLS[j]: int(rng.integers(1, 4)) for j in rng.choice(8, size=k, replace=False)}
            preferred = tuple(f"a{j}" for j in rng.choice(n_agents, size=int(rng.integers(0, 3)), replace=False))
            c = orr.Contact(f"c{n}", channel=[orr.VOICE, orr.CHAT, orr.EMAIL][int(rng.integers(3))],
                            queue=f"q{int(rng.integers(0, 3))}", needs=needs,
                            priority=int(rng.integers(0, 3)), preferred_agents=preferred,
                            segment="vip" if rng.random() < 0.2 else None)
            waiting.add(c.id)
            both("submit", c, now)
        elif u < 0.75 and assigned:
            cid = assigned.pop(int(rng.integers(len(assigned))))
            both("complete", cid, now, wrap_up=float(rng.choice([0.0, 0.0, 2.0, 9.0])))
        elif u < 0.79 and waiting:
            cid = sorted(waiting)[int(rng.integers(len(waiting)))]
            waiting.discard(cid)
            both("abandon", cid, now)
        elif u < 0.84 and assigned:
            cid = assigned.pop(int(rng.integers(len(assigned))))
            waiting.add(cid)
            both("decline", cid, now, away="missed" if rng.random() < 0.3 else None)
        elif u < 0.88 and (assigned or waiting):
            pool = assigned + sorted(waiting)
            cid = pool[int(rng.integers(len(pool)))]
            if cid in assigned:
                assigned.remove(cid)
            waiting.add(cid)
            needs = None if rng.random() < 0.5 else {SKILLS[int(rng.integers(8))]: int(rng.integers(1, 4))}
            both("transfer", cid, now, queue=f"q{int(rng.integers(0, 3))}", needs=needs,
                 wrap_up=float(rng.choice([0.0, 4.0])))
        else:
            aid = f"a{int(rng.integers(n_agents))}"
            what = rng.choice(["set_away", "set_available", "set_available", "logout"])
            both(str(what), aid, now)
        if step % 100 == 0:
            assert routers[0].waiting() == routers[1].waiting()
            assert routers[0].agents() == routers[1].agents()
            assert routers[0].next_wakeup() == routers[1].next_wakeup()
            check_router(routers[0], conserving=False)
    assert routers[0].waiting() == routers[1].waiting()
    assert routers[0].agents() == routers[1].agents()
