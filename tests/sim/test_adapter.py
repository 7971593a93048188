"""RouterResource in a hand-written SimPy model, as a SimPy user would write it."""

from __future__ import annotations

import simpy

import omniroute as orr
from omniroute import sim


def model(patience: float, handle: float = 10.0, wrap: float = 0.0, steps=()):
    env = simpy.Environment()
    router = orr.Router([orr.Queue("q", steps=steps)])
    res = sim.RouterResource(env, router)
    log: list[tuple] = []

    def customer(cid: str, needs: dict):
        c = orr.Contact(cid, channel=orr.VOICE, queue="q", needs=needs)
        req = res.request(c)
        got = yield req | env.timeout(patience)
        if req not in got:
            assert req.cancel() is True
            log.append(("abandon", cid, env.now))
            return
        a = got[req]
        log.append(("start", cid, a.agent_id, env.now, a.waited))
        yield env.timeout(handle)
        res.release(cid, wrap_up=wrap)
        log.append(("end", cid, env.now))

    return env, router, res, log, customer


def test_request_release_and_abandon():
    env, router, res, log, customer = model(patience=15.0)
    router.add_agent(orr.Agent("a1"), now=0.0)
    res.set_available("a1")
    for i in range(3):
        env.process(customer(f"c{i}", {}))
    env.run()
    assert ("start", "c0", "a1", 0.0, 0.0) in log
    assert ("start", "c1", "a1", 10.0, 10.0) in log  # handed over by c0's release
    assert ("abandon", "c2", 15.0) in log
    assert router.waiting() == ()


def test_wrap_up_and_timed_rules_without_polling():
    # c1 needs level 2, only a level-1 agent exists; a step at 30 s lowers the needs.
    env, router, res, log, customer = model(patience=1000.0, wrap=5.0,
                                            steps=(orr.Step(after=30.0, lower=1),))
    router.add_agent(orr.Agent("a1", skills={"x": 1}), now=0.0)
    res.set_available("a1")
    env.process(customer("c0", {"x": 1}))
    env.process(customer("c1", {"x": 2}))
    env.run()
    starts = {e[1]: e[3] for e in log if e[0] == "start"}
    assert starts == {"c0": 0.0, "c1": 30.0}  # the step was applied at exactly 30 s
    assert ("end", "c1", 40.0) in log


def test_wrap_up_end_hands_the_next_contact():
    env, router, res, log, customer = model(patience=1000.0, wrap=5.0)
    router.add_agent(orr.Agent("a1"), now=0.0)
    res.set_available("a1")
    env.process(customer("c0", {}))
    env.process(customer("c1", {}))
    env.run()
    starts = {e[1]: e[3] for e in log if e[0] == "start"}
    assert starts == {"c0": 0.0, "c1": 15.0}  # after 10 s handle + 5 s wrap-up


def test_cancel_after_assignment_returns_false():
    env = simpy.Environment()
    router = orr.Router([orr.Queue("q")])
    res = sim.RouterResource(env, router)
    router.add_agent(orr.Agent("a1"), now=0.0)
    res.set_available("a1")
    req = res.request(orr.Contact("c", channel=orr.VOICE, queue="q"))
    assert req.cancel() is False
    assert router.status("c") == "assigned"
