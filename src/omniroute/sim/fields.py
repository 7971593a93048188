"""Values of a scenario file: durations, clock times, days, and the checked reading of keys.

:class:`Fields` reads one value at a time from parsed TOML and, instead of raising, records
each problem with its path in the file, the value found and what is allowed (a mistyped key
gets a "did you mean"); the section readers (:mod:`.load_queues`, :mod:`.load_agents`,
:mod:`.load_demand`) build on it and :mod:`.loader` raises them all at once.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..channels import PRESETS
from ..errors import ValidationError
from .distributions import PARAMETERS, distribution
from .limits import MAX_CV, MAX_DURATION
from .limits import number as fmt_number

__all__ = ["parse_duration", "parse_clock", "parse_day", "key_path", "Fields"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
MISSING = object()


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


class Problems:
    """The problems found so far, each ``path: message``."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, msg: str) -> None:
        self.items.append(f"{path}: {msg}" if path else msg)


def fmt_value(v: Any) -> str:
    """A value as a message shows it (as the file would write it, near enough)."""
    return repr(v)


class Fields:
    """Reads checked values, recording problems in ``self.p`` (the base of every section
    reader)."""

    def __init__(self, base: Path | None) -> None:
        self.p = Problems()
        self.base = base
        self.qchan: dict[str, str] = {}  # queue name -> its channel, from the raw file

    # ---------------------------------------------------------------- primitives
    def table(self, d: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> bool:
        if not isinstance(d, Mapping):
            self.p.add(path, f"{fmt_value(d)} must be a table {{ ... }}")
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
            default: Any = MISSING) -> Any:
        if key not in d:
            return None if default is MISSING else default
        return conv(d[key], f"{path}.{key}" if path else key)

    def duration(self, v: Any, path: str) -> float | None:
        try:
            d = parse_duration(v)
        except (ValueError, OverflowError):
            self.p.add(path, f"{fmt_value(v)} is not a duration (use seconds or '20s', '5m', '2h', '1d')")
            return None
        if d > MAX_DURATION:
            self.p.add(path, f"{fmt_value(v)} is longer than the longest duration allowed, 366 days "
                       f"({MAX_DURATION:,.0f} s)")
            return None
        return d

    def positive_duration(self, v: Any, path: str) -> float | None:
        d = self.duration(v, path)
        if d == 0:
            self.p.add(path, f"{fmt_value(v)} must be a duration > 0")
            return None
        return d

    def clock(self, v: Any, path: str) -> float | None:
        try:
            return parse_clock(v)
        except ValueError:
            self.p.add(path, f"{fmt_value(v)} is not a clock time (use 'HH:MM', e.g. '08:00')")
            return None

    def time_of_day(self, v: Any, path: str) -> float | None:
        """A clock time that is a moment of a day: "00:00" to "23:59:59" ("24:00" is the
        next day's "00:00")."""
        t = self.clock(v, path)
        if t is not None and t >= 86400.0:
            self.p.add(path, f"{fmt_value(v)} is not a time of day (use 'HH:MM' from '00:00' to '23:59'; "
                       "'24:00' is the next day's '00:00')")
            return None
        return t

    def day(self, v: Any, path: str) -> int | None:
        try:
            return parse_day(v)
        except ValueError:
            self.p.add(path, f"{fmt_value(v)} is not a day (use 'mon' ... 'sun' or 'monday' ... 'sunday')")
            return None

    def string(self, v: Any, path: str) -> str | None:
        if not isinstance(v, str) or not v.strip():
            self.p.add(path, f"{fmt_value(v)} must be a non-empty string")
            return None
        return v

    def choice(self, v: Any, path: str, allowed: tuple[str, ...]) -> str | None:
        if not isinstance(v, str) or v not in allowed:
            self.p.add(path, f"{fmt_value(v)} must be one of {', '.join(map(repr, allowed))}")
            return None
        return v

    def integer(self, v: Any, path: str, low: int | None = None, high: int | None = None) -> int | None:
        if isinstance(v, bool) or not isinstance(v, int) or (low is not None and v < low) \
                or (high is not None and v > high):
            allowed = (f" from {low} to {high:,}" if high is not None and low is not None
                       else f" >= {low}" if low is not None else "")
            self.p.add(path, f"{fmt_value(v)} must be an integer{allowed}")
            return None
        return v

    def fraction(self, v: Any, path: str) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            self.p.add(path, f"{fmt_value(v)} must be a probability between 0 and 1")
            return None
        return float(v)

    def number(self, v: Any, path: str, high: float | None = None, positive: bool = False) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 \
                or (positive and v == 0) or (high is not None and v > high):
            low = "> 0" if positive else ">= 0"
            self.p.add(path, f"{fmt_value(v)} must be a number {low}" + (f" and <= {fmt_number(high)}" if high is not None else ""))
            return None
        return float(v)

    def levels(self, v: Any, path: str) -> dict[str, int] | None:
        if not isinstance(v, Mapping):
            self.p.add(path, f"{fmt_value(v)} must be a table of skill = level (1-10)")
            return None
        ok = True
        for k, lvl in v.items():
            if not isinstance(k, str) or not k.strip():
                self.p.add(key_path(path, k), f"{fmt_value(k)} is not a skill name (use a non-empty name)")
                ok = False
            elif isinstance(lvl, bool) or not isinstance(lvl, int) or not 1 <= lvl <= 10:
                self.p.add(key_path(path, k), f"{fmt_value(lvl)} must be a skill level 1-10")
                ok = False
        return dict(v) if ok else None

    def channel(self, v: Any, path: str) -> str | None:
        if not isinstance(v, str) or v not in PRESETS:
            self.p.add(path, f"{fmt_value(v)} is not a channel; allowed: {', '.join(PRESETS)}")
            return None
        return v

    def dist(self, v: Any, path: str) -> Any:
        if not self.table(v, path, ("dist", "mean", "cv", "low", "high", "value", "values"), ("dist",)):
            return None
        name = v.get("dist")
        if not isinstance(name, str) or name not in PARAMETERS:
            if "dist" in v:
                self.p.add(f"{path}.dist", f"{fmt_value(name)} is not a distribution; allowed: {', '.join(PARAMETERS)}")
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
                    self.p.add(f"{path}.values", f"{fmt_value(vals)} must be a non-empty list of durations")
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

    def listof(self, data: Mapping, key: str, parse: Callable[[Any, str], Any]) -> list[Any]:
        v = data.get(key)
        if v is None:
            return []
        if not isinstance(v, list) or not v:
            self.p.add(key, f"must be a non-empty array of tables ([[{key}]])")
            return []
        return [parse(x, f"{key}[{i}]") for i, x in enumerate(v)]

