"""Reports: one replication's KPIs (:class:`Report`) and replications' means with 95%
Student-t intervals (:class:`Summary`), both convertible to the JSON of DESIGN section 7."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from ..errors import UnknownIdError

__all__ = ["Report", "Estimate", "Summary", "summarize"]


@attrs.frozen
class Report:
    """KPIs of one replication.

    ``kpis``: ``{"overall": {kpi: value}, "queues": {name: {kpi: value}}, "channels": ...,
    "segments": ..., "tiers": ..., "teams": ..., "agents": ...}``; values are numbers or
    None where undefined.  ``intervals``: per-interval series (``{"width", "start",
    "overall": {kpi: [...]}, "queues": {name: {kpi: [...]}}, "channels": {name: {kpi: [...]}},
    "tiers": {tier: {"occupancy", "utilization", "staffed": [...]}}}``): contact KPIs by
    arrival interval plus ``waiting``, the time-average number of contacts waiting, and per
    tier occupancy and utilization over each interval (see :mod:`omniroute.sim.metrics`).
    """

    scenario: str
    seed: Any
    kpis: Mapping[str, Any]
    intervals: Mapping[str, Any]
    contacts: int
    end: float

    def kpi(self, name: str, group: str = "overall", key: str | None = None) -> Any:
        """``report.kpi("service_level")``, ``report.kpi("asa", "queues", "general")``; an
        unknown group, key or KPI raises a ``KeyError`` that lists what exists."""
        return _lookup(self.kpis, name, group, key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "seed": _jsonable(self.seed), "replications": 1,
            "kpis": _copy(self.kpis), "intervals": _copy(self.intervals),
            "contacts": self.contacts, "end": self.end,
        }


@attrs.frozen
class Estimate:
    """Mean over replications and its 95% Student-t interval (``low``, ``high``);
    ``n`` replications had a value (a KPI is undefined where nothing was offered).

    In a :class:`Summary` the interval is clipped to the KPI's possible values: at 0 for
    the non-negative KPIs (counts, times; all of DESIGN section 6) and to ``[0, 1]`` for the
    fractions (``service_level``, ``p_wait``, ``abandon_rate``, ``occupancy``,
    ``utilization``), so it may be asymmetric about the mean."""

    mean: float | None
    low: float | None
    high: float | None
    n: int

    def __contains__(self, x: float) -> bool:
        return self.low is not None and self.low <= x <= self.high  # type: ignore[operator]

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


#: KPIs whose values lie in [0, 1] / are never negative (their intervals are clipped so).
FRACTION_KPIS = frozenset({"service_level", "service_level_ex_short", "service_level_answered",
                           "service_level_customer", "p_wait", "abandon_rate", "block_rate",
                           "occupancy", "utilization", "occupancy_day", "utilization_day",
                           "outbound_abandon_rate", "occupancy_range", "occupancy_sd", "occupancy_gini"})
NONNEGATIVE_KPIS = FRACTION_KPIS | frozenset({
    "offered", "answered", "abandoned", "asa", "mean_wait", "aht", "unanswered", "callbacks",
    "retrials", "transferred", "bot_contained", "staffed_hours", "waiting", "staffed",
    "overflowed", "abandoned_within", "abandoned_after", "customers", "blocked",
    "staffed_hours_day", "dials", "connects", "no_answer", "failed", "outbound_abandoned",
    "pacing", "inbound_hours", "outbound_hours", "wait_max_lowest", "wait_p95_lowest",
})


def bounds(kpi: str) -> tuple[float | None, float | None]:
    """``(lower, upper)`` limits of a KPI's values (None: unbounded), for :func:`estimate`."""
    if kpi in FRACTION_KPIS:
        return 0.0, 1.0
    if kpi in NONNEGATIVE_KPIS:
        return 0.0, None
    return None, None


