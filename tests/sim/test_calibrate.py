"""sim.calibrate: from a per-call log to a scenario (docs/calibrate.md)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omniroute as orr
from omniroute import sim
from omniroute.sim.fitting import choose, fit
from omniroute.testing.calllogs import mmcm_log


@pytest.fixture(scope="module")
def synthetic() -> sim.Calibration:
    return sim.calibrate(mmcm_log(), profile="day", interval=3600)


# ---- Kaplan-Meier -------------------------------------------------------------------------


def test_kaplan_meier_by_hand():
    # times 1 2 2+ 3 4+ 5: S(1) = 5/6, S(2) = 5/6 * 4/5, S(3) = 4/6 * 2/3, S(5) = 0
    km = sim.kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    assert km.times.tolist() == [1, 2, 3, 5]
    assert km.at_risk.tolist() == [6, 5, 3, 1]
    assert km.survival == pytest.approx([5 / 6, 4 / 6, 4 / 9, 0.0])
    assert float(km(0.5)) == 1.0 and float(km(2.5)) == pytest.approx(4 / 6)
    assert km.median == 3.0
    assert km.restricted_mean() == pytest.approx(1 + 5 / 6 + 4 / 6 + 2 * 4 / 9)


def test_kaplan_meier_refuses_bad_input():
    with pytest.raises(orr.ValidationError, match="as many events as times"):
        sim.kaplan_meier([1, 2], [True])
    with pytest.raises(orr.ValidationError, match=">= 0"):
        sim.kaplan_meier([-1.0], [True])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=40))
def test_kaplan_meier_is_a_survival_curve(data):
    t = [float(x) for x, _ in data]
    e = [b for _, b in data]
    km = sim.kaplan_meier(t, e)
    s = km.survival
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) <= 1e-12)
    if all(e):  # no censoring: the empirical survival function
        for x in set(t):
            assert float(km(x)) == pytest.approx(sum(1 for y in t if y > x) / len(t))


# ---- fits ---------------------------------------------------------------------------------


def test_censored_exponential_is_total_wait_over_abandonments():
    f = fit("exponential", [10.0, 30.0], censored=[20.0, 40.0, 0.0])
    assert f.mean == pytest.approx(100.0 / 2) and f.events == 2
    assert f.loglik == pytest.approx(2 * math.log(1 / 50) - 100 / 50)
    assert f.aic == pytest.approx(2 - 2 * f.loglik)


def test_handle_fit_picks_the_family_by_aic():
    rng = np.random.default_rng(5)
    x = rng.lognormal(math.log(200), 0.6, 3000)
    c = choose(x)
    assert c.chosen.family == "lognormal" and c.chosen is min(c.fits, key=lambda f: f.aic)
    assert c.chosen.cv == pytest.approx(math.sqrt(math.expm1(0.36)), rel=0.06)
    assert c.chosen.distance < next(f.distance for f in c.fits if f.family == "exponential")
    with pytest.raises(orr.ValidationError, match="unknown family 'weibull'"):
        choose(x, family="weibull")


def test_equal_handle_times_are_deterministic():
    rows = mmcm_log(hours=3)
    for r in rows:
        if r["outcome"] == "answered":
            r["service_end"] = r["service_start"] + 60
    cal = sim.calibrate(rows, profile="day")
    assert cal.queues[0].handle.criterion == "all values equal"
    assert cal.scenario.demand[0].handle.value == pytest.approx(60.0)


# ---- calibration on a log drawn from known rates -------------------------------------------


def test_recovers_known_rates(synthetic):
    (q,) = synthetic.queues
    assert q.offered == q.answered + q.abandoned > 2500
    rates = synthetic.rates[("general", 0)]
    assert len(rates) == 24 and np.mean(rates) == pytest.approx(120.0, rel=0.05)
    assert q.handle.chosen.mean == pytest.approx(180.0, rel=0.08)
    expo = next(f for f in q.patience.fits if f.family == "exponential")
    assert expo.mean == pytest.approx(240.0, rel=0.2)
    # KM agrees with the true survival exp(-t/240) where the waits are
    assert float(q.km(60.0)) == pytest.approx(math.exp(-60 / 240), abs=0.06)
    assert q.wrap_up is None
    assert max(synthetic.staffing) == 5 and synthetic.skill_groups[0].agents == 5


def test_summary_states_fits_criteria_and_sample_sizes(synthetic):
    text = synthetic.summary()
    for needle in ("AIC", "KS", "KM gap", "Kaplan-Meier", "censored", "general: ", "answered",
                   "no wrap_up column: 0 s", "skill groups", "* "):
        assert needle in text, needle


def test_written_toml_loads_and_runs(synthetic, tmp_path):
    path = tmp_path / "cal.toml"
    synthetic.write(path)
    sc = sim.load_scenario(path)
    assert [q.name for q in sc.queues] == ["general"]
    (d,) = sc.demand
    assert d.handle.mean == pytest.approx(synthetic.queues[0].handle.chosen.mean, rel=1e-5)
    assert d.patience is not None and sum(g.count for g in sc.agents) >= 5
    assert sc.horizon == 86400.0
    rep = sim.run(sc.__class__(**{**{f: getattr(sc, f) for f in ("queues", "agents", "demand")},
                                  "horizon": 4 * 3600.0}), seed=1)
    assert rep.kpis["overall"]["offered"] > 300
    assert [p.name for p in tmp_path.iterdir()] == ["cal.toml"]  # no temporary file left behind


def test_week_profile_follows_the_calendar():
    rows = mmcm_log(hours=2, rate_h=60)
    wed = dt.datetime(2024, 1, 3)  # a Wednesday
    for r in rows:
        for k in ("arrival", "service_start", "service_end"):
            if r[k] != "":
                r[k] = wed + dt.timedelta(hours=9, seconds=r[k])
    cal = sim.calibrate(rows, patience="none")
    r = np.array(cal.rates[("general", 0)]).reshape(7, 24)
    assert r[2, 9] > 30 and r.sum() == pytest.approx(r[2, 9:11].sum())
    assert cal.day0 == dt.date(2024, 1, 3) and cal.days == (0, 0, 1, 0, 0, 0, 0)
    assert cal.queues[0].patience is None and cal.scenario.demand[0].patience is None
    assert '"wed"' in cal.toml and cal.scenario.start_day == 0


def test_skills_priorities_and_wrap_up():
    rows = mmcm_log(hours=6, agents=3, seed=4) + mmcm_log(hours=6, agents=2, seed=5, queue="french")
    for r in rows:
        if r["queue"] == "french" and r["agent"]:
            r["agent"] = {"a0": "a0", "a1": "f1"}[r["agent"]]  # a0 serves both queues
        r["wrap_up"] = 10 if r["queue"] == "general" else ""
        r["priority"] = 1 if r["queue"] == "french" else 0
    cal = sim.calibrate(rows, profile="day")
    groups = {s.skills: s.agents for s in cal.skill_groups}
    assert groups == {("general",): 2, ("french", "general"): 1, ("french",): 1}
    qs = {q.queue: q for q in cal.queues}
    assert qs["general"].wrap_up == 10 and qs["french"].wrap_up == 0.0 and qs["french"].wrap_up_n == 0
    assert set(cal.rates) == {("french", 1), ("general", 0)}
    assert {d.priority for d in cal.scenario.demand} == {0, 1}
    assert "Wrap-up (mean" in cal.summary()


def test_small_queues_take_the_pooled_fit():
    rows = mmcm_log(hours=6) + mmcm_log(hours=0.3, seed=9, queue="rare")
    cal = sim.calibrate(rows, profile="day", min_calls=50)
    rare = next(q for q in cal.queues if q.queue == "rare")
    assert rare.handle_pooled and rare.patience_pooled
    assert "the fit over all queues" in cal.summary()


# ---- bad input: the row, the column, the value, what is allowed ----------------------------

HEAD = "arrival,queue,wait,outcome,service_start,service_end,agent\n"


@pytest.mark.parametrize("text, message", [
    ("arrival,queue,wait\n1,a,2\n",
     "calls.csv: missing columns outcome, service_start, service_end, agent; found: arrival, queue, "
     "wait; a call log needs arrival, queue, wait, outcome, service_start, service_end, agent"),
    (HEAD + "1,a,2,answered,3,10,x\n7:61,a,2,abandoned,,,\n",
     "calls.csv:3: arrival '7:61' is not a time (use seconds since midnight of day 0, or an ISO 8601"),
    (HEAD + "1,a,-2,answered,3,10,x\n", "calls.csv:2: wait '-2' must be a number of seconds >= 0 (at most 366 days)"),
    (HEAD + "1,a,2,answered,30,10,x\n",
     "calls.csv:2: service_end '10' is before service_start '30' (a handle time of -20 s)"),
    (HEAD + "1,a,2,hangup,,,\n", "calls.csv:2: outcome 'hangup' must be answered or abandoned"),
    (HEAD + "1,a,2,answered,3,,x\n", "calls.csv:2: service_end '' is not a time"),
    (HEAD + "1,a,2,answered,3,9,\n", "calls.csv:2: agent '' must be a non-empty name"),
    (HEAD + "1,a,2,answered,2024-01-01 10:00,2024-01-01 10:05,x\n",
     "calls.csv:2: service_start '2024-01-01 10:00' is not of the kind of the log's first time (seconds)"),
    (HEAD + "1,a,2,answered,3,600,x\n2,a,5,answered,8,900,y\n",
     "calls.csv: no abandoned call among 2 calls (outcome is answered in every row): patience cannot "
     "be estimated"),
    (HEAD + "1,a,2,abandoned,,,\n", "calls.csv: no answered call among 1 calls"),
    (HEAD, "calls.csv: no calls"),
    ("arrival,queue,wait,outcome,service_start,service_end,agent,priority\n1,a,2,abandoned,,,,high\n",
     "calls.csv:2: priority 'high' must be an integer"),
])
def test_bad_logs_name_row_column_value(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calls.csv").write_text(text, encoding="utf-8")
    with pytest.raises(orr.ValidationError) as exc:
        sim.calibrate("calls.csv")
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


COLUMNS = ("arrival", "queue", "wait", "outcome", "service_start", "service_end", "agent", "priority")
SMALL = mmcm_log(hours=1, rate_h=30, agents=2, seed=11)


@settings(max_examples=15, deadline=None)
@given(row=st.integers(0, len(SMALL) - 1), col=st.sampled_from(COLUMNS),
       value=st.one_of(st.text(max_size=8), st.floats(allow_nan=True), st.integers(-5, 5)))
def test_any_bad_cell_is_named_or_calibrates(row, col, value):
    rows = [dict(r, priority=0) for r in SMALL]
    rows[row][col] = value
    try:
        cal = sim.calibrate(rows, profile="day", patience=None, min_calls=1)
    except orr.ValidationError as exc:
        msg = str(exc)
        assert "\n" not in msg
        named = {"service_start": ("service_start", "service_end"), "service_end": ("service_end",)}
        assert msg.startswith("log: ") or any(msg.startswith(f"log row {row}: {c} ")
                                              for c in named.get(col, (col,)))
    else:
        assert cal.scenario.queues


def test_a_log_longer_than_a_year_is_refused():
    rows = mmcm_log(hours=1)
    rows[3]["arrival"] = 1e13
    with pytest.raises(orr.ValidationError, match=r"log row 3: arrival 10000000000000.0 is more than 366 days from day 0"):
        sim.calibrate(rows)
    rows = mmcm_log(hours=1)
    i = next(k for k, r in enumerate(rows) if r["outcome"] == "answered")
    rows[i]["service_end"] = 400 * 86400.0
    with pytest.raises(orr.ValidationError, match=rf"log row {i}: service_end 34560000.0 is more than 366"):
        sim.calibrate(rows)


def test_bad_options_and_no_agents():
    rows = mmcm_log(hours=1)
    with pytest.raises(orr.ValidationError, match="interval must be whole minutes that divide a day"):
        sim.calibrate(rows, interval=7 * 60)
    with pytest.raises(orr.ValidationError, match="profile must be 'week' or 'day'"):
        sim.calibrate(rows, profile="month")
    with pytest.raises(orr.ValidationError, match="patience must be one of exponential"):
        sim.calibrate(rows, patience="weibull")
    one = [{"arrival": 0, "queue": "a", "wait": 0, "outcome": "answered", "service_start": 0,
            "service_end": 30, "agent": "x"}]
    with pytest.raises(orr.ValidationError, match="less than half an agent in every interval"):
        sim.calibrate(one, patience="none")
