"""A per-call log with documented columns (``docs/calibrate.md``), read and checked.

One row per call that asked for an agent: it was answered, or its caller abandoned in the
queue.  Columns (a header row names them; their order is free, other columns are ignored and
listed in the calibration's summary):

========================  ========  =========================================================
column                    required  value
========================  ========  =========================================================
``arrival``               yes       when the call joined the queue: an ISO 8601 date-time
                                    (``1999-01-03 07:41:16``) or seconds since midnight of day 0
``queue``                 yes       the queue (call type) it asked for
``wait``                  yes       seconds in queue, to the answer or to the abandonment, >= 0
``outcome``               yes       ``answered`` or ``abandoned``
``service_start``         answered  when the agent answered (the same kind of time as arrival)
``service_end``           answered  when the service ended, not before ``service_start``
``agent``                 answered  who served it
``priority``              no        an integer, larger first (empty: 0), at most 1,000,000 either way
``wrap_up``               no        seconds of after-call work, >= 0 (empty: unknown)
========================  ========  =========================================================

Every problem names the row (the file's line), the column, the value and what is allowed,
and raises :class:`~omniroute.ValidationError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..errors import ValidationError
from .limits import MAX_DURATION
from .loader import parse_day, read_regular_file

__all__ = ["REQUIRED", "OPTIONAL", "CallLog", "read_log", "MAX_LOG_BYTES", "MAX_PRIORITY"]

#: The columns a log must have.
REQUIRED = ("arrival", "queue", "wait", "outcome", "service_start", "service_end", "agent")
#: The columns a log may have.
OPTIONAL = ("priority", "wrap_up")
#: The largest priority (in absolute value) a log may give.
MAX_PRIORITY = 1_000_000
#: The largest log file read (bytes).
MAX_LOG_BYTES = 1 << 30
_OUTCOMES = ("answered", "abandoned")
_TIME_HELP = "use seconds since midnight of day 0, or an ISO 8601 date-time such as 1999-01-03 07:41:16"


@attrs.frozen(eq=False)
class CallLog:
    """A checked log: one entry per call, times in seconds since midnight of day 0.

    ``service_start``/``service_end`` are NaN for abandoned calls, ``agent`` None;
    ``wrap_up`` is None when the log has no such column (NaN where a row leaves it empty).
    ``day0`` is the calendar date of day 0 when the log gave date-times, and
    ``start_day`` the weekday of day 0 (0 = Monday).
    """

    arrival: np.ndarray
    queue: tuple[str, ...]
    priority: np.ndarray
    wait: np.ndarray
    abandoned: np.ndarray
    service_start: np.ndarray
    service_end: np.ndarray
    agent: tuple[str | None, ...]
    wrap_up: np.ndarray | None
    start_day: int
    day0: dt.date | None
    source: str
    ignored: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.queue)

    @property
    def handle(self) -> np.ndarray:
        """Service time of each call (NaN for abandoned ones)."""
        return self.service_end - self.service_start


class _Rows:
    """Reads values cell by cell, naming the row of each problem."""

    def __init__(self, source: str, csv_lines: bool) -> None:
        self.source = source
        self.csv_lines = csv_lines
        self.kind: str | None = None  # "seconds" or "datetime", fixed by the first time read

    def where(self, i: int) -> str:
        return f"{self.source}:{i + 2}" if self.csv_lines else f"{self.source} row {i}"

    def fail(self, i: int, col: str, value: Any, allowed: str) -> ValidationError:
        return ValidationError(f"{self.where(i)}: {col} {value!r} {allowed}")

    def time(self, i: int, col: str, v: Any) -> float | dt.datetime:
        if isinstance(v, dt.datetime):
            kind, out = "datetime", v.replace(tzinfo=None)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            kind, out = "seconds", float(v)
        elif isinstance(v, str) and v.strip():
            text = v.strip()
            try:
                kind, out = "seconds", float(text)
            except ValueError:
                try:
                    kind, out = "datetime", dt.datetime.fromisoformat(text).replace(tzinfo=None)
                except ValueError:
                    raise self.fail(i, col, v, f"is not a time ({_TIME_HELP})") from None
        else:
            raise self.fail(i, col, v, f"is not a time ({_TIME_HELP})")
        if kind == "seconds" and not (math.isfinite(out) and out >= 0):  # type: ignore[arg-type]
            raise self.fail(i, col, v, "must be seconds >= 0 since midnight of day 0")
        if self.kind is None:
            self.kind = kind
        elif kind != self.kind:
            first = "date-times" if self.kind == "datetime" else "seconds"
            raise self.fail(i, col, v, f"is not of the kind of the log's first time ({first}); "
                                       "use one kind of time throughout")
        return out

    def seconds(self, i: int, col: str, v: Any, empty: float | None = None) -> float:
        if empty is not None and (v is None or (isinstance(v, str) and not v.strip())):
            return empty
        try:
            x = float(v.strip() if isinstance(v, str) else v)
        except (TypeError, ValueError):
            x = math.nan
        if isinstance(v, bool) or not (math.isfinite(x) and 0 <= x <= MAX_DURATION):
            raise self.fail(i, col, v, "must be a number of seconds >= 0 (at most 366 days)")
        return x

    def priority(self, i: int, v: Any) -> int:
        if v is None or (isinstance(v, str) and not v.strip()):
            return 0
        try:
            p = int(v.strip()) if isinstance(v, str) else v
        except ValueError:
            p = None
        if isinstance(p, float) and p.is_integer():
            p = int(p)
        if isinstance(p, bool) or not isinstance(p, int) or abs(p) > MAX_PRIORITY:
            raise self.fail(i, "priority", v, f"must be an integer from {-MAX_PRIORITY:,} to "
                                              f"{MAX_PRIORITY:,} (larger first)")
        return p

    def text(self, i: int, col: str, v: Any) -> str:
        if not isinstance(v, str) or not v.strip():
            raise self.fail(i, col, v, "must be a non-empty name")
        return v.strip()


def _csv_rows(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        raw = read_regular_file(path, MAX_LOG_BYTES, "call log")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise ValidationError(f"{path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    return rows, [c for c in (reader.fieldnames or []) if c is not None]


def read_log(log: str | Path | Iterable[Mapping[str, Any]], *, start_day: int | str = 0,
             source: str | None = None) -> CallLog:
    """Read and check a call log: a CSV file (UTF-8, a header row) or rows as mappings.

    ``start_day`` is the weekday of day 0 when the times are seconds (0 or ``"mon"`` =
    Monday); with date-times the calendar says.  ``source`` names rows in messages (default
    ``"log"``; a file is named by its path).  Raises ``ValidationError`` naming the
    row, the column, the value and what is allowed.
    """
    if isinstance(log, (str, Path)):
        source = str(log)
        rows, columns = _csv_rows(Path(log))
        reader = _Rows(source, csv_lines=True)
    else:
        source = source or "log"
        rows = [dict(r) for r in log]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        reader = _Rows(source, csv_lines=False)
    names = {c.strip().lower(): c for c in columns}
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ValidationError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"found: {', '.join(columns) or 'none'}; a call log needs {', '.join(REQUIRED)} "
            f"(optional: {', '.join(OPTIONAL)}); see docs/calibrate.md")
    if not rows:
        raise ValidationError(f"{source}: no calls (a header and at least one row are needed)")
    if isinstance(start_day, str):
        try:
            start_day = parse_day(start_day)
        except ValueError:
            raise ValidationError(f"start_day {start_day!r} is not a day (use 'mon' ... 'sun')") from None
    has_wrap = "wrap_up" in names
    arrival: list[Any] = []
    queue, agent = [], []
    prio, wait, aband, s_start, s_end, wrap = [], [], [], [], [], []
    for i, row in enumerate(rows):
        def cell(col: str, row: Mapping[str, Any] = row) -> Any:
            return row.get(names[col]) if col in names else None

        arrival.append(reader.time(i, "arrival", cell("arrival")))
        queue.append(reader.text(i, "queue", cell("queue")))
        wait.append(reader.seconds(i, "wait", cell("wait")))
        out = cell("outcome")
        outcome = out.strip().lower() if isinstance(out, str) else out
        if outcome not in _OUTCOMES:
            raise reader.fail(i, "outcome", out, "must be answered or abandoned")
        aband.append(outcome == "abandoned")
        prio.append(reader.priority(i, cell("priority")))
        wrap.append(reader.seconds(i, "wrap_up", cell("wrap_up"), empty=math.nan) if has_wrap else math.nan)
        if outcome == "abandoned":
            s_start.append(None)
            s_end.append(None)
            agent.append(None)
            continue
        a = reader.time(i, "service_start", cell("service_start"))
        b = reader.time(i, "service_end", cell("service_end"))
        span = (b - a).total_seconds() if isinstance(a, dt.datetime) else b - a  # type: ignore[operator]
        if span < 0:
            raise reader.fail(i, "service_end", cell("service_end"),
                              f"is before service_start {cell('service_start')!r} (a handle time of "
                              f"{span:g} s); service_end must not be earlier than service_start")
        s_start.append(a)
        s_end.append(b)
        agent.append(reader.text(i, "agent", cell("agent")))
    day0: dt.date | None = None
    if reader.kind == "datetime":
        day0 = min(arrival).date()
        origin = dt.datetime.combine(day0, dt.time())

        def secs(x: Any) -> float:
            return math.nan if x is None else (x - origin).total_seconds()
        start_day = day0.weekday()
    else:
        def secs(x: Any) -> float:
            return math.nan if x is None else float(x)
    t_arr = np.array([secs(x) for x in arrival])
    t_start = np.array([secs(x) for x in s_start])
    t_end = np.array([secs(x) for x in s_end])
    for col, values, t in (("arrival", arrival, t_arr), ("service_start", s_start, t_start),
                           ("service_end", s_end, t_end)):
        far = np.flatnonzero(np.nan_to_num(np.abs(t)) > MAX_DURATION)
        if far.size:
            i = int(far[0])
            raise reader.fail(i, col, rows[i].get(names[col], values[i]),
                              "is more than 366 days from day 0 (time 0, or the first arrival's midnight): a log of "
                              "at most 366 days is calibrated (split a longer one)")
    return CallLog(
        arrival=t_arr, queue=tuple(queue),
        priority=np.array(prio, dtype=np.int64), wait=np.array(wait), abandoned=np.array(aband, dtype=bool),
        service_start=t_start, service_end=t_end,
        agent=tuple(agent), wrap_up=np.array(wrap) if has_wrap else None, start_day=int(start_day),
        day0=day0, source=source,
        ignored=tuple(c for c in columns if c.strip().lower() not in REQUIRED + OPTIONAL))
