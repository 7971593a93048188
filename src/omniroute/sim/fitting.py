"""Fits of handle times and of patience from censored waits, by maximum likelihood.

The candidate families are those the scenario format can write with a mean and a cv:
``exponential``, ``lognormal`` and ``gamma`` (``omniroute.sim.distributions``).  Each fit
reports its log-likelihood, its AIC (``2 k - 2 log L``, k = 1 or 2 parameters: the
criterion that picks the best) and a distance to the data: the Kolmogorov-Smirnov statistic
for handle times, the largest gap to the Kaplan-Meier curve for patience (where at least 1% of the callers are still at risk).

Patience is censored (Brown et al. 2005, JASA): an abandoner's wait is their patience, a
served caller's wait only a lower bound.  :func:`kaplan_meier` estimates its survival curve
without a model; :func:`fit` with ``censored`` maximises the censored likelihood
``sum log f(abandon times) + sum log S(served waits)`` (for the exponential in closed form:
mean = total time waited / abandonments).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np

from ..errors import ValidationError
from .distributions import Distribution, distribution
from .limits import MAX_CV, MAX_DURATION

__all__ = ["FAMILIES", "Fit", "FitChoice", "KaplanMeier", "kaplan_meier", "fit", "choose"]

#: The families fitted, as the scenario format names them.
FAMILIES = ("exponential", "lognormal", "gamma")
#: Abandonments recorded at 0 s are taken at half the log's resolution (1 s) in the
#: parametric fits, whose densities may be 0 or infinite at 0.
ZERO_EVENT = 0.5


@attrs.frozen
class Fit:
    """One family fitted to one sample: its mean and cv (what the scenario writes), the
    log-likelihood, AIC, and ``distance`` (KS statistic, or the largest gap to the
    Kaplan-Meier curve).  ``problem`` says why it cannot go into a scenario (None: it can)."""

    family: str
    mean: float
    cv: float
    loglik: float
    aic: float
    distance: float
    n: int
    events: int
    problem: str | None = None

    def distribution(self) -> Distribution:
        """The fitted distribution, as ``omniroute.sim`` samples it."""
        if self.family in ("exponential", "deterministic"):
            return distribution(self.family, mean=self.mean)
        return distribution(self.family, mean=self.mean, cv=self.cv)

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """P(X <= t)."""
        return _frozen(self.family, self.mean, self.cv).cdf(t)


@attrs.frozen
class FitChoice:
    """The fits of every family to one sample and the one ``chosen`` (lowest AIC among
    the usable ones, unless a family was asked for)."""

    fits: tuple[Fit, ...]
    chosen: Fit
    criterion: str = "AIC"


@attrs.frozen(eq=False)
class KaplanMeier:
    """The Kaplan-Meier estimate of a survival curve from right-censored times.

    ``times`` are the distinct event times, ``survival[i]`` the estimate of S just after
    ``times[i]``, ``at_risk[i]`` the subjects with time >= ``times[i]`` (a censored time
    equal to an event time counts as at risk), ``events[i]`` the events then.
    """

    times: np.ndarray
    survival: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    n: int
    last: float

    def __call__(self, t: float | np.ndarray) -> np.ndarray:
        """S(t): the estimate at ``t`` (1 before the first event)."""
        i = np.searchsorted(self.times, np.asarray(t, dtype=float), side="right")
        return np.concatenate([[1.0], self.survival])[i]

    @property
    def median(self) -> float | None:
        """The first time S falls to 0.5 or below; None when it never does within the data."""
        below = np.nonzero(self.survival <= 0.5)[0]
        return float(self.times[below[0]]) if below.size else None

    def restricted_mean(self, tau: float | None = None) -> float:
        """The area under S from 0 to ``tau`` (default: the largest time observed)."""
        tau = self.last if tau is None else tau
        edges = np.concatenate([[0.0], self.times[self.times < tau], [tau]])
        heights = np.concatenate([[1.0], self.survival[self.times < tau]])
        return float(np.sum(np.diff(edges) * heights))


def kaplan_meier(times: Sequence[float] | np.ndarray, events: Sequence[bool] | np.ndarray) -> KaplanMeier:
    """Kaplan-Meier estimate from ``times`` (>= 0) and ``events`` (True: the event, e.g. an
    abandonment; False: censored, e.g. served after waiting that long)."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape or t.ndim != 1 or t.size == 0:
        raise ValidationError(f"kaplan_meier needs as many events as times, at least one "
                              f"(got {t.size} times, {e.size} events)")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValidationError("kaplan_meier: times must be finite numbers >= 0")
    ut, d = np.unique(t[e], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), ut, side="left")
    surv = np.cumprod(1.0 - d / at_risk)
    return KaplanMeier(ut, surv, at_risk, d, int(t.size), float(t.max()))


