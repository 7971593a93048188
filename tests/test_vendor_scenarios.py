"""Scenario files with ``[routing] emulate`` and a ``[vendor]`` table; docs/vendors.md's examples."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import attrs
import pytest

from omniroute import sim
from omniroute.errors import ScenarioError
from omniroute.sim.load_vendor import EmulatedAgentPolicy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "vendors.md").read_text()
EXAMPLES = re.findall(r"```toml\n(.*?)```", DOC, re.S)

BASE = """
name = "t"
horizon = "2h"
[[queues]]
name = "sales"
[[agents]]
team = "juniors"
count = 3
[[agents]]
team = "seniors"
count = 2
[[demand]]
queue = "sales"
arrivals = { per_hour = 60 }
handle = { dist = "exponential", mean = "3m" }
"""
ASTERISK = """
[routing]
emulate = "asterisk"
[[vendor.queues]]
name = "sales"
strategy = "linear"
max_penalty = 0
members = [ { name = "juniors", penalty = 0 }, { name = "seniors", penalty = 1 } ]
rules = [ { after = 30, max_penalty = 1 } ]
"""


def _load(text: str) -> sim.Scenario:
    return sim.parse_scenario(tomllib.loads(text))


def test_every_vendor_has_a_doc_example_and_each_loads_and_runs() -> None:
    vendors = set()
    for text in EXAMPLES:
        sc = _load(text)
        assert isinstance(sc.routing.agent, EmulatedAgentPolicy)
        vendors.add(sc.routing.agent.vendor)
        rep = sim.run(attrs.evolve(sc, horizon=1800.0, warmup=0.0), seed=1)
        assert rep.to_dict()["kpis"]["overall"]["offered"] > 0
    assert vendors == {"asterisk", "freeswitch", "connect", "genesys", "salesforce"}


def test_the_python_example_runs() -> None:
    code = re.search(r"```python\n(.*?)```", DOC, re.S)
    assert code is not None
    ns: dict = {}
    exec(compile(code.group(1), "docs/vendors.md", "exec"), ns)
    assert ns["router"].agents()[0].agent.tier == 1 and ns["em"].not_expressed


def test_asterisk_scenario_gets_the_emulated_queues_tiers_and_skills() -> None:
    sc = _load(BASE + ASTERISK)
    q = sc.queue("sales")
    assert q.needs == {"member:sales": 1}
    assert (q.queue.max_tier, [(s.after, s.max_tier) for s in q.queue.steps]) == (1, [(30.0, 2)])
    tiers = {g.team: (g.tier, dict(g.skills)) for g in sc.agents}
    assert tiers == {"juniors": (1, {"member:sales": 1}), "seniors": (2, {"member:sales": 1})}
    assert sc.routing.agent(None).name == "tier-first+linear"
    assert sc.routing.agent.name == "asterisk:tier-first+linear"


def test_same_seed_same_results() -> None:
    sc = _load(BASE + ASTERISK)
    assert sim.run(sc, seed=3).to_dict() == sim.run(sc, seed=3).to_dict()


@pytest.mark.parametrize("extra, message", [
    (ASTERISK.replace('"asterisk"', '"avaya"'), r"routing.emulate: 'avaya' is not an emulated vendor; allowed: asterisk"),
    (ASTERISK.replace('strategy = "linear"', 'strategy = "roundrobin"'),
     r"vendor.queues\[0\].strategy: unknown value 'roundrobin'"),
    (ASTERISK.replace('name = "sales"', 'name = "support"'), r"vendor.queues: 'support' is not a queue; known: sales"),
    (ASTERISK.replace('"seniors"', '"experts"'), r"vendor: member 'experts' is not a team of \[\[agents\]\]"),
    (ASTERISK.replace('emulate = "asterisk"', 'emulate = "asterisk"\nagent = "random"'),
     r"routing.agent: the emulated vendor \(asterisk\) chooses the policies"),
    ('[[vendor.queues]]\nname = "sales"\nmembers = []\n', r"vendor: a \[vendor\] table needs \[routing\] emulate"),
    ('[routing]\nemulate = "genesys"\n', r"vendor: \[routing\] emulate = 'genesys' needs a \[vendor\] table"),
])
def test_bad_emulation_is_refused_before_anything_runs(extra: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        _load(BASE + extra)


def test_an_emulated_queue_may_not_have_its_own_steps() -> None:
    text = (BASE + ASTERISK).replace('[[queues]]\nname = "sales"\n',
                                     '[[queues]]\nname = "sales"\nsteps = [ { after = "1m", max_tier = 3 } ]\n')
    with pytest.raises(ScenarioError, match=r"queues\[0\].steps: queue 'sales' is emulated"):
        _load(text)


def test_check_warns_of_what_the_emulation_does_not_express() -> None:
    sc = _load(BASE + ASTERISK.replace('"linear"', '"ringall"'))
    got = [f.message for f in sim.check_scenario(sc).warnings if f.kind == "emulation"]
    assert len(got) == 1 and got[0].startswith("asterisk emulation: ringall rings every free member")


def test_needs_given_elsewhere_keep_the_emulated_needs() -> None:
    # a demand's own needs replace the queue's: the vendor's needs are added to them, and an
    # overflow into an emulated queue takes that queue's needs (membership included)
    text = (BASE + ASTERISK).replace('queue = "sales"\narrivals', 'queue = "sales"\nneeds = { french = 1 }\narrivals')
    text = text.replace('[[agents]]\nteam = "juniors"\ncount = 3',
                        '[[agents]]\nteam = "juniors"\ncount = 3\nskills = { french = 2 }')
    text += '[[queues]]\nname = "web"\noverflow = { after = "1m", to = "sales" }\n'
    sc = _load(text)
    assert sc.demand[0].needs == {"french": 1, "member:sales": 1}
    assert sc.queue("web").queue.overflow.needs == {"member:sales": 1}
