"""Distributions of handle times, patience, bot times and delays, by mean and cv.

Each is a frozen value object that samples from a ``numpy.random.Generator`` passed in
(never a global one): ``dist.sample(rng, n)`` returns ``n`` draws as a float array.
Build them by name with :func:`distribution` (what the scenario loader does).
"""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from ..errors import ValidationError
from .limits import MAX_CV, MAX_DURATION

__all__ = [
    "Distribution",
    "Exponential",
    "Lognormal",
    "Gamma",
    "Uniform",
    "Deterministic",
    "Empirical",
    "DISTRIBUTIONS",
    "distribution",
]


def _positive(owner: str, field: str, value: Any, *, zero: bool = False, high: float = MAX_DURATION) -> float:
    """``value`` as a float in (0, high], or [0, high] with ``zero``; durations are capped at
    ``MAX_DURATION`` and coefficients of variation at ``MAX_CV`` (``sim.limits``)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not zero) or value > high:
        allowed = ">= 0" if zero else "> 0"
        raise ValidationError(f"{owner}.{field} must be a finite number {allowed} and <= {high:g} "
                              f"(got {value!r})")
    return float(value)


class Distribution(abc.ABC):
    """Base class: ``sample(rng, n)`` -> array of ``n`` non-negative draws; ``mean``."""

    name = "distribution"
    mean: float

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from ``rng``."""


@attrs.frozen(slots=True)
class Exponential(Distribution):
    """Exponential with mean ``mean`` (cv 1): the M of M/M/n."""

    name = "exponential"
    mean: float

    def __attrs_post_init__(self) -> None:
        _positive("Exponential", "mean", self.mean)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean, n)


@attrs.frozen(slots=True)
class Lognormal(Distribution):
    """Lognormal by its ``mean`` and coefficient of variation ``cv`` (std / mean)."""

    name = "lognormal"
    mean: float
    cv: float = 1.0

    def __attrs_post_init__(self) -> None:
        _positive("Lognormal", "mean", self.mean)
        _positive("Lognormal", "cv", self.cv, high=MAX_CV)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        s2 = math.log1p(self.cv * self.cv)
        return rng.lognormal(math.log(self.mean) - s2 / 2, math.sqrt(s2), n)


@attrs.frozen(slots=True)
class Gamma(Distribution):
    """Gamma by its ``mean`` and ``cv`` (shape ``1/cv**2``)."""

    name = "gamma"
    mean: float
    cv: float = 1.0

    def __attrs_post_init__(self) -> None:
        _positive("Gamma", "mean", self.mean)
        _positive("Gamma", "cv", self.cv, high=MAX_CV)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        k = 1.0 / (self.cv * self.cv)
        return rng.gamma(k, self.mean / k, n)


@attrs.frozen(slots=True)
class Uniform(Distribution):
    """Uniform between ``low`` and ``high`` seconds."""

    name = "uniform"
    low: float
    high: float

    def __attrs_post_init__(self) -> None:
        _positive("Uniform", "low", self.low, zero=True)
        _positive("Uniform", "high", self.high, zero=True)
        if self.high < self.low:
            raise ValidationError(f"Uniform.high must be >= low (got low={self.low!r}, high={self.high!r})")

    @property
    def mean(self) -> float:  # type: ignore[override]
        return (self.low + self.high) / 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


@attrs.frozen(slots=True)
class Deterministic(Distribution):
    """Always ``value`` seconds (draws nothing from the generator)."""

    name = "deterministic"
    value: float

    def __attrs_post_init__(self) -> None:
        _positive("Deterministic", "value", self.value, zero=True)

    @property
    def mean(self) -> float:  # type: ignore[override]
        return self.value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


def _values(v: Sequence[float]) -> tuple[float, ...]:
    out = tuple(v)
    if not out:
        raise ValidationError("Empirical.values must hold at least one value (got [])")
    for i, x in enumerate(out):
        _positive("Empirical", f"values[{i}]", x, zero=True)
    return tuple(float(x) for x in out)


@attrs.frozen(slots=True)
class Empirical(Distribution):
    """Resampling with replacement from observed ``values`` (e.g. a trace's handle times)."""

    name = "empirical"
    values: tuple[float, ...] = attrs.field(converter=_values, hash=False)

    @property
    def mean(self) -> float:  # type: ignore[override]
        return sum(self.values) / len(self.values)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values), n)


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    c.name: c for c in (Exponential, Lognormal, Gamma, Uniform, Deterministic, Empirical)
}

#: The parameters each distribution takes, required first.
PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "exponential": (("mean",), ()),
    "lognormal": (("mean",), ("cv",)),
    "gamma": (("mean",), ("cv",)),
    "uniform": (("low", "high"), ()),
    "deterministic": (("value",), ()),
    "empirical": (("values",), ()),
}


def distribution(name: str, **params: Any) -> Distribution:
    """Build a distribution by name: ``distribution("lognormal", mean=300, cv=0.8)``.

    ``deterministic`` also accepts ``mean`` for ``value``.
    """
    if name == "deterministic" and "mean" in params and "value" not in params:
        params["value"] = params.pop("mean")
    cls = DISTRIBUTIONS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValidationError(f"unknown distribution {name!r}; allowed: {sorted(DISTRIBUTIONS)}")
    required, optional = PARAMETERS[name]
    missing = [p for p in required if p not in params]
    extra = [p for p in params if p not in required + optional]
    if missing or extra:
        raise ValidationError(
            f"{name} takes {', '.join(required + optional)} "
            f"(missing: {missing or 'none'}, unknown: {extra or 'none'})"
        )
    return cls(**params)
