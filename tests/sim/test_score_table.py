"""Score tables: ``policies.ScoreTable`` (a fitted model's predictions as data) and
``[routing] agent = "scored"`` with ``[routing.score]`` in scenario files."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from conftest import one_queue_toml

import omniroute as orr
from omniroute import policies, serial, sim
from omniroute.errors import ScenarioError, ValidationError
from omniroute.sim.loader import tomllib

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"

#: Two desks, each fast on its own queue (0.7x) and slow on the other (1.3x); the doc's
#: [routing] block is put in front.
TOP = """
name = "two desks"
horizon = "6h"
warmup = "30m"
"""
DESKS = """
[[queues]]
name = "cards"
needs = { service = 1 }
[[queues]]
name = "loans"
needs = { service = 1 }
[[agents]]
team = "cards desk"
count = 7
skills = { service = 1 }
handle_factor = { cards = 0.7, loans = 1.3 }
[[agents]]
team = "loans desk"
count = 7
skills = { service = 1 }
handle_factor = { cards = 1.3, loans = 0.7 }
[[demand]]
queue = "cards"
arrivals = { per_hour = 55 }
handle = { dist = "exponential", mean = "5m" }
[[demand]]
queue = "loans"
arrivals = { per_hour = 55 }
handle = { dist = "exponential", mean = "5m" }
"""


def doc_block() -> str:
    """The TOML example of the doc's score-table section."""
    section = DOC.read_text(encoding="utf-8").split("### A score table", 1)[1]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)


def load(text: str, base: Path | None = None) -> sim.Scenario:
    return sim.parse_scenario(tomllib.loads(TOP + text), base=base)


def test_lookup_by_agent_team_tier_and_queue_or_segment() -> None:
    a = orr.Agent("a1", tier=2, team="desk")
    c = orr.Contact("c", orr.VOICE, "cards", segment="gold")
    assert policies.ScoreTable({"a1": {"cards": 3}})(a, c) == 3.0
    assert policies.ScoreTable({"desk": {"cards": -1.5}}, by="team")(a, c) == -1.5
    assert policies.ScoreTable({"2": {"gold": 7}}, by="tier", on="segment")(a, c) == 7.0
    # what the table does not name scores the default: another queue, agent, no team/segment
    assert policies.ScoreTable({"a1": {"loans": 3}}, default=-2)(a, c) == -2.0
    assert policies.ScoreTable({"zz": {"cards": 3}}, default=1)(a, c) == 1.0
    assert policies.ScoreTable({"desk": {"cards": 3}}, by="team")(orr.Agent("x"), c) == 0.0
    assert policies.ScoreTable({"2": {"gold": 7}}, by="tier", on="segment")(
        a, orr.Contact("d", orr.VOICE, "cards")) == 0.0
    t = policies.ScoreTable({"a1": {"cards": 3}}, by="agent")
    assert pickle.loads(pickle.dumps(t)) == t and t != policies.ScoreTable({"a1": {"cards": 4}})


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ({"a": {"q": 1}}, {"by": "desk"}, "ScoreTable.by must be one of ['agent', 'team', 'tier'] (got 'desk')"),
    ({"a": {"q": 1}}, {"on": "channel"}, "ScoreTable.on must be one of ['queue', 'segment']"),
    ({"a": {"q": 1}}, {"default": float("inf")}, "ScoreTable.default must be a finite real number"),
    ({"a": {"q": float("nan")}}, {}, "ScoreTable.values['a']['q'] must be a finite real number (got nan)"),
    ({"a": {"q": True}}, {}, "ScoreTable.values['a']['q'] must be a finite real number (got True)"),
    ({"a": 3}, {}, "ScoreTable.values['a'] must be a mapping of queue -> score"),
    ({"": {"q": 1}}, {}, "keys must be non-empty strings"),
    ([("a", 1)], {}, "ScoreTable.values must be a mapping of agent -> {queue -> score}"),
])
def test_bad_tables_are_refused(args, kwargs, message) -> None:
    with pytest.raises(ValidationError) as err:
        policies.ScoreTable(args, **kwargs)
    assert message in str(err.value)


