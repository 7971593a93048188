"""A router where a ``simpy.Resource`` would be: request, release, abandon, timed rules.

::

    res = RouterResource(env, router)
    req = res.request(contact)                  # fires with the Assignment
    got = yield req | env.timeout(patience)     # the usual reneging idiom
    if req not in got:
        req.cancel()                            # abandons (router.abandon) if still waiting
        return
    yield env.timeout(handle)
    res.release(contact.id, wrap_up=15.0)

Every router call may assign *other* contacts (a release frees an agent who takes the next
waiting contact); the adapter hands each assignment to the request (or callback) of its
contact.  Timed rules (routing steps, overflow, holds, wrap-up ends) run in ``router.tick``
at ``router.next_wakeup()``: the adapter keeps one timeout for the earliest wakeup and
replaces it when a call creates an earlier one - no polling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import simpy

from ..assignment import Assignment
from ..contacts import Contact
from ..errors import InvalidStateError
from ..router import Router

__all__ = ["RouterResource", "ContactRequest"]


class ContactRequest(simpy.Event):
    """The event of one contact's request; its value is the :class:`~omniroute.Assignment`."""

    __slots__ = ("resource", "contact_id")

    def __init__(self, resource: RouterResource, contact_id: str) -> None:
        super().__init__(resource.env)
        self.resource = resource
        self.contact_id = contact_id

    def cancel(self) -> bool:
        """Withdraw the request: abandons the contact if it still waits.

        Returns True if the contact abandoned, False if it had been assigned already (then
        the caller holds it and must :meth:`RouterResource.release` it).
        """
        return self.resource.abandon(self.contact_id)

    # ``with res.request(c) as req:`` cancels a request left unanswered.
    def __enter__(self) -> ContactRequest:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.triggered:
            self.cancel()


Handler = Callable[[Assignment], None]


def delay_until(now: float, wake: float) -> float:
    """The SimPy delay that brings the clock from ``now`` to at least ``wake`` (0 if past).

    ``now + (wake - now)`` may round below ``wake``; the delay is nudged up until the rule
    is due when the timeout fires.
    """
    delay = wake - now
    if delay <= 0:
        return 0.0
    while now + delay < wake:
        delay = math.nextafter(delay, math.inf)
    return delay


class RouterResource:
    """Drives a :class:`~omniroute.Router` from a SimPy environment.

    ``on_assign``: optional callable receiving every assignment, after it is dispatched
    (for logging or measurement).
    """

    def __init__(self, env: simpy.Environment, router: Router,
                 on_assign: Handler | None = None) -> None:
        self.env = env
        self.router = router
        self.on_assign = on_assign
        self._pending: dict[str, ContactRequest | Handler] = {}
        self._tick_at: float | None = None
        self._tick_token = 0

    # ------------------------------------------------------------------ contacts
    def request(self, contact: Contact) -> ContactRequest:
        """Submit ``contact`` now; the returned event fires with its Assignment."""
        done = self.router.submit(contact, self.env.now)  # a refused call changes nothing here
        req = ContactRequest(self, contact.id)
        self._pending[contact.id] = req
        self._dispatch(done)
        return req

    def submit(self, contact: Contact, handler: Handler) -> None:
        """Submit ``contact`` now; ``handler(assignment)`` is called when it is assigned.

        The callback form of :meth:`request` (no event): the simulation engine uses it.
        ``handler`` must not call the router itself; schedule SimPy events instead.
        """
        done = self.router.submit(contact, self.env.now)
        self._pending[contact.id] = handler
        self._dispatch(done)

    def release(self, contact_id: str, wrap_up: float = 0.0) -> None:
        """The agent finished ``contact_id``; capacity comes back after ``wrap_up``."""
        self._dispatch(self.router.complete(contact_id, self.env.now, wrap_up))

    def abandon(self, contact_id: str) -> bool:
        """The customer leaves if still waiting: True if it abandoned, False if assigned."""
        if contact_id not in self._pending:
            return False
        try:
            self._dispatch(self._call(self.router.abandon, contact_id))
        except InvalidStateError:  # assigned at this very instant, event not yet processed
            return False
        del self._pending[contact_id]
        return True

    def transfer(self, contact_id: str, queue: str | None = None,
                 needs: Mapping[str, int] | None = None, wrap_up: float = 0.0,
                 handler: Handler | ContactRequest | None = None) -> ContactRequest | None:
        """Move a contact to another queue/needs keeping its age (router.transfer).

        Returns a new request event firing with its next assignment, unless ``handler``
        is given (called instead, or an existing request re-armed).
        """
        done = self._call(self.router.transfer, contact_id, queue=queue, needs=needs,
                          wrap_up=wrap_up)
        target = ContactRequest(self, contact_id) if handler is None else handler
        self._pending[contact_id] = target
        self._dispatch(done)
        return target if handler is None else None  # type: ignore[return-value]

    # ------------------------------------------------------------------ agents
    def add_agent(self, agent: object) -> None:
        self._dispatch(self._call(self.router.add_agent, agent))

    def set_available(self, agent_id: str) -> None:
        self._dispatch(self._call(self.router.set_available, agent_id))

    def set_away(self, agent_id: str, reason: str | None = None) -> None:
        self._dispatch(self._call(self.router.set_away, agent_id, reason=reason))

    def logout(self, agent_id: str) -> None:
        self._dispatch(self._call(self.router.logout, agent_id))

    # ------------------------------------------------------------------ machinery
    def _call(self, fn: Callable[..., list[Assignment]], *args: object, **kw: object) -> list[Assignment]:
        return fn(*args, now=self.env.now, **kw)  # type: ignore[call-arg]

    def _dispatch(self, done: list[Assignment]) -> None:
        pending = self._pending
        on_assign = self.on_assign
        for a in done:
            target = pending.pop(a.contact_id)
            if type(target) is ContactRequest:
                target.succeed(a)
            else:
                target(a)  # type: ignore[operator]
            if on_assign is not None:
                on_assign(a)
        # Re-arm the ticker if this call created an earlier timed rule.
        wake = self.router.next_wakeup()
        if wake is not None and (self._tick_at is None or wake < self._tick_at):
            self._tick_at = wake
            self._tick_token += 1
            ev = self.env.timeout(delay_until(self.env.now, wake), self._tick_token)
            ev.callbacks.append(self._tick)

    def _tick(self, ev: simpy.Event) -> None:
        if ev.value != self._tick_token:
            return  # superseded by an earlier wakeup
        self._tick_at = None
        self._dispatch(self.router.tick(self.env.now))
