"""The exceptions omniroute raises.

Every error derives from :class:`OmnirouteError` and from the built-in a caller would
expect (``KeyError`` for an unknown id, ``ValueError`` for a bad value), so that both
``except orr.OmnirouteError`` and ``except KeyError`` work.  A refused router call
leaves the router exactly as it was.
"""

from __future__ import annotations

__all__ = [
    "OmnirouteError",
    "ValidationError",
    "UnknownIdError",
    "UnknownAgentError",
    "UnknownContactError",
    "UnknownQueueError",
    "DuplicateIdError",
    "TimeOrderError",
    "InvalidStateError",
    "ScenarioError",
    "SnapshotError",
    "ScoreError",
    "ExpressionError",
]


class OmnirouteError(Exception):
    """Base class of every error omniroute raises on purpose."""


class ValidationError(OmnirouteError, ValueError):
    """A value is outside what is allowed (a level of 11, a negative capacity, ...)."""


class UnknownIdError(OmnirouteError, KeyError):
    """An id the router does not know."""

    def __str__(self) -> str:  # KeyError would repr() the message; show it as written
        return str(self.args[0]) if self.args else ""


class UnknownAgentError(UnknownIdError):
    """No agent with this id is known to the router."""


class UnknownContactError(UnknownIdError):
    """No live contact with this id is known to the router."""


class UnknownQueueError(UnknownIdError):
    """No queue with this name is configured."""


class DuplicateIdError(OmnirouteError, ValueError):
    """An agent or contact with this id already exists."""


class TimeOrderError(OmnirouteError, ValueError):
    """``now`` is earlier than the previous call's, negative, or not a finite number."""


class InvalidStateError(OmnirouteError, ValueError):
    """The call does not fit the contact's or agent's current state."""


class SnapshotError(OmnirouteError, ValueError):
    """A router snapshot cannot be taken or restored: a custom policy that does not say how
    it snapshots, a damaged or edited snapshot, an unknown version, another configuration."""


class ScoreError(OmnirouteError, ValueError):
    """A :class:`~omniroute.policies.Scored` policy's score function raised or returned
    something other than a real number; the message names the policy, agent and contact."""


class ExpressionError(ValidationError):
    """An attribute expression does not parse: the message names the field, shows the
    expression with a caret under ``column`` (from 1) and says what was ``expected``."""

    def __init__(self, field: str, source: str, column: int, expected: str) -> None:
        self.field, self.source, self.column, self.expected = field, source, column, expected
        super().__init__(f"{field}: {expected} at column {column}\n"
                         f"    {source}\n    {' ' * (column - 1)}^")

    def renamed(self, field: str) -> ExpressionError:
        """The same error for another field name (e.g. ``queues[2].requires``)."""
        return ExpressionError(field, self.source, self.column, self.expected)


class ScenarioError(OmnirouteError, ValueError):
    """A scenario is invalid; ``problems`` lists every problem found, one message each."""

    def __init__(self, problems: list[str] | str, source: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems: list[str] = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            msg = head + self.problems[0]
        else:
            msg = head + f"{len(self.problems)} problems:\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(msg)
