"""Queueing analytics for workforce planning: Erlang B, C and A, staffing, skill coverage.

Rates are per second, times in seconds, loads in Erlangs.

* :func:`erlang_b`, :func:`erlang_c`, :func:`erlang_a` (M/M/n/n, M/M/n, M/M/n+M);
* :func:`staff`, :func:`staffing_table`, :func:`square_root_staffing`,
  :func:`halfin_whitt_beta`;
* :func:`coverage`, :func:`cross_training`, :func:`design_comparison`,
  :func:`demand_from_rates` (networkx max-flow; loaded on first use, so that importing this
  package does not import networkx).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .erlang import ErlangB as ErlangB
from .erlang import ErlangC as ErlangC
from .erlang import erlang_b as erlang_b
from .erlang import erlang_c as erlang_c
from .erlang_abandon import ErlangA as ErlangA
from .erlang_abandon import erlang_a as erlang_a
from .staffing import StaffingRow as StaffingRow
from .staffing import halfin_whitt_beta as halfin_whitt_beta
from .staffing import square_root_staffing as square_root_staffing
from .staffing import staff as staff
from .staffing import staffing_table as staffing_table

if TYPE_CHECKING:
    from .skill_coverage import Coverage as Coverage
    from .skill_coverage import CrossTraining as CrossTraining
    from .skill_coverage import DesignComparison as DesignComparison
    from .skill_coverage import Group as Group
    from .skill_coverage import coverage as coverage
    from .skill_coverage import cross_training as cross_training
    from .skill_coverage import demand_from_rates as demand_from_rates
    from .skill_coverage import design_comparison as design_comparison

# The coverage names live in .skill_coverage (it imports networkx) and load on first use.
_LAZY = (
    "Group",
    "Coverage",
    "CrossTraining",
    "DesignComparison",
    "coverage",
    "cross_training",
    "design_comparison",
    "demand_from_rates",
)

__all__ = [
    "ErlangA",
    "ErlangB",
    "ErlangC",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "StaffingRow",
    "staff",
    "staffing_table",
    "square_root_staffing",
    "halfin_whitt_beta",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    # The coverage names live in .skill_coverage, which imports networkx: load it on first use.
    if name in _LAZY:
        value = getattr(importlib.import_module(".skill_coverage", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()).union(_LAZY))
