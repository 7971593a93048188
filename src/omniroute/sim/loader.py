"""Scenario files (TOML, DESIGN section 8 and ``docs/scenario-format.md``) -> Scenario.

Every problem is collected, with its path in the file, the value found and what is
allowed, before one :class:`~omniroute.ScenarioError` is raised; nothing runs on a bad file.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..channels import PRESETS
from ..errors import ScenarioError, ValidationError
from ..policies import agent_policy, contact_policy
from ..queues import Overflow, Queue, ServiceLevel, Step
from .distributions import PARAMETERS, distribution
from .limits import (
    MAX_AGENTS,
    MAX_ARRIVALS,
    MAX_ATTEMPTS,
    MAX_BUSYNESS_CV,
    MAX_CV,
    MAX_DURATION,
    MAX_FILE_BYTES,
    MAX_HANDLE_FACTOR,
    MAX_LINES,
    MAX_PACING,
    MAX_PER_HOUR,
    MAX_REPLICATIONS,
    MAX_TRACE_RECORDS,
    scenario_limits,
)
from .limits import (
    number as fmt_number,
)
from .scenario import (
    DIALER_MODES,
    RETRIAL_PATIENCE,
    AgentGroup,
    Arrivals,
    Bot,
    Break,
    Busyness,
    Callback,
    Campaign,
    ContactPolicyChoice,
    Demand,
    QueueSpec,
    Retrial,
    Routing,
    Scenario,
    Shift,
    Trace,
    TraceRecord,
    Transfer,
    break_problem,
    overlapping_breaks,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["load_scenario", "parse_scenario", "bundled_scenario_path", "bundled_scenarios",
           "parse_duration", "parse_clock"]

_BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_MISSING = object()


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string "20s", "5m", "2h", "1d"; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(value)
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1)) * _UNITS[m.group(2)]
    raise ValueError(value)


def parse_clock(value: Any) -> float:
    """Seconds since midnight from "HH:MM" or "HH:MM:SS" (up to "24:00")."""
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m:
            h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            t = h * 3600 + mi * 60 + s
            if mi < 60 and s < 60 and t <= 86400:
                return float(t)
    raise ValueError(value)


def parse_day(value: Any) -> int:
    """0 (Monday) to 6 from a day's name or its first three letters, in any case ("tue",
    "Tuesday"); ValueError otherwise ("wedge" is not Wednesday)."""
    if isinstance(value, str):
        v = value.strip().lower()
        for i, (short, full) in enumerate(zip(_DAYS, _DAY_NAMES, strict=True)):
            if v in (short, full):
                return i
    raise ValueError(value)


def key_path(path: str, key: Any) -> str:
    """``path.key``, the key quoted as TOML would need it (``needs.""`` for an empty name)."""
    # a TOML basic string has the escapes of a JSON one
    k = key if isinstance(key, str) and _BARE_KEY.match(key) else json.dumps(str(key), ensure_ascii=False)
    return f"{path}.{k}" if path else k


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with omniroute (``load_scenario(name)`` loads one)."""
    return sorted(p.stem for p in _BUNDLED.glob("*.toml"))


def bundled_scenario_path(name: str) -> Path:
    """The path of a bundled scenario file, e.g. ``bundled_scenario_path("retail_bank")``."""
    p = _BUNDLED / f"{name}.toml"
    if not p.is_file():
        raise ScenarioError([f"no bundled scenario {name!r}; bundled: {bundled_scenarios()}"])
    return p


def read_regular_file(p: Path, limit: int, what: str) -> bytes:
    """The bytes of ``p``, which must be a regular file of at most ``limit`` bytes.

    A named pipe, a device (``/dev/zero``) or a directory would block or never end; they are
    refused before they are opened (and the file is opened non-blocking, so one swapped in
    meanwhile cannot block either).  Raises OSError or ValueError with a message.
    """
    st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a named pipe" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket"
                if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise ValueError(f"is {kind}, not a {what} file")
    if st.st_size > limit:
        raise ValueError(f"is too large ({st.st_size:,} bytes; a {what} file may have at most {limit:,})")
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"is not a regular file, not a {what} file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is too large (a {what} file may have at most {limit:,} bytes)")
    return data


