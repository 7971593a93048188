"""Queues, service levels, routing steps and overflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ._checks import FrozenMap, check_duration, check_id, check_int, levels
from .errors import ValidationError
from .expressions import Expression, requirement

__all__ = ["ServiceLevel", "Step", "Overflow", "Queue"]


@attrs.frozen(slots=True)
class ServiceLevel:
    """``target`` of contacts answered within ``within`` seconds (0.8, 20.0: 80/20)."""

    target: float = 0.8
    within: float = 20.0

    def __attrs_post_init__(self) -> None:
        t = self.target
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 < t <= 1.0:
            raise ValidationError(f"ServiceLevel.target must be a fraction in (0, 1] (got {t!r})")
        check_duration("ServiceLevel", "within", self.within)


def _skill_names(owner: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (tuple, list, set, frozenset)):
        raise ValidationError(f"{owner} must be a list of skill names (got {value!r})")
    out = tuple(value)
    for s in out:
        if not isinstance(s, str) or not s:
            raise ValidationError(f"{owner} must hold non-empty skill names (got {s!r})")
    return out


@attrs.frozen(slots=True)
class Step:
    """A routing step: from ``after`` seconds of waiting in the queue on, eligibility changes.

    Steps are cumulative and applied in order: a step changes only what it names.
    ``min_tier``/``max_tier`` replace the allowed tier range; ``drop`` removes skills from
    the needs (drops accumulate); ``lower`` lowers every remaining minimum level by that many
    levels (never below 1) and replaces an earlier step's ``lower``.  ``requires``, an
    attribute expression (:mod:`omniroute.expressions`), replaces the queue's (or an earlier
    step's) from this step on; ``"true"`` lifts it.
    """

    after: float
    min_tier: int | None = None
    max_tier: int | None = None
    drop: tuple[str, ...] = attrs.field(default=(), converter=lambda v: _skill_names("Step.drop", v))
    lower: int | None = None
    requires: Expression | None = attrs.field(
        default=None, converter=lambda v: requirement("Step.requires", v))

    def __attrs_post_init__(self) -> None:
        check_duration("Step", "after", self.after)
        if self.min_tier is not None:
            check_int("Step", "min_tier", self.min_tier, low=1)
        if self.max_tier is not None:
            check_int("Step", "max_tier", self.max_tier, low=1)
        if self.min_tier is not None and self.max_tier is not None and self.max_tier < self.min_tier:
            raise ValidationError(
                f"Step.max_tier must be >= min_tier (got min_tier={self.min_tier}, max_tier={self.max_tier})"
            )
        if self.lower is not None:
            check_int("Step", "lower", self.lower, low=0)


def _optional_levels(value: Any) -> Mapping[str, int] | None:
    return None if value is None else levels("Overflow", "needs", value)


@attrs.frozen(slots=True)
class Overflow:
    """After ``after`` seconds in the queue, a waiting contact moves to queue ``to``.

    It keeps its original arrival; the target queue's tiers and steps apply from the time it
    moves.  ``needs``, if given, replace the contact's needs (the skills the target queue's
    agents are chosen for); otherwise the contact keeps its own needs.
    """

    after: float
    to: str
    needs: Mapping[str, int] | None = attrs.field(default=None, converter=_optional_levels, hash=False)

    def __attrs_post_init__(self) -> None:
        check_duration("Overflow", "after", self.after)
        check_id("Overflow", "to", self.to)


def _steps(value: Sequence[Step] | None) -> tuple[Step, ...]:
    steps = tuple(value or ())
    for i, s in enumerate(steps):
        if not isinstance(s, Step):
            raise ValidationError(f"Queue.steps[{i}] must be a Step (got {s!r})")
    for i in range(1, len(steps)):
        if steps[i].after < steps[i - 1].after:
            raise ValidationError(
                f"Queue.steps must be in increasing 'after' order "
                f"(steps[{i}].after={steps[i].after} < steps[{i - 1}].after={steps[i - 1].after})"
            )
    return steps


def _segment_steps(value: Mapping[str, Sequence[Step]] | None) -> Mapping[str, tuple[Step, ...]]:
    out = {}
    for seg, steps in (value or {}).items():
        if not isinstance(seg, str) or not seg:
            raise ValidationError(f"Queue.segment_steps keys must be segment names (got {seg!r})")
        out[seg] = _steps(steps)
    return FrozenMap(out)


def _sla(value: Any) -> ServiceLevel:
    if isinstance(value, ServiceLevel):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return ServiceLevel(*value)
    raise ValidationError(f"Queue.sla must be a ServiceLevel (got {value!r})")


@attrs.frozen(slots=True)
class Queue:
    """A named queue with its service-level target and routing rules.

    ``min_tier``/``max_tier`` bound the tiers first allowed to serve it; ``steps`` widen (or
    change) eligibility as a contact waits, measured from the time it entered this queue;
    ``segment_steps`` replace ``steps`` for contacts of a segment (e.g. premium contacts
    to tier >= 2 first).  ``overflow`` moves a contact still waiting after a time to another
    queue, keeping its original arrival.  ``priority``: larger first, for agents who serve
    several queues.

    ``forget_declines``: seconds after which an agent who declined a contact of this queue
    may be offered it again (the decline *expires*).  ``None``, the default, never re-offers
    it to that agent; a contact declined by every agent who can serve it then waits until
    another agent logs in or a routing step widens it, and the router's views mark it
    ``stuck`` once no timed rule is left to change that.

    ``requires``: an attribute expression (:mod:`omniroute.expressions`, e.g.
    ``'language == contact.language AND NOT trainee'``) an agent must also pass, beside
    the needs and tiers; a step's ``requires`` replaces it from that step on.
    """

    name: str
    sla: ServiceLevel = attrs.field(factory=ServiceLevel, converter=_sla)
    priority: int = 0
    steps: tuple[Step, ...] = attrs.field(default=(), converter=_steps)
    overflow: Overflow | None = None
    min_tier: int = 1
    max_tier: int | None = None
    segment_steps: Mapping[str, tuple[Step, ...]] = attrs.field(
        factory=dict, converter=_segment_steps, hash=False
    )
    forget_declines: float | None = None
    requires: Expression | None = attrs.field(
        default=None, converter=lambda v: requirement("Queue.requires", v))

    def __attrs_post_init__(self) -> None:
        check_id("Queue", "name", self.name)
        check_int("Queue", "priority", self.priority)
        check_int("Queue", "min_tier", self.min_tier, low=1)
        if self.max_tier is not None:
            check_int("Queue", "max_tier", self.max_tier, low=self.min_tier)
        if self.overflow is not None and not isinstance(self.overflow, Overflow):
            raise ValidationError(f"Queue.overflow must be an Overflow or None (got {self.overflow!r})")
        if self.overflow is not None and self.overflow.to == self.name:
            raise ValidationError(f"Queue.overflow.to must name another queue (got {self.name!r})")
        if self.forget_declines is not None and not check_duration(
                "Queue", "forget_declines", self.forget_declines) > 0:
            # 0 would hand a declined contact straight back to the agent who declined it.
            raise ValidationError(
                f"Queue.forget_declines must be seconds > 0 or None (got {self.forget_declines!r})"
            )

    def steps_for(self, segment: str | None) -> tuple[Step, ...]:
        """The steps that apply to a contact of ``segment``."""
        if segment is not None and segment in self.segment_steps:
            return self.segment_steps[segment]
        return self.steps

    def requirement(self, steps: Sequence[Step]) -> Expression | None:
        """The expression in force once ``steps`` apply: the last one's that names one,
        else the queue's."""
        for st in reversed(steps):
            if st.requires is not None:
                return st.requires
        return self.requires

    def expressions(self) -> list[tuple[str, Expression]]:
        """Every expression of the queue with its field (``requires``, ``steps[1].requires``,
        ``segment_steps['premium'][0].requires``), for checks against the agents."""
        out = [("requires", self.requires)] if self.requires is not None else []
        out += [(f"steps[{i}].requires", s.requires) for i, s in enumerate(self.steps) if s.requires is not None]
        for seg, steps in self.segment_steps.items():
            out += [(f"segment_steps[{seg!r}][{i}].requires", s.requires)
                    for i, s in enumerate(steps) if s.requires is not None]
        return out

    def eligibility(
        self, needs: Mapping[str, int], steps: Sequence[Step]
    ) -> tuple[tuple[tuple[str, int], ...], int, int | None]:
        """Needs and tier range in force once ``steps`` (the first k of a contact's) apply.

        Returns ``(needs, min_tier, max_tier)`` with needs as sorted ``(skill, level)`` pairs.
        Steps are cumulative: tier bounds and ``lower`` replace earlier values, ``drop``
        accumulates, and lowered levels never go below 1.
        """
        min_tier, max_tier, lower = self.min_tier, self.max_tier, 0
        dropped: set[str] = set()
        for st in steps:
            if st.min_tier is not None:
                min_tier = st.min_tier
            if st.max_tier is not None:
                max_tier = st.max_tier
            if st.lower is not None:
                lower = st.lower
            dropped.update(st.drop)
        relaxed = tuple(sorted(
            (s, max(1, lvl - lower)) for s, lvl in needs.items() if s not in dropped
        ))
        return relaxed, min_tier, max_tier
