"""Erlang A (M/M/n+M, Palm's model): ``agents`` servers, a FIFO queue, and contacts who abandon
after an exponential patience of mean ``patience`` seconds.

Notation (Garnett, Mandelbaum & Reiman 2002): ``mu = 1/handle_time``, ``theta = 1/patience``,
``x = n mu / theta``, ``y = lambda / theta``, and ``P(a, u)`` the regularized lower incomplete
gamma function.  With ``S = x e^y y^-x gamma(x, y) = sum_j prod_{i<=j} y / (x + i)`` (the
queue states' weights relative to state ``n``) and ``B`` Erlang B:

* ``p_wait = S / (1/B - 1 + S)``;
* a contact who finds ``k - 1`` waiting ahead has a *virtual* wait (the wait were it
  infinitely patient) ``V`` with ``exp(-theta V) ~ Beta(x, k)``; it is answered iff its patience
  exceeds ``V``.  Mixing over ``k`` gives, for ``z = exp(-theta t)``::

      P(V > t, wait)            = p_wait * P(x, y z) / P(x, y)
      P(answered, 0 < W <= t)   = p_served_after_wait * (1 - P(x+1, y z) / P(x+1, y))
      p_served_after_wait       = (x / y) (S - 1) / (1/B - 1 + S)

* the mean wait of answered contacts sums ``P(answered | k) E[V | k]`` over queue positions.

Everything is evaluated in logs (``scipy.special.gammainc``, ``gammaln``), so loads far above 1
per agent and 10,000 agents are fine.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
from scipy import special

from . import _checks
from .erlang import log_erlang_b, p_wait_erlang_c

__all__ = ["ErlangA", "erlang_a"]


def _log_gammainc(a: float, u: float) -> float:
    """``log P(a, u)``, also deep in the lower tail where ``gammainc`` underflows."""
    if u <= 0.0:
        return -math.inf
    p = float(special.gammainc(a, u))
    if p > 1e-280:
        return math.log(p)
    # u well below a: P(a, u) = u^a e^-u / Gamma(a+1) * sum_j u^j / ((a+1)...(a+j)), whose
    # terms fall at least geometrically (ratio < u / a).
    head = a * math.log(u) - u - float(special.gammaln(a + 1.0))
    total, term, j = 1.0, 1.0, 1
    while term > 1e-17 * total and j < 10_000_000:
        term *= u / (a + j)
        total += term
        j += 1
    return head + math.log(total)


@attrs.frozen(slots=True)
class ErlangA:
    """M/M/n+M results; build it with :func:`erlang_a`.

    ``p_wait``: fraction of offered contacts who wait (> 0 s); ``p_abandon``: fraction who
    abandon; ``asa``: mean wait of *answered* contacts (zeros included), seconds.
    ``patience = inf`` gives Erlang C (unstable, like :class:`ErlangC`, when load >= agents).
    """

    arrival_rate: float
    handle_time: float
    agents: int
    patience: float
    p_wait: float
    p_abandon: float
    asa: float

    @property
    def load(self) -> float:
        """Offered load in Erlangs (``arrival_rate * handle_time``); may exceed ``agents``."""
        return self.arrival_rate * self.handle_time

    @property
    def p_answered(self) -> float:
        """Fraction of offered contacts answered: ``1 - p_abandon``."""
        return 1.0 - self.p_abandon

    @property
    def mean_queue(self) -> float:
        """Mean number of contacts waiting: ``arrival_rate * patience * p_abandon``."""
        if math.isinf(self.patience):
            return self.arrival_rate * self.asa if self.arrival_rate > 0 else 0.0
        return self.arrival_rate * self.patience * self.p_abandon

    @property
    def mean_wait(self) -> float:
        """Mean time in queue of all offered contacts (abandoners: time until they left)."""
        return self.mean_queue / self.arrival_rate if self.arrival_rate > 0 else 0.0

    @property
    def occupancy(self) -> float:
        """Mean fraction of agents busy: ``load * (1 - p_abandon) / agents``."""
        return min(1.0, self.load * (1.0 - self.p_abandon) / self.agents)

    def _tails(self, t: float) -> tuple[float, float, float]:
        """(P(answered after waiting), P(V > t | V > 0), P(answered, V > t | answered after wait))."""
        x = self.agents * self.patience / self.handle_time
        y = self.arrival_rate * self.patience
        yz = y * math.exp(-t / self.patience)
        v_tail = math.exp(_log_gammainc(x, yz) - _log_gammainc(x, y))
        s_tail = math.exp(_log_gammainc(x + 1.0, yz) - _log_gammainc(x + 1.0, y))
        return self.p_wait - self.p_abandon, v_tail, s_tail

    def answered_within(self, within: float) -> float:
        """Fraction of offered contacts answered after waiting at most ``within`` seconds."""
        t = _checks.duration("ErlangA.answered_within", "within", within)
        if self.arrival_rate == 0.0:
            return 1.0
        if math.isinf(self.patience):
            return _erlang_c_sl(self, t)
        p_sw, _, s_tail = self._tails(t)
        return (1.0 - self.p_wait) + p_sw * (1.0 - s_tail)

    def abandoned_within(self, within: float) -> float:
        """Fraction of offered contacts who abandoned within ``within`` seconds."""
        t = _checks.duration("ErlangA.abandoned_within", "within", within)
        if self.arrival_rate == 0.0 or math.isinf(self.patience):
            return 0.0
        p_sw, v_tail, s_tail = self._tails(t)
        after = math.exp(-t / self.patience) * self.p_wait * v_tail - p_sw * s_tail
        return min(self.p_abandon, max(0.0, self.p_abandon - after))

    def service_level(self, within: float) -> float:
        """Answered within ``within`` seconds / offered; an abandon (at any time) is a miss."""
        return self.answered_within(within)

    def service_level_excluding_abandons(self, within: float) -> float:
        """Answered within ``within`` / (offered - abandoned within ``within``): contacts who
        hung up before the threshold are left out of the denominator."""
        answered = self.answered_within(within)
        return answered / (1.0 - self.abandoned_within(within))

    def to_dict(self, within: float | None = None) -> dict[str, Any]:
        """The inputs and results as a JSON-ready dict (with the service levels if ``within``)."""
        out: dict[str, Any] = {
            "model": "erlang_a",
            "arrival_rate": self.arrival_rate,
            "handle_time": self.handle_time,
            "agents": self.agents,
            "patience": self.patience,
            "load": self.load,
            "p_wait": self.p_wait,
            "p_abandon": self.p_abandon,
            "asa": self.asa,
            "mean_queue": self.mean_queue,
            "mean_wait": self.mean_wait,
            "occupancy": self.occupancy,
        }
        if within is not None:
            out["within"] = float(within)
            out["service_level"] = self.service_level(within)
            out["service_level_excluding_abandons"] = self.service_level_excluding_abandons(within)
        return out


def _erlang_c_sl(r: ErlangA, t: float) -> float:
    if r.load >= r.agents:
        return 0.0
    return 1.0 - r.p_wait * math.exp(-(r.agents - r.load) / r.handle_time * t)


def _queue_sums(x: float, y: float) -> tuple[float, float, float]:
    """Sums over the queue states, weights ``t_j = prod_{i<=j} y / (x + i)`` (state ``n + j``
    relative to state ``n``).  Returns ``log S = log sum_j t_j`` and, for a contact who waits
    (it joins at position ``k = j + 1``), ``P(abandon | wait) = E[k / (x + k)]`` and
    ``theta E[W; answered | wait] = E[x / (x + k) * sum_{i<=k} 1 / (x + i)]``.

    The weights are summed over a window around their mode (``j ~ y - x``) wide enough to hold
    all but ~e^-100 of the mass, built by cumulative sums so that nothing cancels."""
    sigma = math.sqrt(max(x, y, 1.0))
    width = math.ceil(15.0 * sigma + 50.0)
    mode = max(0, math.ceil(y - x) - 1)
    lo, hi = max(0, mode - width), mode + width
    j = np.arange(lo, hi + 1, dtype=float)
    steps = math.log(y) - np.log(x + j[1:])  # log(t_j / t_{j-1})
    log_t0 = 0.0
    if lo > 0:
        log_t0 = lo * math.log(y) - float(special.gammaln(x + lo + 1.0) - special.gammaln(x + 1.0))
    log_t = np.concatenate(([log_t0], log_t0 + np.cumsum(steps)))
    top = float(log_t.max())
    w = np.exp(log_t - top)
    total = float(w.sum())
    k = j + 1.0
    if lo == 0:
        harmonic = np.cumsum(1.0 / (x + k))
    else:
        harmonic = special.digamma(x + k + 1.0) - special.digamma(x + 1.0)
    p_ab = float(np.sum(w * k / (x + k))) / total
    served_wait = float(np.sum(w * x / (x + k) * harmonic)) / total
    return top + math.log(total), p_ab, served_wait


def erlang_a(
    arrival_rate: float, handle_time: float, agents: int, patience: float
) -> ErlangA:
    """Erlang A: ``agents`` servers, contacts who abandon after an exponential patience.

    ``arrival_rate`` contacts per second (>= 0), ``handle_time`` mean seconds (> 0),
    ``agents`` an integer >= 1, ``patience`` mean seconds (> 0; ``math.inf`` for Erlang C).
    Any load is allowed: abandonment keeps the queue finite.

    >>> a = erlang_a(arrival_rate=100 / 1800, handle_time=180.0, agents=14, patience=120.0)
    >>> round(a.p_abandon, 4), round(a.service_level(20.0), 3)
    (0.0228, 0.933)
    """
    lam = _checks.rate("erlang_a", "arrival_rate", arrival_rate)
    h = _checks.positive("erlang_a", "handle_time", handle_time)
    n = _checks.count("erlang_a", "agents", agents)
    tau = _checks.positive("erlang_a", "patience", patience, allow_inf=True)
    load = lam * h
    if lam == 0.0:
        return ErlangA(lam, h, n, tau, 0.0, 0.0, 0.0)
    if math.isinf(tau):
        c = p_wait_erlang_c(n, load)
        asa = c * h / (n - load) if load < n else math.inf
        return ErlangA(lam, h, n, tau, c, 0.0, asa)
    x, y = n * tau / h, lam * tau
    log_s, ab_given_wait, served_wait_given_wait = _queue_sums(x, y)
    log_b = log_erlang_b(n, load)
    b = math.exp(log_b)
    log_e = math.log1p(-b) - log_b if b < 1.0 else -math.inf  # log(1/B - 1)
    p_wait = math.exp(log_s - float(np.logaddexp(log_e, log_s)))
    p_abandon = p_wait * ab_given_wait
    asa = tau * p_wait * served_wait_given_wait / (1.0 - p_abandon)
    return ErlangA(lam, h, n, tau, p_wait, p_abandon, asa)
