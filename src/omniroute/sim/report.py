"""Reports: one replication's KPIs (:class:`Report`) and replications' means with 95%
Student-t intervals (:class:`Summary`), both convertible to the JSON of DESIGN section 7."""

from __future__ import annotations

import difflib
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from ..errors import UnknownIdError, ValidationError

__all__ = ["Report", "Estimate", "Summary", "Summarizer", "summarize"]


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
    xs = np.array([v for v in values if v is not None], dtype=float)
    return _estimate(xs, confidence, lower, upper)


def _estimate(xs: np.ndarray, confidence: float = 0.95, lower: float | None = None,
              upper: float | None = None) -> Estimate:
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    m = float(xs.mean())
    if n == 1:
        return Estimate(m, None, None, 1)
    from scipy import stats

    sd = float(xs.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return _clip(m, m - half, m + half, n, lower, upper)


def _clip(m: float, low: float, high: float, n: int, lower: float | None,
          upper: float | None) -> Estimate:
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
    :attr:`Report.intervals` (overall, queues, channels, tiers).

    A summary does not hold the replications' reports: it is built as they arrive
    (:class:`Summarizer`).  It keeps what comparisons and plots need:

    * :meth:`values`: one scalar KPI per replication, in replication order (the pairs of
      :func:`omniroute.reports.compare`'s paired t-test); about 9 bytes per KPI and replication;
    * :meth:`interval_band`: per interval, the mean of a series and its 95% Student-t interval
      over the replications (a plot's band), in memory independent of the replications;
    * :meth:`interval_values`: a series per replication, when the summary was built with
      ``keep_intervals=True`` (:func:`~omniroute.sim.replicate`, :class:`Summarizer`).
    """

    scenario: str
    replications: int
    seed: Any
    kpis: Mapping[str, Any] = attrs.field(repr=False)
    intervals: Mapping[str, Any] = attrs.field(repr=False)
    # per-replication scalar KPIs (_Column) and interval series (_Series), shaped as ``kpis``
    _columns: Mapping[str, Any] = attrs.field(repr=False)
    _series: Mapping[str, Any] = attrs.field(repr=False)

    def kpi(self, name: str, group: str = "overall", key: str | None = None) -> Estimate:
        """As :meth:`Report.kpi`: the estimate of one KPI over the replications."""
        return _lookup(self.kpis, name, group, key)  # type: ignore[no-any-return]

    def values(self, name: str, group: str = "overall", key: str | None = None) -> list[float | None]:
        """One KPI of each replication, in replication order (None where it was undefined):
        ``summary.values("service_level")``, ``summary.values("asa", "queues", "general")``.
        Counts come back as floats.  An unknown group, key or KPI raises a ``KeyError``."""
        col: _Column = _lookup(self._columns, name, group, key)
        return col.tolist()

    def interval_band(self, name: str, group: str = "overall", key: str | None = None,
                      confidence: float = 0.95) -> list[Estimate]:
        """Per interval of ``intervals``: the series' mean over the replications and its
        Student-t interval (clipped as :class:`Estimate` says), e.g. for a plot's band:
        ``summary.interval_band("service_level", "queues", "general")``.  The mean is the one
        in :attr:`intervals`; ``n`` counts the replications with a value in that interval."""
        ser: _Series = _lookup(self._series, name, group, key)
        return ser.band(name, confidence)

    def interval_values(self, name: str, group: str = "overall", key: str | None = None
                        ) -> list[list[float | None] | None]:
        """A series of each replication, in replication order (None for a replication without
        it); only when the summary was built with ``keep_intervals=True``."""
        ser: _Series = _lookup(self._series, name, group, key)
        if ser.rows is None:
            raise ValidationError("interval_values: this summary kept no per-replication series; "
                                  "build it with keep_intervals=True (sim.replicate(..., "
                                  "keep_intervals=True) or Summarizer(keep_intervals=True))")
        out: list[list[float | None] | None] = [None] * self.replications
        for i, row in ser.rows:
            out[i] = list(row)
        return out

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


class _Column:
    """One scalar KPI per replication, compact: float64 values and a presence mask (None and
    a missing KPI are absent)."""

    __slots__ = ("values", "present")

    def __init__(self, missing: int = 0) -> None:
        self.values = array("d", bytes(8 * missing))
        self.present = bytearray(missing)

    def add(self, v: Any) -> None:
        if v is None:
            self.values.append(0.0)
            self.present.append(0)
        else:
            self.values.append(v)
            self.present.append(1)

    def present_values(self) -> np.ndarray:
        """The values present, in order, as one contiguous float64 array."""
        vals = np.frombuffer(self.values, dtype=np.float64) if self.values else np.zeros(0)
        mask = np.frombuffer(bytes(self.present), dtype=np.uint8).astype(bool)
        return np.ascontiguousarray(vals[mask])

    def tolist(self) -> list[float | None]:
        return [v if p else None for v, p in zip(self.values, self.present, strict=True)]

    def copy(self) -> _Column:
        c = _Column()
        c.values, c.present = array("d", self.values), bytearray(self.present)
        return c

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Column):
            return NotImplemented
        return self.present == other.present and self.tolist() == other.tolist()

    __hash__ = None  # type: ignore[assignment]


class _Series:
    """One interval series over the replications: per interval the sum of the values present,
    added in replication order (so the mean is the one of summing the replications' lists in
    order), their number, and Welford's running mean and sum of squared deviations (the band);
    ``rows``: each replication's list, when kept."""

    __slots__ = ("total", "count", "m2", "rows")

    def __init__(self, total: np.ndarray, count: np.ndarray, m2: np.ndarray,
                 rows: list[tuple[int, tuple[Any, ...]]] | None) -> None:
        self.total, self.count, self.m2, self.rows = total, count, m2, rows

    def means(self) -> list[float | None]:
        return [t / c if c else None for t, c in zip(self.total.tolist(), self.count.tolist(), strict=True)]

    def band(self, name: str, confidence: float) -> list[Estimate]:
        from scipy import stats

        lower, upper = bounds(name)
        out = []
        for m, c, m2 in zip(self.means(), self.count.tolist(), self.m2.tolist(), strict=True):
            if m is None or c < 2:
                out.append(Estimate(m, None, None, c))
                continue
            half = float(stats.t.ppf(0.5 + confidence / 2, c - 1)) * math.sqrt(max(m2, 0.0) / (c - 1) / c)
            out.append(_clip(m, m - half, m + half, c, lower, upper))
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Series):
            return NotImplemented
        return (np.array_equal(self.total, other.total, equal_nan=True)
                and np.array_equal(self.count, other.count)
                and np.array_equal(self.m2, other.m2, equal_nan=True) and self.rows == other.rows)

    __hash__ = None  # type: ignore[assignment]


class _Flat:
    """Every interval series of the replications side by side in flat arrays (one slice
    per series), so that a report costs a handful of array operations whatever its number of
    series."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.slices: dict[tuple[str, str | None, str], slice] = {}
        self.shape: dict[str, dict[str, None]] = {}  # groups and their keys, as first seen
        self.size = 0
        self.total = np.zeros(0)
        self.count = np.zeros(0, dtype=np.int64)
        self.wmean = np.zeros(0)
        self.m2 = np.zeros(0)
        self.rows: dict[tuple[str, str | None, str], list[tuple[int, tuple[Any, ...]]]] = {}

    def add(self, i: int, intervals: Mapping[str, Any]) -> None:
        rows: list[tuple[tuple[str, str | None, str], Sequence[Any]]] = []
        for group, val in intervals.items():
            if group in ("width", "start", "clock"):
                continue
            keys = self.shape.setdefault(group, {})
            if group == "overall":
                rows += [((group, None, k), row) for k, row in val.items()]
            else:
                for key in val:
                    keys.setdefault(key, None)
                rows += [((group, key, k), row) for key, d in val.items() for k, row in d.items()]
        grow = 0
        for name, row in rows:
            if name not in self.slices:
                self.slices[name] = slice(self.size + grow, self.size + grow + len(row))
                grow += len(row)
        if grow:
            self.size += grow
            self.total = np.concatenate([self.total, np.zeros(grow)])
            self.count = np.concatenate([self.count, np.zeros(grow, dtype=np.int64)])
            self.wmean = np.concatenate([self.wmean, np.zeros(grow)])
            self.m2 = np.concatenate([self.m2, np.zeros(grow)])
        flat: list[Any] = [None] * self.size
        for name, row in rows:
            sl = self.slices[name]
            if len(row) != sl.stop - sl.start:
                raise ValidationError(
                    f"summarize: interval series {'.'.join(x for x in name if x is not None)} has "
                    f"{len(row)} values in replication {i} and {sl.stop - sl.start} in an earlier one; "
                    "replications of one scenario have the same intervals")
            flat[sl] = row
            if self.keep:
                self.rows.setdefault(name, []).append((i, tuple(row)))
        present = np.fromiter((v is not None for v in flat), dtype=bool, count=self.size)
        x = np.fromiter((0.0 if v is None else v for v in flat), dtype=np.float64, count=self.size)
        # adding 0.0 where a value is absent leaves a total unchanged (it starts at +0.0)
        self.total += x
        self.count += present
        k = np.maximum(self.count, 1).astype(np.float64)
        delta = np.where(present, x - self.wmean, 0.0)
        self.wmean += np.where(present, delta / k, 0.0)
        self.m2 += np.where(present, delta * (x - self.wmean), 0.0)

    def series(self) -> dict[str, Any]:
        """``{group: {kpi: _Series}}`` for overall, ``{group: {key: {kpi: _Series}}}`` else, in
        the order the series first appeared."""
        out: dict[str, Any] = {g: {} if g == "overall" else {key: {} for key in keys}
                               for g, keys in self.shape.items()}
        for (group, key, k), sl in self.slices.items():
            ser = _Series(self.total[sl].copy(), self.count[sl].copy(), self.m2[sl].copy(),
                          list(self.rows.get((group, key, k), [])) if self.keep else None)
            if group == "overall":
                out[group][k] = ser
            else:
                out[group][key][k] = ser
        return out


class Summarizer:
    """A :class:`Summary` built as reports arrive: ``add`` each replication's
    :class:`Report` in replication order, then ``summary()``.  It keeps each scalar KPI per
    replication (compactly) and running sums of the interval series, never the reports, so
    memory grows by about 9 bytes per KPI per replication; the summary equals, bit for bit, the
    one of the same reports summarised all at once (:func:`summarize`).

    ``keep_intervals``: also keep each replication's interval series
    (:meth:`Summary.interval_values`).
    """

    def __init__(self, seed: Any = None, keep_intervals: bool = False) -> None:
        self.seed = seed
        self.keep_intervals = keep_intervals
        self._n = 0
        self._scenario = ""
        self._groups: list[str] = []
        self._kpis: dict[str, dict[str, Any]] = {}
        self._width: Any = None
        self._start: list[Any] = []
        self._clock: Any = None
        self._flat = _Flat(keep_intervals)

    @property
    def count(self) -> int:
        """Reports added so far."""
        return self._n

    def add(self, report: Report) -> None:
        """Add the next replication's report (replication ``count``)."""
        i = self._n
        if i == 0:
            self._scenario = report.scenario
            self._groups = list(report.kpis)  # the groups of the first report, as summarize's
            self._width = report.intervals["width"]
            self._start = list(report.intervals["start"])
            self._clock = _copy(report.intervals["clock"]) if "clock" in report.intervals else None
        for group in self._groups:
            g = report.kpis.get(group) or {}
            cols = self._kpis.setdefault(group, {})
            if group == "overall":
                _add_row(cols, g, i)
                continue
            for key in g:
                cols.setdefault(key, {})
            for key, kcols in cols.items():
                _add_row(kcols, g.get(key) or {}, i)
        self._flat.add(i, report.intervals)
        self._n += 1

    def summary(self) -> Summary:
        """The :class:`Summary` of the reports added so far (at least one)."""
        if self._n == 0:
            raise ValidationError("summarize: no reports to summarise (give at least one)")
        kpis: dict[str, Any] = {}
        for group, cols in self._kpis.items():
            if group == "overall":
                kpis[group] = {k: _estimate_column(k, c) for k, c in cols.items()}
            else:
                kpis[group] = {key: {k: _estimate_column(k, c) for k, c in kc.items()}
                               for key, kc in cols.items()}
        intervals: dict[str, Any] = {"width": self._width, "start": list(self._start)}
        if self._clock is not None:
            intervals["clock"] = _copy(self._clock)
        series = self._flat.series()
        for group, sers in series.items():
            if group == "overall":
                intervals[group] = {k: s.means() for k, s in sers.items()}
            else:
                intervals[group] = {key: {k: s.means() for k, s in ks.items()}
                                    for key, ks in sers.items()}
        # copies: the summary stays as it is while more reports come
        columns = {group: ({k: c.copy() for k, c in cols.items()} if group == "overall" else
                           {key: {k: c.copy() for k, c in kc.items()} for key, kc in cols.items()})
                   for group, cols in self._kpis.items()}
        return Summary(self._scenario, self._n, self.seed, kpis, intervals,
                       columns=columns, series=series)


def _add_row(cols: dict[str, _Column], row: Mapping[str, Any], i: int) -> None:
    """Append one replication's values to the columns (a KPI first seen now is absent in the
    ``i`` replications before)."""
    for k in row:
        if k not in cols:
            cols[k] = _Column(i)
    for k, col in cols.items():
        col.add(row.get(k))


def _estimate_column(name: str, col: _Column) -> Estimate:
    lower, upper = bounds(name)
    return _estimate(col.present_values(), lower=lower, upper=upper)


def summarize(reports: Iterable[Report], seed: Any = None, keep_intervals: bool = False) -> Summary:
    """Combine replications' reports (in replication order) into a :class:`Summary`; the
    reports may come from an iterator (:func:`omniroute.sim.stream`), one at a time."""
    acc = Summarizer(seed, keep_intervals)
    for r in reports:
        acc.add(r)
    return acc.summary()


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