def _toml_error(exc: Exception, text: str) -> str:
    msg = str(exc)
    # tomllib says "(at end of document)" without a line: name the last line
    if msg.endswith("(at end of document)"):
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        msg = msg[: -len("(at end of document)")] + f"(at line {max(lines, 1)}, the end of the file)"
    return f"not valid TOML: {msg}"


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario from a TOML file, or a bundled one by name (``"retail_bank"``).

    The file must be a regular file of UTF-8 text (a byte-order mark is allowed) of at most
    ``limits.MAX_FILE_BYTES``; every problem raises :class:`~omniroute.ScenarioError`.
    """
    p = Path(path)
    try:
        exists = p.exists()
    except (OSError, ValueError):  # a name the system cannot even look up (NUL, too long)
        exists = False
    if not exists and isinstance(path, str) and "/" not in path and not path.endswith(".toml"):
        p = bundled_scenario_path(path)
    try:
        raw = read_regular_file(p, MAX_FILE_BYTES, "scenario")
    except OSError as exc:
        raise ScenarioError([f"cannot read scenario file: {exc.strerror or exc}"], source=str(p)) from None
    except ValueError as exc:
        raise ScenarioError([f"cannot read scenario file: {exc}"], source=str(p)) from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM, as some editors write, is not an error
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                             "save the scenario file as UTF-8"], source=str(p)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([_toml_error(exc, text)], source=str(p)) from None
    except RecursionError:
        raise ScenarioError(["not valid TOML: arrays or tables nested too deeply"], source=str(p)) from None
    return parse_scenario(data, source=str(p), base=p.parent)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, msg: str) -> None:
        self.items.append(f"{path}: {msg}" if path else msg)


def _fmt(v: Any) -> str:
    return repr(v)


class _Parser:
    def __init__(self, base: Path | None) -> None:
        self.p = _Problems()
        self.base = base
        self.qchan: dict[str, str] = {}  # queue name -> its channel, from the raw file

    # ---------------------------------------------------------------- primitives
    def table(self, d: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> bool:
        if not isinstance(d, Mapping):
            self.p.add(path, f"{_fmt(d)} must be a table {{ ... }}")
            return False
        for k in d:
            if k not in allowed:
                near = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.75)
                hint = f"did you mean {near[0]!r}? " if near else ""
                self.p.add(key_path(path, k), f"unknown key; {hint}allowed: {', '.join(allowed)}")
        for k in required:
            if k not in d:
                self.p.add(f"{path}.{k}" if path else k, "is required")
        return True

    def get(self, d: Mapping, key: str, path: str, conv: Callable[[Any, str], Any],
            default: Any = _MISSING) -> Any:
        if key not in d:
            return None if default is _MISSING else default
        return conv(d[key], f"{path}.{key}" if path else key)

    def duration(self, v: Any, path: str) -> float | None:
        try:
            d = parse_duration(v)
        except (ValueError, OverflowError):
            self.p.add(path, f"{_fmt(v)} is not a duration (use seconds or '20s', '5m', '2h', '1d')")
            return None
        if d > MAX_DURATION:
            self.p.add(path, f"{_fmt(v)} is longer than the longest duration allowed, 366 days "
                       f"({MAX_DURATION:,.0f} s)")
            return None
        return d

    def positive_duration(self, v: Any, path: str) -> float | None:
        d = self.duration(v, path)
        if d == 0:
            self.p.add(path, f"{_fmt(v)} must be a duration > 0")
            return None
        return d

    def clock(self, v: Any, path: str) -> float | None:
        try:
            return parse_clock(v)
        except ValueError:
            self.p.add(path, f"{_fmt(v)} is not a clock time (use 'HH:MM', e.g. '08:00')")
            return None

    def day(self, v: Any, path: str) -> int | None:
        try:
            return parse_day(v)
        except ValueError:
            self.p.add(path, f"{_fmt(v)} is not a day (use 'mon' ... 'sun' or 'monday' ... 'sunday')")
            return None

    def string(self, v: Any, path: str) -> str | None:
        if not isinstance(v, str) or not v.strip():
            self.p.add(path, f"{_fmt(v)} must be a non-empty string")
            return None
        return v

    def choice(self, v: Any, path: str, allowed: tuple[str, ...]) -> str | None:
        if not isinstance(v, str) or v not in allowed:
            self.p.add(path, f"{_fmt(v)} must be one of {', '.join(map(repr, allowed))}")
            return None
        return v

    def integer(self, v: Any, path: str, low: int | None = None, high: int | None = None) -> int | None:
        if isinstance(v, bool) or not isinstance(v, int) or (low is not None and v < low) \
                or (high is not None and v > high):
            allowed = (f" from {low} to {high:,}" if high is not None and low is not None
                       else f" >= {low}" if low is not None else "")
            self.p.add(path, f"{_fmt(v)} must be an integer{allowed}")
            return None
        return v

    def fraction(self, v: Any, path: str) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            self.p.add(path, f"{_fmt(v)} must be a probability between 0 and 1")
            return None
        return float(v)

    def number(self, v: Any, path: str, high: float | None = None, positive: bool = False) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 \
                or (positive and v == 0) or (high is not None and v > high):
            low = "> 0" if positive else ">= 0"
            self.p.add(path, f"{_fmt(v)} must be a number {low}" + (f" and <= {fmt_number(high)}" if high is not None else ""))
            return None
        return float(v)

    def levels(self, v: Any, path: str) -> dict[str, int] | None:
        if not isinstance(v, Mapping):
            self.p.add(path, f"{_fmt(v)} must be a table of skill = level (1-10)")
            return None
        ok = True
        for k, lvl in v.items():
            if not isinstance(k, str) or not k.strip():
                self.p.add(key_path(path, k), f"{_fmt(k)} is not a skill name (use a non-empty name)")
                ok = False
            elif isinstance(lvl, bool) or not isinstance(lvl, int) or not 1 <= lvl <= 10:
                self.p.add(key_path(path, k), f"{_fmt(lvl)} must be a skill level 1-10")
                ok = False
        return dict(v) if ok else None

    def channel(self, v: Any, path: str) -> str | None:
        if not isinstance(v, str) or v not in PRESETS:
            self.p.add(path, f"{_fmt(v)} is not a channel; allowed: {', '.join(PRESETS)}")
            return None
        return v

    def dist(self, v: Any, path: str) -> Any:
        if not self.table(v, path, ("dist", "mean", "cv", "low", "high", "value", "values"), ("dist",)):
            return None
        name = v.get("dist")
        if not isinstance(name, str) or name not in PARAMETERS:
            if "dist" in v:
                self.p.add(f"{path}.dist", f"{_fmt(name)} is not a distribution; allowed: {', '.join(PARAMETERS)}")
            return None
        required, optional = PARAMETERS[name]
        if name == "deterministic" and "mean" in v and "value" not in v:
            v = {**v, "value": v["mean"]}
            v.pop("mean")
        params: dict[str, Any] = {}
        ok = True
        for k in v:
            if k != "dist" and k not in required + optional:
                self.p.add(f"{path}.{k}", f"{name} takes {', '.join(required + optional)}")
                ok = False
        for k in required:
            if k not in v:
                self.p.add(f"{path}.{k}", f"is required for {name}")
                ok = False
        for k in required + optional:
            if k not in v:
                continue
            if k == "cv":
                x = self.number(v[k], f"{path}.cv", high=MAX_CV, positive=True)
            elif k == "values":
                vals = v[k]
                if not isinstance(vals, list) or not vals:
                    self.p.add(f"{path}.values", f"{_fmt(vals)} must be a non-empty list of durations")
                    x = None
                else:
                    xs = [self.duration(e, f"{path}.values[{i}]") for i, e in enumerate(vals)]
                    x = None if any(e is None for e in xs) else xs
            else:
                x = self.duration(v[k], f"{path}.{k}")
            if x is None:
                ok = False
            params[k] = x
        if not ok:
            return None
        return self.build(lambda: distribution(name, **params), path)

    def build(self, make: Callable[[], Any], path: str) -> Any:
        try:
            return make()
        except (ValidationError, ValueError, TypeError) as exc:
            self.p.add(path, str(exc))
            return None

    # ---------------------------------------------------------------- sections
    def routing(self, d: Any) -> Routing | None:
        if not self.table(d, "routing", ("agent", "contact", "hold", "head_start", "weights", "default_weight")):
            return None
        agent = d.get("agent", "longest-idle")
        contact = d.get("contact", "priority-fifo")
        hold = self.get(d, "hold", "routing", self.duration)
        self.build(lambda: agent_policy(agent), "routing.agent")
        if not any(k in d for k in ("head_start", "weights", "default_weight")):
            self.build(lambda: contact_policy(contact), "routing.contact")
            return Routing(agent=agent, contact=contact, hold=hold)
        head = self.get(d, "head_start", "routing", self.duration, None)
        weights: dict[str, float] | None = None
        if "weights" in d:
            w = d["weights"]
            if not isinstance(w, Mapping):
                self.p.add("routing.weights", f"{_fmt(w)} must be a table of queue = weight")
            else:
                got = {q: self.number(x, key_path("routing.weights", q), positive=True) for q, x in w.items()}
                weights = None if None in got.values() else got  # type: ignore[assignment]
        default = self.get(d, "default_weight", "routing", lambda x, p: self.number(x, p, positive=True), None)
        if not isinstance(contact, str):
            self.p.add("routing.contact", f"{_fmt(contact)} must be a contact policy name")
            return None
        choice = self.build(lambda: ContactPolicyChoice(contact, head, weights, default), "routing")
        return Routing(agent=agent, contact=choice, hold=hold) if choice is not None else None

    def steps(self, v: Any, path: str) -> list[Step] | None:
        if not isinstance(v, list):
            self.p.add(path, f"{_fmt(v)} must be a list of steps [ {{ after = '30s', ... }} ]")
            return None
        out: list[Step] = []
        for i, s in enumerate(v):
            sp = f"{path}[{i}]"
            if not self.table(s, sp, ("after", "min_tier", "max_tier", "drop", "lower"), ("after",)):
                continue
            after = self.get(s, "after", sp, self.duration)
            kw = {k: self.get(s, k, sp, lambda x, p: self.integer(x, p, 0)) for k in ("min_tier", "max_tier", "lower") if k in s}
            drop = s.get("drop", [])
            if isinstance(drop, str):
                drop = [drop]
            if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop):
                self.p.add(f"{sp}.drop", f"{_fmt(drop)} must be a list of skill names")
                continue
            if after is None or any(x is None for x in kw.values()):
                continue
            if out and after < out[-1].after:
                self.p.add(f"{sp}.after", f"{_fmt(s['after'])} is earlier than the step before it "
                           f"({out[-1].after:g} s): steps must be in increasing 'after' order")
                continue
            st = self.build(lambda a=after, k=kw, dr=drop: Step(a, drop=tuple(dr), **k), sp)
            if st is not None:
                out.append(st)
        return out

    def queue(self, d: Any, path: str) -> QueueSpec | None:
        keys = ("name", "channel", "needs", "sla", "priority", "steps", "overflow", "min_tier",
                "max_tier", "segment_steps", "lines")
        if not self.table(d, path, keys, ("name",)):
            return None
        name = self.get(d, "name", path, self.string)
        ch = self.get(d, "channel", path, self.channel, "voice")
        needs = self.get(d, "needs", path, self.levels, {})
        sla = ServiceLevel()
        if "sla" in d:
            s = d["sla"]
            if self.table(s, f"{path}.sla", ("target", "within")):
                target = self.get(s, "target", f"{path}.sla", self.fraction, 0.8)
                within = self.get(s, "within", f"{path}.sla", self.duration, 20.0)
                if target is not None and within is not None:
                    sla = self.build(lambda: ServiceLevel(target, within), f"{path}.sla") or sla
        priority = self.get(d, "priority", path, self.integer, 0)
        steps = self.get(d, "steps", path, self.steps, [])
        overflow = None
        if "overflow" in d:
            o = d["overflow"]
            op = f"{path}.overflow"
            if self.table(o, op, ("after", "to"), ("after", "to")):
                after = self.get(o, "after", op, self.duration)
                to = self.get(o, "to", op, self.string)
                if after is not None and to is not None:
                    overflow = Overflow(after, to)
        min_tier = self.get(d, "min_tier", path, lambda x, p: self.integer(x, p, 1), 1)
        max_tier = self.get(d, "max_tier", path, lambda x, p: self.integer(x, p, 1))
        seg_steps: dict[str, list[Step]] = {}
        if "segment_steps" in d:
            ss = d["segment_steps"]
            if not isinstance(ss, Mapping):
                self.p.add(f"{path}.segment_steps", f"{_fmt(ss)} must be a table: segment = [ steps ]")
            else:
                for seg, sv in ss.items():
                    st = self.steps(sv, key_path(f"{path}.segment_steps", seg))
                    if st is not None:
                        seg_steps[seg] = st
        lines = self.get(d, "lines", path, lambda x, p: self.integer(x, p, 1, MAX_LINES))
        if None in (name, ch, needs, priority, steps, min_tier) or ("max_tier" in d and max_tier is None) \
                or ("lines" in d and lines is None):
            return None
        q = self.build(lambda: Queue(name, sla=sla, priority=priority, steps=tuple(steps),
                                     overflow=overflow, min_tier=min_tier, max_tier=max_tier,
                                     segment_steps=seg_steps), path)
        return QueueSpec(q, channel=ch, needs=needs, lines=lines) if q is not None else None

    def shift(self, d: Any, path: str) -> Shift | None:
        if not self.table(d, path, ("start", "end", "days", "breaks"), ("start", "end")):
            return None
        start = self.get(d, "start", path, self.clock)
        end = self.get(d, "end", path, self.clock)
        days = None
        if "days" in d:
            dv = d["days"]
            if not isinstance(dv, list):
                self.p.add(f"{path}.days", f"{_fmt(dv)} must be a list of day names, e.g. ['mon', 'tue']")
            else:
                found = [self.day(x, f"{path}.days[{i}]") for i, x in enumerate(dv)]
                if None not in found:
                    days = tuple(sorted(set(found)))
        breaks: list[Break] = []
        bv = d.get("breaks", [])
        if not isinstance(bv, list):
            self.p.add(f"{path}.breaks", f"{_fmt(bv)} must be a list of breaks "
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
                "handle_factor", "staffing", "staffing_interval")
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
                self.p.add(f"{path}.staffing", f"{_fmt(sv)} must be a non-empty list of agent counts")
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
                self.p.add(f"{path}.capacity", f"{_fmt(c)} must be a table of channel = count")
                cap = None
            else:
                cap = {}
                for k, n in c.items():
                    kp = key_path(f"{path}.capacity", k)
                    ok_ch = self.channel(k, kp) is not None
                    ok_n = self.integer(n, kp, 0) is not None
                    if ok_ch and ok_n:
                        cap[k] = n
        shifts = []
        sv = d.get("shifts", [])
        if not isinstance(sv, list):
            self.p.add(f"{path}.shifts", f"{_fmt(sv)} must be a list of shifts")
        else:
            for i, s in enumerate(sv):
                sh = self.shift(s, f"{path}.shifts[{i}]")
                if sh is not None:
                    shifts.append(sh)
        if None in (tier, skills, cap, factor, staffing, s_int) or (count is None and not staffing):
            return None
        return self.build(lambda: AgentGroup(count, skills=skills, tier=tier, capacity=cap,
                                             team=team, shifts=tuple(shifts), max_total=max_total,
                                             prefix=prefix, handle_factor=factor,
                                             staffing=tuple(staffing or ()),
                                             staffing_interval=s_int), path)

    def arrivals(self, d: Any, path: str) -> Arrivals | None:
        if not self.table(d, path, ("per_hour", "interval"), ("per_hour",)):
            return None
        rate = d.get("per_hour")
        interval = self.get(d, "interval", path, self.positive_duration, 1800.0)
        if isinstance(rate, list):
            bad = [i for i, r in enumerate(rate) if isinstance(r, bool) or not isinstance(r, (int, float))
                   or not 0 <= r <= MAX_PER_HOUR]
            for i in bad:
                self.p.add(f"{path}.per_hour[{i}]", f"{_fmt(rate[i])} must be a rate from 0 to "
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
                "channel", "needs", "bot", "retrial", "callback", "transfer", "name")
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
                    self.p.add(f"{tp}.from_tiers", f"{_fmt(ft)} must be a list of tiers >= 1")
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
        if None in (queue, arr, handle, wrap, priority):
            return None
        return self.build(lambda: Demand(queue, arr, handle, patience, wrap, segment, priority, ch,
                                         needs, bot, retrial, callback, transfer, name), path)

    def trace(self, d: Mapping, path: str) -> Trace | None:
        if not self.table(d, path, ("trace", "records", "wrap_up", "name")):
            return None
        wrap = self.get(d, "wrap_up", path, self.duration, 0.0)
        rows: list[tuple[str, Mapping]] = []
        if "records" in d:
            recs = d["records"]
            if not isinstance(recs, list):
                self.p.add(f"{path}.records", f"{_fmt(recs)} must be a list of tables")
            else:
                rows += [(f"{path}.records[{i}]", r) for i, r in enumerate(recs)]
        if "trace" in d:
            f = d["trace"]
            fp = Path(f) if isinstance(f, str) else None
            if fp is not None and not fp.is_absolute() and self.base is not None:
                fp = self.base / fp
            if fp is None or not fp.is_file():
                self.p.add(f"{path}.trace", f"{_fmt(f)} is not a readable CSV file")
            else:
                try:
                    with open(fp, newline="", encoding="utf-8") as fh:
                        # one record more than allowed tells a trace that is too long
                        reader = itertools.islice(csv.DictReader(fh), MAX_TRACE_RECORDS + 1)
                        csv_rows = [(f"{path}.trace:{i + 2}", {k: v for k, v in row.items() if v not in ("", None)})
                                    for i, row in enumerate(reader)]
                except UnicodeDecodeError as exc:
                    self.p.add(f"{path}.trace", f"{_fmt(f)} ({fp}) is not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start}); save the CSV file as UTF-8")
                except (OSError, csv.Error) as exc:
                    self.p.add(f"{path}.trace", f"{_fmt(f)} ({fp}) cannot be read as CSV: {exc}")
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
                self.p.add(p, f"{_fmt(v)} must be a finite number of seconds >= 0 "
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
                self.p.add(f"{path}.patience", f"{_fmt(r['patience'])}: channel {rch!r}{whose} is deferrable: "
                           "its contacts do not abandon; leave patience empty (the queue's sla.within is "
                           "their deadline instead)")
                return None
        if None in (arrival, queue, handle, priority) or ("patience" in r and patience is None) \
                or ("segment" in r and segment is None) or ("channel" in r and ch is None):
            return None
        return self.build(lambda: TraceRecord(arrival, queue, handle, patience, priority, segment, ch), path)

    # ---------------------------------------------------------------- scenario
    def scenario(self, data: Any) -> Scenario | None:
        top = ("name", "horizon", "warmup", "replications", "interval", "start_day", "drain",
               "busyness", "routing", "queues", "agents", "demand", "lines", "outbound")
        if not self.table(data, "", top, ("queues", "agents", "demand")):
            return None
        name = self.get(data, "name", "", self.string, "scenario")
        horizon = self.get(data, "horizon", "", self.duration, 86400.0)
        warmup = self.get(data, "warmup", "", self.duration, 0.0)
        interval = self.get(data, "interval", "", self.positive_duration, 1800.0)
        drain = self.get(data, "drain", "", self.duration, 7 * 86400.0)
        reps = self.get(data, "replications", "", lambda x, p: self.integer(x, p, 1, MAX_REPLICATIONS), 10)
        start_day = self.get(data, "start_day", "", self.day, 0)
        lines = self.get(data, "lines", "", lambda x, p: self.integer(x, p, 1, MAX_LINES))
        busy = None
        if "busyness" in data:
            b = data["busyness"]
            if self.table(b, "busyness", ("cv",), ("cv",)):
                cv = self.get(b, "cv", "busyness", lambda x, p: self.number(x, p, MAX_BUSYNESS_CV, True))
                if cv is not None:
                    busy = self.build(lambda: Busyness(cv), "busyness.cv")
        routing = self.routing(data["routing"]) if "routing" in data else Routing()
        # the queues the file names, valid or not (a queue with a problem of its own must not
        # also make every reference to it "not a queue"), and their channels
        raw_q = data["queues"] if isinstance(data.get("queues"), list) else []
        raw_names = [q.get("name") if isinstance(q, Mapping) and isinstance(q.get("name"), str)
                     and q.get("name").strip() else None for q in raw_q]
        qnames = list(dict.fromkeys(n for n in raw_names if n is not None))
        known = set(qnames)
        for n, q in zip(raw_names, raw_q, strict=True):
            if n is not None and n not in self.qchan:
                c = q.get("channel", "voice")
                if isinstance(c, str) and c in PRESETS:
                    self.qchan[n] = c
        queues = self.listof(data, "queues", self.queue)
        groups = self.listof(data, "agents", self.agents)
        demand = self.listof(data, "demand", self.demand)
        outbound = self.listof(data, "outbound", self.campaign)
        for i, cp in enumerate(data.get("outbound", []) if isinstance(data.get("outbound"), list) else []):
            if isinstance(cp, Mapping) and isinstance(cp.get("queue"), str) and cp["queue"] not in known and qnames:
                self.p.add(f"outbound[{i}].queue", f"{cp['queue']!r} is not a queue; known: {', '.join(qnames)}")
        # cross references
        for i, q in enumerate(raw_q):
            if isinstance(q, Mapping):
                ov = q.get("overflow")
                if isinstance(ov, Mapping) and isinstance(ov.get("to"), str) and ov["to"] not in known and qnames:
                    self.p.add(f"queues[{i}].overflow.to", f"{ov['to']!r} is not a queue; known: {', '.join(qnames)}")
                n = raw_names[i]
                if n is not None and raw_names.count(n) > 1 and raw_names.index(n) != i:
                    self.p.add(f"queues[{i}].name", f"{n!r} is a duplicate queue name")
        if isinstance(data.get("demand"), list):
            for i, dm in enumerate(data["demand"]):
                if not isinstance(dm, Mapping):
                    continue
                refs = [("queue", dm.get("queue"))]
                for sub, key in (("callback", "queue"), ("transfer", "to")):
                    if isinstance(dm.get(sub), Mapping):
                        refs.append((f"{sub}.{key}", dm[sub].get(key)))
                for j, r in enumerate(dm.get("records", []) if isinstance(dm.get("records"), list) else []):
                    if isinstance(r, Mapping):
                        refs.append((f"records[{j}].queue", r.get("queue")))
                for field, qn in refs:
                    if isinstance(qn, str) and qn not in known and qnames:
                        self.p.add(f"demand[{i}].{field}", f"{qn!r} is not a queue; known: {', '.join(qnames)}")
            for i, dm in enumerate(demand):
                if isinstance(dm, Trace):
                    for r in dm.records:
                        if r.queue not in known and qnames:
                            self.p.add(f"demand[{i}].trace", f"queue {r.queue!r} is not a queue; known: {', '.join(qnames)}")
                            break
        if horizon is not None and warmup is not None and warmup >= horizon:
            self.p.add("warmup", f"{data.get('warmup')!r} must be shorter than the horizon ({data.get('horizon', '24h')!r})")
        if horizon == 0:
            self.p.add("horizon", f"{_fmt(data.get('horizon'))} must be a duration > 0")
        if horizon and interval:
            for problem in scenario_limits(
                    horizon, interval,
                    [(f"agents[{i}].count", g.count) for i, g in enumerate(groups) if g is not None],
                    [(f"demand[{i}].arrivals.per_hour", d.arrivals.per_hour, d.arrivals.interval)
                     for i, d in enumerate(demand) if isinstance(d, Demand)],
                    [(f"demand[{i}].{'trace' if 'trace' in data['demand'][i] else 'records'}",
                      sum(1 for r in d.records if r.arrival < horizon))
                     for i, d in enumerate(demand) if isinstance(d, Trace)]):
                self.p.add("", problem)
        if self.p.items:
            return None
        queues = _overflow_needs(queues, raw_q)
        return self.build(lambda: Scenario(tuple(queues), tuple(groups), tuple(demand), horizon,
                                           warmup, name, routing, busy, interval, reps, start_day,
                                           drain, lines, tuple(outbound)), "")

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

    def listof(self, data: Mapping, key: str, parse: Callable[[Any, str], Any]) -> list[Any]:
        v = data.get(key)
        if v is None:
            return []
        if not isinstance(v, list) or not v:
            self.p.add(key, f"must be a non-empty array of tables ([[{key}]])")
            return []
        return [parse(x, f"{key}[{i}]") for i, x in enumerate(v)]


def _overflow_needs(queues: list[QueueSpec], raw: list[Any]) -> list[QueueSpec]:
    """A contact overflowing to a queue that declares ``needs`` takes that queue's needs
    (``Overflow(after, to, needs=...)``); to one that does not, it keeps its own."""
    declared = {q["name"] for q in raw if isinstance(q, Mapping) and "needs" in q}
    specs = {q.name: q for q in queues}
    out = []
    for qs in queues:
        ov = qs.queue.overflow
        if ov is not None and ov.needs is None and ov.to in declared:
            q = attrs.evolve(qs.queue, overflow=attrs.evolve(ov, needs=dict(specs[ov.to].needs)))
            qs = attrs.evolve(qs, queue=q)
        out.append(qs)
    return out


def parse_scenario(data: Mapping[str, Any], source: str | None = None, base: Path | None = None) -> Scenario:
    """Build a Scenario from parsed TOML data; raise one ScenarioError listing every problem."""
    parser = _Parser(base)
    sc = parser.scenario(data)
    if parser.p.items or sc is None:
        raise ScenarioError(parser.p.items or ["invalid scenario"], source=source)
    return sc
