"""Staffing: the fewest agents meeting service targets, per interval of a day, and the
square-root staffing rule beside it.

The model is Erlang C when ``patience`` is None (nobody abandons) and Erlang A otherwise.
Targets, all optional but at least one required, are met together:

* ``target``: a :class:`~omniroute.queues.ServiceLevel` (or ``(0.8, 20.0)``): answered within
  ``within`` seconds / offered >= ``target`` (with patience, an abandon is a miss);
* ``asa``: mean wait of answered contacts <= this many seconds;
* ``abandon``: fraction of contacts abandoning <= this (needs ``patience``);
* ``max_occupancy``: mean fraction of agents busy <= this.

Every measure improves as agents are added, so the fewest agents are found by a doubling then
bisection search.  ``shrinkage`` (breaks, training, absence: the fraction of paid time not
available for contacts) turns agents needed into agents to schedule:
``ceil(agents / (1 - shrinkage))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
from scipy import optimize, special

from ..errors import ValidationError
from ..queues import ServiceLevel
from . import _checks
from .erlang import ErlangC, erlang_c
from .erlang_abandon import ErlangA, erlang_a

__all__ = ["StaffingRow", "staff", "staffing_table", "square_root_staffing", "halfin_whitt_beta"]

_MAX_AGENTS = 10_000_000
_TOL = 1e-12


@attrs.frozen(slots=True)
class _Targets:
    func: str
    service_level: ServiceLevel | None
    asa: float | None
    abandon: float | None
    max_occupancy: float | None
    patience: float | None
    shrinkage: float

    def met(self, r: ErlangC | ErlangA) -> bool:
        sl = self.service_level
        if sl is not None and r.service_level(sl.within) < sl.target - _TOL:
            return False
        if self.asa is not None and not r.asa <= self.asa + _TOL:
            return False
        if self.abandon is not None and r.p_abandon > self.abandon + _TOL:
            return False
        return self.max_occupancy is None or r.occupancy <= self.max_occupancy + _TOL


def _targets(
    func: str,
    target: ServiceLevel | tuple[float, float] | None,
    asa: float | None,
    abandon: float | None,
    max_occupancy: float | None,
    patience: float | None,
    shrinkage: float,
) -> _Targets:
    if target is not None and not isinstance(target, ServiceLevel):
        if isinstance(target, (tuple, list)) and len(target) == 2:
            target = ServiceLevel(*target)
        else:
            raise ValidationError(
                f"{func}: target must be a ServiceLevel or a (target, within) pair (got {target!r})"
            )
    if asa is not None:
        asa = _checks.positive(func, "asa", asa)
    if abandon is not None:
        abandon = _checks.fraction(func, "abandon", abandon)
        if patience is None:
            raise ValidationError(
                f"{func}: an abandon target needs patience (got abandon={abandon!r}, patience=None)"
            )
    if max_occupancy is not None:
        max_occupancy = _checks.fraction(func, "max_occupancy", max_occupancy)
    if patience is not None:
        patience = _checks.positive(func, "patience", patience, allow_inf=True)
    shrinkage = _checks.fraction(func, "shrinkage", shrinkage, zero=True, one=False)
    if target is None and asa is None and abandon is None and max_occupancy is None:
        raise ValidationError(
            f"{func}: give at least one target (target=ServiceLevel(...), asa=, abandon= "
            "or max_occupancy=)"
        )
    return _Targets(func, target, asa, abandon, max_occupancy, patience, shrinkage)


def _model(lam: float, h: float, patience: float | None) -> Callable[[int], ErlangC | ErlangA]:
    if patience is None:
        return lambda n: erlang_c(lam, h, n)
    return lambda n: erlang_a(lam, h, n, patience)


def _fewest(lam: float, h: float, t: _Targets) -> int:
    """Fewest agents (on the phones) meeting every target of ``t``."""
    if lam == 0.0:
        return 0
    model = _model(lam, h, t.patience)
    load = lam * h
    lo = math.floor(load) + 1 if t.patience is None or math.isinf(t.patience) else 1
    step, hi = 1, lo
    while not t.met(model(hi)):
        if hi >= _MAX_AGENTS:
            raise ValidationError(
                f"{t.func}: the targets cannot be met with up to {_MAX_AGENTS} agents "
                f"(load {load!r} Erlangs)"
            )
        lo, hi, step = hi + 1, min(_MAX_AGENTS, hi + step), step * 2
    while lo < hi:
        mid = (lo + hi) // 2
        if t.met(model(mid)):
            hi = mid
        else:
            lo = mid + 1
    return hi


def _scheduled(agents: int, shrinkage: float) -> int:
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)


def staff(
    arrival_rate: float,
    handle_time: float,
    target: ServiceLevel | tuple[float, float] | None = None,
    *,
    asa: float | None = None,
    abandon: float | None = None,
    max_occupancy: float | None = None,
    patience: float | None = None,
    shrinkage: float = 0.0,
) -> int:
    """The fewest agents meeting every given target (see the module docstring).

    ``arrival_rate`` contacts per second, ``handle_time`` mean seconds, ``patience`` mean
    seconds (None: Erlang C, nobody abandons; a number: Erlang A).  With ``shrinkage`` in
    [0, 1) the result is the number to schedule, ``ceil(needed / (1 - shrinkage))``.  Zero
    arrivals need zero agents.

    >>> from omniroute.queues import ServiceLevel
    >>> staff(arrival_rate=100 / 1800, handle_time=180.0, target=ServiceLevel(0.8, 20.0))
    14
    """
    lam = _checks.rate("staff", "arrival_rate", arrival_rate)
    h = _checks.positive("staff", "handle_time", handle_time)
    t = _targets("staff", target, asa, abandon, max_occupancy, patience, shrinkage)
    return _scheduled(_fewest(lam, h, t), t.shrinkage)


def _log_alpha(beta: float) -> float:
    """log of the Halfin-Whitt P(wait) ~ 1 / (1 + beta Phi(beta) / phi(beta))."""
    log_ratio = math.log(beta) + float(special.log_ndtr(beta)) + beta * beta / 2 + 0.5 * math.log(2 * math.pi)
    return -float(np.logaddexp(0.0, log_ratio))


def halfin_whitt_beta(
    load: float,
    handle_time: float,
    target: ServiceLevel | tuple[float, float] | None = None,
    *,
    asa: float | None = None,
) -> float:
    """The safety factor ``beta`` of the square-root rule ``n = R + beta sqrt(R)`` that meets
    the service-level and/or ASA target in the Halfin-Whitt (QED) approximation of Erlang C:
    P(wait) ~ alpha(beta) = 1 / (1 + beta Phi(beta) / phi(beta)), ``n mu - lambda =
    beta sqrt(R) / handle_time``, so SL(t) ~ 1 - alpha(beta) exp(-beta sqrt(R) t / handle_time)
    and ASA ~ alpha(beta) handle_time / (beta sqrt(R)).  ``load`` R in Erlangs (> 0)."""
    func = "halfin_whitt_beta"
    r = _checks.positive(func, "load", load)
    h = _checks.positive(func, "handle_time", handle_time)
    t = _targets(func, target, asa, None, None, None, 0.0)
    if t.service_level is None and t.asa is None:
        raise ValidationError(f"{func}: give a service-level target or an asa target")
    scale = math.sqrt(r) / h
    beta = 0.0
    if t.service_level is not None:
        goal, within = t.service_level.target, t.service_level.within
        if goal >= 1.0:
            raise ValidationError(f"{func}: a service-level target of 1 has no finite beta")

        def sl_gap(b: float) -> float:
            return 1.0 - math.exp(_log_alpha(b) - b * scale * within) - goal

        beta = max(beta, optimize.brentq(sl_gap, 1e-9, 60.0, xtol=1e-12))
    if t.asa is not None:
        goal_asa = t.asa

        def asa_gap(b: float) -> float:
            return _log_alpha(b) - math.log(b * scale) - math.log(goal_asa)

        if asa_gap(60.0) > 0:
            raise ValidationError(f"{func}: asa target {goal_asa!r} is too small for the rule")
        beta = max(beta, optimize.brentq(asa_gap, 1e-12, 60.0, xtol=1e-12))
    return beta


def square_root_staffing(
    arrival_rate: float,
    handle_time: float,
    target: ServiceLevel | tuple[float, float] | None = None,
    *,
    asa: float | None = None,
    beta: float | None = None,
) -> int:
    """The square-root staffing rule: ``ceil(R + beta sqrt(R))`` agents for ``R =
    arrival_rate * handle_time`` Erlangs, with ``beta`` given or else from
    :func:`halfin_whitt_beta` for the service-level / ASA target.  A quick estimate to set
    beside :func:`staff`; it ignores abandonment."""
    func = "square_root_staffing"
    lam = _checks.rate(func, "arrival_rate", arrival_rate)
    h = _checks.positive(func, "handle_time", handle_time)
    if beta is not None:
        beta = _checks.rate(func, "beta", beta)
    elif target is None and asa is None:
        raise ValidationError(f"{func}: give beta, a service-level target or an asa target")
    load = lam * h
    if load == 0.0:
        return 0
    if beta is None:
        beta = halfin_whitt_beta(load, h, target, asa=asa)
    return max(1, math.ceil(load + beta * math.sqrt(load) - 1e-9))


@attrs.frozen(slots=True)
class StaffingRow:
    """One interval of a staffing table.

    ``agents``: fewest agents on the phones meeting the targets (Erlang C or A);
    ``scheduled``: agents to schedule after shrinkage; ``sqrt_agents``: the square-root rule's
    estimate (None when it has no beta); ``service_level`` (at the target's threshold, None
    without a service-level target), ``asa``, ``p_wait``, ``p_abandon``, ``occupancy``: what
    ``agents`` achieve (None for an interval without arrivals).
    """

    start: float
    end: float
    arrival_rate: float
    volume: float
    load: float
    agents: int
    scheduled: int
    sqrt_agents: int | None
    service_level: float | None
    asa: float | None
    p_wait: float | None
    p_abandon: float | None
    occupancy: float | None

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready dict (field name -> value)."""
        return attrs.asdict(self)


