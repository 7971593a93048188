"""CSV files of a run: one row per KPI, and the per-interval series.

* :func:`kpi_rows` / :func:`write_kpis`: ``group,key,kpi,mean,low,high,n`` (``overall`` has an
  empty key; a single ``Report`` gives ``low``/``high`` empty and ``n`` 1);
* :func:`interval_rows` / :func:`write_intervals`: ``group,key,start,end,day,weekday,clock,kpi,value``,
  the series of ``Report.intervals`` / ``Summary.intervals`` (means over replications) in long
  form; ``start``/``end`` are seconds from the simulation's start, ``day`` (0: the day it
  starts), ``weekday`` (``Tue``) and ``clock`` (``08:30``) place the interval's start on the
  scenario's wall clock (:mod:`omniroute.sim.clock`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .table import value

__all__ = ["KPI_HEADER", "INTERVAL_HEADER", "kpi_rows", "interval_rows", "interval_clock", "write_kpis",
           "write_intervals"]

KPI_HEADER = ("group", "key", "kpi", "mean", "low", "high", "n")
INTERVAL_HEADER = ("group", "key", "start", "end", "day", "weekday", "clock", "kpi", "value")


def kpi_rows(result: Any, agents: bool = False) -> Iterator[tuple[Any, ...]]:
    """Rows of :data:`KPI_HEADER` for a ``Summary`` or a ``Report``."""
    for group, val in result.kpis.items():
        if group == "agents" and not agents:
            continue
        items = [("", val)] if group == "overall" else list(val.items())
        for key, d in items:
            for kpi, x in d.items():
                mean, low, high = value(x)
                n = getattr(x, "n", 1 if x is not None else 0)
                yield group, key, kpi, _num(mean), _num(low), _num(high), n


def interval_rows(result: Any) -> Iterator[tuple[Any, ...]]:
    """Rows of :data:`INTERVAL_HEADER` for a ``Summary`` or a ``Report``."""
    iv = result.intervals
    width = iv["width"]
    starts = iv["start"]
    from ..sim.clock import WEEKDAYS  # the simulation layer, on request

    clock = interval_clock(iv)
    when = [(clock.day(s), WEEKDAYS[clock.weekday(s)], clock.label(s, weekday=False)) for s in starts]
    series: list[tuple[str, str, dict[str, list[Any]]]] = [("overall", "", iv["overall"])]
    for group in iv:
        if group in ("width", "start", "overall", "clock"):
            continue
        if isinstance(iv[group], dict):
            series += [(group, key, s) for key, s in iv[group].items() if isinstance(s, dict)]
    for group, key, s in series:
        for kpi, vals in s.items():
            for start, (day, wd, tod), v in zip(starts, when, vals, strict=False):
                yield group, key, start, start + width, day, wd, tod, kpi, _num(v)


def interval_clock(intervals: Any) -> Any:
    """The :class:`~omniroute.sim.clock.Clock` of a result's ``intervals`` (their ``clock``
    entry; Monday 00:00 for a result that has none)."""
    from ..sim.clock import Clock
    from ..sim.fields import parse_clock, parse_day

    c = intervals.get("clock") if hasattr(intervals, "get") else None
    if not c:
        return Clock()

    return Clock(parse_day(c["start_day"]), parse_clock(c["start"]))


def _num(x: Any) -> Any:
    return "" if x is None else x


def _write(path: str | Path, header: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> Path:
    p = Path(path)
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return p


def write_kpis(result: Any, path: str | Path, agents: bool = False) -> Path:
    """Write :func:`kpi_rows` to ``path``."""
    return _write(path, KPI_HEADER, kpi_rows(result, agents))


def write_intervals(result: Any, path: str | Path) -> Path:
    """Write :func:`interval_rows` to ``path``."""
    return _write(path, INTERVAL_HEADER, interval_rows(result))
