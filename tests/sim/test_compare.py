"""Fair comparisons from Python (issue 13, part 6): ``sim.compare_policies`` /
``sim.compare_variants`` on common random numbers, Holm's correction over the KPI rows, and
intervals of the differences consistent with the decisions."""

from __future__ import annotations

import json

import pytest

import omniroute as orr
from omniroute import sim
from omniroute.errors import ValidationError
from omniroute.sim.compare import CORRECTIONS, adjust, paired_rows, with_policies

H = 3600.0


def _scenario() -> sim.Scenario:
    """One voice queue, ordinary and premium (priority 1) callers, a busy team."""
    queues = [sim.QueueSpec(orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0)), needs={"g": 1})]
    agents = [sim.AgentGroup(5, team="front", skills={"g": 1}, tier=1),
              sim.AgentGroup(2, team="senior", skills={"g": 2}, tier=2)]
    demand = [sim.Demand("q", sim.Arrivals(60.0), sim.Exponential(300.0), patience=sim.Exponential(180.0)),
              sim.Demand("q", sim.Arrivals(30.0), sim.Exponential(300.0), priority=1, segment="premium",
                         patience=sim.Exponential(180.0))]
    return sim.Scenario(queues, agents, demand, horizon=4 * H, warmup=0.5 * H, name="cmp", replications=4)


@pytest.fixture(scope="module")
def cmp() -> sim.Comparison:
    return sim.compare_policies(_scenario(), {"priority": {"contact": "priority-fifo"},
                                              "fifo": {"contact": "fifo"}}, replications=6, seed=3)


def test_holm_and_bonferroni_by_hand() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    assert adjust(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert adjust(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 0.02])
    assert adjust(p, "none") == p
    assert adjust([0.6, 0.7], "holm") == [1.0, 1.0]  # never above 1
    assert adjust([], "holm") == []
    with pytest.raises(ValidationError, match="'sidak' is not known; allowed: holm, bonferroni, none"):
        adjust(p, "sidak")


def test_the_variants_run_on_common_random_numbers(cmp: sim.Comparison) -> None:
    assert cmp.names == ("priority", "fifo") and cmp.replications == 6 and cmp.seed == 3
    again = sim.replicate(with_policies(_scenario(), contact="fifo"), 6, seed=3)
    assert again.to_dict() == cmp.summaries[1].to_dict()
    # the same customers: every variant offered exactly the same contacts in each replication
    per_rep = [s.values("offered") for s in cmp.summaries]
    assert per_rep[0] == per_rep[1]


def test_priority_wins_premium_and_fifo_the_lowest_prioritys_tail_but_not_after_holm(cmp: sim.Comparison) -> None:
    assert cmp.winner("asa", "segments", "premium") == "priority"
    tail = cmp.row("wait_p95_lowest")
    assert cmp.names[tail.best] == "fifo"  # FIFO serves the ordinary callers' longest waits sooner...
    assert tail.p_value < 0.05 <= tail.p_adjusted  # ...significantly alone, not among the 15 rows
    assert cmp.winner("wait_p95_lowest") is None and not tail.significant
    with pytest.raises(KeyError, match="no row overall:nope; rows: overall:service_level"):
        cmp.row("nope")


def test_decisions_are_on_the_holm_adjusted_p_and_the_intervals_agree(cmp: sim.Comparison) -> None:
    tested = [r for r in cmp.rows if r.p_value is not None]
    m = len(tested)
    assert m == cmp.family > 10
    assert [r.p_adjusted for r in tested] == pytest.approx(adjust([r.p_value for r in tested], "holm"))
    for r in tested:
        assert r.family == m and r.correction == "holm"
        assert r.p_value <= r.p_adjusted <= 1
        assert r.significant == (r.p_adjusted < 0.05)
        d, s = r.difference, r.simultaneous
        assert d.mean == s.mean
        if d.low is not None and d.low != d.high:
            # per-KPI 95%: excludes 0 exactly when the raw p < 0.05
            assert (d.low > 0 or d.high < 0) == (r.p_value < 0.05), r
            # simultaneous (Bonferroni 1 - alpha/m): wider, and excluding 0 means significant after Holm
            assert s.low <= d.low and s.high >= d.high
            if s.low > 0 or s.high < 0:
                assert r.significant, r
    # the correction matters here: some row is significant alone but not after Holm's correction
    assert any(r.p_value < 0.05 <= r.p_adjusted for r in tested) or all(r.significant for r in tested)


