"""Erlang B (M/M/n/n, blocked contacts lost) and Erlang C (M/M/n, everybody waits).

Rates are per second, times in seconds.  The offered load is ``arrival_rate * handle_time``
Erlangs.  Both formulas are evaluated in log space through the Poisson distribution
(``scipy.special``), with the classic recurrence ``B(k) = A B(k-1) / (k + A B(k-1))`` where
the Poisson tail underflows, so that they stay exact to ~1e-12 for 10,000 agents and more.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
from scipy import special

from . import _checks

__all__ = ["ErlangB", "ErlangC", "erlang_b", "erlang_c"]


def log_erlang_b(agents: int, load: float) -> float:
    """``log B(agents, load)``, the blocking probability of M/M/n/n, for ``load >= 0``."""
    if load == 0.0:
        return 0.0 if agents == 0 else -math.inf
    # B = P(X = n) / P(X <= n) for X ~ Poisson(load); P(X <= n) = Q(n + 1, load).
    tail = float(special.gammaincc(agents + 1, load))
    if tail > 1e-250:
        return agents * math.log(load) - load - float(special.gammaln(agents + 1)) - math.log(tail)
    # load far above agents: B is close to 1 and the recurrence is stable and short.
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return math.log(b)


def p_wait_erlang_c(agents: int, load: float) -> float:
    """Erlang C, P(wait), from Erlang B: ``B / (B + (1 - rho)(1 - B))``; 1.0 when load >= agents."""
    if load >= agents:
        return 1.0
    if load == 0.0:
        return 0.0
    log_b = log_erlang_b(agents, load)
    # 1 / C = 1 + (1 - rho) (1/B - 1), in logs so that a B that underflows still gives C.
    z = log_b - math.log1p(-math.exp(log_b)) - math.log1p(-load / agents)
    return float(special.expit(z))


@attrs.frozen(slots=True)
class ErlangB:
    """M/M/n/n: ``agents`` servers and no queue; a contact that finds all busy is lost.

    Build it with :func:`erlang_b`.  ``p_block`` is the fraction of contacts lost.
    """

    arrival_rate: float
    handle_time: float
    agents: int
    p_block: float

    @property
    def load(self) -> float:
        """Offered load in Erlangs (``arrival_rate * handle_time``)."""
        return self.arrival_rate * self.handle_time

    @property
    def carried_load(self) -> float:
        """Erlangs actually served: ``load * (1 - p_block)``."""
        return self.load * (1.0 - self.p_block)

    @property
    def occupancy(self) -> float:
        """Mean fraction of agents busy: ``carried_load / agents``."""
        return self.carried_load / self.agents

    def to_dict(self) -> dict[str, Any]:
        """The inputs and results as a JSON-ready dict."""
        return {
            "model": "erlang_b",
            "arrival_rate": self.arrival_rate,
            "handle_time": self.handle_time,
            "agents": self.agents,
            "load": self.load,
            "p_block": self.p_block,
            "carried_load": self.carried_load,
            "occupancy": self.occupancy,
        }


@attrs.frozen(slots=True)
class ErlangC:
    """M/M/n: ``agents`` servers, an unlimited FIFO queue, nobody abandons.

    Build it with :func:`erlang_c`.  When ``load >= agents`` the queue grows without bound:
    ``stable`` is False, ``p_wait`` is 1, ``asa`` and ``mean_queue`` are infinite and every
    service level is 0.
    """

    arrival_rate: float
    handle_time: float
    agents: int
    p_wait: float

    @property
    def load(self) -> float:
        """Offered load in Erlangs (``arrival_rate * handle_time``)."""
        return self.arrival_rate * self.handle_time

    @property
    def stable(self) -> bool:
        """Whether the queue has a steady state (``load < agents``)."""
        return self.load < self.agents

    @property
    def _drain_rate(self) -> float:  # n mu - lambda, per second
        return (self.agents - self.load) / self.handle_time

    @property
    def asa(self) -> float:
        """Average speed of answer: mean wait of answered contacts (zeros included), seconds."""
        if not self.stable:
            return math.inf
        return self.p_wait / self._drain_rate if self.p_wait > 0 else 0.0

    @property
    def mean_wait(self) -> float:
        """Mean wait of all offered contacts; equal to ``asa`` since nobody abandons."""
        return self.asa

    @property
    def mean_queue(self) -> float:
        """Mean number of contacts waiting (Little: ``arrival_rate * asa``)."""
        return self.arrival_rate * self.asa if self.arrival_rate > 0 else 0.0

    @property
    def p_abandon(self) -> float:
        """Always 0: Erlang C has no abandonment (the attribute keeps results interchangeable)."""
        return 0.0

    @property
    def occupancy(self) -> float:
        """Mean fraction of agents busy: ``load / agents`` (1.0 when unstable)."""
        return min(1.0, self.load / self.agents)

    def service_level(self, within: float) -> float:
        """P(wait <= within) = ``1 - p_wait * exp(-(n mu - lambda) within)``: answered within
        ``within`` seconds / offered."""
        t = _checks.duration("ErlangC.service_level", "within", within)
        if not self.stable:
            return 0.0
        return 1.0 - self.p_wait * math.exp(-self._drain_rate * t)

    def to_dict(self, within: float | None = None) -> dict[str, Any]:
        """The inputs and results as a JSON-ready dict (with the service level if ``within``)."""
        out: dict[str, Any] = {
            "model": "erlang_c",
            "arrival_rate": self.arrival_rate,
            "handle_time": self.handle_time,
            "agents": self.agents,
            "load": self.load,
            "stable": self.stable,
            "p_wait": self.p_wait,
            "asa": self.asa,
            "mean_queue": self.mean_queue,
            "occupancy": self.occupancy,
        }
        if within is not None:
            out["within"] = float(within)
            out["service_level"] = self.service_level(within)
        return out


def erlang_b(arrival_rate: float, handle_time: float, agents: int) -> ErlangB:
    """Erlang B: the loss system with ``agents`` servers.

    ``arrival_rate`` contacts per second (>= 0), ``handle_time`` mean seconds (> 0),
    ``agents`` an integer >= 1.

    >>> round(erlang_b(arrival_rate=5 / 300, handle_time=300.0, agents=10).p_block, 6)
    0.018385
    """
    lam = _checks.rate("erlang_b", "arrival_rate", arrival_rate)
    h = _checks.positive("erlang_b", "handle_time", handle_time)
    n = _checks.count("erlang_b", "agents", agents)
    return ErlangB(lam, h, n, math.exp(log_erlang_b(n, lam * h)))


def erlang_c(arrival_rate: float, handle_time: float, agents: int) -> ErlangC:
    """Erlang C: ``agents`` servers, an unlimited queue, infinitely patient contacts.

    ``arrival_rate`` contacts per second (>= 0), ``handle_time`` mean seconds (> 0),
    ``agents`` an integer >= 1.

    >>> c = erlang_c(arrival_rate=100 / 1800, handle_time=180.0, agents=14)
    >>> round(c.p_wait, 4), round(c.service_level(20.0), 3), round(c.occupancy, 3)
    (0.1741, 0.888, 0.714)
    """
    lam = _checks.rate("erlang_c", "arrival_rate", arrival_rate)
    h = _checks.positive("erlang_c", "handle_time", handle_time)
    n = _checks.count("erlang_c", "agents", agents)
    return ErlangC(lam, h, n, p_wait_erlang_c(n, lam * h))
