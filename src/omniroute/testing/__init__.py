"""Tools for testing omniroute and code built on it.

* :class:`ReferenceRouter`: the slow, obviously correct router (plain scans) whose decisions
  the fast :class:`~omniroute.Router` must reproduce exactly;
* :func:`check_router` and :func:`check_assignments`: the invariants of DESIGN.md section 4,
  shared by every test of every router and policy;
* ``omniroute.testing.strategies``: Hypothesis strategies (imports Hypothesis on use).

Library modules never import this package.
"""

from __future__ import annotations

from .independent import IndependentRouter as IndependentRouter
from .invariants import check_assignments as check_assignments
from .invariants import check_router as check_router
from .reference import ReferenceRouter as ReferenceRouter

__all__ = ["IndependentRouter", "ReferenceRouter", "check_assignments", "check_router"]
