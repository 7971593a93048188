"""Validators shared by the model's value objects (messages name field and value)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from .errors import ValidationError

MIN_LEVEL = 1
MAX_LEVEL = 10


class FrozenMap(dict):
    """A read-only dict: the model's mappings (skills, needs, capacity).

    Unlike ``types.MappingProxyType`` it pickles (process pools, dask), hashes, and keeps
    ``dict``'s C-speed lookups on the router's hot path.
    """

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(f"{type(self).__name__} is read-only; build a new object instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]
    __ior__ = _read_only  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple:
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenMap:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenMap:
        return self


def check_id(owner: str, field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{owner}.{field} must be a non-empty string (got {value!r})")


def check_reason(owner: str, field: str, value: object) -> None:
    """A presence reason: None, or a string with something in it (shown to supervisors)."""
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(
            f"{owner}: {field} must be a non-empty reason string or None (got {value!r})"
        )


def real(value: object) -> float | None:
    """``value`` as a float if it is a real number (numpy's included, bools not), else None.

    An integer too large for a float becomes ``inf`` (callers refuse it as not finite)
    instead of raising ``OverflowError``.
    """
    if value.__class__ is float:
        return value  # type: ignore[return-value]
    # numbers.Real takes numpy's numbers (not numpy's bool) and leaves out complex numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def check_duration(owner: str, field: str, value: object, *, allow_inf: bool = False) -> float:
    v = real(value)
    if v is None:
        raise ValidationError(f"{owner}.{field} must be a number of seconds (got {value!r})")
    if math.isnan(v) or v < 0 or (math.isinf(v) and not allow_inf):
        allowed = "a finite number >= 0" if not allow_inf else "a number >= 0"
        raise ValidationError(f"{owner}.{field} must be {allowed} (got {value!r})")
    return v


def check_int(owner: str, field: str, value: object, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{owner}.{field} must be an integer (got {value!r})")
    if low is not None and value < low:
        raise ValidationError(f"{owner}.{field} must be >= {low} (got {value!r})")
    return value


def levels(owner: str, field: str, value: object) -> Mapping[str, int]:
    """Validate a {skill: level} mapping (levels 1-10) and return a read-only copy."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"{owner}.{field} must be a mapping of skill -> level (got {value!r})")
    out: dict[str, int] = {}
    for skill, level in value.items():
        if not isinstance(skill, str) or not skill.strip():
            raise ValidationError(f"{owner}.{field}: skill names must be non-empty strings (got {skill!r})")
        if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise ValidationError(
                f"{owner}.{field}[{skill!r}] must be an integer level {MIN_LEVEL}-{MAX_LEVEL} (got {level!r})"
            )
        out[skill] = level
    return FrozenMap(out)


def frozen_mapping(value: Mapping[Any, Any] | None) -> Mapping[Any, Any]:
    return FrozenMap(value or {})


def attributes(owner: str, value: Any, reserved: tuple[str, ...] = ()) -> Mapping[str, Any]:
    """``value`` as a read-only mapping of non-empty names to JSON values (``owner`` names the
    field in errors, e.g. ``Agent.attributes``); ``reserved`` names are refused."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"{owner} must be a mapping of name -> JSON value (got {value!r})")
    out: dict[str, Any] = {}
    for key, v in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(f"{owner}: names must be non-empty strings (got {key!r})")
        if key in reserved:
            raise ValidationError(f"{owner}[{key!r}]: {key!r} is a built-in name ({', '.join(reserved)}); "
                                  "choose another")
        out[key] = json_value(f"{owner}[{key!r}]", v)
    return FrozenMap(out)


def json_value(where: str, value: Any) -> Any:
    """``value`` if it is a JSON value (lists become tuples, tables read-only), else a
    ValidationError naming ``where``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"{where} must be a finite number (got {value!r})")
        return float(value) if isinstance(value, float) else int(value)  # plain, not a subclass
    if isinstance(value, (list, tuple)):
        return tuple(json_value(f"{where}[{i}]", v) for i, v in enumerate(value))
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValidationError(f"{where}: table keys must be strings (got {k!r})")
            out[k] = json_value(f"{where}[{k!r}]", v)
        return FrozenMap(out)
    raise ValidationError(
        f"{where} must be a JSON value: a string, number, boolean, null, list or table (got {value!r})"
    )
