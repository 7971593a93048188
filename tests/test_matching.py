"""Joint (batch) matching: the solver against brute force, and the router's joint mode.

``omniroute.matching.solve`` must reach the objective its docstring states — most rows
served, then the best set of rows in row order, then the least total cost — which is
checked against every matching of small random instances.  The router's ``matching="joint"``
is checked on a case where the greedy choice is measurably worse, with a Scored policy, and
for its errors; its agreement with both oracles is in ``test_router_agreement.py`` and
``test_router_independent.py``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omniroute as orr
from omniroute import policies
from omniroute.matching import solve
from omniroute.testing import IndependentRouter, ReferenceRouter
from omniroute.testing import strategies as ost


def objective(pairs: list[tuple[int, int]], edges: dict[tuple[int, int], float]) -> tuple:
    """Smaller is better: (-served, served rows in order, total cost)."""
    rows = sorted(i for i, _j in pairs)
    return (-len(pairs), rows, sum(edges[p] for p in pairs))


def brute_force(n_rows: int, n_cols: int, edges: dict[tuple[int, int], float]) -> tuple:
    """The best objective over every matching (each row to one column or none)."""
    best = objective([], edges)
    for choice in itertools.product([None, *range(n_cols)], repeat=n_rows):
        cols = [j for j in choice if j is not None]
        if len(cols) != len(set(cols)):
            continue
        pairs = [(i, j) for i, j in enumerate(choice) if j is not None]
        if all(p in edges for p in pairs):
            best = min(best, objective(pairs, edges))
    return best


@st.composite
def instances(draw: st.DrawFn) -> tuple[int, int, dict[tuple[int, int], float]]:
    n_rows = draw(st.integers(0, 5))
    n_cols = draw(st.integers(0, 4))
    cells = [(i, j) for i in range(n_rows) for j in range(n_cols)]
    chosen = draw(st.lists(st.sampled_from(cells), unique=True) if cells else st.just([]))
    costs = st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.5])
    return n_rows, n_cols, {c: draw(costs) for c in chosen}


@settings(max_examples=300, deadline=None)
@given(instances())
def test_solve_is_optimal_against_brute_force(inst: tuple) -> None:
    n_rows, n_cols, edges = inst
    pairs = solve(n_rows, n_cols, edges)
    assert all(p in edges for p in pairs)
    assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})
    assert [i for i, _ in pairs] == sorted(i for i, _ in pairs)  # in row order
    assert objective(pairs, edges) == brute_force(n_rows, n_cols, edges)


def test_long_augmenting_paths_need_no_recursion() -> None:
    """Row i may take column i-1 or i: each new row's first try walks back through every
    row before it, deeper than Python's recursion limit."""
    n = 1200
    edges = {(0, 0): 0.0, **{(i, j): 0.0 for i in range(1, n) for j in (i - 1, i)}}
    assert solve(n, n, edges) == [(i, i) for i in range(n)]


def test_solve_is_deterministic() -> None:
    edges = {(i, j): 0.0 for i in range(4) for j in range(4)}
    assert solve(4, 4, edges) == solve(4, 4, dict(reversed(list(edges.items()))))


# ---------------------------------------------------------------------- the router
BOTH = {"billing": 1, "loans": 1}


def _busy_until_10(r: object, ids: tuple[str, ...]) -> None:
    """Each agent takes a call at 0 and finishes it at 1 with wrap-up until 10."""
    for aid in ids:
        r.set_available(aid, now=0.0)
        r.submit(orr.Contact(f"d{aid}", channel=orr.VOICE, queue="general"), now=0.0)
    for aid in ids:
        r.complete(f"d{aid}", now=1.0, wrap_up=9.0)


