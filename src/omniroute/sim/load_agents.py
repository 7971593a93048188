"""Scenario files: ``[[agents]]`` groups, their shifts, breaks and staffing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import Fields, fmt_value, key_path
from .limits import MAX_AGENTS, MAX_HANDLE_FACTOR
from .scenario import AgentGroup, Break, Shift, break_problem, overlapping_breaks

__all__ = ["AgentFields"]


class AgentFields(Fields):
    """Reads ``[[agents]]`` and their ``shifts``."""

    def shift(self, d: Any, path: str) -> Shift | None:
        if not self.table(d, path, ("start", "end", "days", "breaks"), ("start", "end")):
            return None
        start = self.get(d, "start", path, self.clock)
        end = self.get(d, "end", path, self.clock)
        days = None
        if "days" in d:
            dv = d["days"]
            if not isinstance(dv, list):
                self.p.add(f"{path}.days", f"{fmt_value(dv)} must be a list of day names, e.g. ['mon', 'tue']")
            else:
                found = [self.day(x, f"{path}.days[{i}]") for i, x in enumerate(dv)]
                if None not in found:
                    days = tuple(sorted(set(found)))
        breaks: list[Break] = []
        bv = d.get("breaks", [])
        if not isinstance(bv, list):
            self.p.add(f"{path}.breaks", f"{fmt_value(bv)} must be a list of breaks "
                       "[ { start = '12:00', duration = '30m' } ]")
            bv = []
        ok = True
        for i, b in enumerate(bv):
            bp = f"{path}.breaks[{i}]"
            if not self.table(b, bp, ("start", "duration"), ("start", "duration")):
                ok = False
                continue
            bs = self.get(b, "start", bp, self.clock)
            bd = self.get(b, "duration", bp, self.duration)
            if bs is None or bd is None:
                ok = False
                continue
            br = Break(bs, bd)
            why = break_problem(start, end, br) if start is not None and end is not None else None
            if why is not None:
                self.p.add(bp, f"{{ start = {b['start']!r}, duration = {b['duration']!r} }}: {why}")
                ok = False
                continue
            breaks.append(br)
        if start is None or end is None or not ok:
            return None
        why = overlapping_breaks(start, breaks)
        if why is not None:
            self.p.add(f"{path}.breaks", why)
            return None
        return self.build(lambda: Shift(start, end, days, tuple(breaks)), path)

    def agents(self, d: Any, path: str) -> AgentGroup | None:
        keys = ("team", "count", "tier", "skills", "capacity", "shifts", "max_total", "prefix",
                "handle_factor", "staffing", "staffing_interval", "attributes")
        if not self.table(d, path, keys, () if isinstance(d, Mapping) and "staffing" in d else ("count",)):
            return None
        count = self.get(d, "count", path, lambda x, p: self.integer(x, p, 0, MAX_AGENTS))
        factor: Any = 1.0
        if "handle_factor" in d:
            f = d["handle_factor"]
            fp = f"{path}.handle_factor"
            if isinstance(f, Mapping):
                factor = {}
                for qn, x in f.items():
                    v = self.number(x, key_path(fp, qn), MAX_HANDLE_FACTOR, True)
                    factor = None if v is None or factor is None else {**factor, qn: v}
            else:
                factor = self.number(f, fp, MAX_HANDLE_FACTOR, True)
        staffing: list[int] | None = []
        if "staffing" in d:
            sv = d["staffing"]
            if not isinstance(sv, list) or not sv:
                self.p.add(f"{path}.staffing", f"{fmt_value(sv)} must be a non-empty list of agent counts")
                staffing = None
            else:
                got = [self.integer(n, f"{path}.staffing[{i}]", 0, MAX_AGENTS) for i, n in enumerate(sv)]
                staffing = None if None in got else got  # type: ignore[assignment]
            if "shifts" in d:
                self.p.add(f"{path}.staffing", "give shifts or staffing, not both")
                staffing = None
            if staffing and "count" in d and count is not None and count < max(staffing):
                self.p.add(f"{path}.count", f"{count} must cover the largest staffing ({max(staffing)})")
                staffing = None
        s_int = self.get(d, "staffing_interval", path, self.positive_duration, 1800.0)
        tier = self.get(d, "tier", path, lambda x, p: self.integer(x, p, 1), 1)
        team = self.get(d, "team", path, self.string)
        prefix = self.get(d, "prefix", path, self.string)
        skills = self.get(d, "skills", path, self.levels, {})
        max_total = self.get(d, "max_total", path, lambda x, p: self.integer(x, p, 1))
        cap: dict[str, int] | None = {"voice": 1}
        if "capacity" in d:
            c = d["capacity"]
            if not isinstance(c, Mapping):
                self.p.add(f"{path}.capacity", f"{fmt_value(c)} must be a table of channel = count")
                cap = None
            else:
                cap = {}
                for k, n in c.items():
                    kp = key_path(f"{path}.capacity", k)
                    ok_ch = self.channel(k, kp) is not None
                    ok_n = self.integer(n, kp, 0) is not None
                    if ok_ch and ok_n:
                        cap[k] = n
        attributes = d.get("attributes", {})
        if not isinstance(attributes, Mapping):
            self.p.add(f"{path}.attributes", f"{fmt_value(attributes)} must be a table of name = value, "
                       "e.g. { language = 'es', languages = ['es', 'en'] }")
            attributes = None
        shifts = []
        sv = d.get("shifts", [])
        if not isinstance(sv, list):
            self.p.add(f"{path}.shifts", f"{fmt_value(sv)} must be a list of shifts")
        else:
            for i, s in enumerate(sv):
                sh = self.shift(s, f"{path}.shifts[{i}]")
                if sh is not None:
                    shifts.append(sh)
        if None in (tier, skills, cap, factor, staffing, s_int, attributes) or (count is None and not staffing):
            return None
        return self.build(lambda: AgentGroup(count, skills=skills, tier=tier, capacity=cap,
                                             team=team, shifts=tuple(shifts), max_total=max_total,
                                             prefix=prefix, handle_factor=factor,
                                             staffing=tuple(staffing or ()),
                                             staffing_interval=s_int, attributes=attributes), path)
