"""Attribute expressions (issue 13, part 4): the parser and its errors, the compiled
evaluator against a plain interpretation, agent attributes, queue and step ``requires`` in
the router, the check against the agents, serial, and ``explain``."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omniroute as orr
from omniroute import serial
from omniroute.expressions import bind, expression_problems
from omniroute.testing import strategies as ost
from omniroute.testing.independent import passes

E = orr.Expression


# ------------------------------------------------------------------ parser
@pytest.mark.parametrize("source, tree", [
    ('language IN ["es", "en"] AND tier >= 2 AND NOT vip_only',
     ("and", ("and", ("in", ("agent", "language"), ("lit", ("es", "en"), "l(s,s)")),
              ("cmp", ">=", ("builtin", "tier"), ("lit", 2, "n"))),
      ("not", ("truth", ("agent", "vip_only"))))),
    ("a == 1 or b == 2 and c == 3",  # AND binds tighter than OR
     ("or", ("cmp", "==", ("agent", "a"), ("lit", 1, "n")),
      ("and", ("cmp", "==", ("agent", "b"), ("lit", 2, "n")),
       ("cmp", "==", ("agent", "c"), ("lit", 3, "n"))))),
    ("language == contact.language", ("cmp", "==", ("agent", "language"), ("contact", "language"))),
    ("task.x != 'a'", ("cmp", "!=", ("contact", "x"), ("lit", "a", "s"))),
    ("skills.billing >= 2.5", ("cmp", ">=", ("skill", "billing"), ("lit", 2.5, "n"))),
    ("langs HaS 'fr'", ("has", ("agent", "langs"), ("lit", "fr", "s"))),
    ("x not in [true, -1, 'q']", ("notin", ("agent", "x"), ("lit", (True, -1, "q"), "l(b,n,s)"))),
    ("TRUE", ("truth", ("lit", True, "b"))),
    ("Team == 'back'", ("cmp", "==", ("builtin", "team"), ("lit", "back", "s"))),
    ("x == 'it\\'s'", ("cmp", "==", ("agent", "x"), ("lit", "it's", "s"))),
])
def test_parses(source: str, tree: tuple) -> None:
    assert E(source).tree == tree
    assert E(source).source == source


def test_equal_meaning_is_equal_and_types_are_kept() -> None:
    assert E("a == 1 AND b") == E("(a==1)  and b")
    assert hash(E("a == 1 AND b")) == hash(E("(a==1)  and b"))
    assert E("a == 1") != E("a == true")  # Python's 1 == True must not merge them
    assert bind(E("a == 1"), {}) is not bind(E("a == true"), {})


@pytest.mark.parametrize("source, column, expected", [
    ("language == AND tier >= 2", 13, "expected a value after '==', got AND"),
    ("x IN [1, 2", 11, "expected ',' or ']', got the end"),
    ("(a == 1", 8, "expected ')' or AND/OR, got the end"),
    ("a == 1 b", 8, "expected AND, OR or the end, got b"),
    ('x == "abc', 6, "expected a closing quote"),
    ("x @ 2", 3, "expected a value, a name or an operator, got '@'"),
    ("", 1, "expected a condition, got the end"),
    ("a.b.c == 1", 1, "expected a name with one dot at most"),
    ("agent.x == 1", 1, "dotted names start with contact., task. or skills."),
    ("3", 2, "expected a comparison"),
    ("x IN 'es'", 6, "expected a list '[...]' or a list attribute, got 'es'"),
    ("x IN [y]", 7, "expected a string, number, true or false in the list, got y"),
    ("NOT", 4, "expected a condition (a name, a value, NOT or '('), got the end"),
])
def test_syntax_errors_point_at_the_column(source: str, column: int, expected: str) -> None:
    with pytest.raises(orr.ExpressionError) as info:
        orr.Queue("q", requires=source)
    err = info.value
    assert isinstance(err, orr.ValidationError) and isinstance(err, ValueError)
    assert (err.field, err.column) == ("Queue.requires", column)
    assert expected in err.expected
    lines = str(err).splitlines()
    assert lines[0].startswith("Queue.requires: ") and lines[0].endswith(f"at column {column}")
    assert lines[1] == "    " + source
    assert lines[2] == "    " + " " * (column - 1) + "^"


def test_step_errors_name_the_step_field() -> None:
    with pytest.raises(orr.ExpressionError, match=r"^Step.requires: expected"):
        orr.Step(10.0, requires="tier >=")
    with pytest.raises(orr.ExpressionError, match="as a string or None"):
        orr.Queue("q", requires=3)


# ------------------------------------------------------------------ evaluation
def _agent(**attributes: object) -> orr.Agent:
    return orr.Agent("a1", skills={"billing": 3}, tier=2, team="back", attributes=attributes)


def _contact(**attributes: object) -> orr.Contact:
    return orr.Contact("c1", channel=orr.VOICE, queue="q", attributes=attributes)


@pytest.mark.parametrize("source, attrs, cattrs, result", [
    ('language IN ["es", "en"] AND tier >= 2 AND NOT vip_only', {"language": "es"}, {}, True),
    ('language IN ["es", "en"] AND tier >= 2 AND NOT vip_only', {"language": "es", "vip_only": True}, {}, False),
    ("language == contact.language", {"language": "fr"}, {"language": "fr"}, True),
    ("language == contact.language", {"language": "fr"}, {}, False),  # missing: false
    ("language != contact.language", {"language": "fr"}, {}, False),  # ... both ways
    ("NOT language == contact.language", {"language": "fr"}, {}, True),
    ("grade >= 2", {"grade": "3"}, {}, False),  # a type mismatch is false
    ("grade > 1", {"grade": 1.5}, {}, True),
    ("grade == 1", {"grade": True}, {}, False),  # a boolean is not a number
    ("skills.billing >= 3 AND skills.loans == 0", {}, {}, True),
    ("team == 'back' AND id == 'a1'", {}, {}, True),
    ("langs HAS contact.language", {"langs": ["es", "fr"]}, {"language": "fr"}, True),
    ("contact.language IN langs", {"langs": ["es", "fr"]}, {"language": "en"}, False),
    ("x NOT IN ['a']", {}, {}, False),  # missing
    ("x NOT IN ['a']", {"x": "b"}, {}, True),
    ("name < 'm'", {"name": "k"}, {}, True),
    ("l == contact.l", {"l": [1, 2]}, {"l": [1, 2]}, True),
])
def test_evaluates_as_documented(source: str, attrs: dict, cattrs: dict, result: bool) -> None:
    agent, contact = _agent(**attrs), _contact(**cattrs)
    assert E(source).evaluate(agent, contact) is result
    assert passes(E(source), agent, contact) is result


@settings(max_examples=150, deadline=None)
@given(source=ost.expressions(depth=3), attrs=ost.agent_attributes, cattrs=ost.contact_attributes,
       agent=ost.agents())
def test_compiled_agrees_with_a_plain_walk(source: str, attrs: dict, cattrs: dict, agent: orr.Agent) -> None:
    expr = E(source)
    agent = orr.Agent(agent.id, skills=agent.skills, tier=agent.tier, team=agent.team, attributes=attrs)
    contact = _contact(**cattrs)
    assert expr.evaluate(agent, contact) is passes(expr, agent, contact)
    # the router's agent records read the same fields
    from omniroute.state import AgentState

    assert bool(bind(expr, contact.attributes)(AgentState(agent, 1, 0.0))) is passes(expr, agent, contact)


def test_binding_shares_predicates_between_equal_contacts() -> None:
    expr = E("language == contact.language")
    assert bind(expr, {"language": "es"}) is bind(expr, {"language": "es", "other": 1})
    assert bind(expr, {"language": "es"}) is not bind(expr, {"language": "en"})
    static = E("tier >= 2")
    assert bind(static, {"language": "es"}) is bind(static, {})


# ------------------------------------------------------------------ agent attributes
def test_agent_attributes_are_frozen_json() -> None:
    a = orr.Agent("a", attributes={"langs": ["es", "en"], "grade": 2, "meta": {"x": None}})
    assert a.attributes["langs"] == ("es", "en")
    with pytest.raises(TypeError):
        a.attributes["grade"] = 3  # type: ignore[index]
    assert orr.Agent("a").attributes == {}


@pytest.mark.parametrize("attributes, match", [
    ({"tier": 2}, "'tier' is a built-in name"),
    ({"x": {1, 2}}, r"Agent.attributes\['x'\] must be a JSON value"),
    ({"x": float("nan")}, "finite"),
    ({3: "a"}, "names must be non-empty strings"),
    ("lang=es", "must be a mapping"),
])
def test_bad_agent_attributes_are_refused(attributes: object, match: str) -> None:
    with pytest.raises(orr.ValidationError, match=match):
        orr.Agent("a", attributes=attributes)  # type: ignore[arg-type]


# ------------------------------------------------------------------ router
def _router(**kw: object) -> orr.Router:
    q = orr.Queue("q", requires="language == contact.language AND NOT trainee",
                  steps=[orr.Step(30.0, requires="language == 'en'")], **kw)  # type: ignore[arg-type]
    r = orr.Router([q])
    for aid, lang, trainee in (("en1", "en", False), ("es1", "es", True), ("es2", "es", False)):
        r.add_agent(orr.Agent(aid, attributes={"language": lang, "trainee": trainee}), 0.0)
    return r


def test_router_honours_requires_and_its_steps() -> None:
    r = _router()
    r.set_available("en1", 0.0)
    r.set_available("es1", 0.0)  # a trainee: never by the queue's expression
    c = orr.Contact("c1", channel=orr.VOICE, queue="q", attributes={"language": "es"})
    assert r.submit(c, 1.0) == []
    why = {w.agent_id: w for w in r.explain("c1", 2.0)}
    assert why["es1"].reason == "requires" and why["es1"].until is None
    assert "language == contact.language AND NOT trainee" in why["es1"].detail
    assert why["en1"].reason == "requires" and why["en1"].until == 31.0  # the step admits it
    assert why["es2"].reason == "logged_out"
    got = r.tick(31.0)  # the step replaces the expression: an English speaker takes it
    assert [(x.contact_id, x.agent_id, x.reason.step) for x in got] == [("c1", "en1", 1)]


def test_agent_freeing_up_takes_only_contacts_it_passes() -> None:
    r = _router()
    for i, lang in enumerate(("en", "es", "es")):
        r.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue="q", attributes={"language": lang}), 1.0)
    got = r.set_available("es2", 2.0)
    assert [x.contact_id for x in got] == ["c1"]  # the first Spanish contact, not c0
    assert r.set_available("es1", 2.0) == []  # a trainee
    assert [x.contact_id for x in r.set_available("en1", 2.0)] == ["c0"]


def test_unknown_attributes_are_refused_where_agents_are_known() -> None:
    qs = [orr.Queue("q", requires="langauge == 'es' AND skills.biling > 1 AND tier >= 2")]
    agents = [orr.Agent("a", skills={"billing": 2}, attributes={"language": "es"})]
    problems = expression_problems(qs, agents)
    assert [(p.field, p.column) for p in problems] == [("Queue 'q'.requires", 1), ("Queue 'q'.requires", 22)]
    assert "no agent has the attribute 'langauge'; agents declare ['language']" in str(problems[0])
    assert "no agent has the skill 'biling'; agents have ['billing']" in str(problems[1])
    with pytest.raises(orr.ExpressionError, match=r"\(and 1 more\)"):
        orr.check_expressions(qs, agents)
    orr.check_expressions([orr.Queue("q", requires="language == 'es' AND tier >= 2")], agents)


def test_serial_round_trip_and_old_dicts() -> None:
    q = orr.Queue("q", requires="a == 1", steps=[orr.Step(5.0, requires="true"), orr.Step(9.0)])
    d = serial.to_dict(q)
    assert d["requires"] == "a == 1" and d["steps"][0]["requires"] == "true" and "requires" not in d["steps"][1]
    assert serial.from_dict(orr.Queue, json.loads(json.dumps(d))) == q
    a = orr.Agent("a", attributes={"langs": ["es"], "g": 1.5})
    assert serial.from_dict(orr.Agent, json.loads(json.dumps(serial.to_dict(a)))) == a
    assert "attributes" not in serial.to_dict(orr.Agent("b"))  # as older versions wrote it
    with pytest.raises(orr.ValidationError, match=r"^Queue.requires: .*column 6"):
        serial.from_dict(orr.Queue, {"name": "q", "requires": "a == "})
    with pytest.raises(orr.ExpressionError, match=r"^Queue.steps\[0\].requires: .*column 1"):
        serial.from_dict(orr.Queue, {"name": "q", "steps": [{"after": 1, "requires": ")"}]})


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_snapshot_keeps_expressions(data: st.DataObject) -> None:
    r = _router()
    for aid in ("en1", "es2"):
        r.set_available(aid, 0.0)
    for i in range(data.draw(st.integers(1, 4))):
        lang = data.draw(st.sampled_from(["en", "es", "fr"]))
        r.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue="q", attributes={"language": lang}), 1.0)
    r2 = orr.Router.restore(json.loads(json.dumps(r.snapshot())))
    assert r2.waiting() == r.waiting()
    assert r2.tick(40.0) == r.tick(40.0)


def test_expressions_pickle_by_source() -> None:
    import pickle

    q = orr.Queue("q", requires="language == contact.language")
    back = pickle.loads(pickle.dumps(q))
    assert back == q and back.requires is not None and back.requires.source == q.requires.source  # type: ignore[union-attr]
    assert back.requires.evaluate(_agent(language="es"), _contact(language="es"))  # type: ignore[union-attr]


# ------------------------------------------------------------------ the index's part
@settings(max_examples=150, deadline=None)
@given(source=ost.expressions(depth=3), attrs=ost.agent_attributes, cattrs=ost.contact_attributes,
       agent=ost.agents())
def test_an_agent_who_passes_is_filed_under_every_lookup_name(
        source: str, attrs: dict, cattrs: dict, agent: orr.Agent) -> None:
    from omniroute.expressions import agent_tags, indexed_names, lookup

    expr = E(source)
    agent = orr.Agent(agent.id, skills=agent.skills, tier=agent.tier, team=agent.team, attributes=attrs)
    if passes(expr, agent, _contact(**cattrs)):
        filed = {*agent.skills, *agent_tags(agent.attributes, indexed_names([expr]))}
        assert set(lookup(expr, cattrs)) <= filed


def test_lookup_forms() -> None:
    from omniroute.expressions import agent_tags, indexed_names, lookup

    e = E("language == contact.language AND x IN [2.0] AND langs HAS 'es' AND skills.billing > 0 "
          "AND tier >= 2 AND (a == 1 OR b == 2) AND NOT c == 3 AND y IN [1, 2]")
    assert indexed_names([e]) == {"language", "x", "langs"}  # OR, NOT and wider IN: residual only
    assert lookup(e, {"language": "es"}) == ('\x00langs\x01"es"', '\x00language="es"', "\x00x=2", "billing")
    assert agent_tags({"language": "es", "x": 2, "langs": ["es", 1], "a": 1}, indexed_names([e])) == (
        '\x00langs\x01"es"', "\x00langs\x011", '\x00language="es"', "\x00x=2")


def test_the_router_looks_in_the_bucket_of_the_value() -> None:
    r = orr.Router([orr.Queue("q", requires="language == contact.language")])
    for i in range(50):
        r.add_agent(orr.Agent(f"en{i}", attributes={"language": "en"}), 0.0)
        r.set_available(f"en{i}", 0.0)
    r.add_agent(orr.Agent("es", attributes={"language": "es"}), 0.0)
    r.set_available("es", 0.0)
    (got,) = r.submit(orr.Contact("c", channel=orr.VOICE, queue="q", attributes={"language": "es"}), 1.0)
    assert got.agent_id == "es"
    index = r._agent_index
    assert index._sizes[("voice", ('\x00language="es"',), 1)] == 1  # one agent filed there, not 51