def _backlog(cls: type, matching: str, agent_policy: object = None) -> tuple[object, list]:
    """Contacts A (billing) and B (loans) wait; agents X (billing, loans) and Y (billing)
    end their wrap-ups at t=10 together.  Greedy: A, first in line, goes to X (idle
    longest), and B, whom only X can serve, waits.  Joint: A to Y, B to X."""
    r = cls([orr.Queue("general")], agent_policy=agent_policy, contact_policy=policies.PriorityFIFO(),
            matching=matching)
    r.add_agent(orr.Agent("X", skills=BOTH, capacity={orr.VOICE: 1}), now=0.0)
    r.add_agent(orr.Agent("Y", skills={"billing": 1}, capacity={orr.VOICE: 1}), now=0.0)
    _busy_until_10(r, ("X", "Y"))
    r.submit(orr.Contact("A", channel=orr.VOICE, queue="general", needs={"billing": 1}), now=2.0)
    r.submit(orr.Contact("B", channel=orr.VOICE, queue="general", needs={"loans": 1}), now=3.0)
    return r, r.tick(10.0)


@pytest.mark.parametrize("cls", [orr.Router, ReferenceRouter, IndependentRouter])
def test_greedy_strands_a_contact_joint_serves_both(cls: type) -> None:
    _r, greedy = _backlog(cls, "greedy")
    assert [(x.contact_id, x.agent_id) for x in greedy] == [("A", "X")]
    r, joint = _backlog(cls, "joint")
    assert [(x.contact_id, x.agent_id) for x in joint] == [("A", "Y"), ("B", "X")]
    assert [x.reason.trigger for x in joint] == ["wrap-up", "wrap-up"]
    assert not r.waiting()


def _scored(cls: type, matching: str) -> list:
    """Two contacts meet two agents; each agent is the better one for contact A (by 1),
    but X is far better for B (by 5): greedy gives A its best (X), joint the best total."""
    table = {("X", "A"): 10.0, ("Y", "A"): 9.0, ("X", "B"): 8.0, ("Y", "B"): 3.0}
    policy = policies.Scored(lambda a, c: table.get((a.id, c.id), 0.0))
    r = cls([orr.Queue("general")], agent_policy=policy, matching=matching)
    for aid in ("X", "Y"):
        r.add_agent(orr.Agent(aid, skills={"billing": 1}, capacity={orr.VOICE: 1}), now=0.0)
    _busy_until_10(r, ("X", "Y"))
    for cid in ("A", "B"):
        r.submit(orr.Contact(cid, channel=orr.VOICE, queue="general", needs={"billing": 1}), now=2.0)
    out = r.tick(10.0)
    return sorted((x.contact_id, x.agent_id, table[x.agent_id, x.contact_id]) for x in out)


@pytest.mark.parametrize("cls", [orr.Router, ReferenceRouter, IndependentRouter])
def test_joint_maximises_the_total_score(cls: type) -> None:
    greedy, joint = _scored(cls, "greedy"), _scored(cls, "joint")
    assert greedy == [("A", "X", 10.0), ("B", "Y", 3.0)]  # total 13
    assert joint == [("A", "Y", 9.0), ("B", "X", 8.0)]  # total 17


def test_joint_chat_agent_takes_several_contacts_in_rounds() -> None:
    """A freed chat agent with three slots takes three waiting chats (one per round)."""
    r = orr.Router([orr.Queue("general")], matching="joint")
    r.add_agent(orr.Agent("X", skills={"billing": 1}, capacity={orr.CHAT: 3}), now=0.0)
    r.add_agent(orr.Agent("Y", skills={"billing": 1}, capacity={orr.CHAT: 1}), now=0.0)
    for aid in ("X", "Y"):
        r.set_available(aid, now=0.0)
    for i in range(4):
        r.submit(orr.Contact(f"d{i}", channel=orr.CHAT, queue="general"), now=0.0)
    for i in range(4):
        r.complete(f"d{i}", now=1.0, wrap_up=4.0)
    for i in range(5):
        r.submit(orr.Contact(f"c{i}", channel=orr.CHAT, queue="general"), now=2.0)
    out = r.tick(5.0)
    assert sorted(x.contact_id for x in out) == ["c0", "c1", "c2", "c3"]
    assert sorted(x.agent_id for x in out) == ["X", "X", "X", "Y"]
    assert [w.contact.id for w in r.waiting()] == ["c4"]


