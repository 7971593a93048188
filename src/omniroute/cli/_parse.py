"""Command-line values: durations, rates, service levels, lists (argparse ``type=``s).

Each raises ``argparse.ArgumentTypeError`` with the value and what is allowed, which argparse
prints as ``omniroute staff: error: argument --rate: ...`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import math
import re

from ..sim.limits import MAX_AGENTS, MAX_DURATION, MAX_PER_HOUR, MAX_PROCESSES, MAX_RUN_REPLICATIONS
from ..sim.loader import _UNITS, parse_clock, parse_duration

__all__ = ["duration", "rate", "service_level", "fraction", "rates_list", "clock", "positive_int",
           "replications", "processes", "agents", "seed", "alpha", "scheduler"]

# a count (decimal, or with an exponent: "1e5") over an optional period ("30m", "h")
_NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_RATE = re.compile(rf"^\s*({_NUMBER})\s*(?:/\s*({_NUMBER})?\s*([smhd]))?\s*$")


def duration(text: str) -> float:
    """Seconds from ``"180"``, ``"180s"``, ``"3m"``, ``"1.5h"``, ``"1d"``."""
    try:
        v = float(text)
    except ValueError:
        v = text  # type: ignore[assignment]
    try:
        d = parse_duration(v)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration (use seconds or '20s', '5m', '2h', '1d')") from None
    if d > MAX_DURATION:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than the longest duration allowed, "
                                         f"366 days ({MAX_DURATION:,.0f} s)")
    return d


def clock(text: str) -> float:
    """Seconds since midnight from ``"HH:MM"``."""
    try:
        return parse_clock(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a clock time (use 'HH:MM', e.g. '08:00')") from None


def rate(text: str) -> float:
    """Contacts per hour from ``"200"`` (per hour), ``"200/h"``, ``"100/30m"``, ``"0.05/s"``,
    ``"4000/d"``."""
    m = _RATE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a rate (use contacts per hour, or e.g. '200/h', '100/30m', '4000/d')")
    count = float(m.group(1))
    per = float(m.group(2)) if m.group(2) else 1.0
    if m.group(3) is not None and per <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the period must be > 0")
    per_hour = count if m.group(3) is None else count * 3600.0 / (per * _UNITS[m.group(3)])
    if not per_hour <= MAX_PER_HOUR:  # also inf, from '1e400'
        raise argparse.ArgumentTypeError(f"{text!r} is {per_hour:g} contacts per hour; at most "
                                         f"{MAX_PER_HOUR:,.0f} per hour are allowed")
    return per_hour


def fraction(text: str) -> float:
    """A fraction from ``"0.8"``, ``"80%"``."""
    v = _share(text)
    if v is None or not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction (use 0.8 or 80%)")
    return v


def _share(text: str) -> float | None:
    """0.8 from "0.8" or "80%"; None if it is neither."""
    t = text.strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def service_level(text: str) -> tuple[float, float]:
    """(target, within seconds) from ``"0.8/20s"`` or ``"80%/20s"``.

    The target is a fraction (0.8) or a percentage with its sign (80%), at least 1% and below
    100% (no number of agents answers every contact within a time under Erlang C or A): a
    bare number above 1 is refused, not read as a percentage, since ``1.5`` could be 1.5% as
    well as a slip.
    """
    if "/" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a service level (use e.g. 0.8/20s or 80%/20s)")
    t, w = text.split("/", 1)
    target = _share(t)
    if target is None:
        raise argparse.ArgumentTypeError(f"{text!r}: {t.strip()!r} is not a target (use 0.8 or 80%)")
    if target > 1 and not t.strip().endswith("%"):
        raise argparse.ArgumentTypeError(f"{text!r}: the target {t.strip()} is more than 1; give a "
                                         "fraction (0.8/20s) or a percentage with its sign (80%/20s)")
    if not 0.01 <= target < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the target must be at least 1% and below 100% "
                                         "(no number of agents answers every contact in time)")
    return target, duration(w.strip())


def rates_list(text: str) -> list[float]:
    """Numbers from ``"10,20,30"`` (each >= 0).

    An empty field (``"10,,20"``, a trailing comma) is refused: dropping it would shift every
    later interval of the profile by one.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} holds no numbers (use e.g. 10,20,30)")
    out = []
    for i, part in enumerate(text.replace(";", ",").split(",")):
        part = part.strip()
        if not part:
            raise argparse.ArgumentTypeError(f"{text!r}: field {i + 1} is empty (give every interval "
                                             "a number, 0 for none, e.g. 10,0,20)")
        try:
            v = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} in {text!r} is not a number") from None
        if not 0 <= v < math.inf:
            raise argparse.ArgumentTypeError(f"{part!r} in {text!r} must be a number >= 0")
        out.append(v)
    return out


def _int(text: str, low: int, high: int | None, what: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = None
    if v is None or v < low or (high is not None and v > high):
        allowed = f"from {low} to {high:,}" if high is not None else f">= {low}"
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}: use an integer {allowed}")
    return v


def positive_int(text: str) -> int:
    """An integer >= 1."""
    return _int(text, 1, None, "a count")


def replications(text: str) -> int:
    """A number of replications, 1 to ``limits.MAX_RUN_REPLICATIONS``."""
    return _int(text, 1, MAX_RUN_REPLICATIONS, "a number of replications")


def processes(text: str) -> int:
    """A number of worker processes, 1 to ``limits.MAX_PROCESSES``."""
    return _int(text, 1, MAX_PROCESSES, "a number of processes")


def agents(text: str) -> int:
    """A number of agents, 1 to ``limits.MAX_AGENTS``."""
    return _int(text, 1, MAX_AGENTS, "a number of agents")


def seed(text: str) -> int:
    """A root seed: an integer >= 0 (what numpy's SeedSequence takes)."""
    return _int(text, 0, None, "a seed")


def alpha(text: str) -> float:
    """A significance level, strictly between 0 and 1."""
    v = _share(text)
    if v is None or not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a significance level (use e.g. 0.05)")
    return v


_SCHEDULER = re.compile(r"^(?:(tcp|tls|ws|wss|ucx)://)?([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$")


def scheduler(text: str) -> str:
    """A dask scheduler's address: ``HOST:PORT`` or ``tcp://HOST:PORT`` (also tls, ws, wss,
    ucx), as ``dask scheduler`` prints it; returned as given."""
    m = _SCHEDULER.match(text.strip())
    if not m or not 1 <= int(m.group(3)) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a dask scheduler address (use HOST:PORT or tcp://HOST:PORT, as "
            "`dask scheduler` prints it, e.g. tcp://10.0.0.5:8786)")
    return text.strip()
