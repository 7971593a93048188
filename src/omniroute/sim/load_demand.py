"""Scenario files: ``[[demand]]`` (arrivals, bots, retrials, callbacks, transfers, traces) and ``[[outbound]]`` campaigns."""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..channels import PRESETS
from .fields import Fields, fmt_value, key_path
from .limits import (
    MAX_AGENTS,
    MAX_ARRIVALS,
    MAX_ATTEMPTS,
    MAX_PACING,
    MAX_PER_HOUR,
    MAX_TRACE_RECORDS,
)
from .scenario import (
    DIALER_MODES,
    RETRIAL_PATIENCE,
    Arrivals,
    Bot,
    Callback,
    Campaign,
    Demand,
    Retrial,
    Trace,
    TraceRecord,
    Transfer,
)

__all__ = ["DemandFields"]


class DemandFields(Fields):
    """Reads ``[[demand]]`` (rates or traces) and ``[[outbound]]``."""

    def arrivals(self, d: Any, path: str) -> Arrivals | None:
        if not self.table(d, path, ("per_hour", "interval"), ("per_hour",)):
            return None
        rate = d.get("per_hour")
        interval = self.get(d, "interval", path, self.positive_duration, 1800.0)
        if isinstance(rate, list):
            bad = [i for i, r in enumerate(rate) if isinstance(r, bool) or not isinstance(r, (int, float))
                   or not 0 <= r <= MAX_PER_HOUR]
            for i in bad:
                self.p.add(f"{path}.per_hour[{i}]", f"{fmt_value(rate[i])} must be a rate from 0 to "
                           f"{MAX_PER_HOUR:,.0f} (contacts per hour)")
            if not rate:
                self.p.add(f"{path}.per_hour", "must hold at least one rate")
            if bad or not rate:
                return None
        elif "per_hour" in d and self.number(rate, f"{path}.per_hour", MAX_PER_HOUR) is None:
            return None
        if rate is None or interval is None:
            return None
        return self.build(lambda: Arrivals(rate, interval), path)

    def demand(self, d: Any, path: str) -> Demand | Trace | None:
        if isinstance(d, Mapping) and ("trace" in d or "records" in d):
            return self.trace(d, path)
        keys = ("queue", "arrivals", "handle", "patience", "wrap_up", "segment", "priority",
                "channel", "needs", "bot", "retrial", "callback", "transfer", "name", "attributes")
        if not self.table(d, path, keys, ("queue", "arrivals", "handle")):
            return None
        queue = self.get(d, "queue", path, self.string)
        arr = self.get(d, "arrivals", path, self.arrivals)
        handle = self.get(d, "handle", path, self.dist)
        patience = self.get(d, "patience", path, self.dist)
        wrap = self.get(d, "wrap_up", path, self.duration, 0.0)
        segment = self.get(d, "segment", path, self.string)
        priority = self.get(d, "priority", path, self.integer, 0)
        ch = self.get(d, "channel", path, self.channel)
        needs = self.get(d, "needs", path, self.levels)
        name = self.get(d, "name", path, self.string)
        bot = retrial = callback = transfer = None
        if "bot" in d:
            bp = f"{path}.bot"
            b = d["bot"]
            if self.table(b, bp, ("containment", "time"), ("containment", "time")):
                c = self.get(b, "containment", bp, self.fraction)
                t = self.get(b, "time", bp, self.dist)
                if c is not None and t is not None:
                    bot = Bot(c, t)
        if "retrial" in d:
            rp = f"{path}.retrial"
            r = d["retrial"]
            if self.table(r, rp, ("probability", "delay", "max_attempts", "patience"),
                          ("probability", "delay")):
                pr = self.get(r, "probability", rp, self.fraction)
                dl = self.get(r, "delay", rp, self.dist)
                ma = self.get(r, "max_attempts", rp, lambda x, p: self.integer(x, p, 1, MAX_ATTEMPTS), 3)
                pa = self.get(r, "patience", rp, lambda x, p: self.choice(x, p, RETRIAL_PATIENCE), "new")
                if None not in (pr, dl, ma, pa):
                    retrial = Retrial(pr, dl, ma, pa)
        if "callback" in d:
            cp = f"{path}.callback"
            c = d["callback"]
            if self.table(c, cp, ("after", "probability", "queue"), ("after",)):
                af = self.get(c, "after", cp, self.duration)
                pr = self.get(c, "probability", cp, self.fraction, 1.0)
                q = self.get(c, "queue", cp, self.string)
                if af is not None and pr is not None:
                    callback = Callback(af, pr, q)
        if "transfer" in d:
            tp = f"{path}.transfer"
            t = d["transfer"]
            if self.table(t, tp, ("probability", "to", "needs", "handle", "from_tiers"), ("probability", "to")):
                pr = self.get(t, "probability", tp, self.fraction)
                to = self.get(t, "to", tp, self.string)
                tn = self.get(t, "needs", tp, self.levels)
                th = self.get(t, "handle", tp, self.dist)
                ft = t.get("from_tiers", [1])
                if not isinstance(ft, list) or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in ft):
                    self.p.add(f"{tp}.from_tiers", f"{fmt_value(ft)} must be a list of tiers >= 1")
                    ft = None
                if None not in (pr, to, ft):
                    transfer = Transfer(pr, to, tn, th, tuple(ft))
        if patience is not None:
            # the channel the contacts have: the demand's own, else its queue's
            rch = ch if ch is not None else self.qchan.get(queue) if isinstance(queue, str) else None
            if rch is not None and not PRESETS[rch].realtime:
                whose = "" if ch is not None else f" (the channel of queue {queue!r})"
                self.p.add(f"{path}.patience", f"channel {rch!r}{whose} is deferrable: its contacts do "
                           "not abandon; remove patience (the queue's sla.within is their deadline instead)")
        attributes = d.get("attributes", {})
        if not isinstance(attributes, Mapping):
            self.p.add(f"{path}.attributes", f"{fmt_value(attributes)} must be a table of name = value, "
                       "e.g. { language = 'es' }")
            return None
        if None in (queue, arr, handle, wrap, priority):
            return None
        return self.build(lambda: Demand(queue, arr, handle, patience, wrap, segment, priority, ch,
                                         needs, bot, retrial, callback, transfer, name, attributes), path)

    def trace(self, d: Mapping, path: str) -> Trace | None:
        if not self.table(d, path, ("trace", "records", "wrap_up", "name")):
            return None
        wrap = self.get(d, "wrap_up", path, self.duration, 0.0)
        rows: list[tuple[str, Mapping]] = []
        if "records" in d:
            recs = d["records"]
            if not isinstance(recs, list):
                self.p.add(f"{path}.records", f"{fmt_value(recs)} must be a list of tables")
            else:
                rows += [(f"{path}.records[{i}]", r) for i, r in enumerate(recs)]
        if "trace" in d:
            f = d["trace"]
            fp = Path(f) if isinstance(f, str) else None
            if fp is not None and not fp.is_absolute() and self.base is not None:
                fp = self.base / fp
            if fp is None or not fp.is_file():
                self.p.add(f"{path}.trace", f"{fmt_value(f)} is not a readable CSV file")
            else:
                try:
                    with open(fp, newline="", encoding="utf-8") as fh:
                        # one record more than allowed tells a trace that is too long
                        reader = itertools.islice(csv.DictReader(fh), MAX_TRACE_RECORDS + 1)
                        csv_rows = [(f"{path}.trace:{i + 2}", {k: v for k, v in row.items() if v not in ("", None)})
                                    for i, row in enumerate(reader)]
                except UnicodeDecodeError as exc:
                    self.p.add(f"{path}.trace", f"{fmt_value(f)} ({fp}) is not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start}); save the CSV file as UTF-8")
                except (OSError, csv.Error) as exc:
                    self.p.add(f"{path}.trace", f"{fmt_value(f)} ({fp}) cannot be read as CSV: {exc}")
                else:
                    rows += csv_rows
        name = self.get(d, "name", path, self.string, "trace")
        if len(rows) > MAX_TRACE_RECORDS:
            self.p.add(f"{path}.{'trace' if 'trace' in d else 'records'}",
                       f"more than {MAX_TRACE_RECORDS:,} records; at most {MAX_TRACE_RECORDS:,} are allowed "
                       "(split the trace, or keep the days you simulate)")
            return None
        records = []
        for rp, r in rows:
            rec = self.record(r, rp)
            if rec is not None:
                records.append(rec)
        if wrap is None or name is None:
            return None
        return Trace(tuple(records), wrap, name)

    def record(self, r: Any, path: str) -> TraceRecord | None:
        keys = ("arrival", "queue", "handle", "patience", "priority", "segment", "channel")
        if not self.table(r, path, keys, ("arrival", "queue", "handle")):
            return None

        def num_or_dur(v: Any, p: str, inf: bool = False) -> float | None:
            x: Any = v
            if isinstance(v, str):
                try:
                    x = float(v)
                except ValueError:
                    return self.duration(v, p)
            if isinstance(x, (int, float)) and not isinstance(x, bool) \
                    and (math.isnan(x) or x < 0 or (math.isinf(x) and not inf)):
                self.p.add(p, f"{fmt_value(v)} must be a finite number of seconds >= 0 "
                           "(or a duration: '20s', '5m', '2h', '1d')")
                return None
            return self.duration(x, p) if not (inf and x == math.inf) else x

        def int_str(v: Any, p: str) -> int | None:
            if isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
                v = int(v)
            return self.integer(v, p)

        arrival = self.get(r, "arrival", path, num_or_dur)
        queue = self.get(r, "queue", path, self.string)
        handle = self.get(r, "handle", path, num_or_dur)
        patience = self.get(r, "patience", path, lambda v, p: num_or_dur(v, p, inf=True))
        priority = self.get(r, "priority", path, int_str, 0)
        segment = self.get(r, "segment", path, self.string)
        ch = self.get(r, "channel", path, self.channel)
        if patience is not None:
            rch = ch if ch is not None else self.qchan.get(queue) if isinstance(queue, str) else None
            if rch is not None and not PRESETS[rch].realtime:
                whose = "" if ch is not None else f" (the channel of queue {queue!r})"
                self.p.add(f"{path}.patience", f"{fmt_value(r['patience'])}: channel {rch!r}{whose} is deferrable: "
                           "its contacts do not abandon; leave patience empty (the queue's sla.within is "
                           "their deadline instead)")
                return None
        if None in (arrival, queue, handle, priority) or ("patience" in r and patience is None) \
                or ("segment" in r and segment is None) or ("channel" in r and ch is None):
            return None
        return self.build(lambda: TraceRecord(arrival, queue, handle, patience, priority, segment, ch), path)

    def campaign(self, d: Any, path: str) -> Campaign | None:
        keys = ("name", "queue", "mode", "numbers", "per_hour", "rpc", "no_answer", "ring", "handle",
                "pacing", "abandon_after", "max_abandon", "reserve", "preview", "wrap_up", "pace_every")
        if not self.table(d, path, keys, ("name", "queue", "handle")):
            return None
        kw: dict[str, Any] = {}
        ok = True
        for key, conv in (
                ("name", self.string), ("queue", self.string), ("handle", self.dist),
                ("mode", lambda x, p: self.choice(x, p, DIALER_MODES)),
                ("numbers", lambda x, p: self.integer(x, p, 0, MAX_ARRIVALS)),
                ("per_hour", lambda x, p: self.number(x, p, MAX_PER_HOUR)),
                ("rpc", self.fraction), ("no_answer", self.fraction), ("ring", self.dist),
                ("pacing", lambda x, p: self.number(x, p, MAX_PACING, True)),
                ("abandon_after", self.duration), ("max_abandon", self.fraction),
                ("reserve", lambda x, p: self.integer(x, p, 0, MAX_AGENTS)), ("preview", self.dist),
                ("wrap_up", self.duration), ("pace_every", self.positive_duration)):
            if key in d:
                v = conv(d[key], key_path(path, key))
                if v is None:
                    ok = False
                kw[key] = v
        if not ok:
            return None
        return self.build(lambda: Campaign(**kw), path)  # type: ignore[no-any-return]