def _frozen(family: str, mean: float, cv: float):  # noqa: ANN202 - a scipy frozen distribution
    from scipy import stats

    if family == "exponential":
        return stats.expon(scale=mean)
    if family == "lognormal":
        s2 = math.log1p(cv * cv)
        return stats.lognorm(math.sqrt(s2), scale=mean * math.exp(-s2 / 2))
    k = 1.0 / (cv * cv)
    return stats.gamma(k, scale=mean / k)


def _logs(family: str, mean: float, cv: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log f(t) and log S(t), straight from ``scipy.special`` (a frozen scipy distribution per
    evaluation costs more than the sums, in an optimiser's thousands of evaluations)."""
    from scipy import special

    if family == "exponential":
        return -math.log(mean) - t / mean, -t / mean
    if family == "lognormal":
        s2 = math.log1p(cv * cv)
        s = math.sqrt(s2)
        z = (np.log(t) - (math.log(mean) - s2 / 2)) / s
        return -np.log(t) - math.log(s) - 0.5 * math.log(2 * math.pi) - z * z / 2, special.log_ndtr(-z)
    k = 1.0 / (cv * cv)
    theta = mean / k
    return ((k - 1) * np.log(t) - t / theta - special.gammaln(k) - k * math.log(theta),
            np.log(special.gammaincc(k, t / theta)))


def _loglik(family: str, mean: float, cv: float, ev: np.ndarray, ev_n: np.ndarray,
            ce: np.ndarray, ce_n: np.ndarray) -> float:
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logf, _ = _logs(family, mean, cv, ev)
        _, logs = _logs(family, mean, cv, ce)
        ll = float(np.sum(ev_n * logf) + np.sum(ce_n * logs))
    return ll if math.isfinite(ll) else -math.inf


def _start(family: str, ev: np.ndarray, ev_n: np.ndarray, exp_mean: float) -> tuple[float, float]:
    """Starting values (mean, cv): the uncensored MLE of the lognormal, moments of the gamma."""
    w = ev_n / ev_n.sum()
    if family == "lognormal":
        mu = float(np.sum(w * np.log(ev)))
        s2 = float(np.sum(w * (np.log(ev) - mu) ** 2))
        return math.exp(mu + s2 / 2), math.sqrt(math.expm1(s2)) if s2 > 0 else 1.0
    m = float(np.sum(w * ev))
    sd = math.sqrt(float(np.sum(w * (ev - m) ** 2)))
    return exp_mean, min(max(sd / m, 0.05), MAX_CV) if m > 0 else 1.0


def fit(family: str, values: Sequence[float] | np.ndarray,
        censored: Sequence[float] | np.ndarray = ()) -> Fit:
    """Maximum-likelihood fit of ``family`` to event times ``values`` (> 0), with
    right-censored times ``censored`` (a lower bound each; 0 adds nothing)."""
    from scipy import optimize

    if family not in FAMILIES:
        raise ValidationError(f"unknown family {family!r}; allowed: {', '.join(FAMILIES)}")
    x = np.asarray(values, dtype=float)
    c = np.asarray(censored, dtype=float)
    c = c[c > 0]
    if x.size == 0 or np.any(x <= 0):
        raise ValidationError(f"fit needs at least one event time, all > 0 (got {x.size} values)")
    ev, ev_n = np.unique(x, return_counts=True)
    ce, ce_n = np.unique(c, return_counts=True)
    exp_mean = (float(np.sum(x)) + float(np.sum(c))) / x.size
    if family == "exponential":
        mean, cv = exp_mean, 1.0
    else:
        mean, cv = _start(family, ev, ev_n, exp_mean)
        if family == "gamma" or c.size:
            def nll(p: np.ndarray) -> float:
                ll = _loglik(family, math.exp(p[0]), math.exp(p[1]), ev, ev_n, ce, ce_n)
                return -ll if math.isfinite(ll) else 1e300

            res = optimize.minimize(nll, np.log([mean, cv]), method="Nelder-Mead",
                                    options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 4000})
            mean, cv = float(math.exp(res.x[0])), float(math.exp(res.x[1]))
    ll = _loglik(family, mean, cv, ev, ev_n, ce, ce_n)
    k = 1 if family == "exponential" else 2
    problem = None
    if cv > MAX_CV:
        problem = f"cv {cv:.3g} is beyond the scenario format's limit {MAX_CV:g}"
    elif mean > MAX_DURATION:
        problem = f"mean {mean:.3g} s is beyond the longest duration allowed (366 days)"
    return Fit(family, mean, cv, ll, 2 * k - 2 * ll, math.nan, int(x.size + c.size), int(x.size), problem)


def _ks(f: Fit, x: np.ndarray) -> float:
    xs = np.sort(x)
    cdf = f.cdf(xs)
    n = xs.size
    hi = np.arange(1, n + 1) / n
    return float(max(np.max(hi - cdf), np.max(cdf - (hi - 1.0 / n))))


def _km_gap(f: Fit, km: KaplanMeier) -> float:
    """The largest |S_KM - S_fit| at the event times (just before and after each), where at
    least 1% of the sample (and 10) are still at risk: the tail beyond is a few callers' noise."""
    keep = km.at_risk >= max(10, 0.01 * km.n)
    if not np.any(keep):
        return math.nan
    sf = 1.0 - f.cdf(km.times[keep])
    before = np.concatenate([[1.0], km.survival[:-1]])[keep]
    return float(max(np.max(np.abs(km.survival[keep] - sf)), np.max(np.abs(before - sf))))


def choose(values: Sequence[float] | np.ndarray, censored: Sequence[float] | np.ndarray = (),
           family: str | None = None, km: KaplanMeier | None = None) -> FitChoice:
    """Fit every family and choose the lowest AIC among the usable fits (or ``family``).

    Without censoring each fit's ``distance`` is its KS statistic; with ``km`` (censored
    data) its largest gap to the Kaplan-Meier curve.  Uncensored values all equal are
    ``deterministic`` (criterion ``"all values equal"``).
    """
    if family is not None and family not in FAMILIES:
        raise ValidationError(f"unknown family {family!r}; allowed: {', '.join(FAMILIES)} "
                              "(or None: the lowest AIC)")
    x = np.asarray(values, dtype=float)
    if x.size and x.max() - x.min() <= 1e-9 * x.max() and not np.any(np.asarray(censored, dtype=float) > 0):
        # every value the same (to rounding): no family has a likelihood maximum; the value is the fit
        same = Fit("deterministic", float(np.mean(x)), 0.0, math.nan, math.nan, 0.0, int(x.size), int(x.size))
        return FitChoice((same,), same, "all values equal")
    fits = []
    for fam in FAMILIES:
        f = fit(fam, x, censored)
        dist = _km_gap(f, km) if km is not None else _ks(f, x)
        fits.append(attrs.evolve(f, distance=dist))
    usable = [f for f in fits if f.problem is None]
    if family is not None:
        chosen = next(f for f in fits if f.family == family)
        if chosen.problem is not None:
            raise ValidationError(f"the {family} fit cannot go into a scenario: {chosen.problem}")
    elif usable:
        chosen = min(usable, key=lambda f: f.aic)
    else:
        raise ValidationError("no fitted family can go into a scenario: "
                              + "; ".join(f"{f.family}: {f.problem}" for f in fits))
    return FitChoice(tuple(fits), chosen)
