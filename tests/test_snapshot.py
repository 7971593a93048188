"""Snapshots: a restored router decides exactly as the uninterrupted one; bad snapshots are refused.

Random event streams are cut at random points: the router's snapshot goes through
``json.dumps``/``json.loads`` into ``Router.restore``, and the restored router and the
uninterrupted one get the rest of the stream; their assignments (reasons and scores
included), views and wake-ups must be identical, for every built-in policy.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule
from test_router_agreement import RouterPair

import omniroute as orr
from omniroute import serial
from omniroute import snapshot as snap
from omniroute.testing import check_router, soak
from omniroute.testing.strategies import (
    agent_policy_factories,
    contact_policy_factories,
    contact_policy_for,
)

sys.path.insert(0, str(Path(__file__).parent))
import journal_driver as drv  # noqa: E402


def through_json(router: orr.Router) -> orr.Router:
    """Snapshot ``router``, write and read it as JSON text, restore; the round trip is exact."""
    s = router.snapshot()
    p = router.agent_policy  # a custom (stateless) policy is given anew, as restore asks
    given = None if serial.is_builtin(p) else copy.copy(p)
    restored = orr.Router.restore(json.loads(json.dumps(s, allow_nan=False)), agent_policy=given)
    assert restored.snapshot() == s
    return restored


def views(router: orr.Router) -> tuple:
    """What a caller can read: the state, and the real-time statistics and estimated waits
    (restored from the snapshot's stats section)."""
    now = router.now
    waits = tuple(router.estimated_wait(q, now) for q in router.queues)
    return (router.waiting(), router.agents(), router.next_wakeup(), now,
            router.stats(now, window=14400.0, agents=True), waits)


# ------------------------------------------------------------------ cut and continue
@pytest.mark.parametrize("agent", sorted(agent_policy_factories))
@pytest.mark.parametrize("contact", sorted(contact_policy_factories))
@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10**6), cut=st.integers(0, 150), rest=st.integers(1, 150))
def test_restored_router_decides_as_the_uninterrupted_one(agent, contact, seed, cut, rest) -> None:
    a = orr.Router(drv.QUEUES, agent_policy_factories[agent](), contact_policy_for(contact, [q.name for q in drv.QUEUES]))
    drv.run(a, seed, 0, cut)
    b = through_json(a)
    assert views(b) == views(a)
    for w in a.waiting():  # why-not answers too: they read the agents' state in joining order
        assert b.explain(w.contact.id, a.now) == a.explain(w.contact.id, a.now)
    assert drv.run(b, seed, cut, cut + rest) == drv.run(a, seed, cut, cut + rest)  # reasons and scores too
    assert views(b) == views(a)
    check_router(b, conserving=False)


class SnapshotPair(RouterPair):
    """The agreement state machine with a router and an uninterrupted twin: at random points
    the first is replaced by its snapshot restored (through JSON); every later call must give
    both the same assignments (reasons and scores included), views, statuses and wake-ups."""

    oracle = orr.Router

    @rule()
    def cut(self) -> None:
        self.fast = through_json(self.fast)


