"""Small things an analyst expects (issue 12): contact-policy parameters in the scenario file,
"did you mean" for a mistyped key, and a KPI lookup that says what exists."""

from __future__ import annotations

import pickle

import pytest
from conftest import one_queue_toml

from omniroute import sim
from omniroute.errors import ScenarioError, UnknownIdError, ValidationError
from omniroute.policies import HeadStart, RealtimeFirst, WeightedAging
from omniroute.sim.loader import tomllib


def test_head_start_and_aging_weights_from_toml() -> None:
    sc = sim.parse_scenario(tomllib.loads(one_queue_toml(top='[routing]\ncontact = "head-start"\nhead_start = "2m"')))
    pol = sc.routing.contact()
    assert isinstance(pol, HeadStart) and pol.seconds == 120.0
    sc = sim.parse_scenario(tomllib.loads(one_queue_toml(
        top='[routing]\ncontact = "realtime-first+weighted-aging"\nweights = { q = 2.5 }\ndefault_weight = 0.5')))
    pol = sc.routing.contact()
    assert isinstance(pol, RealtimeFirst) and isinstance(pol.then, WeightedAging)
    assert (pol.then.weights, pol.then.default) == ({"q": 2.5}, 0.5)
    pickle.loads(pickle.dumps(sc))  # replications in other processes get the same policy
    assert sim.run(sc, 1).kpis["overall"]["offered"] > 0
    # defaults, stated in the docs: 90 s of head start, weight 1
    assert sim.ContactPolicyChoice("head-start")().seconds == 90.0


def test_policy_parameters_are_checked() -> None:
    with pytest.raises(ValidationError, match="routing.head_start applies to contact policy 'head-start'"):
        sim.ContactPolicyChoice("fifo", head_start=10.0)
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(one_queue_toml(
            top='[routing]\ncontact = "weighted-aging"\nweights = { q = -1 }')))
    assert "routing.weights.q: -1 must be a number > 0" in str(err.value)


def test_a_mistyped_key_gets_a_suggestion() -> None:
    with pytest.raises(ScenarioError) as err:
        sim.parse_scenario(tomllib.loads(one_queue_toml(demand='handel = { dist = "exponential", mean = "1m" }')))
    assert "demand[0].handel: unknown key; did you mean 'handle'? allowed:" in str(err.value)


def test_kpi_lookup_says_what_exists() -> None:
    r = sim.run(sim.parse_scenario(tomllib.loads(one_queue_toml())), 0)
    with pytest.raises(UnknownIdError, match=r"no KPI 'servce_level' \(did you mean 'service_level'\?\)"):
        r.kpi("servce_level")
    with pytest.raises(KeyError, match=r"queues has no 'nope'; queues: q"):
        r.kpi("asa", "queues", "nope")
    with pytest.raises(KeyError, match=r"no group 'groups'; groups: overall, queues"):
        r.kpi("asa", "groups")
