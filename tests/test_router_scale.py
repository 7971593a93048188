"""Fast and reference routers agree on long random streams with hundreds of agents.

The Hypothesis state machine explores odd corners with few agents; this test drives
streams long enough to exercise what only shows at scale: bucket compaction, stale entries
deep inside buckets, multi-tier merges, pair buckets and needs of three skills.
"""

from __future__ import annotations

import numpy as np
import pytest

import omniroute as orr
from omniroute.testing import ReferenceRouter, check_router
from omniroute.testing.strategies import agent_policy_factories, contact_policy_factories

SKILLS = [f"s{i}" for i in range(8)]


def stream(seed: int, n_agents: int, n_events: int):
    """A reproducible event stream: (method, args, kwargs) tuples."""
    rng = np.random.default_rng(seed)
    agents = []
    for i in range(n_agents):
        k = int(rng.integers(1, 5))
        skills = {SKILLS[j]: int(rng.integers(1, 6)) for j in rng.choice(8, size=k, replace=False)}
        cap = {orr.VOICE: 1, orr.CHAT: int(rng.integers(0, 4))}
        agents.append(orr.Agent(f"a{i}", skills=skills, tier=int(rng.integers(1, 4)), capacity=cap))
    return rng, agents


@pytest.mark.parametrize(("ap", "cp", "seed"), [
    ("longest-idle", "priority-fifo", 1),
    ("most-skilled", "weighted-aging", 2),
    ("best-fit", "earliest-deadline", 3),
    ("random", "head-start", 4),
    ("round-robin", "fifo", 5),
])
def test_long_streams_agree(ap: str, cp: str, seed: int) -> None:
    rng, agents = stream(seed, 120, 0)
    queues = [
        orr.Queue("q0"),
        orr.Queue("q1", max_tier=1, steps=[orr.Step(5.0, max_tier=3), orr.Step(15.0, lower=2)]),
        orr.Queue("q2", min_tier=2, overflow=orr.Overflow(20.0, "q0")),
    ]
    routers = [cls(queues, agent_policy=agent_policy_factories[ap](),
                   contact_policy=contact_policy_factories[cp]())
               for cls in (orr.Router, ReferenceRouter)]
    now = 0.0
    for a in agents:
        for r in routers:
            r.add_agent(a, now)
            r.set_available(a.id, now)
    assigned: list[str] = []
    waiting: set[str] = set()
    n = 0

    def both(method: str, *args, **kw) -> None:
        results = [getattr(r, method)(*args, **kw) for r in routers]
        assert results[0] == results[1], (method, args)
        for x in results[0]:
            assigned.append(x.contact_id)
            waiting.discard(x.contact_id)

    for step in range(3000):
        now += float(rng.exponential(0.3))
        both("tick", now)
        u = rng.random()
        if u < 0.45:
            n += 1
            k = int(rng.integers(0, 4))
            needs = {SKILLS[j]: int(rng.integers(1, 4)) for j in rng.choice(8, size=k, replace=False)}
            c = orr.Contact(f"c{n}", channel=orr.VOICE if rng.random() < 0.5 else orr.CHAT,
                            queue=f"q{int(rng.integers(0, 3))}", needs=needs,
                            priority=int(rng.integers(0, 3)))
            waiting.add(c.id)
            both("submit", c, now)
        elif u < 0.85 and assigned:
            cid = assigned.pop(int(rng.integers(len(assigned))))
            both("complete", cid, now, wrap_up=float(rng.choice([0.0, 0.0, 2.0])))
        elif u < 0.9 and waiting:
            cid = sorted(waiting)[int(rng.integers(len(waiting)))]
            waiting.discard(cid)
            both("abandon", cid, now)
        elif u < 0.93 and assigned:
            cid = assigned.pop(int(rng.integers(len(assigned))))
            waiting.add(cid)
            both("decline", cid, now)
        else:
            aid = f"a{int(rng.integers(len(agents)))}"
            both("set_away" if rng.random() < 0.5 else "set_available", aid, now)
        if step % 500 == 0:
            for r in routers:
                check_router(r)
    assert routers[0].waiting() == routers[1].waiting()
    assert routers[0].agents() == routers[1].agents()
