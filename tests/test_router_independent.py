"""The fast router makes the independent reference router's decisions, on every event stream.

:class:`omniroute.testing.IndependentRouter` re-implements the routing rules from scratch
(plain records and scans, no shared state machine), so these tests also check the fast
router's timers, declines, transfers, wrap-ups, routing steps and holds — which the
index-swapping :class:`~omniroute.testing.ReferenceRouter` shares with it.  Assignments are
compared field by field except ``reason.score`` (the fast router's scores hold internal
update stamps); waiting and agent views, statuses and the next wake-up must be equal.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from test_router_agreement import RouterPair

import omniroute as orr
from omniroute.testing import IndependentRouter


class IndependentPair(RouterPair):
    """The agreement state machine, against the independent oracle, scores aside."""

    oracle = IndependentRouter

    @staticmethod
    def facts(assignments: list[orr.Assignment]) -> list[tuple]:
        return [(x.contact_id, x.agent_id, x.time, x.queue, x.waited, x.reason._replace(score=None))
                for x in assignments]


IndependentPair.TestCase.settings = settings(
    max_examples=120, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestIndependentAgreement = IndependentPair.TestCase