def test_no_correction_decides_on_the_raw_p(cmp: sim.Comparison) -> None:
    rows = paired_rows(cmp.summaries, correction="none")
    for r in rows:
        if r.p_value is not None:
            assert r.p_adjusted == r.p_value and r.significant == (r.p_value < 0.05)


def test_the_comparison_as_json(cmp: sim.Comparison) -> None:
    d = json.loads(json.dumps(cmp.to_dict()))
    assert d["correction"] == {"method": "holm", "family": cmp.family} and d["alpha"] == 0.05
    row = next(r for r in d["rows"] if r["kpi"] == "occupancy_gini" and r["group"] == "overall")
    assert set(row) >= {"difference", "simultaneous", "p_value", "p_adjusted", "significant", "best"}
    assert set(d["kpis"]) == {"priority", "fifo"} and "wait_p95_lowest" in d["kpis"]["fifo"]["overall"]


@pytest.mark.parametrize(("variants", "kw", "message"), [
    ({"a": {"agent": "nope"}, "b": {}}, {}, "variant 'a': unknown agent policy 'nope'; allowed: "),
    ({"a": {"contact": "fifo"}, "b": {"contact": "lifo"}}, {}, "variant 'b': unknown contact policy 'lifo'"),
    ({"a": {"agent": "best-fit"}, "b": {"agent": "best-fit"}}, {},
     "variants 'a' and 'b' are the same routing (agent 'best-fit', contact 'priority-fifo')"),
    ({"a": {}, "b": {"contact": "priority-fifo"}}, {}, "variants 'a' and 'b' are the same routing"),
    ({"a": {"agent": "best-fit"}}, {}, "needs at least two variants (got 1: 'a')"),
    ({"a": {"agnet": "best-fit"}, "b": {}}, {}, "variant 'a': unknown key 'agnet'; allowed: agent, contact"),
    ({"a": "best-fit", "b": {}}, {}, "variant 'a' must be a mapping with keys agent, contact"),
    ({"": {"agent": "best-fit"}, "b": {}}, {}, "a variant's name must be a non-empty string (got '')"),
    ({"a": {"agent": "best-fit"}, "b": {}}, {"replications": 1}, "replications must be an integer >= 2"),
    ({"a": {"agent": "best-fit"}, "b": {}}, {"alpha": 5}, "alpha must be a significance level between 0 and 1"),
    ({"a": {"agent": "best-fit"}, "b": {}}, {"correction": "sidak"}, "correction 'sidak' is not known"),
    ({"a": {"agent": "best-fit"}, "b": {}}, {"kpis": [("overall", ["service_levl"])]},
     "kpis: overall: 'service_levl' is not a KPI; allowed: "),
    ({"a": {"agent": "best-fit"}, "b": {}}, {"kpis": [("queue", ["asa"])]}, "kpis: 'queue' is not a group"),
    ({"a": {"agent": "best-fit"}, "b": {}}, {"seed": -1}, "seed must be an integer >= 0"),
])
def test_bad_input_is_refused_before_anything_runs(monkeypatch: pytest.MonkeyPatch, variants: dict,
                                                    kw: dict, message: str) -> None:
    import sys

    rep = sys.modules["omniroute.sim.replicate"]

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("a replication ran")

    monkeypatch.setattr(rep, "replicate", boom)
    with pytest.raises(ValidationError) as exc:
        sim.compare_policies(_scenario(), variants, **kw)
    assert message in str(exc.value)


def test_compare_variants_takes_named_scenarios() -> None:
    sc = _scenario()
    with pytest.raises(ValidationError, match="variant 'b' must be a Scenario"):
        sim.compare_variants({"a": sc, "b": "cmp.toml"})
    with pytest.raises(ValidationError, match="variants must be a mapping of name -> Scenario"):
        sim.compare_variants([sc, sc])  # type: ignore[arg-type]
    more = with_policies(sc, agent="best-fit")
    c = sim.compare_variants({"longest-idle": sc, "best-fit": more}, 2, seed=1,
                             kpis=[("overall", ["service_level", "occupancy_sd"])], correction="bonferroni")
    assert [r.kpi for r in c.rows] == ["service_level", "occupancy_sd"]
    assert all(r.correction == "bonferroni" for r in c.rows if r.p_value is not None)
    assert c.replications == 2  # given; the scenario's default (4) otherwise


def test_correction_names() -> None:
    assert CORRECTIONS == ("holm", "bonferroni", "none")