def estimate(values: Sequence[float | None], confidence: float = 0.95,
             lower: float | None = None, upper: float | None = None) -> Estimate:
    """Mean and Student-t interval of ``values`` (None skipped); the interval is clipped to
    ``[lower, upper]`` (a KPI that cannot be negative gets no negative ``low``)."""
    from scipy import stats

    xs = np.array([v for v in values if v is not None], dtype=float)
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    m = float(xs.mean())
    if n == 1:
        return Estimate(m, None, None, 1)
    sd = float(xs.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    low, high = m - half, m + half
    if lower is not None:
        low, high = max(low, lower), max(high, lower)
    if upper is not None:
        low, high = min(low, upper), min(high, upper)
    return Estimate(m, low, high, n)


@attrs.frozen
class Summary:
    """Replications of one scenario: ``kpis`` has the shape of :attr:`Report.kpis` with an
    :class:`Estimate` per KPI (its interval clipped to the KPI's range, see
    :class:`Estimate`); ``intervals`` holds per-interval means of every series of
    :attr:`Report.intervals` (overall, queues, channels, tiers)."""

    scenario: str
    replications: int
    seed: Any
    reports: tuple[Report, ...] = attrs.field(repr=False)
    kpis: Mapping[str, Any] = attrs.field(repr=False)
    intervals: Mapping[str, Any] = attrs.field(repr=False)

    def kpi(self, name: str, group: str = "overall", key: str | None = None) -> Estimate:
        """As :meth:`Report.kpi`: the estimate of one KPI over the replications."""
        return _lookup(self.kpis, name, group, key)  # type: ignore[no-any-return]

    def to_dict(self, agents: bool = False, intervals: bool = False) -> dict[str, Any]:
        """The JSON of DESIGN section 7 (``agents``/``intervals``: include those too)."""
        kp = {}
        for group, val in self.kpis.items():
            if group == "agents" and not agents:
                continue
            if group == "overall":
                kp[group] = {k: e.to_dict() for k, e in val.items()}
            else:
                kp[group] = {key: {k: e.to_dict() for k, e in d.items()} for key, d in val.items()}
        out: dict[str, Any] = {"scenario": self.scenario, "replications": self.replications,
                               "seed": _jsonable(self.seed), "kpis": kp}
        if intervals:
            out["intervals"] = _copy(self.intervals)
        return out


def _lookup(kpis: Mapping[str, Any], name: str, group: str, key: str | None) -> Any:
    """``kpis[group][key][name]`` (``kpis["overall"][name]``), or a KeyError saying what exists."""
    if group not in kpis:
        raise UnknownIdError(f"kpi: no group {group!r}; groups: {', '.join(kpis)}")
    g = kpis[group]
    if group != "overall":
        if key not in g:
            raise UnknownIdError(f"kpi: {group} has no {key!r}; {group}: {', '.join(map(str, g)) or 'none'}")
        g = g[key]
    if name not in g:
        near = difflib.get_close_matches(name, list(g), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise UnknownIdError(f"kpi: no KPI {name!r}{hint}; KPIs here: {', '.join(g)}")
    return g[name]


def summarize(reports: Sequence[Report], seed: Any = None) -> Summary:
    """Combine replications' reports (in order) into a :class:`Summary`."""
    first = reports[0]
    kpis: dict[str, Any] = {}
    for group in first.kpis:
        if group == "overall":
            names = _keys(r.kpis["overall"] for r in reports)
            kpis[group] = {k: estimate([r.kpis[group].get(k) for r in reports], lower=bounds(k)[0],
                                       upper=bounds(k)[1]) for k in names}
            continue
        keys = _keys(r.kpis[group] for r in reports)
        kpis[group] = {}
        for key in keys:
            rows = [r.kpis[group].get(key) for r in reports]
            names = _keys(row for row in rows if row is not None)
            kpis[group][key] = {
                k: estimate([row.get(k) if row is not None else None for row in rows],
                            lower=bounds(k)[0], upper=bounds(k)[1])
                for k in names
            }
    return Summary(first.scenario, len(reports), seed, tuple(reports), kpis, _mean_intervals(reports))


def _keys(dicts: Any) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        for k in d:
            seen.setdefault(k, None)
    return list(seen)


def _mean_intervals(reports: Sequence[Report]) -> dict[str, Any]:
    """Per-interval means over replications (None values skipped) of every series: overall
    and per queue, channel and tier.  A key some replications lack is averaged over those
    that have it."""
    first = reports[0].intervals

    def mean_series(rows: list[Mapping[str, list[Any]]]) -> dict[str, list[float | None]]:
        out = {}
        for k in _keys(rows):
            cols = [row[k] for row in rows if k in row]
            means = []
            for vals in zip(*cols, strict=True):
                xs = [v for v in vals if v is not None]
                means.append(sum(xs) / len(xs) if xs else None)
            out[k] = means
        return out

    res: dict[str, Any] = {"width": first["width"], "start": list(first["start"])}
    if "clock" in first:
        res["clock"] = _copy(first["clock"])
    for group in _keys(r.intervals for r in reports):
        if group in ("width", "start", "clock"):
            continue
        if group == "overall":
            res[group] = mean_series([r.intervals[group] for r in reports if group in r.intervals])
            continue
        groups = [r.intervals.get(group, {}) for r in reports]
        res[group] = {key: mean_series([g[key] for g in groups if key in g]) for key in _keys(groups)}
    return res


def _copy(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _copy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_copy(v) for v in x]
    return x


def _jsonable(seed: Any) -> Any:
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": seed.entropy, "spawn_key": list(seed.spawn_key)}
    return seed