def staffing_table(
    arrival_rates: Sequence[float],
    handle_time: float,
    target: ServiceLevel | tuple[float, float] | None = None,
    *,
    interval: float = 1800.0,
    start: float = 0.0,
    asa: float | None = None,
    abandon: float | None = None,
    max_occupancy: float | None = None,
    patience: float | None = None,
    shrinkage: float = 0.0,
    beta: float | None = None,
) -> list[StaffingRow]:
    """Staffing for a day's profile: one :class:`StaffingRow` per interval.

    ``arrival_rates``: contacts per second in each interval of ``interval`` seconds, the first
    starting at ``start`` (for volumes per interval pass ``[v / interval for v in volumes]``).
    Targets, ``patience`` and ``shrinkage`` as in :func:`staff`.  The square-root column uses
    ``beta`` if given, else :func:`halfin_whitt_beta` for the service-level / ASA target, and is
    raised to meet ``max_occupancy``; without either it is None.
    """
    func = "staffing_table"
    h = _checks.positive(func, "handle_time", handle_time)
    step = _checks.positive(func, "interval", interval)
    t0 = _checks.duration(func, "start", start)
    t = _targets(func, target, asa, abandon, max_occupancy, patience, shrinkage)
    if beta is not None:
        beta = _checks.rate(func, "beta", beta)
    if isinstance(arrival_rates, (str, bytes)) or not isinstance(arrival_rates, Sequence):
        raise ValidationError(
            f"{func}: arrival_rates must be a sequence of rates per second (got {arrival_rates!r})"
        )
    rates = [_checks.rate(func, f"arrival_rates[{i}]", r) for i, r in enumerate(arrival_rates)]
    rows = []
    for i, lam in enumerate(rates):
        load = lam * h
        n = _fewest(lam, h, t)
        sqrt_n: int | None = None
        if load == 0.0:
            sqrt_n = 0
        elif beta is not None or t.service_level is not None or t.asa is not None:
            sqrt_n = square_root_staffing(lam, h, t.service_level, asa=t.asa, beta=beta)
        if sqrt_n is not None and t.max_occupancy is not None:
            sqrt_n = max(sqrt_n, math.ceil(load / t.max_occupancy - 1e-9))
        achieved: list[float | None] = [None] * 5
        if n > 0:
            r = _model(lam, h, t.patience)(n)
            sl = r.service_level(t.service_level.within) if t.service_level is not None else None
            achieved = [sl, r.asa, r.p_wait, r.p_abandon, r.occupancy]
        begin = t0 + i * step
        rows.append(
            StaffingRow(begin, begin + step, lam, lam * step, load, n,
                        _scheduled(n, t.shrinkage), sqrt_n, *achieved)
        )
    return rows
