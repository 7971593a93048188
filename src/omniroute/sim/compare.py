"""Fair comparisons of variants of a scenario: common random numbers, paired tests, and a
correction for testing several KPIs at once.

:func:`compare_policies` runs one scenario under several routing policies,
:func:`compare_variants` any named scenarios; both return a :class:`Comparison`.

* **Common random numbers.** Every variant runs the same replications with the same seeds
  (:func:`omniroute.sim.seeds`): replication ``i`` of every variant sees the same customers
  (arrivals, handle times, patience), so what differs between variants is the policy.
* **Paired tests.** Per KPI row the best variant (:data:`BETTER` says which direction is
  better) is tested against the runner-up with a paired t-test on the per-replication values
  (``scipy.stats.ttest_rel``): pairing removes the randomness both share, so it detects far
  smaller differences than two independent intervals would.
* **Several KPIs at once.** A comparison tests one hypothesis per row (a dozen or more); at
  5% each, some would come out "significant" by chance alone.  The raw p-values are adjusted
  by **Holm's step-down method** (default) over the family of the comparison's tested rows,
  and significance is decided on the adjusted p.  Holm controls the family-wise error rate
  (the chance of any false "significant" among the rows) at ``alpha`` under any dependence
  between the KPIs, which are strongly dependent here (service level, ASA and abandonment
  move together), and it rejects everything Bonferroni rejects and more, so it is uniformly
  more powerful at the same guarantee.  ``correction="bonferroni"`` or ``"none"`` (each row
  at ``alpha`` alone) are offered too.
* **Intervals of the differences.** Each row keeps the paired difference best minus
  runner-up with its per-KPI 95% interval (:attr:`Row.difference`: it excludes 0 exactly
  when the raw p < 0.05) and a **simultaneous** interval (:attr:`Row.simultaneous`): the
  Bonferroni interval at level ``1 - alpha / m`` over the ``m`` tested rows, so that all of
  them cover their true differences together with probability at least ``1 - alpha``.  A
  simultaneous interval that excludes 0 is always significant after Holm's correction (its
  raw p is below ``alpha / m``, Holm's first and strictest threshold); Holm may also find
  significant a row whose simultaneous interval touches 0, never the reverse.  Tables and
  plots show the simultaneous interval, so that reading "which intervals exclude 0" down a
  table agrees with the significance column.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import attrs

from ..errors import ValidationError
from ..policies import agent_policy, contact_policy
from .metrics import AGENT_KPIS, CONTACT_KPIS, FAIRNESS_KPIS
from .report import Summary, estimate
from .scenario import Scenario

__all__ = [
    "BETTER", "CORRECTIONS", "DEFAULT_KPIS", "Comparison", "Row", "adjust", "as_dicts",
    "compare_policies", "compare_variants", "paired_rows", "with_policies",
]

#: +1: higher is better; -1: lower is better.  KPIs not listed have no "better".
BETTER = {
    "service_level": +1, "service_level_ex_short": +1, "service_level_answered": +1,
    "service_level_customer": +1, "asa": -1, "mean_wait": -1, "p_wait": -1, "abandon_rate": -1,
    "abandoned": -1, "abandoned_after": -1, "unanswered": -1, "blocked": -1, "block_rate": -1,
    "occupancy_range": -1, "occupancy_sd": -1, "occupancy_gini": -1, "wait_max_lowest": -1,
    "wait_p95_lowest": -1,
}

#: (group, kpis) compared by default: service, then two-sided fairness (the agents'
#: occupancy spread, the lowest priority's longest waits).
DEFAULT_KPIS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("overall", ("service_level", "asa", "abandon_rate", "occupancy", "occupancy_sd",
                 "occupancy_gini", "wait_max_lowest", "wait_p95_lowest")),
    ("queues", ("service_level", "asa", "abandon_rate")),
    ("segments", ("service_level", "asa", "abandon_rate")),
    ("tiers", ("occupancy", "occupancy_gini")),
)

#: The corrections for several KPIs at once (see the module's docstring).
CORRECTIONS = ("holm", "bonferroni", "none")

_GROUPS = ("overall", "queues", "channels", "segments", "tiers", "teams")
_KNOWN_KPIS = frozenset(CONTACT_KPIS) | frozenset(AGENT_KPIS) | frozenset(FAIRNESS_KPIS) \
    | {"inbound_hours", "outbound_hours"}
_POLICY_KEYS = ("agent", "contact")


@dataclass(frozen=True)
class Row:
    """One KPI across variants.

    ``estimates[i]``: variant ``i``'s :class:`~omniroute.sim.Estimate`; ``best``: its index
    (None: no direction, no value, or a tie); ``runner_up``: the next best; ``p_value``: the
    raw p of the paired t-test best vs runner-up; ``p_adjusted``: after ``correction`` over
    the ``family`` tested rows of the comparison (significance is decided on it);
    ``difference``: the mean of the per-replication differences best minus runner-up and
    its per-KPI 95% Student-t interval (excludes 0 exactly when the raw p < 0.05);
    ``simultaneous``: the same difference with its Bonferroni interval at ``1 - alpha /
    family``, which holds for all the rows together.  None where there is no test.
    """

    group: str
    key: str
    kpi: str
    estimates: tuple[Any, ...]
    best: int | None
    runner_up: int | None
    p_value: float | None
    alpha: float = 0.05
    difference: Any = None
    p_adjusted: float | None = None
    family: int = 1
    correction: str = "none"
    simultaneous: Any = None

    @property
    def significant(self) -> bool | None:
        """Whether the adjusted p is below ``alpha`` (None: no test)."""
        p = self.p_adjusted if self.p_adjusted is not None else self.p_value
        return None if p is None else p < self.alpha


def _per_replication(summary: Any, group: str, key: str, kpi: str) -> list[float | None]:
    """The KPI of each replication (``Summary.values``), None where undefined."""
    return summary.values(kpi, group, key or None)  # type: ignore[no-any-return]


def _pairs(a: Sequence[float | None], b: Sequence[float | None]) -> list[tuple[float, float]]:
    return [(x, y) for x, y in zip(a, b, strict=False) if x is not None and y is not None]


def _paired_p(pairs: Sequence[tuple[float, float]]) -> float | None:
    if len(pairs) < 2:
        return None
    if all(abs(x - y) < 1e-12 for x, y in pairs):
        return 1.0
    from scipy import stats

    p = float(stats.ttest_rel([x for x, _ in pairs], [y for _, y in pairs]).pvalue)
    return None if math.isnan(p) else p


def adjust(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """``p_values`` adjusted for testing them together: ``"holm"`` (step-down: the i-th
    smallest p times ``m - i + 1``, made non-decreasing, at most 1), ``"bonferroni"`` (each
    times ``m``, at most 1) or ``"none"``.  Rejecting where the adjusted p < alpha keeps the
    family-wise error rate at alpha (Holm, Bonferroni) under any dependence."""
    _check_correction(method)
    m = len(p_values)
    if method == "none":
        return [float(p) for p in p_values]
    if method == "bonferroni":
        return [min(1.0, m * p) for p in p_values]
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda i: (p_values[i], i))):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


def _row_values(summaries: Sequence[Any], group: str, key: str, kpi: str) -> list[Any]:
    ests = []
    for s in summaries:
        g = s.kpis.get(group, {})
        d = g if group == "overall" else g.get(key, {})
        ests.append(d.get(kpi))
    return ests


def paired_rows(summaries: Sequence[Any], kpis: Sequence[tuple[str, Sequence[str]]] = DEFAULT_KPIS,
                alpha: float = 0.05, correction: str = "holm") -> list[Row]:
    """Rows comparing ``summaries`` (``Summary`` objects of the same replications and seed)
    KPI by KPI: the best against the runner-up, paired, with ``correction`` over the rows
    tested (see the module's docstring).  ``kpis``: (group, KPI names) pairs; a group or KPI
    the summaries lack is skipped."""
    _check_alpha(alpha)
    _check_correction(correction)
    first = summaries[0]
    raw: list[tuple[str, str, str, tuple[Any, ...], int | None, int | None, list[tuple[float, float]] | None]] = []
    for group, names in kpis:
        if group not in first.kpis:
            continue
        keys = [""] if group == "overall" else list(first.kpis[group])
        for key in keys:
            for kpi in names:
                ests = _row_values(summaries, group, key, kpi)
                if all(e is None or e.mean is None for e in ests):
                    continue
                best = runner = pairs = None
                sign = BETTER.get(kpi)
                valid = [i for i, e in enumerate(ests) if e is not None and e.mean is not None]
                if sign is not None and len(valid) >= 2:
                    order = sorted(valid, key=lambda i: -sign * ests[i].mean)
                    best, runner = order[0], order[1]
                    pairs = _pairs(_per_replication(summaries[best], group, key, kpi),
                                   _per_replication(summaries[runner], group, key, kpi))
                    if ests[best].mean == ests[runner].mean:
                        best = None
                raw.append((group, key, kpi, tuple(ests), best, runner, pairs))
    ps = [_paired_p(r[6]) if r[6] is not None else None for r in raw]
    tested = [i for i, p in enumerate(ps) if p is not None]
    m = len(tested)
    adjusted = dict(zip(tested, adjust([ps[i] for i in tested], correction), strict=True))  # type: ignore[misc]
    rows = []
    for i, (group, key, kpi, ests, best, runner, pairs) in enumerate(raw):
        diff = simul = None
        if pairs is not None:
            d = [x - y for x, y in pairs]
            diff = estimate(d)
            simul = estimate(d, confidence=1 - alpha / max(m, 1))
        rows.append(Row(group, key, kpi, ests, best, runner, ps[i], alpha, diff, adjusted.get(i),
                        max(m, 1), correction, simul))
    return rows


def as_dicts(names: Sequence[str], rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts (variants by name); each says its ``correction``, the
    ``family`` size it was adjusted over and ``alpha``."""
    return [{
        "group": r.group, "key": r.key, "kpi": r.kpi,
        "variants": {n: (e.to_dict() if e is not None else None) for n, e in zip(names, r.estimates, strict=True)},
        "best": names[r.best] if r.best is not None else None,
        "runner_up": names[r.runner_up] if r.runner_up is not None else None,
        "difference": r.difference.to_dict() if r.difference is not None else None,
        "simultaneous": r.simultaneous.to_dict() if r.simultaneous is not None else None,
        "p_value": r.p_value, "p_adjusted": r.p_adjusted, "correction": r.correction, "family": r.family,
        "alpha": r.alpha, "significant": r.significant,
    } for r in rows]


@attrs.frozen
class Comparison:
    """Variants of a scenario run on common random numbers, and their paired comparison.

    ``names``, ``scenarios``, ``summaries``: each variant's name, ``Scenario`` and
    ``Summary`` (``replications`` replications from root seed ``seed``); ``rows``: the
    :class:`Row` of each compared KPI; ``alpha`` and ``correction`` as decided on; ``family``:
    the number of rows tested together.
    """

    names: tuple[str, ...]
    scenarios: tuple[Scenario, ...] = attrs.field(repr=False)
    summaries: tuple[Summary, ...] = attrs.field(repr=False)
    rows: tuple[Row, ...] = attrs.field(repr=False)
    replications: int
    seed: int
    alpha: float
    correction: str

    @property
    def family(self) -> int:
        return sum(r.p_value is not None for r in self.rows)

    def row(self, kpi: str, group: str = "overall", key: str = "") -> Row:
        """The row of ``kpi`` (``row("asa", "queues", "general")``); a KeyError lists the rows."""
        for r in self.rows:
            if (r.group, r.key, r.kpi) == (group, key, kpi):
                return r
        have = ", ".join(dict.fromkeys(f"{r.group}{'/' + r.key if r.key else ''}:{r.kpi}" for r in self.rows))
        raise KeyError(f"comparison: no row {group}{'/' + key if key else ''}:{kpi}; rows: {have}")

    def winner(self, kpi: str, group: str = "overall", key: str = "") -> str | None:
        """The name of the variant significantly better on this row (after the correction),
        else None."""
        r = self.row(kpi, group, key)
        return self.names[r.best] if r.significant and r.best is not None else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"variants", "replications", "seed", "alpha", "correction":
        {"method", "family"}, "rows": [...], "kpis": {variant: Summary.to_dict()["kpis"]}}``."""
        return {
            "variants": list(self.names), "replications": self.replications, "seed": self.seed,
            "alpha": self.alpha, "correction": {"method": self.correction, "family": self.family},
            "rows": as_dicts(self.names, self.rows),
            "kpis": {n: s.to_dict()["kpis"] for n, s in zip(self.names, self.summaries, strict=True)},
        }


#: ``runner(name, scenario, replications, seed)`` -> Summary: how one variant is replicated.
Runner = Callable[[str, Scenario, int, int], Summary]


def compare_variants(variants: Mapping[str, Scenario], replications: int | None = None, seed: int = 0, *,
                     executor: Any = None, processes: int | None = None,
                     kpis: Sequence[tuple[str, Sequence[str]]] = DEFAULT_KPIS, alpha: float = 0.05,
                     correction: str = "holm", runner: Runner | None = None) -> Comparison:
    """Run every scenario of ``variants`` (name -> Scenario, at least two) on the same seeds
    and compare them (see the module's docstring).

    ``replications``: at least 2 (default: the first variant's scenario's); ``seed``: the
    root seed; ``executor``/``processes``: as :func:`omniroute.sim.replicate`; ``kpis``:
    the (group, KPI names) rows, default :data:`DEFAULT_KPIS`; ``alpha``: the family-wise
    significance level; ``correction``: one of :data:`CORRECTIONS`.  ``runner``: replaces
    ``sim.replicate`` for each variant (the CLI's adds a progress bar); it must use
    ``sim.seeds(seed, replications)``, as ``sim.replicate`` does.  Everything is checked
    before the first replication runs.
    """
    from .replicate import replicate, seeds

    if not isinstance(variants, Mapping):
        raise ValidationError(f"compare: variants must be a mapping of name -> Scenario (got {type(variants).__name__})")
    if len(variants) < 2:
        raise ValidationError(f"compare: needs at least two variants (got {len(variants)}: {', '.join(map(repr, variants))})")
    for name, sc in variants.items():
        _check_name(name)
        if not isinstance(sc, Scenario):
            raise ValidationError(f"compare: variant {name!r} must be a Scenario (got {sc!r:.80})")
    scs = list(variants.values())
    n = scs[0].replications if replications is None else replications
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValidationError("compare: replications must be an integer >= 2, for the confidence intervals "
                              f"and the paired t-tests (got {n!r})")
    seeds(seed, n)  # checks the seed and the upper limit of replications
    _check_alpha(alpha)
    _check_correction(correction)
    _check_kpis(kpis)
    if runner is None:
        def runner(_name: str, sc: Scenario, reps: int, root: int) -> Summary:
            return replicate(sc, reps, root, executor=executor, processes=processes)
    summaries = tuple(runner(name, sc, n, seed) for name, sc in variants.items())
    rows = paired_rows(summaries, kpis, alpha, correction)
    return Comparison(tuple(variants), tuple(scs), summaries, tuple(rows), n, seed, alpha, correction)


def compare_policies(scenario: Scenario | str | os.PathLike[str],
                     variants: Mapping[str, Mapping[str, Any]], replications: int | None = None,
                     seed: int = 0, **kw: Any) -> Comparison:
    """Run ``scenario`` under each routing of ``variants`` on common random numbers and
    compare them.

    ``variants``: name -> ``{"agent": ..., "contact": ...}`` (a policy name, as in a
    scenario's ``[routing]``, or a factory as :class:`~omniroute.sim.Routing` takes it; a key
    left out keeps the scenario's).  At least two, no two the same routing.  ``scenario``: a ``Scenario``, or
    a file or bundled scenario's name for :func:`~omniroute.sim.load_scenario`.  The other
    arguments: :func:`compare_variants`'s.

    >>> from omniroute import sim
    >>> cmp = sim.compare_policies("retail_bank", {
    ...     "longest-idle": {"agent": "longest-idle"},
    ...     "round-robin": {"agent": "round-robin"}}, replications=2, seed=1)  # doctest: +SKIP
    >>> cmp.winner("occupancy_gini", "tiers", "1")  # doctest: +SKIP
    'longest-idle'
    """
    if not isinstance(scenario, Scenario):
        if not isinstance(scenario, (str, os.PathLike)):
            raise ValidationError(f"compare_policies: scenario must be a Scenario, a file or a bundled "
                                  f"scenario's name (got {scenario!r:.80})")
        from .loader import load_scenario

        scenario = load_scenario(scenario)
    if not isinstance(variants, Mapping):
        raise ValidationError("compare_policies: variants must be a mapping of name -> "
                              f"{{'agent': ..., 'contact': ...}} (got {type(variants).__name__})")
    built: dict[str, Scenario] = {}
    seen: dict[tuple[Any, Any], str] = {}
    for name, spec in variants.items():
        _check_name(name)
        if not isinstance(spec, Mapping):
            raise ValidationError(f"compare_policies: variant {name!r} must be a mapping with keys "
                                  f"{', '.join(_POLICY_KEYS)} (got {spec!r:.80})")
        extra = sorted(set(spec) - set(_POLICY_KEYS), key=str)
        if extra:
            raise ValidationError(f"compare_policies: variant {name!r}: unknown key {extra[0]!r}; "
                                  f"allowed: {', '.join(_POLICY_KEYS)}")
        try:
            sc = with_policies(scenario, spec.get("agent"), spec.get("contact"))
        except ValidationError as exc:
            raise ValidationError(f"compare_policies: variant {name!r}: {exc}") from None
        routing = (sc.routing.agent, sc.routing.contact)
        if routing in seen:
            raise ValidationError(f"compare_policies: variants {seen[routing]!r} and {name!r} are the same "
                                  f"routing (agent {_policy_name(routing[0])!r}, contact "
                                  f"{_policy_name(routing[1])!r}): give each variant once")
        seen[routing] = name
        built[name] = sc
    return compare_variants(built, replications, seed, **kw)


def with_policies(scenario: Scenario, agent: Any = None, contact: Any = None) -> Scenario:
    """``scenario`` with its ``[routing]`` agent and/or contact policy replaced (None: kept).
    A name is checked at once: an unknown one raises a ValidationError listing the allowed."""
    changes: dict[str, Any] = {}
    for field, value, build in (("agent", agent, agent_policy), ("contact", contact, contact_policy)):
        if value is None:
            continue
        if isinstance(value, str):
            build(value)  # an unknown name: ValidationError with the allowed names
        elif not callable(value):
            raise ValidationError(f"{field} policy must be a name or a factory (got {value!r:.80})")
        changes[field] = value
    routing = attrs.evolve(scenario.routing, **changes)
    return attrs.evolve(scenario, routing=routing)


def _policy_name(x: Any) -> str:
    return x if isinstance(x, str) else str(getattr(x, "name", None) or getattr(x, "__name__", repr(x)))


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"compare: a variant's name must be a non-empty string (got {name!r})")


def _check_alpha(alpha: Any) -> None:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValidationError(f"compare: alpha must be a significance level between 0 and 1, e.g. 0.05 (got {alpha!r})")


def _check_correction(correction: Any) -> None:
    if correction not in CORRECTIONS:
        raise ValidationError(f"compare: correction {correction!r} is not known; allowed: {', '.join(CORRECTIONS)}")


def _check_kpis(kpis: Any) -> None:
    for item in kpis:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ValidationError(f"compare: kpis must be (group, [kpi, ...]) pairs (got {item!r:.80})")
        group, names = item
        if group not in _GROUPS:
            raise ValidationError(f"compare: kpis: {group!r} is not a group; allowed: {', '.join(_GROUPS)}")
        if isinstance(names, str):
            raise ValidationError(f"compare: kpis: {group}: give a list of KPI names (got the string {names!r})")
        for k in names:
            if k not in _KNOWN_KPIS:
                raise ValidationError(f"compare: kpis: {group}: {k!r} is not a KPI; allowed: {', '.join(sorted(_KNOWN_KPIS))}")

