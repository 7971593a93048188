"""Real-time statistics and estimated waits (omniroute.stats): figures by hand, the sliding
window, the predictor's formula, bad input; the incremental counts are also checked against
scans by the shared invariant checker (testing.invariants.check_stats) in every router test."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omniroute as orr
from omniroute import tally
from omniroute.testing.invariants import check_stats


def centre(n_agents: int = 3, **queue_kw: object) -> orr.Router:
    r = orr.Router(queues=[orr.Queue("general", **queue_kw), orr.Queue("vip", priority=1)])
    for i in range(n_agents):
        r.add_agent(orr.Agent(f"a{i}", skills={"x": 3}, capacity={orr.VOICE: 1}), now=0.0)
        r.set_available(f"a{i}", now=0.0)
    return r


def call(cid: str, queue: str = "general", priority: int = 0, segment: str | None = None) -> orr.Contact:
    return orr.Contact(cid, channel=orr.VOICE, queue=queue, needs={"x": 1}, priority=priority, segment=segment)


def test_queue_figures_by_hand() -> None:
    r = centre()
    for i in range(6):
        r.submit(call(f"c{i}", priority=1 if i == 5 else 0, segment="gold" if i == 4 else None), now=float(i))
    r.complete("c0", now=100.0)  # a0 takes c5 (priority 1) at once, after 95 s
    q = r.stats(100.0).queues["general"]
    assert (q.waiting, dict(q.waiting_by_priority), dict(q.waiting_by_segment)) == (2, {0: 2}, {None: 1, "gold": 1})
    assert q.longest_wait == 97.0  # c3 arrived at 3
    assert (q.agents_available, q.agents_busy, q.agents_away) == (0, 3, 0)
    assert (q.answered, q.abandoned) == (4, 0)
    assert q.service_level == 3 / 4  # c0, c1, c2 at once; c5 after 95 s > 20 s
    assert q.asa == 95 / 4
    assert q.handle == 100.0
    # newcomer: 2 ahead, 3 agents, h = 100 s, nobody abandoned: (2 + 1) * 100 / 3
    assert q.estimated_wait == pytest.approx(100.0)
    assert r.estimated_wait("c4", 100.0) == pytest.approx(2 * 100 / 3)  # c3 ahead of it
    assert r.estimated_wait("c3", 100.0) == pytest.approx(100 / 3)
    assert r.estimated_wait("c5", 100.0) == 0.0  # assigned
    assert r.estimated_wait("general", 100.0, priority=1) == pytest.approx(100 / 3)  # jumps the line
    assert r.estimated_wait("general", 100.0, method="last-to-enter") == 95.0
    check_stats(r)


def test_a_queue_nobody_called_is_unknown_and_a_queue_nobody_serves_is_infinite() -> None:
    r = centre()
    assert r.stats(0.0).queues["vip"].estimated_wait is None  # no contact: who could serve it?
    r.submit(orr.Contact("v1", channel=orr.VOICE, queue="vip", needs={"y": 1}), now=1.0)
    q = r.stats(1.0).queues["vip"]
    assert (q.agents_available, q.agents_busy, q.agents_away) == (0, 0, 0)
    assert q.estimated_wait == math.inf
    assert r.estimated_wait("general", 1.0) is None
    r.submit(call("c0"), now=2.0)
    assert r.estimated_wait("general", 2.0) == 0.0  # free agents, nobody ahead


def test_abandonment_enters_the_predictor() -> None:
    r = centre(n_agents=1)
    r.submit(call("c0"), now=0.0)
    for i in range(1, 4):
        r.submit(call(f"c{i}"), now=0.0)
    r.abandon("c1", now=10.0)  # waited 10 s
    r.complete("c0", now=20.0)  # h = 20; c2 assigned after 20 s
    # waits of those who left: c1 10 s (abandoned), c2 20 s (answered) -> theta = 1 / 30
    theta, rate = 1 / 30, 1 / 20
    q = r.stats(20.0).queues["general"]
    assert (q.answered, q.abandoned) == (2, 1)
    assert q.estimated_wait == pytest.approx(1 / rate + 1 / (rate + theta))  # c3 ahead of a newcomer
    assert r.estimated_wait("c3", 20.0) == pytest.approx(1 / rate)


def test_sliding_window_and_its_limit() -> None:
    r = centre(n_agents=1, sla=orr.ServiceLevel(0.8, 20.0))
    t = 0.0
    for i in range(5):  # one answered at once every 600 s
        r.submit(call(f"c{i}"), now=t)
        r.complete(f"c{i}", now=t + 60.0)
        t += 600.0
    st_ = r.stats(t, window=1300.0).queues["general"]
    assert st_.answered == 2  # answered at 1800 and 2400 are within (3000 - 1300, 3000]
    assert r.stats(t, window=tally.MAX_WINDOW).queues["general"].answered == 5
    for bad in (0, -1.0, tally.MAX_WINDOW + 1, "15m", None):
        with pytest.raises(orr.ValidationError, match="window"):
            r.stats(t, window=bad)


def test_window_memory_is_bounded_by_its_width() -> None:
    r = centre(n_agents=1)
    for i in range(6000):  # 6000 contacts over 300,000 s: the window keeps 4 h of them
        t = 50.0 * i
        r.submit(call(f"c{i}"), now=t)
        r.complete(f"c{i}", now=t + 1.0)
    qt = r._tally.queues["general"]
    assert len(qt.ts) <= 2 * (tally.MAX_WINDOW / 50) + 1100
    assert r.stats(300000.0, window=tally.MAX_WINDOW).queues["general"].answered == sum(
        1 for i in range(6000) if 50.0 * i > 300000.0 - tally.MAX_WINDOW)
    assert len(qt.handles) == tally.HANDLE_SAMPLES


def test_agent_states_and_time_in_them() -> None:
    r = centre(n_agents=2)
    r.set_away("a1", now=5.0, reason="lunch")
    r.submit(call("c0"), now=10.0)
    r.complete("c0", now=40.0, wrap_up=5.0)
    s = r.stats(42.0, agents=True)
    a0, a1 = s.agents["a0"], s.agents["a1"]
    assert (a0.state, a0.since, a0.time_in_state, dict(a0.load), a0.wrap_ups) == ("busy", 10.0, 32.0, {"voice": 1}, 1)
    assert (a1.state, a1.reason, a1.since) == ("away", "lunch", 5.0)
    r.tick(45.0)
    assert r.stats(45.0, agents=True).agents["a0"].state == "idle"
    r.logout("a1", now=50.0)
    assert r.stats(50.0, agents=True).agents["a1"].state == "logged_out"
    q = r.stats(50.0).queues["general"]
    assert (q.agents_available, q.agents_busy, q.agents_away) == (1, 0, 0)
    assert r.stats(50.0).agents == {}  # agents=False (the default) lists none


def test_routing_steps_count_agents_of_every_step() -> None:
    q = orr.Queue("general", min_tier=2, steps=[orr.Step(after=30.0, min_tier=1)])
    r = orr.Router(queues=[q])
    r.add_agent(orr.Agent("junior", skills={"x": 1}, tier=1, capacity={orr.VOICE: 1}), now=0.0)
    r.add_agent(orr.Agent("senior", skills={"x": 5}, tier=2, capacity={orr.VOICE: 1, orr.CHAT: 2}), now=0.0)
    r.add_agent(orr.Agent("chat", skills={"x": 5}, tier=2, capacity={orr.CHAT: 2}), now=0.0)
    r.set_available("junior", now=0.0)
    r.set_away("senior", now=0.0)
    r.submit(call("c0"), now=1.0)
    got = r.stats(1.0).queues["general"]
    assert (got.agents_available, got.agents_busy, got.agents_away) == (1, 0, 1)  # the chat-only agent: no
    check_stats(r)
    r.remove_agent("junior", now=2.0)
    got = r.stats(2.0).queues["general"]
    assert (got.agents_available, got.agents_away) == (0, 1)


def test_reading_changes_nothing() -> None:
    def run(read: bool) -> list:
        r = centre(n_agents=2)
        out = []
        for i in range(20):
            t = 7.0 * i
            out += r.submit(call(f"c{i}", priority=i % 2), now=t)
            if read:
                r.stats(t, agents=True)
                r.estimated_wait("general", t)
            if i >= 2:
                out += r.complete(f"c{i - 2}", now=t + 1.0) if r.status(f"c{i - 2}") == "assigned" else []
        return out

    assert run(True) == run(False)


def test_bad_input_is_refused_and_changes_nothing() -> None:
    r = centre()
    r.submit(call("c0"), now=10.0)
    with pytest.raises(orr.TimeOrderError, match="earlier"):
        r.stats(5.0)
    for bad in (math.nan, math.inf, -1.0, "now"):
        with pytest.raises(orr.ValidationError, match="now"):
            r.stats(bad)
    with pytest.raises(orr.UnknownIdError, match="neither a queue"):
        r.estimated_wait("nope", 10.0)
    with pytest.raises(orr.ValidationError, match="method"):
        r.estimated_wait("general", 10.0, method="magic")
    with pytest.raises(orr.ValidationError, match="priority"):
        r.estimated_wait("general", 10.0, priority=True)
    with pytest.raises(orr.ValidationError, match="target"):
        r.estimated_wait(3, 10.0)
    r.submit(orr.Contact("vip", channel=orr.VOICE, queue="general", needs={"x": 1}), now=11.0)
    with pytest.raises(orr.ValidationError, match="both a queue name and a live contact"):
        r.estimated_wait("vip", 11.0)
    assert r.now == 11.0


def test_locked_router_reads_them_too() -> None:
    r = orr.LockedRouter.wrap(centre())
    r.submit(call("c0"), now=1.0)
    assert r.stats(1.0).queues["general"].answered == 1
    assert r.estimated_wait("general", 1.0) == 0.0
    assert json.dumps(r.stats(1.0).queues["general"].waiting)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["submit", "complete", "abandon", "away", "back"]),
                          st.integers(0, 3), st.integers(0, 1)), max_size=60))
def test_incremental_counts_equal_scans(events: list) -> None:
    r = orr.Router(queues=[orr.Queue("general", steps=[orr.Step(after=5.0, max_tier=2)], max_tier=1),
                           orr.Queue("vip", priority=1)])
    for i in range(4):
        r.add_agent(orr.Agent(f"a{i}", skills={"x": 1 + i}, tier=1 + i % 2,
                              capacity={orr.VOICE: 1, orr.CHAT: 2}), now=0.0)
        r.set_available(f"a{i}", now=0.0)
    t, n = 0.0, 0
    for kind, k, flag in events:
        t += 1.5
        r.tick(t)
        if kind == "submit":
            n += 1
            r.submit(orr.Contact(f"c{n}", channel=orr.CHAT if flag else orr.VOICE,
                                 queue="vip" if k == 3 else "general", needs={"x": 1 + k % 3},
                                 priority=flag, segment="s" if k == 2 else None), now=t)
        elif kind in ("complete", "abandon"):
            ids = [w.contact.id for w in r.waiting()] if kind == "abandon" else [
                c for a in r.agents() for c in a.contacts]
            if ids:
                getattr(r, kind)(ids[k % len(ids)], now=t)
        elif kind == "away":
            r.set_away(f"a{k}", now=t)
        else:
            r.set_available(f"a{k}", now=t)
        check_stats(r)


def test_an_agent_added_while_another_queue_is_learned_counts_in_both() -> None:
    # found by the agreement state machine: the new agent's record must see every profile
    r = orr.Router(queues=[orr.Queue("general", overflow=orr.Overflow(after=10.0, to="premium")),
                           orr.Queue("premium")])
    r.submit(orr.Contact("c1", channel=orr.VOICE, queue="general"), now=0.0)
    r.stats(0.0)
    r.tick(20.0)  # c1 moves to premium: a profile learned there
    r.add_agent(orr.Agent("a1", capacity={orr.VOICE: 1}), now=20.0)
    r.set_available("a1", now=20.0)  # takes c1
    got = r.stats(20.0).queues
    assert (got["general"].agents_busy, got["premium"].agents_busy) == (1, 1)
    check_stats(r)


def test_an_abandon_at_once_counts_as_abandoned() -> None:
    r = centre(n_agents=0)
    r.submit(call("c0"), now=5.0)
    r.abandon("c0", now=5.0)  # waited 0 s: recorded as -0.0, still an abandon
    q = r.stats(5.0).queues["general"]
    assert (q.answered, q.abandoned, q.service_level) == (0, 1, 0.0)
