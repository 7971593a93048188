"""The fast router makes the reference router's decisions, on every event stream.

A Hypothesis state machine drives the fast router and an oracle with the same random events —
agents joining and leaving, presence changes, submits, completes with wrap-up, abandons,
declines (also without a tick first), transfers and ticks — for every agent and contact policy,
greedy and joint matching (``Router(matching=...)``), with and without a batch window,
and asserts identical assignments (same contacts, agents, times and reasons), views, statuses
and wake-ups, and the invariants of DESIGN.md section 4 after every step.  ``RouterPair`` is
the machine; ``tests/test_router_independent.py`` runs it against the independent oracle.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import omniroute as orr
from omniroute.testing import ReferenceRouter, check_assignments, check_router
from omniroute.testing import strategies as ost


class RouterPair(RuleBasedStateMachine):
    """The fast router against ``oracle``, step by step."""

    oracle: type = ReferenceRouter
    batching = False  # a batch window lets contacts wait beside free agents (setup may set it)

    @staticmethod
    def facts(assignments: list[orr.Assignment]) -> list[tuple]:
        return [(x.contact_id, x.agent_id, x.time, x.queue, x.waited, x.reason) for x in assignments]

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.n_agents = 0
        self.n_contacts = 0
        self.status: dict[str, str] = {}  # every contact ever submitted -> its fate
        self.ticked = True  # False after a call made at a later time without a tick first

    @initialize(
        queues=ost.queue_sets(),
        ap=st.sampled_from(sorted(ost.agent_policy_factories)),
        cp=st.sampled_from(sorted(ost.contact_policy_factories)),
        matching=st.sampled_from(["greedy", "joint"]),
        window=st.sampled_from([0.0, 0.0, 4.0, 10.0]),
    )
    def setup(self, queues: list[orr.Queue], ap: str, cp: str, matching: str, window: float) -> None:
        af, cf = ost.agent_policy_factories[ap], ost.contact_policy_factories[cp]
        if ap not in ost.batchable_agent_policies or cp not in ost.batchable_contact_policies:
            matching, window = "greedy", 0.0  # tiers chosen per contact, or a queue-ratio order
        elif ap not in ost.joint_agent_policies:  # a draw or a hold: joint matching refuses it
            matching = "greedy"
        self.batching = window > 0  # contacts and agents wait for decision instants
        self.fast = orr.Router(queues, agent_policy=af(), contact_policy=cf(), matching=matching,
                               batch_window=window)
        self.ref = self.oracle(queues, agent_policy=af(), contact_policy=cf(), matching=matching,
                               batch_window=window)

    # ---------------------------------------------------------------- helpers
    def both(self, method: str, *args, **kwargs) -> list[orr.Assignment] | None:
        """Make the call on both routers; None when both refuse it (with the same error)."""
        before = dict(self.status)
        try:
            got = getattr(self.fast, method)(*args, **kwargs)
        except orr.OmnirouteError as exc:
            views = (self.fast.waiting(), self.fast.agents(), self.fast.next_wakeup())
            try:
                getattr(self.ref, method)(*args, **kwargs)
            except orr.OmnirouteError as exc2:
                assert type(exc2).__mro__[1:] and isinstance(exc2, type(exc).__mro__[1]), (exc, exc2)
            else:
                raise AssertionError(f"{method}{args}: the oracle accepted what the router refused ({exc})") from None
            assert views == (self.fast.waiting(), self.fast.agents(), self.fast.next_wakeup()), (
                f"{method}{args}: a refused call changed the router"
            )
            return None
        want = getattr(self.ref, method)(*args, **kwargs)
        assert self.facts(got) == self.facts(want), f"{method}{args}{kwargs}: fast {got} != oracle {want}"
        # A tick whose rules fell due at several instants may legitimately let a contact
        # made eligible later find its agent taken earlier: order is checked per instant.
        ordered = method != "tick" or self.fast._tick_instants <= 1
        check_assignments(self.fast, got, before, self.now, ordered=ordered)
        for x in got:
            self.status[x.contact_id] = "assigned"
        return got

    def advance(self, dt: float) -> None:
        self.now += dt
        self.both("tick", self.now)
        self.ticked = True

    def live(self, state: str) -> list[str]:
        return sorted(c for c, s in self.status.items() if s == state)

    # ---------------------------------------------------------------- rules
    @rule(data=st.data(), dt=st.sampled_from([0.0, 0.0, 1.0, 3.0, 7.5, 20.0]))
    def add_agent(self, data: st.DataObject, dt: float) -> None:
        self.advance(dt)
        self.n_agents += 1
        agent = data.draw(ost.agents(ids=st.just(f"a{self.n_agents}")))
        if self.both("add_agent", agent, self.now) is not None and data.draw(st.booleans()):
            self.both("set_available", agent.id, data.draw(ost.times(self.now)))

    @precondition(lambda self: self.n_agents > 0)
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 5.0]),
          what=st.sampled_from(["available", "available", "away", "logout", "remove"]))
    def presence(self, data: st.DataObject, dt: float, what: str) -> None:
        self.advance(dt)
        ids = [v.agent.id for v in self.fast.agents()]
        if not ids:
            return
        aid = data.draw(st.sampled_from(ids))
        if what == "available":
            self.both("set_available", aid, self.now)
        elif what == "away":
            self.both("set_away", aid, self.now, "break")
        elif what == "logout":
            self.both("logout", aid, self.now)
        elif self.fast.agent(aid).load:
            for r in (self.fast, self.ref):
                try:
                    r.remove_agent(aid, self.now)
                except orr.InvalidStateError:
                    pass
                else:
                    raise AssertionError("removed an agent who holds contacts")
        else:
            self.both("remove_agent", aid, self.now)

    @rule(data=st.data(), dt=st.sampled_from([0.0, 0.0, 0.5, 2.0, 6.0]))
    def submit(self, data: st.DataObject, dt: float) -> None:
        self.advance(dt)
        self.n_contacts += 1
        cid = f"c{self.n_contacts}"
        ids = [v.agent.id for v in self.fast.agents()]
        contact = data.draw(ost.contacts(cid, ids))
        self.status[cid] = "waiting"
        if self.both("submit", contact, data.draw(ost.times(self.now))) is None:
            del self.status[cid]  # refused (a conflicting channel): never submitted

    @rule(data=st.data(), n=st.integers(2, 6), dt=st.sampled_from([0.0, 1.0, 5.0]))
    def burst(self, data: st.DataObject, n: int, dt: float) -> None:
        """Several contacts at one instant: their routing steps and overflows fall due together."""
        self.advance(dt)
        ids = [v.agent.id for v in self.fast.agents()]
        for _ in range(n):
            self.n_contacts += 1
            cid = f"c{self.n_contacts}"
            self.status[cid] = "waiting"
            if self.both("submit", data.draw(ost.contacts(cid, ids)), self.now) is None:
                del self.status[cid]

    @rule(data=st.data())
    def duplicate_preferred(self, data: st.DataObject) -> None:
        """A preferred list naming an agent twice is refused when the contact is built."""
        ids = [v.agent.id for v in self.fast.agents()] or ["a0"]
        raw = data.draw(ost.preferred_lists(ids, unique=False).filter(lambda p: len(set(p)) < len(p)))
        try:
            orr.Contact("dup", channel=orr.CHAT, queue=ost.QUEUES[0], preferred_agents=raw)
        except orr.ValidationError as exc:
            assert "twice" in str(exc)
        else:
            raise AssertionError(f"preferred_agents={raw} accepted")

    @precondition(lambda self: any(s == "assigned" for s in self.status.values()))
    @rule(data=st.data(), rounds=st.integers(1, 8), dt=st.sampled_from([0.0, 2.0]))
    def decline_storm(self, data: st.DataObject, rounds: int, dt: float) -> None:
        """One contact declined by each agent it goes to, again and again."""
        self.advance(dt)
        assigned = self.live("assigned")
        if not assigned:
            return
        cid = data.draw(st.sampled_from(assigned))
        for _ in range(rounds):
            if self.fast.status(cid) != "assigned":
                break
            self.status[cid] = "waiting"
            for x in self.both("decline", cid, self.now) or []:
                self.status[x.contact_id] = "assigned"

    @rule(data=st.data(), what=st.sampled_from(["now", "wrap_up", "reason", "unknown"]))
    def bad_call(self, data: st.DataObject, what: str) -> None:
        """Bad values are refused with an OmnirouteError and change nothing (fast router)."""
        r = self.fast
        views = (r.waiting(), r.agents(), r.next_wakeup(), r.now)
        ids = [v.agent.id for v in r.agents()]
        try:
            if what == "now":
                r.tick(data.draw(ost.bad_times))
            elif what == "wrap_up" and self.live("assigned"):
                r.complete(self.live("assigned")[0], self.now, wrap_up=data.draw(ost.bad_durations))
            elif what == "reason" and ids:
                r.set_away(ids[0], self.now, reason=data.draw(st.sampled_from(["", "  ", 5])))
            else:
                r.abandon(data.draw(st.sampled_from(["nobody", 5, None])), self.now)
        except orr.OmnirouteError:
            pass
        else:
            if what in ("now", "unknown"):
                raise AssertionError(f"bad {what} accepted")
        assert views == (r.waiting(), r.agents(), r.next_wakeup(), r.now), f"bad {what} changed the router"

    @precondition(lambda self: any(s == "assigned" for s in self.status.values()))
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 10.0, 30.0]),
          wrap=st.sampled_from([0.0, 0.0, 2.0, 15.0]))
    def complete(self, data: st.DataObject, dt: float, wrap: float) -> None:
        self.advance(dt)
        cid = data.draw(st.sampled_from(self.live("assigned")))
        self.status[cid] = "completed"
        self.both("complete", cid, self.now, wrap_up=data.draw(ost.times(wrap)))

    @precondition(lambda self: any(s == "assigned" for s in self.status.values()))
    @rule(data=st.data(), wrap=st.sampled_from([2.0, 9.0]))
    def finish_together(self, data: st.DataObject, wrap: float) -> None:
        """Several contacts completed at one instant with the same wrap-up: their agents
        free up together, while contacts wait (where joint matching differs from greedy)."""
        assigned = self.live("assigned")
        for cid in data.draw(st.lists(st.sampled_from(assigned), min_size=1, max_size=4, unique=True)):
            self.status[cid] = "completed"
            self.both("complete", cid, self.now, wrap_up=wrap)

    @precondition(lambda self: any(s == "waiting" for s in self.status.values()))
    @rule(data=st.data(), dt=st.sampled_from([0.0, 1.0, 4.0]))
    def abandon(self, data: st.DataObject, dt: float) -> None:
        self.advance(dt)
        waiting = self.live("waiting")
        if waiting:
            cid = data.draw(st.sampled_from(waiting))
            self.status[cid] = "abandoned"
            self.both("abandon", cid, self.now)

    @precondition(lambda self: any(s == "assigned" for s in self.status.values()))
    @rule(data=st.data(), dt=st.sampled_from([0.0, 0.0, 3.0, 25.0]),
          away=st.sampled_from([None, None, "missed"]))
    def decline(self, data: st.DataObject, dt: float, away: str | None) -> None:
        # dt > 0 without a tick first: a contact assigned a while ago is declined after its
        # steps (or overflow) fell due, exercising the catch-up on decline.
        if dt:
            self.now += dt
            self.ticked = False
        assigned = self.live("assigned")
        if assigned:
            cid = data.draw(st.sampled_from(assigned))
            self.status[cid] = "waiting"
            self.both("decline", cid, self.now, away=away)

    @precondition(lambda self: any(s in ("assigned", "waiting") for s in self.status.values()))
    @rule(data=st.data(), queue=st.sampled_from([None, *ost.QUEUES]),
          needs=st.one_of(st.none(), st.dictionaries(st.sampled_from(ost.SKILLS), ost.levels, max_size=2)),
          wrap=st.sampled_from([0.0, 5.0]))
    def transfer(self, data: st.DataObject, queue: str | None, needs: dict | None, wrap: float) -> None:
        live = self.live("assigned") + self.live("waiting")
        if live:
            cid = data.draw(st.sampled_from(live))
            self.status[cid] = "waiting"
            self.both("transfer", cid, self.now, queue=queue, needs=needs, wrap_up=wrap)

    @rule(dt=st.sampled_from([1.0, 5.0, 12.0, 40.0]))
    def wait(self, dt: float) -> None:
        self.advance(dt)

    @rule()
    def jump_to_wakeup(self) -> None:
        w = self.fast.next_wakeup()
        assert w == self.ref.next_wakeup()
        if w is not None:
            self.advance(max(0.0, w - self.now))

    # ---------------------------------------------------------------- invariants
    @invariant()
    def agree_and_hold(self) -> None:
        if not hasattr(self, "fast"):
            return
        for r in (self.fast, self.ref):
            if isinstance(r, orr.Router):  # the invariant checker reads the router's state
                check_router(r, conserving=self.ticked and not self.batching)
        # Nothing is lost: every contact is waiting, assigned, completed or abandoned,
        # and the routers agree on the live ones.
        for cid, s in self.status.items():
            if s in ("waiting", "assigned"):
                assert self.fast.status(cid) == s == self.ref.status(cid), cid
                assert self.fast.assigned_to(cid) == self.ref.assigned_to(cid), cid
        assert self.fast.waiting() == self.ref.waiting()
        assert self.fast.agents() == self.ref.agents()
        assert self.fast.next_wakeup() == self.ref.next_wakeup()


RouterPair.TestCase.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestAgreement = RouterPair.TestCase
