"""Argument checks for the analytics functions: each message names the function, the
argument, what is allowed and the value received."""

from __future__ import annotations

import math
import numbers

from ..errors import ValidationError


def _number(func: str, name: str, value: object, allowed: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{func}: {name} must be {allowed} (got {value!r})")
    v = float(value)
    if math.isnan(v):
        raise ValidationError(f"{func}: {name} must be {allowed} (got {value!r})")
    return v


def rate(func: str, name: str, value: object) -> float:
    """A finite number >= 0 (an arrival rate per second, an offered load in Erlangs)."""
    allowed = "a finite number >= 0"
    v = _number(func, name, value, allowed)
    if v < 0 or math.isinf(v):
        raise ValidationError(f"{func}: {name} must be {allowed} (got {value!r})")
    return v


def positive(func: str, name: str, value: object, *, allow_inf: bool = False) -> float:
    """A number > 0 (a handle time, a patience, a threshold in seconds)."""
    allowed = "a number > 0" if allow_inf else "a finite number > 0"
    v = _number(func, name, value, allowed)
    if v <= 0 or (math.isinf(v) and not allow_inf):
        raise ValidationError(f"{func}: {name} must be {allowed} (got {value!r})")
    return v


def duration(func: str, name: str, value: object) -> float:
    """A finite number of seconds >= 0."""
    allowed = "a finite number of seconds >= 0"
    v = _number(func, name, value, allowed)
    if v < 0 or math.isinf(v):
        raise ValidationError(f"{func}: {name} must be {allowed} (got {value!r})")
    return v


def count(func: str, name: str, value: object, *, low: int = 1) -> int:
    """An integer >= ``low`` (a number of agents)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(f"{func}: {name} must be an integer >= {low} (got {value!r})")
    if value < low:
        raise ValidationError(f"{func}: {name} must be an integer >= {low} (got {value!r})")
    return int(value)


def fraction(func: str, name: str, value: object, *, zero: bool = False, one: bool = True) -> float:
    """A fraction in (0, 1] by default; ``zero``/``one`` say whether the ends are allowed."""
    interval = f"{'[' if zero else '('}0, 1{']' if one else ')'}"
    allowed = f"a fraction in {interval}"
    v = _number(func, name, value, allowed)
    if not ((0.0 <= v if zero else 0.0 < v) and (v <= 1.0 if one else v < 1.0)):
        raise ValidationError(f"{func}: {name} must be {allowed} (got {value!r})")
    return v
