"""Every function refuses bad input with a ValidationError naming argument and value."""

from __future__ import annotations

import math

import pytest

from omniroute import analytics
from omniroute.errors import OmnirouteError, ValidationError

OK = {"arrival_rate": 0.05, "handle_time": 180.0, "agents": 14}

BAD_ERLANG = [
    ("arrival_rate", -1.0, ">= 0"),
    ("arrival_rate", math.nan, ">= 0"),
    ("arrival_rate", math.inf, "finite"),
    ("arrival_rate", "fast", ">= 0"),
    ("handle_time", 0.0, "> 0"),
    ("handle_time", -3.0, "> 0"),
    ("agents", 0, ">= 1"),
    ("agents", -2, ">= 1"),
    ("agents", 3.5, "integer"),
    ("agents", True, "integer"),
]


@pytest.mark.parametrize("func", ["erlang_b", "erlang_c", "erlang_a"])
@pytest.mark.parametrize("name,value,allowed", BAD_ERLANG)
def test_erlang_arguments(func, name, value, allowed):
    kwargs = dict(OK, **({"patience": 60.0} if func == "erlang_a" else {}))
    kwargs[name] = value
    with pytest.raises(ValidationError) as e:
        getattr(analytics, func)(**kwargs)
    msg = str(e.value)
    assert func in msg and name in msg and repr(value) in msg and allowed in msg
    assert isinstance(e.value, ValueError) and isinstance(e.value, OmnirouteError)


@pytest.mark.parametrize("value", [0.0, -1.0, math.nan])
def test_erlang_a_patience(value):
    with pytest.raises(ValidationError, match=r"erlang_a: patience must be a number > 0"):
        analytics.erlang_a(**OK, patience=value)


def test_service_level_threshold():
    with pytest.raises(ValidationError, match=r"within must be .* >= 0 \(got -1\.0\)"):
        analytics.erlang_c(**OK).service_level(-1.0)
    with pytest.raises(ValidationError, match="within"):
        analytics.erlang_a(**OK, patience=60.0).service_level_excluding_abandons(math.nan)


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"asa": -5.0}, r"staff: asa must be a finite number > 0 \(got -5\.0\)"),
        ({"abandon": 1.5, "patience": 60.0}, r"staff: abandon must be a fraction in \(0, 1\] \(got 1\.5\)"),
        ({"abandon": 0.0, "patience": 60.0}, r"abandon must be a fraction in \(0, 1\]"),
        ({"abandon": 0.05}, r"abandon target needs patience"),
        ({"max_occupancy": 0.0}, r"max_occupancy must be a fraction in \(0, 1\] \(got 0\.0\)"),
        ({"max_occupancy": 1.2}, r"max_occupancy"),
        ({"target": (0.8, 20.0), "shrinkage": 1.0}, r"shrinkage must be a fraction in \[0, 1\) \(got 1\.0\)"),
        ({"target": (0.8, 20.0), "shrinkage": -0.1}, r"shrinkage"),
        ({"target": (0.8, 20.0), "patience": -1.0}, r"patience must be a number > 0 \(got -1\.0\)"),
        ({"target": 0.8}, r"target must be a ServiceLevel or a \(target, within\) pair \(got 0\.8\)"),
        ({"target": (1.5, 20.0)}, r"ServiceLevel.target must be a fraction in \(0, 1\] \(got 1\.5\)"),
        ({}, r"at least one target"),
    ],
)
def test_staff_arguments(kwargs, pattern):
    with pytest.raises(ValidationError, match=pattern):
        analytics.staff(0.05, 180.0, **kwargs)


def test_staff_rates_and_unreachable_target():
    with pytest.raises(ValidationError, match=r"staff: arrival_rate must be .* \(got -0\.1\)"):
        analytics.staff(-0.1, 180.0, (0.8, 20.0))
    with pytest.raises(ValidationError, match=r"staff: handle_time .* \(got 0\)"):
        analytics.staff(0.1, 0, (0.8, 20.0))


def test_staffing_table_arguments():
    with pytest.raises(ValidationError, match=r"arrival_rates\[1\] must be a finite number >= 0 \(got -2\)"):
        analytics.staffing_table([0.1, -2], 180.0, (0.8, 20.0))
    with pytest.raises(ValidationError, match="arrival_rates must be a sequence"):
        analytics.staffing_table(0.1, 180.0, (0.8, 20.0))
    with pytest.raises(ValidationError, match=r"interval must be a finite number > 0 \(got 0\)"):
        analytics.staffing_table([0.1], 180.0, (0.8, 20.0), interval=0)
    with pytest.raises(ValidationError, match=r"beta must be a finite number >= 0 \(got -1\)"):
        analytics.staffing_table([0.1], 180.0, (0.8, 20.0), beta=-1)


def test_square_root_arguments():
    with pytest.raises(ValidationError, match="give beta"):
        analytics.square_root_staffing(0.1, 180.0)
    with pytest.raises(ValidationError, match=r"halfin_whitt_beta: load must be a finite number > 0"):
        analytics.halfin_whitt_beta(0.0, 180.0, (0.8, 20.0))
    with pytest.raises(ValidationError, match="target of 1"):
        analytics.halfin_whitt_beta(10.0, 180.0, (1.0, 20.0))


@pytest.mark.parametrize(
    "groups,demand,pattern",
    [
        ({}, {"x": 1.0}, r"groups must be a non-empty mapping"),
        ({"a": (0, {"x"})}, {"x": 1.0}, r"groups\['a'\]: Group: agents must be a finite number > 0 \(got 0\)"),
        ({"a": (2, {"x"})}, {"x": -1.0}, r"demand\['x'\] must be a finite number >= 0 \(got -1\.0\)"),
        ({"a": (2, {"x"})}, {}, r"demand must be a non-empty mapping"),
        ({"a": (2, {"x"})}, [1.0], r"demand must be a non-empty mapping"),
        ({"a": 2}, {"x": 1.0}, r"groups\['a'\] must be a Group or an \(agents, skills\) pair \(got 2\)"),
        ({"a": (2, {3})}, {"x": 1.0}, r"skills must hold non-empty skill names \(got 3\)"),
    ],
)
def test_coverage_arguments(groups, demand, pattern):
    with pytest.raises(ValidationError, match=pattern):
        analytics.coverage(groups, demand)


def test_coverage_helpers_arguments():
    with pytest.raises(ValidationError, match=r"coverage: max_occupancy must be a fraction in \(0, 1\]"):
        analytics.coverage({"a": (2, {"x"})}, {"x": 1.0}, max_occupancy=0)
    with pytest.raises(ValidationError, match=r"top must be an integer >= 1 \(got 0\)"):
        analytics.cross_training({"a": (2, {"x"})}, {"x": 1.0}, top=0)
    with pytest.raises(ValidationError, match="agents must map each demand skill"):
        analytics.design_comparison({"x": 1.0, "y": 1.0}, {"x": 2})
    with pytest.raises(ValidationError, match="order must list each demand skill once"):
        analytics.design_comparison({"x": 1.0, "y": 1.0}, {"x": 2, "y": 2}, order=["x", "x"])
    with pytest.raises(ValidationError, match=r"handle_times\['x'\] must be a finite number > 0"):
        analytics.demand_from_rates({"x": 0.1}, {"x": -1})
    with pytest.raises(ValidationError, match="no entry for skill 'y'"):
        analytics.demand_from_rates({"y": 0.1}, {"x": 1})
