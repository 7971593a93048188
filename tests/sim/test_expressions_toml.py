"""Attribute expressions from scenario files: agent ``attributes``, queue and step
``requires``, and the mistakes refused before anything runs."""

from __future__ import annotations

import pickle

import pytest

import omniroute as orr
from omniroute import sim
from omniroute.errors import ScenarioError, ValidationError
from omniroute.sim.loader import tomllib

SCENARIO = """
name = "expressions"
horizon = "2h"
[[queues]]
name = "spanish"
needs = { general = 1 }
requires = "language == 'es' AND NOT trainee"
steps = [ { after = "1m", requires = "languages HAS 'es'" } ]
[[agents]]
team = "es"
count = 2
skills = { general = 2 }
attributes = { language = "es", trainee = false, languages = ["es", "en"] }
[[agents]]
team = "en"
count = 2
skills = { general = 2 }
attributes = { language = "en", languages = ["en", "es"], grade = 2.5 }
[[demand]]
queue = "spanish"
arrivals = { per_hour = 40 }
handle = { dist = "exponential", mean = "4m" }
"""


def load(text: str) -> sim.Scenario:
    return sim.parse_scenario(tomllib.loads(text))


def test_attributes_and_requires_from_toml() -> None:
    sc = load(SCENARIO)
    q = sc.queues[0].queue
    assert q.requires == orr.Expression("language == 'es' AND NOT trainee")
    assert q.steps[0].requires is not None and q.steps[0].requires.source == "languages HAS 'es'"
    agents = [g.agent(0) for g in sc.agents]
    assert agents[0].attributes == {"language": "es", "trainee": False, "languages": ("es", "en")}
    assert q.requires.evaluate(agents[0]) and not q.requires.evaluate(agents[1])
    pickle.loads(pickle.dumps(sc))  # replications in other processes
    assert sim.run(sc, 1).kpis["overall"]["answered"] > 0


def test_the_english_team_answers_only_after_the_step() -> None:
    # no Spanish agent: nothing is answered within the first minute, then the step admits "en"
    text = SCENARIO.replace('team = "es"\ncount = 2', 'team = "es"\ncount = 0')
    rep = sim.run(load(text), 1)
    assert rep.kpis["overall"]["answered"] > 0
    assert rep.kpis["overall"]["service_level"] == 0.0  # nobody within 20 s: the step is at 1 m


@pytest.mark.parametrize(("old", "new", "message"), [
    ("NOT trainee", "NOT traine",
     "queues[0].requires: no agent has the attribute 'traine'; agents declare "
     "['grade', 'language', 'languages', 'trainee'] at column 26"),
    ("NOT trainee", "skills.genral > 1",
     "queues[0].requires: no agent has the skill 'genral'; agents have ['general'] at column 22"),
    ("NOT trainee", "contact.tier == 1",
     "queues[0].requires: contacts carry no attribute 'tier' here (they carry none) at column 22"),
    ("NOT trainee", "NOT (trainee",
     "queues[0].requires: expected ')' or AND/OR, got the end at column 34"),
    ("languages HAS 'es'", "languages HAS", "queues[0].steps[0].requires: expected a value after HAS, "
     "got the end at column 14"),
    ('requires = "language', 'requires = 3\nx = "', "queues[0].requires: 3 must be an expression string"),
    ("attributes = { language = \"es\", trainee", "attributes = { tier = 1, trainee",
     "agents[0]: Agent.attributes['tier']: 'tier' is a built-in name"),
    ('attributes = { language = "en", languages = ["en", "es"], grade = 2.5 }', 'attributes = "en"',
     "agents[1].attributes: 'en' must be a table of name = value"),
])
def test_mistakes_are_refused_with_their_path(old: str, new: str, message: str) -> None:
    text = SCENARIO.replace(old, new, 1)
    assert text != SCENARIO
    with pytest.raises(ScenarioError) as info:
        load(text)
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems
    if "column" in message:  # the caret under the column, in the message
        col = int(message.rsplit(" ", 1)[1])
        shown = next(p for p in info.value.problems if p.startswith(message)).splitlines()
        assert shown[2] == "    " + " " * (col - 1) + "^"


def test_a_scenario_built_in_code_is_checked_too() -> None:
    sc = load(SCENARIO)
    q = sc.queues[0]
    bad = sim.QueueSpec(orr.Queue("spanish", requires="langage == 'es'"), channel=q.channel, needs=q.needs)
    with pytest.raises(ValidationError, match="no agent has the attribute 'langage'"):
        sim.Scenario((bad,), sc.agents, sc.demand, horizon=sc.horizon)


LANGUAGES = """
name = "languages"
horizon = "3h"
[[queues]]
name = "sales es"
requires = "languages HAS contact.language"
[[queues]]
name = "sales en"
requires = "languages HAS contact.language"
[[agents]]
team = "es"
count = 3
attributes = { languages = ["es"] }
[[agents]]
team = "en"
count = 3
attributes = { languages = ["en"] }
[[demand]]
queue = "sales es"
arrivals = { per_hour = 20 }
handle = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "2m" }
attributes = { language = "es" }
[[demand]]
queue = "sales en"
arrivals = { per_hour = 20 }
handle = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "2m" }
attributes = { language = "en" }
"""


def test_demand_attributes_reach_the_contacts_and_their_expressions() -> None:
    sc = load(LANGUAGES)
    assert [dict(d.attributes) for d in sc.demand] == [{"language": "es"}, {"language": "en"}]
    answered = sim.run(sc, 1).kpis["queues"]
    assert answered["sales es"]["answered"] > 0 and answered["sales en"]["answered"] > 0
    # no Spanish speaker: Spanish contacts are never answered (they abandon), English ones are
    gone = sim.run(load(LANGUAGES.replace('team = "es"\ncount = 3', 'team = "es"\ncount = 0')), 1).kpis["queues"]
    assert gone["sales es"]["answered"] == 0 and gone["sales es"]["abandoned"] > 0
    assert gone["sales en"]["answered"] > 0


@pytest.mark.parametrize(("change", "message"), [
    (('attributes = { language = "en" }', 'attributes = { lang = "en" }'),
     "queues[0].requires: contacts carry no attribute 'language' here; they carry ['lang']"),
    (('attributes = { language = "en" }', 'attributes = "en"'), "demand[1].attributes: 'en' must be a table"),
    (('attributes = { language = "en" }', 'attributes = { language = nan }'),
     "Demand.attributes['language'] must be a finite number"),
])
def test_demand_attribute_mistakes_are_refused(change, message) -> None:
    text = LANGUAGES.replace('attributes = { language = "es" }', 'attributes = { lang = "es" }') \
        if "lang =" in change[1] else LANGUAGES
    with pytest.raises(ScenarioError) as err:
        load(text.replace(*change))
    assert message in str(err.value), str(err.value)
