"""A thread-safe facade: one router, called from several threads.

A :class:`~omniroute.Router` is not thread-safe: a call updates several indexes in turn,
and two threads inside it at once corrupt them.  :class:`LockedRouter` owns a router and
runs every call under one lock, so calls from any thread are applied one at a time, each
whole (a refused call still changes nothing).  For a sequence of calls that must not be
interleaved with other threads' (read, decide, act), hold :attr:`LockedRouter.lock`, a
re-entrant lock, around it.

Time still comes in as ``now`` and must not go back: threads that read their own clocks
must agree on it (pass a shared, monotonic clock's value read inside the lock), or a call
is refused with :class:`~omniroute.TimeOrderError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .agents import Agent
from .assignment import Assignment
from .contacts import Contact
from .explain import Why
from .policies import AgentPolicy, ContactPolicy
from .queues import Queue
from .router import Router
from .stats import Stats
from .views import AgentView, WaitingView

__all__ = ["LockedRouter"]


class LockedRouter:
    """The :class:`~omniroute.Router` API, each call serialised by a lock.

    Build it like a router (same arguments), or wrap an existing one with
    ``LockedRouter.wrap(router)``; ``router`` is the one inside (touch it only while holding
    ``lock``).
    """

    def __init__(
        self,
        queues: Iterable[Queue],
        agent_policy: AgentPolicy | None = None,
        contact_policy: ContactPolicy | None = None,
        matching: str = "greedy",
        batch_window: float = 0.0,
    ) -> None:
        self.router = Router(queues, agent_policy=agent_policy, contact_policy=contact_policy,
                             matching=matching, batch_window=batch_window)
        self.lock = threading.RLock()

    @classmethod
    def wrap(cls, router: Router) -> LockedRouter:
        """A facade over ``router`` (no other thread may call it directly afterwards)."""
        if not isinstance(router, Router):
            from .errors import ValidationError

            raise ValidationError(f"LockedRouter.wrap: router must be a Router (got {router!r})")
        self = cls.__new__(cls)
        self.router = router
        self.lock = threading.RLock()
        return self

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(*args, **kwargs)

    # ------------------------------------------------------------------ mutating calls
    def add_agent(self, agent: Agent, now: float) -> list[Assignment]:
        return self._call(self.router.add_agent, agent, now)

    def remove_agent(self, agent_id: str, now: float) -> list[Assignment]:
        return self._call(self.router.remove_agent, agent_id, now)

    def set_available(self, agent_id: str, now: float) -> list[Assignment]:
        return self._call(self.router.set_available, agent_id, now)

    def set_away(self, agent_id: str, now: float, reason: str | None = None) -> list[Assignment]:
        return self._call(self.router.set_away, agent_id, now, reason)

    def logout(self, agent_id: str, now: float) -> list[Assignment]:
        return self._call(self.router.logout, agent_id, now)

    def submit(self, contact: Contact, now: float) -> list[Assignment]:
        return self._call(self.router.submit, contact, now)

    def complete(self, contact_id: str, now: float, wrap_up: float = 0.0) -> list[Assignment]:
        return self._call(self.router.complete, contact_id, now, wrap_up)

    def abandon(self, contact_id: str, now: float) -> list[Assignment]:
        return self._call(self.router.abandon, contact_id, now)

    def decline(self, contact_id: str, now: float, away: str | None = None) -> list[Assignment]:
        return self._call(self.router.decline, contact_id, now, away)

    def transfer(self, contact_id: str, now: float, queue: str | None = None,
                 needs: Mapping[str, int] | None = None, wrap_up: float = 0.0) -> list[Assignment]:
        return self._call(self.router.transfer, contact_id, now, queue, needs, wrap_up)

    def tick(self, now: float) -> list[Assignment]:
        return self._call(self.router.tick, now)

    # ------------------------------------------------------------------ reading
    @property
    def now(self) -> float:
        with self.lock:
            return self.router.now

    @property
    def queues(self) -> Mapping[str, Queue]:
        return self._call(lambda: self.router.queues)

    def next_wakeup(self) -> float | None:
        return self._call(self.router.next_wakeup)

    def status(self, contact_id: str) -> str:
        return self._call(self.router.status, contact_id)

    def agent(self, agent_id: str) -> AgentView:
        return self._call(self.router.agent, agent_id)

    def agents(self) -> tuple[AgentView, ...]:
        return self._call(self.router.agents)

    def waiting(self) -> tuple[WaitingView, ...]:
        return self._call(self.router.waiting)

    def assigned_to(self, contact_id: str) -> str | None:
        return self._call(self.router.assigned_to, contact_id)

    def explain(self, contact_id: str, now: float, limit: int = 100) -> tuple[Why, ...]:
        return self._call(self.router.explain, contact_id, now, limit)

    def stats(self, now: float, window: float = 900.0, agents: bool = False) -> Stats:
        return self._call(self.router.stats, now, window, agents)

    def estimated_wait(self, target: str, now: float, method: str = "queue-length",
                       priority: int = 0) -> float | None:
        return self._call(self.router.estimated_wait, target, now, method, priority)

    def snapshot(self) -> dict[str, Any]:
        """The router's snapshot, taken under the lock (restore it with
        ``LockedRouter.wrap(Router.restore(snapshot))``)."""
        return self._call(self.router.snapshot)  # type: ignore[no-any-return]