def test_snapshot_keeps_the_matching() -> None:
    r, _out = _backlog(orr.Router, "joint")
    snap = r.snapshot()
    assert snap["content"]["config"]["matching"] == "joint"
    assert orr.Router.restore(snap).matching == "joint"
    greedy, _ = _backlog(orr.Router, "greedy")
    assert "matching" not in greedy.snapshot()["content"]["config"]


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"matching": "optimal"}, ["Router.matching", "'optimal'", "greedy", "joint"]),
    ({"matching": None}, ["Router.matching", "None"]),
    ({"matching": "joint", "agent_policy": policies.Random(1)}, ["matching='joint'", "random"]),
    ({"matching": "joint", "agent_policy": policies.PreferredAgent(policies.LongestIdle())},
     ["matching='joint'", "preferred"]),
])
def test_bad_matching_is_refused(kwargs: dict, words: list[str]) -> None:
    with pytest.raises(orr.ValidationError) as info:
        orr.Router([orr.Queue("general")], **kwargs)
    for w in words:
        assert w in str(info.value)


@st.composite
def backlogs(draw: st.DrawFn) -> tuple[list[orr.Agent], list[orr.Contact]]:
    """Agents (voice, and sometimes chat slots) and contacts waiting for them."""
    skills = st.dictionaries(st.sampled_from(ost.SKILLS[:3]), ost.levels, max_size=2)
    agents = [orr.Agent(f"a{i}", skills=draw(skills), tier=draw(st.integers(1, 2)),
                        capacity={orr.VOICE: 1, orr.CHAT: draw(st.integers(0, 2))})
              for i in range(draw(st.integers(1, 5)))]
    contacts = [orr.Contact(f"c{i}", channel=draw(st.sampled_from([orr.VOICE, orr.CHAT])),
                            queue=draw(st.sampled_from(["general", "premium"])),
                            needs=draw(st.dictionaries(st.sampled_from(ost.SKILLS[:3]), ost.levels, max_size=1)),
                            priority=draw(st.integers(0, 1)))
                for i in range(draw(st.integers(1, 7)))]
    return agents, contacts


def _shift(cls: type, agents: list, contacts: list, ap: str, cp: str, matching: str) -> list:
    """Every agent frees up at t=10 (wrap-ups ending together) with the contacts waiting."""
    r = cls([orr.Queue("general"), orr.Queue("premium", priority=1)],
            agent_policy=ost.agent_policy_factories[ap](),
            contact_policy=ost.contact_policy_factories[cp](), matching=matching)
    for a in agents:
        r.add_agent(a, now=0.0)
    _busy_until_10(r, tuple(a.id for a in agents))
    for i, c in enumerate(contacts):
        r.submit(c, now=2.0 + i)
    return [(x.contact_id, x.agent_id, x.reason._replace(score=None)) for x in r.tick(10.0)]


@settings(max_examples=60, deadline=None)
@given(backlogs(), st.sampled_from(ost.joint_agent_policies), st.sampled_from(sorted(ost.batchable_contact_policies)))
def test_joint_agrees_across_routers_and_serves_no_fewer(backlog: tuple, ap: str, cp: str) -> None:
    agents, contacts = backlog
    fast = _shift(orr.Router, agents, contacts, ap, cp, "joint")
    assert fast == _shift(ReferenceRouter, agents, contacts, ap, cp, "joint")
    assert fast == _shift(IndependentRouter, agents, contacts, ap, cp, "joint")
    greedy = _shift(orr.Router, agents, contacts, ap, cp, "greedy")
    if all(not a.capacity.get(orr.CHAT) for a in agents):
        # One contact per agent: the joint solve is a maximum matching of the instant.
        assert len(fast) >= len(greedy)


