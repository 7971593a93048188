"""The field's service-level conventions, short and late abandons, and customer-level KPIs
over retrials (issue 10, rules 1 and 4), on cases small enough to count by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import one_queue_toml

import omniroute as orr
from omniroute import sim
from omniroute.errors import ValidationError
from omniroute.sim.engine import simulate
from omniroute.sim.loader import tomllib

H = 3600.0


def _trace_case() -> sim.Scenario:
    # one agent, SLA 20 s:
    #   c1 at 0 served at once (wait 0: in time)      c2 at 10 leaves at 15 (short abandon)
    #   c3 at 20 leaves at 70 (wait 50: late abandon)  c4 at 30 served at 100 (wait 70: late)
    #   c5 at 150 served at once (in time)
    recs = [(0.0, "q", 100.0), (10.0, "q", 10.0, 5.0), (20.0, "q", 10.0, 50.0),
            (30.0, "q", 10.0), (150.0, "q", 10.0)]
    return sim.Scenario([orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0))],
                        [sim.AgentGroup(1, team="t")],
                        [sim.Trace([sim.TraceRecord(*r) for r in recs])], horizon=H)


def test_conventions_count_by_hand() -> None:
    r = sim.run(_trace_case(), 0)
    for group in (r.kpis["overall"], r.kpis["queues"]["q"], r.kpis["channels"]["voice"]):
        assert (group["offered"], group["answered"], group["abandoned"]) == (5, 3, 2)
        assert (group["abandoned_within"], group["abandoned_after"]) == (1, 1)
        assert group["service_level"] == pytest.approx(2 / 5)            # in time / offered
        assert group["service_level_ex_short"] == pytest.approx(2 / 4)   # / (answered + late abandons)
        assert group["service_level_answered"] == pytest.approx(2 / 3)   # / answered
        # no retrials: every customer is one attempt, waits are its own
        assert group["customers"] == 5
        assert group["service_level_customer"] == pytest.approx(2 / 5)
    iv = r.intervals["overall"]
    assert iv["abandoned_within"][0] == 1 and iv["abandoned_after"][0] == 1
    assert iv["service_level_ex_short"][0] == pytest.approx(0.5)
    assert iv["service_level_answered"][0] == pytest.approx(2 / 3)
    assert iv["service_level_customer"][0] == pytest.approx(0.4)
    assert iv["service_level_answered"][1] is None  # nothing in the second half hour


def _retrial_case(patience: str) -> sim.Scenario:
    return sim.Scenario(
        [orr.Queue("q", sla=orr.ServiceLevel(0.8, 60.0))], [sim.AgentGroup(3, team="t")],
        [sim.Demand("q", sim.Arrivals(50.0), sim.Exponential(240.0), patience=sim.Exponential(60.0),
                    retrial=sim.Retrial(0.8, sim.Exponential(120.0), max_attempts=4, patience=patience))],
        horizon=6 * H, warmup=H)


@pytest.mark.parametrize("patience", ["new", "same"])
def test_customer_level_kpis_follow_each_customer_over_its_attempts(patience: str) -> None:
    sc = _retrial_case(patience)
    seed = 11
    r = sim.run(sc, seed)
    out = simulate(sc, np.random.SeedSequence(seed))
    # an independent count from the legs: a customer is its first attempt; its wait is the
    # sum of its attempts' waits; it is served in time if answered with that sum <= 60 s
    by_customer: dict[int, list] = {}
    legs = out.legs
    for k, g in enumerate(legs):
        first = legs[g.customer]
        if not sc.warmup <= first.arrival < sc.horizon:
            continue
        end = g.answered if not math.isnan(g.answered) else g.abandoned if not math.isnan(g.abandoned) else out.end
        by_customer.setdefault(g.customer, []).append((end - g.entered, not math.isnan(g.answered), k))
    customers = len(by_customer)
    good = sum(1 for atts in by_customer.values()
               if any(a for _w, a, _k in atts) and sum(w for w, _a, _k in atts) <= 60.0 + 1e-9)
    o = r.kpis["overall"]
    assert o["customers"] == customers
    assert o["retrials"] > 0 and any(len(atts) > 1 for atts in by_customer.values())
    assert o["service_level_customer"] == pytest.approx(good / customers)
    # the customer level is stricter than the per-attempt one: waits add up across attempts
    assert o["service_level_customer"] <= o["service_level_answered"]


def test_retrial_patience_same_keeps_the_callers_patience() -> None:
    for mode in ("same", "new"):
        out = simulate(_retrial_case(mode), np.random.SeedSequence(3))
        c = out.columns
        again = np.flatnonzero(c.attempt > 1)
        assert len(again) > 10
        first = c.customer[again]
        same = c.patience[again] == c.patience[first]
        assert same.all() if mode == "same" else not same.any()


def test_retrial_patience_is_checked() -> None:
    with pytest.raises(ValidationError, match=r"Retrial.patience must be one of 'new', 'same' \(got 'again'\)"):
        sim.Retrial(0.5, sim.Exponential(60.0), patience="again")


def test_retrial_patience_from_toml(tmp_path) -> None:
    def base(patience: str) -> str:
        return one_queue_toml(agents="count = 2", demand=(
            'patience = { dist = "exponential", mean = "1m" }\n'
            'retrial = { probability = 0.5, delay = { dist = "exponential", mean = "2m" }, '
            f'patience = {patience} }}'))

    sc = sim.parse_scenario(tomllib.loads(base('"same"')))
    assert sc.demand[0].retrial.patience == "same"
    with pytest.raises(orr.errors.ScenarioError, match=r"demand\[0\]\.retrial\.patience: 'later' must be one of 'new', 'same'"):
        sim.parse_scenario(tomllib.loads(base('"later"')))
