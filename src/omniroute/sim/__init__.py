"""Simulation: the unchanged :class:`~omniroute.Router` inside SimPy.

The only layer of omniroute that imports SimPy.  Build a :class:`Scenario` in code or load
one from TOML (:func:`load_scenario`), :func:`run` one replication into a :class:`Report`,
or :func:`replicate` it into a :class:`Summary` with 95% intervals (:func:`stream` and
:class:`Summarizer` when you want the reports one at a time); :func:`calibrate` estimates one
from a per-call log; :func:`compare_policies` (:func:`compare_variants`) runs routing policies
(scenarios) on common random numbers into a paired :class:`Comparison`.  For your own SimPy
models, :class:`RouterResource` puts a router where a ``simpy.Resource`` would be.
"""

from __future__ import annotations

from .adapter import ContactRequest as ContactRequest
from .adapter import RouterResource as RouterResource
from .calibrate import Calibration as Calibration
from .calibrate import calibrate as calibrate
from .check import CapacityRow as CapacityRow
from .check import CheckResult as CheckResult
from .check import Finding as Finding
from .check import check_config as check_config
from .check import check_scenario as check_scenario
from .compare import Comparison as Comparison
from .compare import compare_policies as compare_policies
from .compare import compare_variants as compare_variants
from .distributions import Deterministic as Deterministic
from .distributions import Distribution as Distribution
from .distributions import Empirical as Empirical
from .distributions import Exponential as Exponential
from .distributions import Gamma as Gamma
from .distributions import Lognormal as Lognormal
from .distributions import Uniform as Uniform
from .distributions import distribution as distribution
from .fitting import KaplanMeier as KaplanMeier
from .fitting import kaplan_meier as kaplan_meier
from .loader import bundled_scenario_path as bundled_scenario_path
from .loader import bundled_scenarios as bundled_scenarios
from .loader import load_scenario as load_scenario
from .loader import parse_clock as parse_clock
from .loader import parse_duration as parse_duration
from .loader import parse_scenario as parse_scenario
from .replicate import iter_seeds as iter_seeds
from .replicate import replicate as replicate
from .replicate import run as run
from .replicate import seeds as seeds
from .replicate import stream as stream
from .report import Estimate as Estimate
from .report import Report as Report
from .report import Summarizer as Summarizer
from .report import Summary as Summary
from .report import summarize as summarize
from .scenario import AgentGroup as AgentGroup
from .scenario import Arrivals as Arrivals
from .scenario import Bot as Bot
from .scenario import Break as Break
from .scenario import Busyness as Busyness
from .scenario import Callback as Callback
from .scenario import Campaign as Campaign
from .scenario import ContactPolicyChoice as ContactPolicyChoice
from .scenario import Demand as Demand
from .scenario import IdlenessChoice as IdlenessChoice
from .scenario import QueueSpec as QueueSpec
from .scenario import ReserveChoice as ReserveChoice
from .scenario import Retrial as Retrial
from .scenario import Routing as Routing
from .scenario import Scenario as Scenario
from .scenario import ScoredChoice as ScoredChoice
from .scenario import Shift as Shift
from .scenario import Trace as Trace
from .scenario import TraceRecord as TraceRecord
from .scenario import Transfer as Transfer
from .staffing import SimStaffing as SimStaffing
from .staffing import SimStaffingRow as SimStaffingRow
from .staffing import staff_by_simulation as staff_by_simulation

__all__ = [
    "AgentGroup", "Arrivals", "CapacityRow", "CheckResult", "Finding", "check_config", "check_scenario", "Bot", "Break", "Busyness", "Callback", "Campaign", "ContactPolicyChoice", "ScoredChoice", "ContactRequest", "ReserveChoice", "IdlenessChoice",
    "Demand", "Deterministic", "Distribution", "Empirical", "Estimate", "Exponential",
    "Gamma", "Lognormal", "QueueSpec", "Report", "Retrial", "RouterResource", "Routing",
    "Scenario", "Shift", "Summary", "Trace", "TraceRecord", "Transfer", "Uniform",
    "bundled_scenario_path", "bundled_scenarios", "distribution", "load_scenario",
    "parse_clock", "parse_duration", "parse_scenario", "replicate", "run", "seeds", "iter_seeds", "stream",
    "Summarizer", "summarize",
    "SimStaffing", "SimStaffingRow", "staff_by_simulation",
    "Calibration", "calibrate", "KaplanMeier", "kaplan_meier",
    "Comparison", "compare_policies", "compare_variants",
]