def _batched(cls: type, agents: list, contacts: list, ap: str, cp: str, matching: str) -> list:
    """A 5-second batch window: agents log in and contacts arrive between decision instants;
    then some calls end (without wrap-up) and the next instants decide again."""
    r = cls([orr.Queue("general"), orr.Queue("premium", priority=1)],
            agent_policy=ost.agent_policy_factories[ap](),
            contact_policy=ost.contact_policy_factories[cp](), matching=matching, batch_window=5.0)
    out = []
    for i, a in enumerate(agents):
        r.add_agent(a, now=0.5 * i)
        out += r.set_available(a.id, now=0.5 * i)
    for i, c in enumerate(contacts):
        out += r.submit(c, now=3.0 + 0.25 * i)
    assert out == [] and r.next_wakeup() == 5.0
    out += r.tick(5.0)
    for x in list(out)[::2]:
        out += r.complete(x.contact_id, now=7.0)
    out += r.tick(10.0)
    return [(x.contact_id, x.agent_id, x.time, x.reason._replace(score=None)) for x in out]


@settings(max_examples=60, deadline=None)
@given(backlogs(), st.sampled_from(ost.joint_agent_policies), st.sampled_from(sorted(ost.batchable_contact_policies)),
       st.sampled_from(["greedy", "joint"]))
def test_batch_window_agrees_across_routers(backlog: tuple, ap: str, cp: str, matching: str) -> None:
    agents, contacts = backlog
    fast = _batched(orr.Router, agents, contacts, ap, cp, matching)
    assert fast == _batched(ReferenceRouter, agents, contacts, ap, cp, matching)
    assert fast == _batched(IndependentRouter, agents, contacts, ap, cp, matching)
    assert all(t in (5.0, 10.0) for _c, _a, t, _r in fast)  # decided at multiples of the window


@pytest.mark.parametrize("window", [-1.0, float("inf"), float("nan"), "5s", True, None])
def test_bad_batch_window_is_refused(window: object) -> None:
    with pytest.raises(orr.ValidationError) as info:
        orr.Router([orr.Queue("general")], batch_window=window)
    assert "Router.batch_window" in str(info.value) and repr(window) in str(info.value)


def test_batch_window_holds_a_contact_until_the_decision_instant() -> None:
    r = orr.Router([orr.Queue("general")], batch_window=10.0)
    r.add_agent(orr.Agent("X", skills={}, capacity={orr.VOICE: 1}), now=0.0)
    assert r.set_available("X", now=0.0) == []
    assert r.submit(orr.Contact("A", channel=orr.VOICE, queue="general"), now=3.0) == []
    assert r.status("A") == "waiting" and r.next_wakeup() == 10.0
    (x,) = r.tick(10.0)
    assert (x.contact_id, x.agent_id, x.waited, x.reason.trigger) == ("A", "X", 7.0, "submit")
    assert r.next_wakeup() is None


def test_snapshot_and_journal_keep_the_batch(tmp_path: object) -> None:
    """Cut in the middle of a window: the restored router and a replayed journal decide
    at the same instant as the uninterrupted one."""
    from omniroute.journal import JournaledRouter, replay

    def build(r: object) -> None:
        r.add_agent(orr.Agent("X", skills={"billing": 1}, capacity={orr.VOICE: 1}), now=0.0)
        r.set_available("X", now=1.0)
        r.submit(orr.Contact("A", channel=orr.VOICE, queue="general", needs={"billing": 1}), now=2.0)

    r = orr.Router([orr.Queue("general")], matching="joint", batch_window=5.0)
    build(r)
    snap = r.snapshot()
    assert snap["content"]["config"]["batch_window"] == 5.0
    assert snap["content"]["router"]["batch"]["contacts"] == [["A", "submit"]]
    twin = orr.Router.restore(snap)
    assert twin.next_wakeup() == r.next_wakeup() == 5.0
    assert twin.tick(5.0) == r.tick(5.0) != []
    jr = JournaledRouter([orr.Queue("general")], matching="joint", batch_window=5.0,
                         journal=tmp_path / "j.sqlite")
    build(jr)
    assert [x.agent_id for x in jr.tick(5.0)] == ["X"]
    jr.close()
    got = replay(tmp_path / "j.sqlite")
    assert got.divergence is None and got.calls == 4
    assert (got.router.matching, got.router.batch_window) == ("joint", 5.0)


