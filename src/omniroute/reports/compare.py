"""Side-by-side comparison of variants run with the same seeds (common random numbers), as text.

The comparison itself (paired t-tests best vs runner-up, Holm's correction over the KPI rows,
per-KPI and simultaneous intervals of the differences) lives in :mod:`omniroute.sim.compare`;
:func:`compare` here is its :func:`~omniroute.sim.compare.paired_rows`, kept under its old
name.  :func:`comparison_table` renders the rows, :func:`comparison_legend` says how to read
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..sim.compare import BETTER as BETTER
from ..sim.compare import DEFAULT_KPIS as DEFAULT_KPIS
from ..sim.compare import Row as Row
from ..sim.compare import as_dicts as as_dicts
from ..sim.compare import paired_rows as compare
from .table import LABELS, format_cell, render

__all__ = ["BETTER", "DEFAULT_KPIS", "Row", "as_dicts", "compare", "comparison_legend", "comparison_table"]

_GROUP_LABEL = {"queues": "queue", "segments": "segment", "channels": "channel", "tiers": "tier",
                "teams": "team"}
_CORRECTION = {"holm": "Holm", "bonferroni": "Bonferroni"}


def _where(r: Row) -> str:
    return "overall" if r.group == "overall" else f"{_GROUP_LABEL.get(r.group, r.group)} {r.key}"


def _signed(kpi: str, e: Any) -> str:
    text = format_cell(kpi, e, style="interval")
    return text if text.startswith("-") or e.mean is None or e.mean == 0 else "+" + text


def comparison_legend(rows: Sequence[Row]) -> str:
    """How to read :func:`comparison_table`: the intervals, the test, the correction."""
    tested = [r for r in rows if r.p_value is not None]
    alpha = next((r.alpha for r in rows), 0.05)
    m = len(tested)
    correction = next((r.correction for r in tested), "none")
    lines = ["each variant: mean [95% confidence interval]; * the better value",
             f"best - next: mean paired difference, best minus runner-up [{100 * (1 - alpha):g}% simultaneous "
             f"interval, Bonferroni over the {m} tested rows: one that excludes 0 is significant]"]
    if correction in _CORRECTION:
        name = _CORRECTION[correction]
        lines.append(f"p: paired t-test, best vs runner-up; {name} p: adjusted by {name}'s method over the {m} "
                     f"rows; significant: {name} p < {alpha:g}")
    else:
        lines.append(f"p: paired t-test, best vs runner-up, each row alone (no correction for the {m} rows); "
                     f"significant: p < {alpha:g}")
    return "\n".join(lines)


def comparison_table(names: Sequence[str], rows: Sequence[Row]) -> str:
    """Text table: one column per variant (``mean [low, high]``, ``*`` on the better), the
    paired difference best minus runner-up with its simultaneous interval, the raw and the
    adjusted p of the paired t-test, and the verdict (on the adjusted p)."""
    correction = next((r.correction for r in rows if r.p_value is not None), "none")
    adjusted = correction in _CORRECTION
    out = []
    for r in rows:
        cells = []
        for i, e in enumerate(r.estimates):
            text = format_cell(r.kpi, e, style="interval") if e is not None else "-"
            cells.append(text + (" *" if i == r.best else "  "))
        diff = _signed(r.kpi, r.simultaneous) if r.simultaneous is not None else ""
        if r.p_value is None:
            tail = ["", *([""] if adjusted else []), "" if BETTER.get(r.kpi) is None else "n/a"]
        else:
            tail = [f"{r.p_value:.3g}", *([f"{r.p_adjusted:.3g}"] if adjusted else []),
                    "yes" if r.significant else "no"]
        out.append([_where(r), LABELS.get(r.kpi, r.kpi), *cells, diff, *tail])
    heads = ["best - next", "p", *([f"{_CORRECTION[correction]} p"] if adjusted else []), "significant"]
    return render(["", "kpi", *names, *heads], out, left=2)