def test_a_scored_table_serialises_and_restores_from_a_snapshot() -> None:
    pol = policies.Scored(policies.ScoreTable({"desk": {"q": 2.0}}, by="team", default=-1.0),
                          policies.RoundRobin(), limit=2)
    data = serial.to_dict(pol)
    assert data["kind"] == "scored" and data["limit"] == 2 and data["score"]["by"] == "team"
    back = serial.from_dict(policies.AgentPolicy, data)
    assert repr(back) == repr(pol) and serial.to_dict(back) == data and serial.is_builtin(back)
    with pytest.raises(ValidationError, match=r"AgentPolicy.score: unknown field 'bogus'"):
        serial.from_dict(policies.AgentPolicy, {**data, "score": {**data["score"], "bogus": 1}})
    router = orr.Router([orr.Queue("q")], agent_policy=pol)
    for aid, team in (("a", "desk"), ("b", None), ("c", "desk")):
        router.add_agent(orr.Agent(aid, team=team), now=0.0)
        router.set_available(aid, now=0.0)
    (first,) = router.submit(orr.Contact("c1", orr.VOICE, "q"), now=1.0)
    assert first.agent_id == "a" and first.reason.score[0] == -2.0
    restored = orr.Router.restore(router.snapshot(), queues=[orr.Queue("q")])  # no policy given: built-in
    for r in (router, restored):
        (nxt,) = r.submit(orr.Contact("c2", orr.VOICE, "q"), now=2.0)
        assert nxt.agent_id == "c"  # the other desk agent, not b (default -1)


def test_the_doc_example_pairs_desks_with_their_queues() -> None:
    block = doc_block()
    assert 'agent = "scored"' in block
    scored = load(block + DESKS)
    choice = scored.routing.agent
    assert isinstance(choice, sim.ScoredChoice) and choice.name == "scored+longest-idle"
    pol = choice(None)
    assert isinstance(pol, policies.Scored) and pol.score.by == "team"
    pickle.loads(pickle.dumps(scored))  # replications in other processes get the same policy
    plain = load(DESKS)
    cmp = sim.compare_variants({"longest-idle": plain, "scored": scored}, replications=3, seed=5)
    aht = {n: s.kpis["overall"]["aht"].mean for n, s in zip(cmp.names, cmp.summaries, strict=True)}
    sl = {n: s.kpis["overall"]["service_level"].mean for n, s in zip(cmp.names, cmp.summaries, strict=True)}
    # the desks get their own queue's calls: shorter calls, and with them better service
    assert aht["scored"] < 0.9 * aht["longest-idle"], aht
    assert sl["scored"] > sl["longest-idle"], sl


def test_scores_from_a_csv_file_equal_the_inline_table(tmp_path) -> None:
    (tmp_path / "pairing.csv").write_text(
        "team,queue,score\ncards desk,cards,-210\ncards desk,loans,-390\n"
        "loans desk,cards,-390\nloans desk,loans,-210\n", encoding="utf-8")
    from_file = doc_block().replace(re.search(r"^values = .*$", doc_block(), re.M).group(0), 'file = "pairing.csv"')
    assert load(from_file + DESKS, base=tmp_path).routing.agent == load(doc_block() + DESKS).routing.agent


