"""Command-line values: durations, rates, service levels, lists (argparse ``type=``s).

Each raises ``argparse.ArgumentTypeError`` with the value and what is allowed, which argparse
prints as ``omniroute staff: error: argument --rate: ...`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import re

from ..sim.loader import _UNITS, parse_clock, parse_duration

__all__ = ["duration", "rate", "service_level", "fraction", "rates_list", "clock", "positive_int"]

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(?:/\s*([0-9]*\.?[0-9]*)\s*([smhd]))?\s*$")


def duration(text: str) -> float:
    """Seconds from ``"180"``, ``"180s"``, ``"3m"``, ``"1.5h"``, ``"1d"``."""
    try:
        v = float(text)
    except ValueError:
        v = text  # type: ignore[assignment]
    try:
        return parse_duration(v)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration (use seconds or '20s', '5m', '2h', '1d')") from None


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
    if m.group(3) is None:
        return count
    per = float(m.group(2)) if m.group(2) else 1.0
    if per <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the period must be > 0")
    return count * 3600.0 / (per * _UNITS[m.group(3)])


def fraction(text: str) -> float:
    """A fraction from ``"0.8"``, ``"80%"``."""
    t = text.strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        v = -1.0
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction (use 0.8 or 80%)")
    return v


def service_level(text: str) -> tuple[float, float]:
    """(target, within seconds) from ``"0.8/20s"``, ``"80%/20s"``, ``"80/20"``."""
    if "/" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a service level (use e.g. 0.8/20s or 80%/20s)")
    t, w = text.split("/", 1)
    t = t.strip()
    try:
        target = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {t!r} is not a target (use 0.8 or 80%)") from None
    if target > 1:
        target /= 100
    if not 0 < target <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the target must be in (0, 1] or (0%, 100%]")
    return target, duration(w.strip())


def rates_list(text: str) -> list[float]:
    """Numbers from ``"10,20,30"`` (each >= 0)."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} in {text!r} is not a number") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"{part!r} in {text!r} must be >= 0")
        out.append(v)
    if not out:
        raise argparse.ArgumentTypeError(f"{text!r} holds no numbers (use e.g. 10,20,30)")
    return out


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be an integer >= 1")
    return v