SnapshotPair.TestCase.settings = settings(
    max_examples=40, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSnapshotCuts = SnapshotPair.TestCase


@pytest.mark.parametrize("seed", [3, 10, 26])
def test_long_stream_with_index_sweeps(seed) -> None:
    """A long stream cut every few hundred calls, the uninterrupted router's agent index
    sweeping every few dozen filings (compacting its buckets, dropping idle ones): what the
    index does with stale entries never shows in a decision."""
    names = sorted(soak.AGENT_POLICIES), sorted(soak.CONTACT_POLICIES)
    ap, cp = names[0][seed % len(names[0])], names[1][seed % len(names[1])]
    routers = [orr.Router(soak.queues(), soak.AGENT_POLICIES[ap](), soak.CONTACT_POLICIES[cp]()) for _ in "ab"]
    d = soak.Driver(routers, seed)
    index = routers[0]._agent_index
    for i in range(1, 1501):
        index._budget = min(index._budget, 8)  # sweep often (the restored copies: as usual)
        d.step()
        for name, (got, want) in d.log:
            assert got == want, f"{ap}/{cp} call {i} {name}: restored {got} != uninterrupted {want}"
        d.log.clear()
        if i % 250 == 0:
            assert views(routers[1]) == views(routers[0])
            routers[1] = through_json(routers[0])
    assert index._period > 70, "the stream was meant to sweep the index often"


# ------------------------------------------------------------------ refusals
def sample(calls: int = 80, agent: object = None) -> orr.Router:
    r = orr.Router(drv.QUEUES, agent or orr.policies.Random(5), orr.policies.PriorityFIFO())
    drv.run(r, 8, 0, calls)
    return r


def resealed(s: dict) -> dict:
    """``s`` with its checksum recomputed (a deliberate edit, to reach the checks behind it)."""
    s = copy.deepcopy(s)
    s["sha256"] = snap.checksum(s["content"])
    return s


def test_snapshot_is_plain_versioned_json() -> None:
    r = sample()
    s = r.snapshot()
    assert (s["format"], s["version"]) == ("omniroute-snapshot", 2)
    assert set(s["content"]) == {"config", "router", "stats"}
    assert json.loads(json.dumps(s, allow_nan=False)) == s
    assert s["content"]["config"]["agent_policy"]["kind"] == "random"
    assert r.snapshot() == s  # taking a snapshot changes nothing


def test_a_version_1_snapshot_loads_with_statistics_afresh() -> None:
    r = sample()
    s = copy.deepcopy(r.snapshot())
    del s["content"]["stats"]
    s["version"] = 1
    old = orr.Router.restore(resealed(s))
    assert old.waiting() == r.waiting() and old.agents() == r.agents()
    got, want = old.stats(r.now).queues, r.stats(r.now).queues
    for name in want:  # what the state implies is there; the history starts afresh (departures,
        # and the combinations learned from contacts no longer live)
        assert (got[name].waiting, got[name].longest_wait) == (want[name].waiting, want[name].longest_wait)
        assert got[name].answered == 0
    with pytest.raises(orr.SnapshotError, match="stats is required"):
        orr.Router.restore(resealed({**s, "version": 2}))
    with pytest.raises(orr.SnapshotError, match="stats"):
        bad = copy.deepcopy(r.snapshot())
        bad["content"]["stats"]["queues"] = {}
        orr.Router.restore(resealed(bad))


def test_damaged_or_edited_snapshots_are_refused() -> None:
    s = sample().snapshot()
    text = json.dumps(s)
    with pytest.raises(json.JSONDecodeError):
        json.loads(text[: len(text) // 2])  # truncated text does not even parse
    edited = copy.deepcopy(s)
    edited["content"]["router"]["agents"][0]["handled"] += 1
    with pytest.raises(orr.SnapshotError, match="checksum mismatch"):
        orr.Router.restore(edited)
    bad = text.replace('"presence": "available"', '"presence": "availablf"', 1)
    assert bad != text
    with pytest.raises(orr.SnapshotError, match="checksum mismatch"):
        orr.Router.restore(json.loads(bad))
    for change, message in [
        (lambda c: c["router"].pop("stamp"), r"router\.stamp is required"),
        (lambda c: c["router"].update(extra=1), "unknown field 'extra'"),
        (lambda c: c["router"]["agents"][0].update(presence="asleep"), r"presence must be one of"),
        (lambda c: c["router"].update(now="12"), r"router\.now must be a finite number"),
        (lambda c: c["router"]["agents"][0]["load"].append(["voice", 9]), r"load\[\d\] must be a \[channel"),
        (lambda c: c.update(extra={}), "unknown field 'extra'"),
        (lambda c: c.update(stats={}), r"stats\.profiles is required"),
    ]:
        s2 = copy.deepcopy(s)
        change(s2["content"])
        with pytest.raises(orr.SnapshotError, match=message):
            orr.Router.restore(resealed(s2))


def _places(x: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(x, dict):
        for k, v in x.items():
            out += _places(v, (*path, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _places(v, (*path, i))
    return out


EDITABLE = json.loads(json.dumps(sample(150, orr.policies.PreferredAgent(orr.policies.Random(3), hold=5.0)).snapshot()))
PLACES = _places(EDITABLE["content"])[1:]
ODD_VALUES = [None, -1, 0, 2.5, 1e300, -1e-9, 10**20, "x", "", "voice", "general", "available", True, [], {},
              [1, 2], [["a", 1]], {"a": 1}, {"kind": "fifo"}]


@settings(max_examples=150, deadline=None)
@given(place=st.sampled_from(PLACES), value=st.sampled_from([*ODD_VALUES, "delete"]))
def test_any_edit_is_refused_cleanly_or_loads(place, value) -> None:
    """Any one field replaced or removed, the checksum recomputed: restore refuses it with a
    SnapshotError or loads it, never another exception, and never modifies its input."""
    s = copy.deepcopy(EDITABLE)
    parent = s["content"]
    for key in place[:-1]:
        parent = parent[key]
    if value == "delete":
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    s = resealed(s)
    before = copy.deepcopy(s)
    try:
        orr.Router.restore(s)
    except orr.SnapshotError:
        pass
    assert s == before


def test_cross_references_are_checked() -> None:
    s = sample(120).snapshot()
    router = s["content"]["router"]
    busy = next(i for i, a in enumerate(router["agents"]) if a["contacts"])
    s2 = copy.deepcopy(s)
    s2["content"]["router"]["agents"][busy]["contacts"] = []
    with pytest.raises(orr.SnapshotError, match="does not list it|does not match"):
        orr.Router.restore(resealed(s2))
    s3 = copy.deepcopy(s)
    s3["content"]["router"]["agents"][busy]["load"] = [[n, 0] for n, _ in router["agents"][busy]["load"]]
    with pytest.raises(orr.SnapshotError, match="does not match its contacts"):
        orr.Router.restore(resealed(s3))
    s4 = copy.deepcopy(s)
    s4["content"]["router"]["agents"][1]["version"] = router["agents"][0]["version"]
    with pytest.raises(orr.SnapshotError, match="version .* appears twice"):
        orr.Router.restore(resealed(s4))


def test_versions_and_formats() -> None:
    s = sample().snapshot()
    with pytest.raises(orr.SnapshotError, match=r"version 3; this omniroute reads versions \[1, 2\] \(the "
                                                r"snapshot is from a newer omniroute\)"):
        orr.Router.restore({**s, "version": 3})
    with pytest.raises(orr.SnapshotError, match=r"version 0; this omniroute reads versions \[1, 2\]"):
        orr.Router.restore({**s, "version": 0})
    with pytest.raises(orr.SnapshotError, match="not an omniroute snapshot"):
        orr.Router.restore({"format": "omniroute-journal", "version": 1})
    with pytest.raises(orr.SnapshotError, match="not an omniroute snapshot"):
        orr.Router.restore("{}")
    with pytest.raises(orr.SnapshotError, match="sha256 is required"):
        orr.Router.restore({k: v for k, v in s.items() if k != "sha256"})
    assert isinstance(orr.SnapshotError("x"), ValueError)


def test_another_configuration_is_refused_with_the_difference_named() -> None:
    r = sample()
    s = r.snapshot()
    ok = orr.Router.restore(s, queues=drv.QUEUES, agent_policy=orr.policies.Random(99),
                            contact_policy=orr.policies.PriorityFIFO())
    assert ok.snapshot() == s  # a generator's state is state: Random(99) matches, the saved one is used
    other = [orr.Queue("general", sla=orr.ServiceLevel(0.8, 30.0), steps=drv.QUEUES[0].steps,
                       overflow=drv.QUEUES[0].overflow), drv.QUEUES[1]]
    with pytest.raises(orr.SnapshotError, match=r"queues\['general'\]\.sla\.within: the snapshot has 20\.0, "
                                                r"expected 30\.0"):
        orr.Router.restore(s, queues=other)
    with pytest.raises(orr.SnapshotError, match=r"has \['backup', 'general'\], expected \['general'\] "
                                                r"\(missing \[\], extra \['backup'\]\)"):
        orr.Router.restore(s, queues=drv.QUEUES[:1])
    with pytest.raises(orr.SnapshotError, match=r"agent_policy\.kind: the snapshot has 'random', expected "
                                                r"'best-fit'"):
        orr.Router.restore(s, agent_policy=orr.policies.BestFit())
    with pytest.raises(orr.SnapshotError, match=r"contact_policy\.kind: the snapshot has 'priority-fifo'"):
        orr.Router.restore(s, contact_policy=orr.policies.HeadStart(30.0))
    h = orr.Router(drv.QUEUES, contact_policy=orr.policies.HeadStart(90.0)).snapshot()
    with pytest.raises(orr.SnapshotError, match=r"contact_policy\.seconds: the snapshot has 90\.0, expected 30\.0"):
        orr.Router.restore(h, contact_policy=orr.policies.HeadStart(30.0))


# ------------------------------------------------------------------ custom policies
class Stateless(orr.policies.LongestIdle):
    name = "my-stateless"
    stateless = True


class Counting(orr.policies.AgentPolicy):
    """Fewest assignments seen by this policy first (it remembers them)."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def key(self, a):
        return (self.seen.get(a.id, 0), a.order)

    def on_assign(self, a) -> None:
        self.seen[a.id] = self.seen.get(a.id, 0) + 1

    def snapshot_state(self):
        return {"seen": dict(self.seen)}

    def restore_state(self, state) -> None:
        self.seen = dict(state["seen"])


class Silent(orr.policies.RoundRobin):
    name = "silent"


class Hooked(orr.policies.RoundRobin):
    name = "hooked"
    stateless = True

    def on_assign(self, a) -> None:
        pass


def test_custom_policies_say_how_they_snapshot() -> None:
    for policy, message in [(Silent(), "does not say how it snapshots"),
                            (Hooked(), "overrides on_assign, so it keeps state")]:
        r = orr.Router(drv.QUEUES, policy)
        with pytest.raises(orr.SnapshotError, match=message):
            r.snapshot()
    for make in (Stateless, Counting, lambda: orr.policies.PreferredAgent(Counting(), hold=5.0)):
        a = orr.Router(drv.QUEUES, make())
        drv.run(a, 4, 0, 90)
        s = json.loads(json.dumps(a.snapshot()))
        with pytest.raises(orr.SnapshotError, match="custom .*pass a new instance"):
            orr.Router.restore(s)
        with pytest.raises(orr.SnapshotError, match="differs from the given one"):
            orr.Router.restore(s, agent_policy=orr.policies.LongestIdle())
        b = orr.Router.restore(s, agent_policy=make())
        assert b.snapshot() == s
        assert drv.run(b, 4, 90, 200) == drv.run(a, 4, 90, 200)
        assert views(b) == views(a)


def test_reference_routers_are_refused() -> None:
    from omniroute.testing import ReferenceRouter

    with pytest.raises(orr.SnapshotError, match="replaces the router's indexes"):
        ReferenceRouter(drv.QUEUES).snapshot()


def test_locked_and_journaled_routers_snapshot_their_router(tmp_path) -> None:
    from omniroute.journal import JournaledRouter

    r = sample()
    locked = orr.LockedRouter.wrap(r)
    assert locked.snapshot() == r.snapshot()
    again = orr.LockedRouter.wrap(orr.Router.restore(locked.snapshot()))
    assert again.agents() == locked.agents()
    jr = JournaledRouter(drv.QUEUES, journal=tmp_path / "j.sqlite")
    drv.run(jr, 1, 0, 20)
    assert jr.snapshot() == jr.router.snapshot()
    jr.close()
