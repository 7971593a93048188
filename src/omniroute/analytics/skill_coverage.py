"""Skill coverage: can a team's skill mix carry a demand mix?  (networkx max-flow / min-cut.)

A fluid, capacity-level view: each group of agents offers ``agents * max_occupancy`` Erlangs
of work, split freely among the skills its agents have.  The flow network is::

    source --(demand of skill s)--> skill s --(unbounded, if g has s)--> group g
           --(agents of g * max_occupancy)--> sink

Its maximum flow is the largest load the team can carry.  The minimum cut names the
bottleneck: a set of skills whose combined demand exceeds the capacity of every group able to
serve any of them (Hall's condition failing).  Queueing needs slack on top of this, which a
``max_occupancy`` below 1 (e.g. 0.85) reserves.

Capacities are rounded to 1e-6 Erlang and the flow computed in integers, as networkx advises
for exact results.  This module is the only one in ``omniroute.analytics`` that imports
networkx; ``omniroute.analytics`` loads it on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs
import networkx as nx

from ..errors import ValidationError
from . import _checks

__all__ = [
    "Group",
    "Coverage",
    "CrossTraining",
    "DesignComparison",
    "coverage",
    "cross_training",
    "design_comparison",
    "demand_from_rates",
]

_SCALE = 1_000_000  # capacities in micro-Erlangs
_SOURCE, _SINK = ("source",), ("sink",)


def _skills(value: object) -> frozenset[str]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        raise ValidationError(f"Group.skills must be a set of skill names (got {value!r})")
    out = frozenset(items)
    for s in out:
        if not isinstance(s, str) or not s:
            raise ValidationError(f"Group.skills must hold non-empty skill names (got {s!r})")
    return out


@attrs.frozen(slots=True)
class Group:
    """``agents`` identical agents (a number > 0; fractional FTEs allowed) sharing ``skills``."""

    agents: float
    skills: frozenset[str] = attrs.field(converter=_skills)

    def __attrs_post_init__(self) -> None:
        _checks.positive("Group", "agents", self.agents)


def _groups(func: str, groups: object) -> dict[str, Group]:
    if not isinstance(groups, Mapping) or not groups:
        raise ValidationError(
            f"{func}: groups must be a non-empty mapping name -> Group or (agents, skills) "
            f"(got {groups!r})"
        )
    out: dict[str, Group] = {}
    for name, g in groups.items():
        if not isinstance(name, str) or not name:
            raise ValidationError(f"{func}: group names must be non-empty strings (got {name!r})")
        if isinstance(g, Group):
            out[name] = g
        elif isinstance(g, (tuple, list)) and len(g) == 2:
            try:
                out[name] = Group(*g)
            except ValidationError as e:
                raise ValidationError(f"{func}: groups[{name!r}]: {e}") from None
        else:
            raise ValidationError(
                f"{func}: groups[{name!r}] must be a Group or an (agents, skills) pair (got {g!r})"
            )
    return out


def _demand(func: str, demand: object) -> dict[str, float]:
    if not isinstance(demand, Mapping) or not demand:
        raise ValidationError(
            f"{func}: demand must be a non-empty mapping skill -> Erlangs (got {demand!r})"
        )
    out: dict[str, float] = {}
    for skill, load in demand.items():
        if not isinstance(skill, str) or not skill:
            raise ValidationError(f"{func}: demand skills must be non-empty strings (got {skill!r})")
        out[skill] = _checks.rate(func, f"demand[{skill!r}]", load)
    return out


def demand_from_rates(
    arrival_rates: Mapping[str, float], handle_times: Mapping[str, float] | float
) -> dict[str, float]:
    """Demand in Erlangs per skill: ``arrival_rates[s]`` (per second) times the handle time
    (seconds; one number for all skills or a mapping skill -> seconds)."""
    func = "demand_from_rates"
    rates = _demand(func, arrival_rates)
    out = {}
    for skill, lam in rates.items():
        if isinstance(handle_times, Mapping):
            if skill not in handle_times:
                raise ValidationError(f"{func}: handle_times has no entry for skill {skill!r}")
            h = _checks.positive(func, f"handle_times[{skill!r}]", handle_times[skill])
        else:
            h = _checks.positive(func, "handle_times", handle_times)
        out[skill] = lam * h
    return out


@attrs.frozen(slots=True)
class Coverage:
    """Result of :func:`coverage`.  Loads in Erlangs.

    ``carried``: the most the team can carry; ``feasible``: all demand carried;
    ``bottleneck_skills`` / ``bottleneck_groups``: the source side of the minimum cut (skills
    whose demand together exceeds what the saturated groups able to serve them can give; empty
    when feasible); ``flows``: one maximum assignment skill -> group -> Erlangs (not unique).
    """

    offered: float
    carried: float
    feasible: bool
    bottleneck_skills: tuple[str, ...]
    bottleneck_groups: tuple[str, ...]
    flows: Mapping[str, Mapping[str, float]]

    @property
    def shortfall(self) -> float:
        """Demand the team cannot carry: ``offered - carried``."""
        return self.offered - self.carried

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "offered": self.offered,
            "carried": self.carried,
            "shortfall": self.shortfall,
            "feasible": self.feasible,
            "bottleneck_skills": list(self.bottleneck_skills),
            "bottleneck_groups": list(self.bottleneck_groups),
            "flows": {s: dict(g) for s, g in self.flows.items()},
        }


def _source_side(net: Any, flow: dict[Any, dict[Any, int]]) -> set[Any]:
    """Nodes reachable from the source in the residual network: the source side of the
    minimum cut closest to the source (just the source when all demand is carried)."""
    seen, todo = {_SOURCE}, [_SOURCE]
    while todo:
        u = todo.pop()
        steps = [v for v, d in net.succ[u].items() if flow[u][v] < d.get("capacity", float("inf"))]
        steps += [v for v in net.pred[u] if flow[v][u] > 0]
        for v in steps:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def _solve(
    groups: dict[str, Group],
    demand: dict[str, float],
    max_occupancy: float,
    flow_func: Callable[..., Any] | None,
) -> Coverage:
    net = nx.DiGraph()
    net.add_node(_SOURCE)
    net.add_node(_SINK)
    for skill, load in demand.items():
        net.add_edge(_SOURCE, ("skill", skill), capacity=round(load * _SCALE))
    for name, g in groups.items():
        net.add_edge(("group", name), _SINK, capacity=round(g.agents * max_occupancy * _SCALE))
        for skill in g.skills:
            if skill in demand:
                net.add_edge(("skill", skill), ("group", name))  # no capacity: unbounded
    value, flow = nx.maximum_flow(net, _SOURCE, _SINK, flow_func=flow_func)
    offered = sum(round(v * _SCALE) for v in demand.values())
    side = _source_side(net, flow)
    flows = {
        s: MappingProxyType({g[1]: f / _SCALE for g, f in flow[("skill", s)].items() if f > 0})
        for s in demand
    }
    return Coverage(
        offered=offered / _SCALE,
        carried=value / _SCALE,
        feasible=value >= offered,
        bottleneck_skills=tuple(sorted(n[1] for n in side if n[0] == "skill")),
        bottleneck_groups=tuple(sorted(n[1] for n in side if n[0] == "group")),
        flows=MappingProxyType(flows),
    )


def coverage(
    groups: Mapping[str, Group | tuple[float, Iterable[str]]],
    demand: Mapping[str, float],
    *,
    max_occupancy: float = 1.0,
    flow_func: Callable[..., Any] | None = None,
) -> Coverage:
    """Whether ``groups`` (name -> :class:`Group` or ``(agents, skills)``) can carry
    ``demand`` (skill -> Erlangs; see :func:`demand_from_rates`), each agent carrying at most
    ``max_occupancy`` Erlangs.  ``flow_func``: a networkx max-flow algorithm (default theirs).

    >>> r = coverage({"a": (3, {"x"}), "b": (2, {"x", "y"})}, {"x": 2.0, "y": 3.0})
    >>> r.carried, r.feasible, r.bottleneck_skills
    (4.0, False, ('y',))
    """
    func = "coverage"
    occ = _checks.fraction(func, "max_occupancy", max_occupancy)
    return _solve(_groups(func, groups), _demand(func, demand), occ, flow_func)


@attrs.frozen(slots=True)
class CrossTraining:
    """One cross-training move: every agent of ``group`` learns ``skill``; the team then
    carries ``carried`` Erlangs, ``gain`` more than before."""

    group: str
    skill: str
    carried: float
    gain: float
    feasible: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return attrs.asdict(self)


def cross_training(
    groups: Mapping[str, Group | tuple[float, Iterable[str]]],
    demand: Mapping[str, float],
    *,
    max_occupancy: float = 1.0,
    top: int | None = None,
) -> list[CrossTraining]:
    """Every single move "group g learns skill s" (s in the demand, not yet g's), ranked by
    the carried load it gains, largest first (ties: by group, then skill name); the first
    ``top`` only if given."""
    func = "cross_training"
    occ = _checks.fraction(func, "max_occupancy", max_occupancy)
    gs, dem = _groups(func, groups), _demand(func, demand)
    if top is not None:
        top = _checks.count(func, "top", top)
    base = _solve(gs, dem, occ, None).carried
    moves = []
    for name, g in gs.items():
        for skill in dem:
            if skill in g.skills:
                continue
            trial = dict(gs)
            trial[name] = Group(g.agents, g.skills | {skill})
            r = _solve(trial, dem, occ, None)
            moves.append(CrossTraining(name, skill, r.carried, round(r.carried - base, 6), r.feasible))
    moves.sort(key=lambda m: (-m.gain, m.group, m.skill))
    return moves[:top] if top is not None else moves


@attrs.frozen(slots=True)
class DesignComparison:
    """Result of :func:`design_comparison`: the same headcount as ``dedicated`` (each group
    one skill), ``chained`` (each group its skill and the next one, in a ring) and ``flexible``
    (every group every skill) designs, with their skill sets in ``designs``."""

    dedicated: Coverage
    chained: Coverage
    flexible: Coverage
    designs: Mapping[str, Mapping[str, frozenset[str]]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: per design, its coverage and each group's skills."""
        return {
            name: {
                "skills": {g: sorted(s) for g, s in self.designs[name].items()},
                **getattr(self, name).to_dict(),
            }
            for name in ("dedicated", "chained", "flexible")
        }


def design_comparison(
    demand: Mapping[str, float],
    agents: Mapping[str, float],
    *,
    order: Sequence[str] | None = None,
    max_occupancy: float = 1.0,
) -> DesignComparison:
    """Compare skill designs for one headcount: ``agents[s]`` agents have home skill ``s``
    (their group is named ``s``); the chain links the skills in ``order`` (default: the order
    of ``demand``) in a ring.  Flexible carries at least as much as chained, which carries at
    least as much as dedicated (each adds skills to the last)."""
    func = "design_comparison"
    dem = _demand(func, demand)
    occ = _checks.fraction(func, "max_occupancy", max_occupancy)
    if not isinstance(agents, Mapping) or set(agents) != set(dem):
        raise ValidationError(
            f"{func}: agents must map each demand skill to its headcount "
            f"(skills {sorted(dem)}, got {agents!r})"
        )
    ring = list(dem) if order is None else list(order)
    if sorted(ring) != sorted(dem):
        raise ValidationError(
            f"{func}: order must list each demand skill once (skills {sorted(dem)}, got {order!r})"
        )
    counts = {s: _checks.positive(func, f"agents[{s!r}]", agents[s]) for s in ring}
    everything = frozenset(ring)
    designs = {
        "dedicated": {s: frozenset({s}) for s in ring},
        "chained": {s: frozenset({s, ring[(i + 1) % len(ring)]}) for i, s in enumerate(ring)},
        "flexible": {s: everything for s in ring},
    }
    results = {
        name: _solve({s: Group(counts[s], sk) for s, sk in d.items()}, dem, occ, None)
        for name, d in designs.items()
    }
    return DesignComparison(
        results["dedicated"],
        results["chained"],
        results["flexible"],
        MappingProxyType({k: MappingProxyType(v) for k, v in designs.items()}),
    )