@pytest.mark.parametrize(("score", "message"), [
    ('by = "team"\nvalues = { "card desk" = { cards = 1 } }',
     "routing.score: team 'card desk' is not a team of the file's agents; known: cards desk, loans desk"),
    ('by = "team"\nvalues = { "cards desk" = { card = 1 } }',
     "routing.score: team 'cards desk': 'card' is not a queue; known: cards, loans"),
    ('values = { "cards desk-7" = { cards = 1 } }',
     "routing.score: agent 'cards desk-7' is not a agent of the file's agents; known: cards desk-0"),
    ('by = "tier"\nvalues = { "2" = { cards = 1 } }', "tier '2' is not a tier of the file's agents; known: 1"),
    ('by = "desk"\nvalues = {}', "routing.score.by: 'desk' must be one of 'agent', 'team', 'tier'"),
    ('values = { x = { cards = "fast" } }', "routing.score.values.x.cards: 'fast' must be a finite number"),
    ('values = {}\nfile = "x.csv"', "routing.score: give the scores either inline (values = { ... }) or as a CSV"),
    ('by = "team"', "routing.score: give the scores either inline"),
    ('then = "random"\nvalues = {}', "routing.score.then must name an agent policy that ranks agents"),
    ('limit = 0\nvalues = {}', "routing.score.limit: 0 must be an integer from 1"),
    ('file = "missing.csv"', "routing.score.file: 'missing.csv' is not a readable CSV file"),
    ('colour = 1\nvalues = {}', "routing.score.colour: unknown key"),
])
def test_score_mistakes_are_refused_before_anything_runs(score, message) -> None:
    with pytest.raises(ScenarioError) as err:
        load('[routing]\nagent = "scored"\n[routing.score]\n' + score + "\n" + DESKS)
    assert message in str(err.value), str(err.value)


@pytest.mark.parametrize(("routing", "message"), [
    ('agent = "scored"', 'routing.score: is required with agent = "scored"'),
    ('agent = "longest-idle"\nscore = { values = {} }', 'routing.score: applies to agent = "scored"'),
    ('agent = "scored"\nhold = "10s"\nscore = { values = {} }', "routing.hold: applies to preferred+"),
    ('agent = "scored"\norder = ["a"]\nscore = { values = {} }', "routing.order: applies to agent = \"linear\""),
])
def test_score_and_agent_go_together(routing, message) -> None:
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(one_queue_toml(top="[routing]\n" + routing)))
    assert message in str(err.value), str(err.value)


def test_a_bad_csv_is_refused_naming_its_line(tmp_path) -> None:
    (tmp_path / "s.csv").write_text("team,queue,value\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("team,queue,score\ncards desk,cards,1\ncards desk,cards,2\n", encoding="utf-8")
    (tmp_path / "u.csv").write_text("team,queue,score\ncards desk,cards,x\n", encoding="utf-8")
    for name, message in (("s", "the header must be team,queue,score"),
                          ("t", "routing.score.file:3: a second score for team 'cards desk' and queue 'cards'"),
                          ("u", "routing.score.file:2: score 'x' must be a finite number")):
        text = f'[routing]\nagent = "scored"\n[routing.score]\nby = "team"\nfile = "{name}.csv"\n' + DESKS
        with pytest.raises(ScenarioError) as err:
            load(text, base=tmp_path)
        assert message in str(err.value), str(err.value)


def test_a_score_table_inside_a_reservation_or_idleness_ratios() -> None:
    values = 'by = "team"\nvalues = { "cards desk" = { cards = 2 }, "loans desk" = { loans = 2 } }\n'
    for wrap, kind, name in (('reserve = { keep = { 1 = 2 }, queues = ["cards"] }', policies.Reserve,
                              "reserve+scored+longest-idle"),
                             ("idle_ratios = { 1 = 1.0 }", policies.IdlenessRatio,
                              "idleness-ratio+scored+longest-idle")):
        sc = load(f'[routing]\nagent = "scored"\n{wrap}\n[routing.score]\n{values}' + DESKS)
        choice = sc.routing.agent
        assert choice.name == name
        pol = choice(None)
        assert type(pol) is kind and isinstance(pol.then, policies.Scored)
        assert isinstance(pol.then.score, policies.ScoreTable) and serial.is_builtin(pol)
        assert repr(serial.from_dict(policies.AgentPolicy, serial.to_dict(pol))) == repr(pol)
        assert pickle.loads(pickle.dumps(sc)).routing.agent == choice
        assert sim.run(sc, 1).kpis["overall"]["answered"] > 0
