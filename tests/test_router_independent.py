"""The fast router makes the independent reference router's decisions, on every event stream.

:class:`omniroute.testing.IndependentRouter` re-implements the routing rules from scratch
(plain records and scans, no shared state machine), so these tests also check the fast
router's timers, declines, transfers, wrap-ups, routing steps and holds — which the
index-swapping :class:`~omniroute.testing.ReferenceRouter` shares with it.  Assignments are
compared field by field except ``reason.score`` (the fast router's scores hold internal
update stamps); waiting and agent views, statuses and the next wake-up must be equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import omniroute as orr
from omniroute.testing import IndependentRouter, check_assignments, check_router
from omniroute.testing import strategies as ost


def _facts(assignments: list[orr.Assignment]) -> list[tuple]:
    return [(x.contact_id, x.agent_id, x.time, x.queue, x.waited, x.reason._replace(score=None))
            for x in assignments]


class IndependentAgreement(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.n_agents = 0
        self.n_contacts = 0
        self.status: dict[str, str] = {}  # every contact ever submitted -> its fate

    @initialize(
        queues=ost.queue_sets(),
        ap=st.sampled_from(sorted(ost.agent_policy_factories)),
        cp=st.sampled_from(sorted(ost.contact_policy_factories)),
    )
    def setup(self, queues: list[orr.Queue], ap: str, cp: str) -> None:
        af, cf = ost.agent_policy_factories[ap], ost.contact_policy_factories[cp]
        self.fast = orr.Router(queues, agent_policy=af(), contact_policy=cf())
        self.ind = IndependentRouter(queues, agent_policy=af(), contact_policy=cf())

    # ---------------------------------------------------------------- helpers
    def both(self, method: str, *args, **kwargs) -> list[orr.Assignment]:
        before = dict(self.status)
        got = getattr(self.fast, method)(*args, **kwargs)
        want = getattr(self.ind, method)(*args, **kwargs)
        assert _facts(got) == _facts(want), f"{method}{args}{kwargs}: fast {got} != independent {want}"
        check_assignments(self.fast, got, before, self.now)
        for x in got:
            self.status[x.contact_id] = "assigned"
        return got

    def advance(self, dt: float) -> None:
        self.now += dt
        self.both("tick", self.now)

    def live(self, state: str) -> list[str]:
        return sorted(c for c, s in self.status.items() if s == state)

    # ---------------------------------------------------------------- rules
    @rule(data=st.data(), dt=st.sampled_from([0.0, 0.0, 1.0, 3.0, 7.5, 20.0]))
    def add_agent(self, data: st.DataObject, dt: float) -> None:
        self.advance(dt)
        self.n_agents += 1
        agent = data.draw(ost.agents(ids=st.just(f"a{self.n_agents}")))
        self.both("add_agent", agent, self.now)
        if data.draw(st.booleans()):
            self.both("set_available", agent.id, self.now)

    @precondition(lambda self: self.n_agents > 0)
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 5.0]),
          what=st.sampled_from(["available", "available", "away", "logout", "remove"]))
    def presence(self, data: st.DataObject, dt: float, what: str) -> None:
        self.advance(dt)
        ids = [v.agent.id for v in self.fast.agents()]
        if not ids:
            return
        aid = data.draw(st.sampled_from(ids))
        if what == "available":
            self.both("set_available", aid, self.now)
        elif what == "away":
            self.both("set_away", aid, self.now, "break")
        elif what == "logout":
            self.both("logout", aid, self.now)
        elif self.fast.agent(aid).load:
            for r in (self.fast, self.ind):
                with pytest.raises(orr.InvalidStateError):
                    r.remove_agent(aid, self.now)
        else:
            self.both("remove_agent", aid, self.now)

    @rule(data=st.data(), dt=st.sampled_from([0.0, 0.0, 0.5, 2.0, 6.0]))
    def submit(self, data: st.DataObject, dt: float) -> None:
        self.advance(dt)
        self.n_contacts += 1
        cid = f"c{self.n_contacts}"
        ids = [v.agent.id for v in self.fast.agents()]
        contact = data.draw(ost.contacts(cid, ids))
        self.status[cid] = "waiting"
        self.both("submit", contact, self.now)

    @precondition(lambda self: any(s == "assigned" for s in self.status.values()))
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 10.0, 30.0]),
          wrap=st.sampled_from([0.0, 0.0, 2.0, 15.0]))
    def complete(self, data: st.DataObject, dt: float, wrap: float) -> None:
        self.advance(dt)
        cid = data.draw(st.sampled_from(self.live("assigned")))
        self.status[cid] = "completed"
        self.both("complete", cid, self.now, wrap_up=wrap)

    @precondition(lambda self: any(s == "waiting" for s in self.status.values()))
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 4.0]))
    def abandon(self, data: st.DataObject, dt: float) -> None:
        self.advance(dt)
        waiting = self.live("waiting")
        if waiting:
            cid = data.draw(st.sampled_from(waiting))
            self.status[cid] = "abandoned"
            self.both("abandon", cid, self.now)

    @precondition(lambda self: any(s == "assigned" for s in self.status.values()))
    @rule(data=st.data(), dt=st.sampled_from([0.0, 0.0, 3.0, 25.0]),
          away=st.sampled_from([None, None, "missed"]))
    def decline(self, data: st.DataObject, dt: float, away: str | None) -> None:
        # dt > 0 without a tick first: a contact assigned a while ago is declined after its
        # steps (or overflow) fell due, exercising the catch-up on decline.
        self.now += dt
        assigned = self.live("assigned")
        if assigned:
            cid = data.draw(st.sampled_from(assigned))
            self.status[cid] = "waiting"
            self.both("decline", cid, self.now, away=away)

    @precondition(lambda self: any(s in ("assigned", "waiting") for s in self.status.values()))
    @rule(data=st.data(), queue=st.sampled_from([None, *ost.QUEUES]),
          needs=st.one_of(st.none(), st.dictionaries(st.sampled_from(ost.SKILLS), ost.levels, max_size=2)),
          wrap=st.sampled_from([0.0, 5.0]))
    def transfer(self, data: st.DataObject, queue: str | None, needs: dict | None, wrap: float) -> None:
        live = self.live("assigned") + self.live("waiting")
        if live:
            cid = data.draw(st.sampled_from(live))
            self.status[cid] = "waiting"
            self.both("transfer", cid, self.now, queue=queue, needs=needs, wrap_up=wrap)

    @rule(dt=st.sampled_from([1.0, 5.0, 12.0, 40.0]))
    def wait(self, dt: float) -> None:
        self.advance(dt)

    @rule()
    def jump_to_wakeup(self) -> None:
        w = self.fast.next_wakeup()
        assert w == self.ind.next_wakeup()
        if w is not None:
            self.advance(max(0.0, w - self.now))

    # ---------------------------------------------------------------- invariants
    @invariant()
    def agree(self) -> None:
        if not hasattr(self, "fast"):
            return
        check_router(self.fast, conserving=False)
        for cid, s in self.status.items():
            if s in ("waiting", "assigned"):
                assert self.fast.status(cid) == s == self.ind.status(cid), cid
                assert self.fast.assigned_to(cid) == self.ind.assigned_to(cid), cid
        assert self.fast.waiting() == self.ind.waiting()
        assert self.fast.agents() == self.ind.agents()
        assert self.fast.next_wakeup() == self.ind.next_wakeup()


IndependentAgreement.TestCase.settings = settings(
    max_examples=120, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestIndependentAgreement = IndependentAgreement.TestCase


# -------------------------------------------------------------------- long seeded streams

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
def test_long_streams_agree(ap: str, cp: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_agents = 60
    routers = [cls(_queues(), agent_policy=ost.agent_policy_factories[ap](),
                   contact_policy=ost.contact_policy_factories[cp]())
               for cls in (orr.Router, IndependentRouter)]
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
        assert _facts(results[0]) == _facts(results[1]), (method, args, kw)
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
