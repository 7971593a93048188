"""Side-by-side comparison of variants run with the same seeds (common random numbers).

Each variant is a ``Summary`` of the same number of replications and the same seed, so
replication ``i`` of every variant saw the same customers.  Per KPI the better mean is marked
(:data:`BETTER` says which direction is better) and the difference between the best and the
runner-up is tested with a paired t-test on the per-replication values
(``scipy.stats.ttest_rel``): pairing removes the customers' randomness both share, so it
detects far smaller differences than comparing two independent intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .table import LABELS, format_cell, render

__all__ = ["BETTER", "DEFAULT_KPIS", "Row", "compare", "comparison_table"]

#: +1: higher is better; -1: lower is better.  KPIs not listed have no "better".
BETTER = {
    "service_level": +1, "service_level_ex_short": +1, "service_level_answered": +1,
    "service_level_customer": +1, "asa": -1, "mean_wait": -1, "p_wait": -1, "abandon_rate": -1,
    "abandoned": -1, "abandoned_after": -1, "unanswered": -1, "blocked": -1, "block_rate": -1,
}

#: (group, kpis) compared by default.
DEFAULT_KPIS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("overall", ("service_level", "asa", "abandon_rate", "occupancy")),
    ("queues", ("service_level", "asa", "abandon_rate")),
    ("segments", ("service_level", "asa", "abandon_rate")),
    ("tiers", ("occupancy",)),
)


@dataclass(frozen=True)
class Row:
    """One KPI across variants: ``estimates[i]`` of variant ``i``; ``best`` its index (None:
    no direction or no value); ``p_value`` of best vs runner-up (paired t-test);
    ``difference`` the mean of the per-replication differences best minus runner-up and its
    95% Student-t interval (the paired interval: excludes 0 exactly when the test finds the
    difference significant at 5%), None where there is no best."""

    group: str
    key: str
    kpi: str
    estimates: tuple[Any, ...]
    best: int | None
    runner_up: int | None
    p_value: float | None
    alpha: float = 0.05
    difference: Any = None

    @property
    def significant(self) -> bool | None:
        return None if self.p_value is None else self.p_value < self.alpha


def _per_replication(summary: Any, group: str, key: str, kpi: str) -> list[float | None]:
    out = []
    for r in summary.reports:
        g = r.kpis.get(group, {})
        d = g if group == "overall" else g.get(key, {})
        out.append(d.get(kpi) if d else None)
    return out


def _paired_p(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    pairs = [(x, y) for x, y in zip(a, b, strict=False) if x is not None and y is not None]
    if len(pairs) < 2:
        return None
    diffs = [x - y for x, y in pairs]
    if all(abs(d) < 1e-12 for d in diffs):
        return 1.0
    from scipy import stats

    p = float(stats.ttest_rel([x for x, _ in pairs], [y for _, y in pairs]).pvalue)
    return None if math.isnan(p) else p


def _paired_difference(a: Sequence[float | None], b: Sequence[float | None]) -> Any:
    """Mean of ``a[i] - b[i]`` over the replications both have, with its 95% interval."""
    from ..sim.report import estimate

    return estimate([x - y for x, y in zip(a, b, strict=False) if x is not None and y is not None])


def compare(summaries: Sequence[Any], kpis: Sequence[tuple[str, Sequence[str]]] = DEFAULT_KPIS,
            alpha: float = 0.05) -> list[Row]:
    """Rows comparing ``summaries`` (same seeds) KPI by KPI."""
    first = summaries[0]
    rows: list[Row] = []
    for group, names in kpis:
        if group not in first.kpis:
            continue
        keys = [""] if group == "overall" else list(first.kpis[group])
        for key in keys:
            for kpi in names:
                ests = []
                for s in summaries:
                    g = s.kpis.get(group, {})
                    d = g if group == "overall" else g.get(key, {})
                    ests.append(d.get(kpi))
                if all(e is None or e.mean is None for e in ests):
                    continue
                best = runner = p = diff = None
                sign = BETTER.get(kpi)
                valid = [i for i, e in enumerate(ests) if e is not None and e.mean is not None]
                if sign is not None and len(valid) >= 2:
                    order = sorted(valid, key=lambda i: -sign * ests[i].mean)
                    best, runner = order[0], order[1]
                    a = _per_replication(summaries[best], group, key, kpi)
                    b = _per_replication(summaries[runner], group, key, kpi)
                    p = _paired_p(a, b)
                    diff = _paired_difference(a, b)
                    if ests[best].mean == ests[runner].mean:
                        best = None
                rows.append(Row(group, key, kpi, tuple(ests), best, runner, p, alpha, diff))
    return rows


_GROUP_LABEL = {"queues": "queue", "segments": "segment", "channels": "channel", "tiers": "tier",
                "teams": "team"}


def comparison_table(names: Sequence[str], rows: Sequence[Row]) -> str:
    """Text table: one column per variant (``mean [low, high]``, ``*`` on the better), then
    the paired t-test of the best against the runner-up."""
    out = []
    for r in rows:
        where = "overall" if r.group == "overall" else f"{_GROUP_LABEL.get(r.group, r.group)} {r.key}"
        cells = []
        for i, e in enumerate(r.estimates):
            text = format_cell(r.kpi, e, style="interval") if e is not None else "-"
            cells.append(text + (" *" if i == r.best else "  "))
        if r.p_value is None:
            verdict = "" if BETTER.get(r.kpi) is None else "n/a"
        else:
            verdict = f"p={r.p_value:.3g} " + ("significant" if r.significant else "not significant")
        out.append([where, LABELS.get(r.kpi, r.kpi), *cells, verdict])
    return render(["", "kpi", *names, "best vs next (paired t)"], out, left=2)


def as_dicts(names: Sequence[str], rows: Sequence[Row]) -> list[Mapping[str, Any]]:
    """The rows as JSON-ready dicts."""
    return [{
        "group": r.group, "key": r.key, "kpi": r.kpi,
        "variants": {n: (e.to_dict() if e is not None else None) for n, e in zip(names, r.estimates, strict=True)},
        "best": names[r.best] if r.best is not None else None,
        "runner_up": names[r.runner_up] if r.runner_up is not None else None,
        "difference": r.difference.to_dict() if r.difference is not None else None,
        "p_value": r.p_value, "significant": r.significant,
    } for r in rows]