# ---------------------------------------------------------------------- scenario files
TOML = '''
name = "x"
horizon = "1h"
[routing]
{routing}
[[queues]]
name = "q"
channel = "voice"
[[agents]]
count = 2
capacity = {{ voice = 1 }}
[[demand]]
queue = "q"
arrivals = {{ per_hour = 30 }}
handle = {{ dist = "exponential", mean = "3m" }}
'''


def _load(tmp_path: object, routing: str) -> object:
    from omniroute import sim

    path = tmp_path / "s.toml"
    path.write_text(TOML.format(routing=routing))
    return sim.load_scenario(path)


def test_toml_matching_and_batch_window(tmp_path: object) -> None:
    from omniroute import sim

    sc = _load(tmp_path, 'matching = "joint"\nbatch_window = "15s"')
    assert (sc.routing.matching, sc.routing.batch_window) == ("joint", 15.0)
    assert _load(tmp_path, "").routing.matching == "greedy"
    report = sim.run(sc, seed=1)  # the engine's router decides every 15 s, jointly
    assert report.to_dict()["kpis"]["overall"]["offered"] > 0


@pytest.mark.parametrize(("routing", "words"), [
    ('matching = "optimal"', ["routing.matching", "'optimal'", "greedy, joint"]),
    ('batch_window = "-5s"', ["routing.batch_window", "'-5s'"]),
    ("batch_window = -1", ["routing.batch_window", "-1"]),
    ('matching = "joint"\nagent = "random"', ["routing.matching", "'random'", "ranks agents"]),
    ('matching = "joint"\nagent = "preferred+best-fit"', ["routing.matching", "preferred+best-fit"]),
])
def test_toml_errors(tmp_path: object, routing: str, words: list[str]) -> None:
    with pytest.raises(orr.ScenarioError) as info:
        _load(tmp_path, routing)
    for w in words:
        assert w in str(info.value)


def test_python_routing_errors() -> None:
    from omniroute import sim

    with pytest.raises(orr.ValidationError, match="Routing.matching must be 'greedy' or 'joint' .got 'best'"):
        sim.Routing(matching="best")
    with pytest.raises(orr.ValidationError, match="Routing.batch_window .* .got -2"):
        sim.Routing(batch_window=-2)


def test_cli_compare_refuses_a_matching_twice_and_joint_with_random(capsys: pytest.CaptureFixture) -> None:
    from omniroute.cli import main

    toml = str(Path(__file__).resolve().parents[1] / "examples" / "batch_matching.toml")
    assert main(["compare", toml, "--matching", "joint", "--matching", "joint", "-q"]) == 2
    assert "--matching joint is given twice" in capsys.readouterr().err
    assert main(["compare", toml, "--agent-policy", "random", "--agent-policy", "best-fit",
                 "--matching", "joint", "-q"]) == 2
    assert "matching='joint' needs an agent policy that ranks agents" in capsys.readouterr().err


def test_explain_names_the_decision_instant() -> None:
    r = orr.Router([orr.Queue("general")], batch_window=10.0)
    r.add_agent(orr.Agent("X"), now=0.0)
    r.set_available("X", now=0.0)
    r.submit(orr.Contact("A", channel=orr.VOICE, queue="general"), now=3.0)
    (why,) = r.explain("A", now=3.0)
    assert (why.agent_id, why.reason, why.until) == ("X", "free", 10.0)
    assert "decision instant" in why.detail
