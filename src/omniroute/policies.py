"""Routing policies: which agent takes a contact, and which contact an agent takes.

Two independent choices, each a small object:

* an **agent policy** orders the eligible agents for a contact (smallest key wins);
* a **contact policy** orders the waiting contacts an agent is eligible for.

Keys are tuples ending in a unique tie-break (agent insertion order, contact submission
order), so every decision is deterministic.  The router's index relies on two promises,
which every policy here keeps and a custom one must keep too:

* ``AgentPolicy.key(state)`` depends only on the agent's state (it is recomputed whenever
  the state's ``version`` changes);
* ``ContactPolicy.order_key(entry)`` is fixed while the contact waits in one queue, and
  ``rank(entry, now)`` orders contacts of one queue exactly as ``order_key`` does.
"""

from __future__ import annotations

import abc
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ._checks import real
from .agents import Agent
from .contacts import Contact
from .errors import ScoreError, SnapshotError, ValidationError
from .state import AgentState, Entry

__all__ = [
    "PolicyState",
    "AgentPolicy",
    "ContactPolicy",
    "LongestIdle",
    "LeastOccupied",
    "MostSkilled",
    "BestFit",
    "RoundRobin",
    "FewestHandled",
    "Random",
    "PreferredAgent",
    "Scored",
    "ScoreTable",
    "TierFirst",
    "Linear",
    "WeightedRandom",
    "PriorityFIFO",
    "HeadStart",
    "WeightedAging",
    "EarliestDeadline",
    "FIFO",
    "RealtimeFirst",
    "CMu",
    "GeneralizedCMu",
    "Reserve",
    "QueueRatio",
    "IdlenessRatio",
    "agent_policy",
    "contact_policy",
    "draw_index",
    "AGENT_POLICIES",
    "CONTACT_POLICIES",
]


class PolicyState:
    """How a policy's own state goes into a router snapshot (``Router.snapshot``).

    The built-in policies need nothing: a snapshot writes them by kind and parameters (the
    random generator's exact state included).  A custom policy must say how it snapshots,
    else ``snapshot()`` refuses it with :class:`~omniroute.SnapshotError`:

    * ``stateless = True``: its decisions depend only on its constructor's parameters and
      the router's state (the agent and contact records it is shown), nothing it remembers;
    * or ``snapshot_state()`` returning its state as a JSON value (dicts, lists, str, int,
      float, bool, None) and ``restore_state(state)`` putting that state back into a new
      instance built as the original was.  A policy that overrides ``on_add`` or
      ``on_assign`` keeps state by definition and must do this.

    A snapshot cannot rebuild a custom policy: ``Router.restore(snapshot, agent_policy=...)``
    takes a new instance (checked against the recorded ``name`` and class) and calls its
    ``restore_state`` with what ``snapshot_state`` returned.
    """

    #: True when the policy remembers nothing a snapshot would need (see the class docstring).
    stateless = False

    def snapshot_state(self) -> Any:
        """The policy's own state as a JSON value (default: None, for a stateless policy)."""
        return None

    def restore_state(self, state: Any) -> None:
        """Put back what :meth:`snapshot_state` returned (default: accepts only None)."""
        if state is not None:
            raise SnapshotError(
                f"{type(self).__name__}.restore_state: the snapshot holds a policy state "
                f"({state!r}) but this policy does not define restore_state()")


class AgentPolicy(PolicyState, abc.ABC):
    """Base class: orders eligible agents for a contact; smallest key wins."""

    name = "agent-policy"
    #: True if ``skill_key`` differs per skill (the index then keys each skill's heap apart).
    per_skill = False
    #: True if ``key(a)`` is ``(c, a.version)`` with ``c`` a small int: the index then keeps
    #: FIFO queues per class instead of heaps (versions grow with every update).
    fifo = False
    #: Preferred-agent hold, in seconds (only :class:`PreferredAgent` sets it).
    hold = 0.0
    prefers = False
    #: Threshold reservation (only :class:`Reserve` sets them): tier -> idle agents kept for
    #: the ``protected`` queues.
    reserve: Mapping[int, int] = {}
    protected: frozenset[str] = frozenset()
    #: Idleness-ratio routing (only :class:`IdlenessRatio` sets it): tier -> target share of
    #: the idle agents.
    pools: Mapping[int, float] = {}
    #: Set by a policy that chooses at random (:class:`Random`): the router then lists every
    #: eligible agent, in the order they joined, and the policy's :meth:`draw` picks one
    #: from this generator instead of taking the smallest key.  None: the policy ranks.
    draw_rng: np.random.Generator | None = None
    #: For a ``per_skill`` policy: rank only the first ``limit`` eligible agents in ``key``
    #: order and take the best ``rank`` among them (0: every eligible agent; only
    #: :class:`Scored` sets it).
    limit = 0

    @abc.abstractmethod
    def key(self, a: AgentState) -> tuple:
        """The agent's sort key, from its state alone, ending in a unique tie-break."""

    def skill_key(self, a: AgentState, skills: tuple[str, ...]) -> tuple:
        """The key of ``a`` in the index's heap for agents having ``skills``."""
        return self.key(a)

    def rank(self, a: AgentState, e: Entry) -> tuple:
        """The full ranking of agent ``a`` for contact ``e`` (default: ``key``)."""
        return self.key(a)

    def bound(self, heap_key: tuple, e: Entry, covered: int) -> tuple:
        """A lower bound of ``rank`` for ``e`` over agents whose heap key is >= ``heap_key``,
        in a heap keyed by ``covered`` of ``e``'s needed skills."""
        return heap_key

    def draw(self, rng: np.random.Generator, eligible: list[AgentState]) -> int:
        """A drawing policy's choice: an index into ``eligible`` (every eligible agent, in the
        order they joined).  Default: uniform (:func:`draw_index`)."""
        return draw_index(rng, len(eligible))

    def on_add(self, a: AgentState) -> None:  # noqa: B027 - a hook, empty by default
        """Called when an agent joins the router (before it is indexed)."""

    def on_assign(self, a: AgentState) -> None:  # noqa: B027 - a hook, empty by default
        """Called after an agent receives a contact (before it is re-indexed)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def draw_index(rng: np.random.Generator, n: int) -> int:
    """A uniform index in ``range(n)`` from ``rng`` (no number spent when ``n`` is 1)."""
    return int(rng.integers(n)) if n > 1 else 0


def _member(values: Mapping[str, Any], a: AgentState, default: Any) -> Any:
    """The value given for agent ``a`` by its id, else by its team, else ``default``."""
    v = values.get(a.id)
    if v is None and a.agent.team is not None:
        v = values.get(a.agent.team)
    return default if v is None else v


def _seeded(owner: str, seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(seed)
    raise ValidationError(f"{owner}.seed must be an int >= 0, a numpy Generator or None (got {seed!r})")


class LongestIdle(AgentPolicy):
    """The agent idle the longest first: it spreads work evenly over time.

    Agents holding nothing come first, the one whose state last changed earliest (it became
    idle or available first, in the order the router saw events); multitasking agents with
    room left come after, the one whose load changed least recently first.
    """

    name = "longest-idle"
    fifo = True

    def key(self, a: AgentState) -> tuple:
        # ``version`` is the router's update stamp: it grows with every change of state.
        return (1 if a.total else 0, a.version)


class LeastOccupied(AgentPolicy):
    """The agent using the smallest share of its capacity first (balances multitaskers)."""

    name = "least-occupied"

    def key(self, a: AgentState) -> tuple:
        used = 1.0 if a.exclusive else (a.total / a.cap_total if a.cap_total else 1.0)
        return (used, a.version)


class MostSkilled(AgentPolicy):
    """The agent with the highest total level in the contact's needed skills first.

    Optimises first-contact resolution; ties go to the longest-idle agent.
    """

    name = "most-skilled"
    per_skill = True

    def key(self, a: AgentState) -> tuple:
        return (0, 1 if a.total else 0, a.version)

    def skill_key(self, a: AgentState, skills: tuple[str, ...]) -> tuple:
        lv = a.skills
        return (-sum(lv.get(s, 0) for s in skills), 1 if a.total else 0, a.version)

    def rank(self, a: AgentState, e: Entry) -> tuple:
        skills = a.skills
        return (-sum(skills.get(s, 0) for s, _ in e.needs), 1 if a.total else 0, a.version)

    def bound(self, heap_key: tuple, e: Entry, covered: int) -> tuple:
        if covered == len(e.needs):  # keyed by every needed skill: the heap key is the rank
            return heap_key
        # The heap is keyed by the levels of `covered` needed skills; the others add <= 10 each.
        return (heap_key[0] - 10 * (len(e.needs) - covered), -math.inf)


class BestFit(AgentPolicy):
    """The agent with the fewest skills beyond the contact's needs first.

    Keeps scarce generalists free for the contacts only they can take.  Every eligible
    agent has all needed skills, so fewest extra skills = fewest skills; then lowest
    total level, then longest idle.
    """

    name = "best-fit"

    def key(self, a: AgentState) -> tuple:
        return (a.n_skills, a.sum_levels, 1 if a.total else 0, a.version)


class RoundRobin(AgentPolicy):
    """The agent assigned least recently first (in turn, whatever their idle time)."""

    name = "round-robin"

    def key(self, a: AgentState) -> tuple:
        return (a.last_assigned, a.order)


class FewestHandled(AgentPolicy):
    """The agent who has handled the fewest contacts first (equalises counts)."""

    name = "fewest-handled"

    def key(self, a: AgentState) -> tuple:
        return (a.handled, 1 if a.total else 0, a.version)


class Random(AgentPolicy):
    """A uniformly random eligible agent, from a seeded ``numpy.random.Generator``.

    Each decision lists the eligible agents (available, with room, meeting the needs and
    tiers, not having declined) in the order they joined the router and draws one index
    uniformly with ``rng.integers(n)`` (no draw when only one agent is eligible).  No agent
    is favoured, and the draws depend only on the router's calls: same seed, same decisions.
    The price: a decision under this policy visits every free agent with the needed skills,
    not just the best one (the other policies stop at the first eligible agent).
    """

    name = "random"

    def __init__(self, seed: int | np.random.Generator | None = 0) -> None:
        self.rng = _seeded("Random", seed)
        self.draw_rng = self.rng

    def key(self, a: AgentState) -> tuple:
        return (a.order,)


class _Wrapping(AgentPolicy):
    """An agent policy that orders agents as the policy it wraps (``then``) does."""

    then: AgentPolicy

    def _wrap(self, owner: str, then: AgentPolicy | None, prefix: str) -> None:
        """Take ``then`` (default :class:`LongestIdle`), checked, with its name and all it
        tells the index (a tier filter around a policy changes none of them)."""
        self.then = t = then if then is not None else LongestIdle()
        if not isinstance(t, AgentPolicy):
            raise ValidationError(f"{owner}.then must be an AgentPolicy (got {then!r})")
        self.name = f"{prefix}+{t.name}"
        self.per_skill, self.fifo, self.draw_rng, self.limit = t.per_skill, t.fifo, t.draw_rng, t.limit
        self.hold, self.prefers = t.hold, t.prefers

    def key(self, a: AgentState) -> tuple:
        return self.then.key(a)

    def skill_key(self, a: AgentState, skills: tuple[str, ...]) -> tuple:
        return self.then.skill_key(a, skills)

    def rank(self, a: AgentState, e: Entry) -> tuple:
        return self.then.rank(a, e)

    def bound(self, heap_key: tuple, e: Entry, covered: int) -> tuple:
        return self.then.bound(heap_key, e, covered)

    def draw(self, rng: np.random.Generator, eligible: list[AgentState]) -> int:
        return self.then.draw(rng, eligible)

    def on_add(self, a: AgentState) -> None:
        self.then.on_add(a)

    def on_assign(self, a: AgentState) -> None:
        self.then.on_assign(a)


class PreferredAgent(_Wrapping):
    """The contact's preferred agents first, in its order; after ``hold`` seconds, anyone.

    While the hold runs, a contact whose preferred agents are all busy waits for them even
    if others are free (the one exception to work conservation).  Otherwise the ``then``
    policy chooses.
    """

    prefers = True

    def __init__(self, then: AgentPolicy | None = None, hold: float = 0.0) -> None:
        if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not 0 <= hold < math.inf:
            raise ValidationError(f"PreferredAgent.hold must be seconds >= 0 (got {hold!r})")
        self.then = then if then is not None else LongestIdle()
        if not isinstance(self.then, AgentPolicy):
            raise ValidationError(f"PreferredAgent.then must be an AgentPolicy (got {then!r})")
        if self.then.prefers:
            raise ValidationError("PreferredAgent.then must not itself be a PreferredAgent")
        if self.then.reserve or self.then.pools:
            raise ValidationError(f"PreferredAgent.then must not be a Reserve or IdlenessRatio (got {then!r}): "
                                  "wrap the other way, e.g. Reserve(keep, queues, then=PreferredAgent(...))")
        self.hold = float(hold)
        self.name = f"preferred+{self.then.name}"
        self.per_skill = self.then.per_skill
        self.fifo = self.then.fifo
        self.draw_rng = self.then.draw_rng
        self.limit = self.then.limit

    def __repr__(self) -> str:
        return f"PreferredAgent(then={self.then!r}, hold={self.hold})"


class Scored(AgentPolicy):
    """A custom scoring hook: the eligible agent with the highest ``score(agent, contact)``.

    ``score`` is any function of the :class:`~omniroute.Agent` and the submitted
    :class:`~omniroute.Contact` returning a real number, higher is better (a fitted model's
    predicted resolution, minus a predicted handle time...).  Ties go to ``then``'s order
    (default :class:`LongestIdle`), whose keys end in a unique stamp: decisions are
    deterministic.  The assignment's ``reason.score`` is ``(-score, *then's rank)``.

    Cost per decision: the index yields the free agents filed under the contact's channel,
    its (one or two most selective) needed skills and its allowed tiers, in ``then``'s
    order; each that meets the needs is scored, one call of ``score`` each.  That is the
    number of free eligible agents, not all agents — but it grows with them.  ``limit``
    bounds it: only the first ``limit`` eligible agents in ``then``'s order are scored (for
    ``then`` policies whose order does not depend on the contact: not :class:`MostSkilled`).
    When an agent frees up and several contacts wait, the contact policy alone chooses the
    contact: the score decides nothing there (it is a choice of agent for a contact).

    ``score`` must be pure (the same answer for the same agent and contact): the policy is
    then ``stateless`` for :meth:`Router.snapshot <omniroute.Router.snapshot>` (restore takes
    a new ``Scored`` with the same function; a snapshot cannot check that it is the same).
    It cannot be written to TOML or JSON (:mod:`omniroute.serial` refuses it): build it in
    Python, e.g. ``sim.Routing(agent=lambda _rng: Scored(fn))``.

    A score that raises or returns anything but a real number (NaN, None, a string, a
    bool) raises :class:`~omniroute.errors.ScoreError` naming the policy, agent and contact.
    """

    per_skill = True
    stateless = True

    def __init__(self, score: Callable[[Agent, Contact], float], then: AgentPolicy | None = None,
                 limit: int | None = None) -> None:
        if not callable(score):
            raise ValidationError(
                f"Scored.score must be a function (agent, contact) -> number (got {score!r})")
        try:
            inspect.signature(score).bind(None, None)
        except TypeError:
            raise ValidationError(
                f"Scored.score must accept two positional arguments (agent, contact) (got {score!r}"
                f" with signature {inspect.signature(score)})") from None
        except ValueError:  # pragma: no cover - a builtin without a signature: trust it
            pass
        self.then = then if then is not None else LongestIdle()
        if not isinstance(self.then, AgentPolicy):
            raise ValidationError(f"Scored.then must be an AgentPolicy (got {then!r})")
        if self.then.prefers or self.then.draw_rng is not None or isinstance(self.then, Scored):
            raise ValidationError(
                f"Scored.then must rank agents: not a PreferredAgent, Random or Scored (got {then!r}); "
                "wrap Scored in PreferredAgent for preferred agents")
        if self.then.reserve or self.then.pools:
            raise ValidationError(f"Scored.then must not be a Reserve or IdlenessRatio (got {then!r}): wrap the "
                                  "other way, e.g. Reserve(keep, queues, then=Scored(fn))")
        if any(getattr(type(self.then), h) is not getattr(AgentPolicy, h) for h in ("on_add", "on_assign")):
            raise ValidationError(f"Scored.then must not keep state (on_add/on_assign hooks; got {then!r})")
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ValidationError(f"Scored.limit must be an int >= 1 or None (got {limit!r})")
            if self.then.per_skill:
                raise ValidationError(
                    f"Scored.limit={limit} needs a then policy whose order does not depend on the "
                    f"contact (got then={self.then.name!r}); allowed with limit: longest-idle, least-occupied, "
                    "best-fit, round-robin, fewest-handled")
        self.score = score
        self.limit = limit or 0
        self.name = f"scored+{self.then.name}"

    def key(self, a: AgentState) -> tuple:
        return self.then.key(a)

    def skill_key(self, a: AgentState, skills: tuple[str, ...]) -> tuple:
        return self.then.skill_key(a, skills)

    def rank(self, a: AgentState, e: Entry) -> tuple:
        return (-self.value(a, e), *self.then.rank(a, e))

    def bound(self, heap_key: tuple, e: Entry, covered: int) -> tuple:
        return (-math.inf,)  # a score has no bound: every eligible agent (up to limit) is ranked

    def value(self, a: AgentState, e: Entry) -> float:
        """``score(agent, contact)`` as a float, checked (ScoreError otherwise)."""
        try:
            v = self.score(a.agent, e.contact)
        except Exception as exc:
            raise ScoreError(
                f"{self.name}: score(agent {a.id!r}, contact {e.id!r}) raised "
                f"{type(exc).__name__}: {exc}") from exc
        f = real(v)
        if f is None or math.isnan(f):
            raise ScoreError(
                f"{self.name}: score(agent {a.id!r}, contact {e.id!r}) returned {v!r}; "
                "a score must be a real number, not NaN (higher is better)")
        return f

    def __repr__(self) -> str:
        lim = f", limit={self.limit}" if self.limit else ""
        return f"Scored({getattr(self.score, '__qualname__', repr(self.score))}, then={self.then!r}{lim})"


#: What a :class:`ScoreTable` looks an agent up by, and a contact by.
SCORE_TABLE_BY = ("agent", "team", "tier")
SCORE_TABLE_ON = ("queue", "segment")


class ScoreTable:
    """A score written down as data: ``values[agent key][contact key]``, else ``default``.

    The form a fitted pairing model takes once it is exported (predicted handle time or
    resolution per agent, or per team or tier, and per queue or segment), so that
    :class:`Scored` can be used from a scenario file (``[routing.score]``), written to a
    journal and restored from a snapshot, which a Python function cannot.

    ``by``: how an agent is looked up: ``"agent"`` (its id), ``"team"`` or ``"tier"`` (the
    tier as a string key, ``"2"``); an agent without a team scores ``default``.
    ``on``: how a contact is looked up: ``"queue"`` (the queue it was submitted to) or
    ``"segment"`` (None scores ``default``).  Values are finite real numbers, higher is
    better, as for any :class:`Scored` score.  A lookup costs two dict reads.
    """

    __slots__ = ("values", "by", "on", "default")

    def __init__(self, values: Mapping[str, Mapping[str, float]], by: str = "agent", on: str = "queue",
                 default: float = 0.0) -> None:
        if by not in SCORE_TABLE_BY:
            raise ValidationError(f"ScoreTable.by must be one of {list(SCORE_TABLE_BY)} (got {by!r})")
        if on not in SCORE_TABLE_ON:
            raise ValidationError(f"ScoreTable.on must be one of {list(SCORE_TABLE_ON)} (got {on!r})")
        d = real(default)
        if d is None or not math.isfinite(d):
            raise ValidationError(f"ScoreTable.default must be a finite real number (got {default!r})")
        if not isinstance(values, Mapping):
            raise ValidationError(
                f"ScoreTable.values must be a mapping of {by} -> {{{on} -> score}} (got {values!r:.80})")
        table: dict[str, dict[str, float]] = {}
        for k, row in values.items():
            if not isinstance(k, str) or not k:
                raise ValidationError(f"ScoreTable.values: keys must be non-empty strings ({by}s; got {k!r})")
            if not isinstance(row, Mapping):
                raise ValidationError(
                    f"ScoreTable.values[{k!r}] must be a mapping of {on} -> score (got {row!r:.80})")
            out: dict[str, float] = {}
            for c, v in row.items():
                f = real(v)
                if not isinstance(c, str) or not c:
                    raise ValidationError(f"ScoreTable.values[{k!r}]: keys must be non-empty strings ({on}s; got {c!r})")
                if f is None or not math.isfinite(f):
                    raise ValidationError(
                        f"ScoreTable.values[{k!r}][{c!r}] must be a finite real number (got {v!r})")
                out[c] = f
            table[k] = out
        self.values = table
        self.by = by
        self.on = on
        self.default = d

    def __call__(self, agent: Agent, contact: Contact) -> float:
        by = self.by
        k = agent.id if by == "agent" else (agent.team if by == "team" else str(agent.tier))
        row = self.values.get(k) if k is not None else None
        if row is None:
            return self.default
        c = contact.queue if self.on == "queue" else contact.segment
        v = row.get(c) if c is not None else None
        return self.default if v is None else v

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ScoreTable) and (self.values, self.by, self.on, self.default)
                == (other.values, other.by, other.on, other.default))

    def __hash__(self) -> int:
        return hash((self.by, self.on, self.default, len(self.values)))

    def __reduce__(self) -> tuple:  # slots without a __dict__: pickle by constructor
        return (ScoreTable, (self.values, self.by, self.on, self.default))

    def __repr__(self) -> str:
        return f"ScoreTable({len(self.values)} {self.by}s, on={self.on!r}, default={self.default})"
class TierFirst(AgentPolicy):
    """The eligible agents of the lowest tier first; ``then`` chooses among them.

    Frontline before specialists whenever a frontline agent is free, however long the
    specialists have been idle (Asterisk's member penalties and FreeSWITCH's tier levels,
    mapped to tiers by :mod:`omniroute.vendors`, work this way).  Unlike a queue's
    ``max_tier`` it never keeps a contact waiting: a higher tier takes it when no lower one
    can.  With a drawing ``then`` (:class:`Random`, :class:`WeightedRandom`) the draw is
    among the eligible agents of the lowest tier only.

    Cost per decision: the index already files agents per tier and merges the allowed tiers'
    buckets in key order, so the key ``(tier, *then's key)`` costs what ``then`` costs
    (O(log n)); a drawing ``then`` lists the free eligible agents as :class:`Random` does.
    """

    def __init__(self, then: AgentPolicy | None = None) -> None:
        self.then = then if then is not None else LongestIdle()
        if not isinstance(self.then, AgentPolicy):
            raise ValidationError(f"TierFirst.then must be an AgentPolicy (got {then!r})")
        if self.then.prefers or isinstance(self.then, (Scored, TierFirst)):
            raise ValidationError(
                f"TierFirst.then must not be a PreferredAgent, Scored or TierFirst (got {then!r}); "
                "wrap TierFirst in PreferredAgent for preferred agents")
        self.name = f"tier-first+{self.then.name}"
        self.per_skill = self.then.per_skill
        self.draw_rng = self.then.draw_rng

    def key(self, a: AgentState) -> tuple:
        return (a.tier, *self.then.key(a))

    def skill_key(self, a: AgentState, skills: tuple[str, ...]) -> tuple:
        return (a.tier, *self.then.skill_key(a, skills))

    def rank(self, a: AgentState, e: Entry) -> tuple:
        return (a.tier, *self.then.rank(a, e))

    def bound(self, heap_key: tuple, e: Entry, covered: int) -> tuple:
        return (heap_key[0], *self.then.bound(heap_key[1:], e, covered))

    def draw(self, rng: np.random.Generator, eligible: list[AgentState]) -> int:
        low = min(a.tier for a in eligible)
        at = [i for i, a in enumerate(eligible) if a.tier == low]
        return at[self.then.draw(rng, [eligible[i] for i in at])]

    def on_add(self, a: AgentState) -> None:
        self.then.on_add(a)

    def on_assign(self, a: AgentState) -> None:
        self.then.on_assign(a)

    def __repr__(self) -> str:
        return f"TierFirst(then={self.then!r})"


class Linear(AgentPolicy):
    """Agents in a fixed order: the first listed eligible agent takes the contact.

    ``order`` lists agent ids or team names (an agent is placed by its id, else by its
    team); agents not listed come after the listed ones.  Ties (several agents of one listed
    team, or unlisted agents) go to the one that joined the router first.  Asterisk's
    ``linear`` strategy and FreeSWITCH's ``top-down`` work this way: the first member is
    offered every contact it can take, the others only its overflow.

    Cost per decision: a static key, O(log n) in the index's heaps, like :class:`RoundRobin`.
    """

    name = "linear"

    def __init__(self, order: Sequence[str] = ()) -> None:
        if isinstance(order, str) or not isinstance(order, Sequence):
            raise ValidationError(f"Linear.order must be a list of agent ids or team names (got {order!r})")
        seen: dict[str, int] = {}
        for i, x in enumerate(order):
            if not isinstance(x, str) or not x:
                raise ValidationError(f"Linear.order[{i}] must be a non-empty agent id or team name (got {x!r})")
            if x in seen:
                raise ValidationError(f"Linear.order[{i}]: {x!r} is listed twice (first at [{seen[x]}])")
            seen[x] = i
        self.order = tuple(order)
        self._pos = seen

    def key(self, a: AgentState) -> tuple:
        return (_member(self._pos, a, len(self._pos)), a.order)

    def __repr__(self) -> str:
        return f"Linear(order={list(self.order)!r})"


class WeightedRandom(AgentPolicy):
    """A random eligible agent, lower penalties more likely (Asterisk's ``wrandom``).

    Each eligible agent draws a uniform number in ``[0, 1 + penalty)`` from the seeded
    generator and the smallest draw wins (the first in joining order on a tie): an agent of
    penalty 0 beats one of penalty 1 three times in four.  ``penalties`` maps agent ids or
    team names to penalties >= 0 (an agent is looked up by id, else by team, else gets
    ``default``).  With one eligible agent no number is drawn; otherwise one per eligible
    agent, in joining order: same seed, same decisions.

    Cost per decision: like :class:`Random`, it lists every free agent with the needed
    skills (O(free eligible agents)), then draws once per eligible agent.
    """

    name = "weighted-random"

    def __init__(self, penalties: Mapping[str, float] | None = None, default: float = 0.0,
                 seed: int | np.random.Generator | None = 0) -> None:
        owner = type(self).__name__
        if penalties is not None and not isinstance(penalties, Mapping):
            raise ValidationError(f"{owner}.penalties must be a mapping of agent id or team -> penalty "
                                  f"(got {penalties!r})")
        self.penalties: dict[str, float] = {}
        for k, v in (penalties or {}).items():
            if not isinstance(k, str) or not k:
                raise ValidationError(f"{owner}.penalties: keys must be agent ids or team names (got {k!r})")
            self.penalties[k] = _number(owner, f"penalties[{k!r}]", v, 0.0, False, "a penalty")
        self.default = _number(owner, "default", default, 0.0, False, "a penalty")
        self.rng = _seeded(owner, seed)
        self.draw_rng = self.rng

    def key(self, a: AgentState) -> tuple:
        return (a.order,)

    def draw(self, rng: np.random.Generator, eligible: list[AgentState]) -> int:
        if len(eligible) == 1:
            return 0
        spans = np.array([1.0 + _member(self.penalties, a, self.default) for a in eligible])
        return int(np.argmin(rng.random(len(eligible)) * spans))

    def __repr__(self) -> str:
        return f"WeightedRandom(penalties={self.penalties!r}, default={self.default})"


# --------------------------------------------------------------------------- contacts


class ContactPolicy(PolicyState, abc.ABC):
    """Base class: orders the waiting contacts an agent may take; smallest rank wins."""

    name = "contact-policy"

    @abc.abstractmethod
    def order_key(self, e: Entry) -> tuple:
        """The contact's sort key inside its queue, ending in its submission number."""

    #: True when ``rank`` is ``order_key`` at all times (no time-dependent part).
    static = True

    def rank(self, key: tuple, e: Entry, now: float) -> tuple:
        """The ranking at ``now`` of a contact whose ``order_key`` is ``key``."""
        return key

    #: True when the rank also depends on the router's state (the queue lengths): the
    #: router then ranks with :meth:`rank_in` and re-ranks within one instant as contacts
    #: are assigned (only :class:`QueueRatio` sets it).  ``rank_in`` must still order the
    #: contacts of one queue as ``order_key`` does.
    dynamic = False

    def rank_in(self, key: tuple, e: Entry, now: float, lengths: Mapping[str, int], total: int) -> tuple:
        """The ranking at ``now`` when ``lengths[q]`` contacts wait in queue ``q`` and
        ``total`` in all (default: :meth:`rank`, which ignores them)."""
        return self.rank(key, e, now)

    def check_queues(self, queues: tuple[str, ...]) -> None:
        """Refuse a router whose queues (names) do not suit the policy (the router calls it
        when it is built; default: any queues)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PriorityFIFO(ContactPolicy):
    """Queue priority, then contact priority (larger first), then the oldest arrival."""

    name = "priority-fifo"

    def order_key(self, e: Entry) -> tuple:
        return (-e.queue.priority, -e.priority, e.arrival, e.seq)


class HeadStart(ContactPolicy):
    """Priority as a head start: each priority unit counts as ``seconds`` of waiting.

    The bank in ``shared/data`` gave high-priority callers 90 s of credit; order is then by
    credited arrival time (queue priority first, for agents who serve several queues).
    """

    name = "head-start"

    def __init__(self, seconds: float = 90.0) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
            raise ValidationError(f"HeadStart.seconds must be a number >= 0 (got {seconds!r})")
        self.seconds = float(seconds)

    def order_key(self, e: Entry) -> tuple:
        return (-e.queue.priority, e.arrival - self.seconds * e.priority, e.seq)

    def __repr__(self) -> str:
        return f"HeadStart(seconds={self.seconds})"


class WeightedAging(ContactPolicy):
    """The largest weighted age first: ``weight[queue] * (waited + seconds * priority)``.

    Queues with a larger weight age faster, so no queue starves however low its weight.
    """

    name = "weighted-aging"

    def __init__(self, weights: Mapping[str, float] | None = None, default: float = 1.0,
                 seconds: float = 0.0) -> None:
        self.weights = dict(weights or {})
        for q, w in [*self.weights.items(), ("default", default)]:
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 < w < math.inf:
                raise ValidationError(f"WeightedAging.weights[{q!r}] must be a number > 0 (got {w!r})")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
            raise ValidationError(f"WeightedAging.seconds must be a number >= 0 (got {seconds!r})")
        self.default = float(default)
        self.seconds = float(seconds)

    def order_key(self, e: Entry) -> tuple:
        return (e.arrival - self.seconds * e.priority, e.seq)

    static = False

    def rank(self, key: tuple, e: Entry, now: float) -> tuple:
        w = self.weights.get(e.queue.name, self.default)
        return (-w * (now - key[0]), *key)

    def __repr__(self) -> str:
        return f"WeightedAging(weights={self.weights!r}, default={self.default})"


class EarliestDeadline(ContactPolicy):
    """Least slack first: the contact whose queue's SLA threshold runs out soonest."""

    name = "earliest-deadline"

    def order_key(self, e: Entry) -> tuple:
        return (e.arrival + e.queue.sla.within, e.seq)


class FIFO(ContactPolicy):
    """One first-in-first-out line across all queues (priorities ignored)."""

    name = "fifo"

    def order_key(self, e: Entry) -> tuple:
        return (e.arrival, e.seq)


class RealtimeFirst(ContactPolicy):
    """Blending: realtime contacts (voice, video, chat) before deferrable work, then ``then``.

    An agent takes email, social posts and back-office tasks only when no realtime contact
    it could serve is waiting.
    """

    def __init__(self, then: ContactPolicy | None = None) -> None:
        self.then = then if then is not None else PriorityFIFO()
        if not isinstance(self.then, ContactPolicy):
            raise ValidationError(f"RealtimeFirst.then must be a ContactPolicy (got {then!r})")
        self.name = f"realtime-first+{self.then.name}"
        self.static = self.then.static
        self.dynamic = self.then.dynamic

    def order_key(self, e: Entry) -> tuple:
        return (0 if e.channel.realtime else 1, *self.then.order_key(e))

    def rank(self, key: tuple, e: Entry, now: float) -> tuple:
        return (key[0], *self.then.rank(key[1:], e, now))

    def rank_in(self, key: tuple, e: Entry, now: float, lengths: Mapping[str, int], total: int) -> tuple:
        return (key[0], *self.then.rank_in(key[1:], e, now, lengths, total))

    def check_queues(self, queues: tuple[str, ...]) -> None:
        self.then.check_queues(queues)

    def __repr__(self) -> str:
        return f"RealtimeFirst(then={self.then!r})"


AGENT_POLICIES: dict[str, type[AgentPolicy]] = {
    c.name: c for c in (LongestIdle, LeastOccupied, MostSkilled, BestFit, RoundRobin, FewestHandled, Random,
                        Linear, WeightedRandom)
}
CONTACT_POLICIES: dict[str, type[ContactPolicy]] = {
    c.name: c for c in (PriorityFIFO, HeadStart, WeightedAging, EarliestDeadline, FIFO)
}


def agent_policy(name: str, *, seed: int | np.random.Generator | None = 0, hold: float | None = None,
                 order: Sequence[str] | None = None, penalties: Mapping[str, float] | None = None) -> AgentPolicy:
    """Build an agent policy from its name (``"longest-idle"``, ``"preferred+best-fit"``,
    ``"tier-first+random"``, ``"preferred+tier-first+linear"``...).

    ``seed`` feeds the drawing policies, ``hold`` the preferred-agent hold, ``order`` the
    :class:`Linear` list and ``penalties`` the :class:`WeightedRandom` table (each refused
    with another policy).
    """
    if isinstance(name, AgentPolicy):
        return name
    base = name
    prefixes = []
    for p in ("preferred+", "tier-first+"):
        if isinstance(base, str) and base.startswith(p):
            prefixes.append(p)
            base = base[len(p):]
    cls = AGENT_POLICIES.get(base) if isinstance(base, str) else None
    if cls is None:
        raise ValidationError(
            f"unknown agent policy {name!r}; allowed: {sorted(AGENT_POLICIES)} "
            "(each may be prefixed with 'tier-first+', then with 'preferred+')"
        )
    if order is not None and cls is not Linear:
        raise ValidationError(f"an agent order applies to agent policy 'linear' (got {name!r})")
    if penalties is not None and cls is not WeightedRandom:
        raise ValidationError(f"agent penalties apply to agent policy 'weighted-random' (got {name!r})")
    if cls is Random:
        pol: AgentPolicy = Random(seed)
    elif cls is WeightedRandom:
        pol = WeightedRandom(penalties, seed=seed)
    elif cls is Linear:
        pol = Linear(order or ())
    else:
        pol = cls()
    if "tier-first+" in prefixes:
        pol = TierFirst(pol)
    if "preferred+" in prefixes or hold is not None:
        pol = PreferredAgent(pol, hold=hold or 0.0)
    return pol


def contact_policy(name: str) -> ContactPolicy:
    """Build a contact policy from its name (``"priority-fifo"``, ``"realtime-first+fifo"``...)."""
    if isinstance(name, ContactPolicy):
        return name
    base = name[len("realtime-first+"):] if isinstance(name, str) and name.startswith("realtime-first+") else name
    cls = CONTACT_POLICIES.get(base) if isinstance(base, str) else None
    if cls is None:
        raise ValidationError(
            f"unknown contact policy {name!r}; allowed: {sorted(CONTACT_POLICIES)} "
            "(each may be prefixed with 'realtime-first+')"
        )
    if cls is QueueRatio:
        raise ValidationError(f"contact policy {name!r} needs its ratios: build QueueRatio(ratios) "
                              "(a scenario file: [routing] queue_ratios = { queue = share })")
    pol = cls()
    return RealtimeFirst(pol) if base != name else pol


# --------------------------------------------------------------------------- research rules


def _per_queue(owner: str, field: str, values: Mapping[str, float] | None, low: float,
               strict: bool, what: str) -> dict[str, float]:
    """``values`` as a dict of queue name -> float, each checked (``> low`` or ``>= low``)."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValidationError(f"{owner}.{field} must be a mapping of queue name -> {what} (got {values!r})")
    out: dict[str, float] = {}
    for q, v in values.items():
        if not isinstance(q, str):
            raise ValidationError(f"{owner}.{field}: keys must be queue names (got {q!r})")
        out[q] = _number(owner, f"{field}[{q!r}]", v, low, strict, what)
    return out


def _number(owner: str, field: str, v: Any, low: float, strict: bool, what: str) -> float:
    ok = not isinstance(v, bool) and isinstance(v, (int, float)) and v < math.inf and (
        v > low if strict else v >= low)
    if not ok:
        raise ValidationError(f"{owner}.{field} must be {what} {'>' if strict else '>='} {low:g} (got {v!r})")
    return float(v)


class CMu(ContactPolicy):
    """The cμ rule: the contact of the queue with the largest ``cost × rate`` first.

    ``costs[q]`` is ``c_q``, the cost per second of waiting of a contact of queue ``q``, and
    ``rates[q]`` is ``μ_q``, its service rate (contacts per second of one agent:
    1 / mean handle time).  A freed agent serves the queue with the largest ``c_q μ_q``
    among the contacts it may take; within a queue, and between queues of equal index, the
    oldest arrival first.  Queue and contact priorities are not read: the costs say what
    matters.  Queues not named get ``default_cost`` and ``default_rate`` (give rates for every
    queue or for none: with none, the rule orders by cost alone).

    The rates are given, not estimated from the router's recent handle times: an estimate
    would move the order with every completion and make decisions depend on history;
    given rates keep the rule static and the decisions easy to check.

    Optimal for minimising linear waiting costs in a single-server multiclass queue (Cox and
    Smith, *Queues*, 1961; Buyukkoc, Varaiya and Walrand, "The cμ rule revisited", Advances
    in Applied Probability 17, 1985) and asymptotically in many-server heavy traffic with
    convex costs in its generalised form (:class:`GeneralizedCMu`).

    Cost per decision: a static key, compared over the heads of the buckets the agent could
    serve, as for :class:`PriorityFIFO` (no scan of the waiting contacts).
    """

    name = "cmu"

    def __init__(self, costs: Mapping[str, float] | None = None, rates: Mapping[str, float] | None = None,
                 default_cost: float = 1.0, default_rate: float = 1.0) -> None:
        owner = type(self).__name__
        self.costs = _per_queue(owner, "costs", costs, 0.0, True, "a cost per second")
        self.rates = _per_queue(owner, "rates", rates, 0.0, True, "a service rate per second")
        self.default_cost = _number(owner, "default_cost", default_cost, 0.0, True, "a cost per second")
        self.default_rate = _number(owner, "default_rate", default_rate, 0.0, True, "a service rate per second")
        self._index: dict[str, float] = {
            q: self.costs.get(q, self.default_cost) * self.rates.get(q, self.default_rate)
            for q in (*self.costs, *self.rates)}
        self._default_index = self.default_cost * self.default_rate

    def index(self, queue: str) -> float:
        """``c_q × μ_q`` of queue ``queue``."""
        return self._index.get(queue, self._default_index)

    def order_key(self, e: Entry) -> tuple:
        return (-self._index.get(e.queue.name, self._default_index), e.arrival, e.seq)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(costs={self.costs!r}, rates={self.rates!r}, "
                f"default_cost={self.default_cost}, default_rate={self.default_rate})")


class GeneralizedCMu(CMu):
    """The generalised cμ rule (Gcμ): the largest ``μ_q × C_q'(W)`` first, ``W`` the wait.

    Mandelbaum and Stolyar, "Scheduling flexible servers with convex delay costs:
    heavy-traffic optimality of the generalized cμ-rule", Operations Research 52(6), 2004:
    with convex delay costs ``C_q``, serving the queue whose head-of-line contact has the
    largest ``μ_q C_q'(W_q)`` minimises the total cost in heavy traffic.

    The cost family here is ``C_q(w) = c_q w^a / a`` with ``a = exponents[q]`` (default
    ``default_exponent``, 2), so ``C_q'(w) = c_q w^(a-1)`` and a contact's index is
    ``c_q μ_q W^(a-1)``.  ``a`` must be >= 1 (a convex cost): ``a = 1`` is the plain cμ rule
    (:class:`CMu`), ``a = 2`` (quadratic costs) ranks by ``c_q μ_q W``, the longest weighted
    waiting time (what :class:`WeightedAging` does with weights ``c_q μ_q``); larger ``a``
    punishes long waits harder, so the order between queues switches as waits grow.
    ``W`` is the time since the contact's arrival (kept across overflow and transfer).
    Queue and contact priorities are not read.

    Within a queue the oldest contact has the largest index, so contacts stay in arrival
    order and only the heads of the buckets an agent could serve compete (as for
    :class:`WeightedAging`): a decision computes one power per bucket head, never scans.
    """

    name = "gcmu"
    static = False

    def __init__(self, costs: Mapping[str, float] | None = None, rates: Mapping[str, float] | None = None,
                 exponents: Mapping[str, float] | None = None, default_cost: float = 1.0,
                 default_rate: float = 1.0, default_exponent: float = 2.0) -> None:
        super().__init__(costs, rates, default_cost, default_rate)
        owner = type(self).__name__
        self.exponents = _per_queue(owner, "exponents", exponents, 1.0, False, "a convex cost exponent")
        self.default_exponent = _number(owner, "default_exponent", default_exponent, 1.0, False,
                                        "a convex cost exponent")
        # queue -> (c μ, a - 1): one lookup per bucket head
        self._coef: dict[str, tuple[float, float]] = {
            q: (self.index(q), self.exponents.get(q, self.default_exponent) - 1.0)
            for q in (*self._index, *self.exponents)}
        self._default_coef = (self._default_index, self.default_exponent - 1.0)

    def order_key(self, e: Entry) -> tuple:
        return (e.arrival, e.seq)

    def rank(self, key: tuple, e: Entry, now: float) -> tuple:
        k, p = self._coef.get(e.queue.name, self._default_coef)
        return (-(k * (now - key[0]) ** p), *key)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(costs={self.costs!r}, rates={self.rates!r}, "
                f"exponents={self.exponents!r}, default_cost={self.default_cost}, "
                f"default_rate={self.default_rate}, default_exponent={self.default_exponent})")


CONTACT_POLICIES.update({c.name: c for c in (CMu, GeneralizedCMu)})


class Reserve(_Wrapping):
    """Threshold reservation: keep ``keep[tier]`` idle agents of a tier for the ``queues``.

    A contact of a queue not in ``queues`` may take an *idle* agent (available, holding
    nothing, not in wrap-up) of a reserved tier only while more than ``keep[tier]`` agents of
    that tier are idle; contacts of the protected queues may take any of them.  An agent of
    the tier who already holds something (a multitasker with room) is not part of the reserve
    and serves anyone.  Among the agents a contact may take, ``then`` (default
    :class:`LongestIdle`) chooses.

    The pool is a tier (decide: the agent index is already partitioned by tier, so the rule
    drops a closed tier's idle agents from a decision at no extra cost).  The router counts
    the idle agents of each reserved tier where agents change (O(1) per change).  When the
    count rises above ``keep`` again, the agent whose change raised it is routed as usual,
    and if it takes nothing the other idle agents of the tier (``keep`` of them, in the order
    they joined) are offered the waiting contacts, so no contact waits while the rule lets
    an idle agent take it; a kept idle agent that takes a protected contact and has room left
    is offered the contacts it was kept from.  Cost per decision: O(reserved tiers) to filter the tiers, plus
    skipping at most ``keep`` idle agents of a closed tier.

    Trunk reservation / threshold policies for a high-value class: Bhulai and Koole, "A
    queueing model for call blending in call centers", IEEE Transactions on Automatic
    Control 48(8), 2003 (keep some agents free for inbound calls); Gans, Koole and
    Mandelbaum, "Telephone call centers: tutorial, review, and research prospects",
    Manufacturing & Service Operations Management 5(2), 2003, section 5 (reservation in
    skills-based routing).
    """

    def __init__(self, keep: Mapping[int, int], queues: Any, then: AgentPolicy | None = None) -> None:
        if not isinstance(keep, Mapping) or not keep:
            raise ValidationError(f"Reserve.keep must be a non-empty mapping of tier -> idle agents kept "
                                  f"(got {keep!r})")
        for t, k in keep.items():
            if isinstance(t, bool) or not isinstance(t, int) or t < 1:
                raise ValidationError(f"Reserve.keep: tiers must be integers >= 1 (got {t!r})")
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise ValidationError(f"Reserve.keep[{t}] must be an integer >= 1 (got {k!r})")
        if isinstance(queues, str) or not isinstance(queues, (list, tuple, set, frozenset)) or not queues \
                or not all(isinstance(q, str) for q in queues):
            raise ValidationError(f"Reserve.queues must be a non-empty list of queue names (got {queues!r})")
        self._wrap("Reserve", then, "reserve")
        if self.then.reserve:
            raise ValidationError("Reserve.then must not itself be a Reserve (give every tier in one keep)")
        if self.then.pools:
            raise ValidationError(f"Reserve.then must not be an IdlenessRatio (got {then!r}): a reservation and "
                                  "idleness ratios over the same tiers contradict each other")
        self.reserve = dict(sorted(keep.items()))
        self.protected = frozenset(queues)

    def __repr__(self) -> str:
        return f"Reserve(keep={self.reserve!r}, queues={sorted(self.protected)!r}, then={self.then!r})"


def _ratios(owner: str, ratios: Any, what: str, names: str) -> dict[Any, float]:
    """``ratios`` checked: a non-empty mapping of ``what`` -> share > 0, the shares summing to 1."""
    if not isinstance(ratios, Mapping) or not ratios:
        raise ValidationError(f"{owner}.ratios must be a non-empty mapping of {what} -> share > 0 summing "
                              f"to 1 (got {ratios!r})")
    out: dict[Any, float] = {}
    for k, v in ratios.items():
        out[k] = _number(owner, f"ratios[{k!r}]", v, 0.0, True, "a share")
    total = math.fsum(out.values())
    if abs(total - 1.0) > 1e-9:
        raise ValidationError(f"{owner}.ratios must sum to 1 over the {names} (got {ratios!r}, which sums "
                              f"to {total:g})")
    return out


class QueueRatio(ContactPolicy):
    """Fixed-queue-ratio routing (FQR): a freed agent serves the queue most above its share.

    ``ratios[q]`` is ``r_q``, queue ``q``'s target share of the waiting contacts (each > 0,
    summing to 1, every queue of the router named).  An agent that frees up takes the
    oldest contact of the queue ``i``, among those it may serve, with the largest
    ``Q_i - r_i * sum(Q)``, ``Q`` the numbers of contacts waiting now; ties go to the
    oldest arrival.  Under overload this holds the queue lengths near ``Q_i = r_i * sum(Q)``,
    and so (by Little's law) the waits near chosen ratios: service-level differentiation
    with one parameter per queue.  Arriving contacts take a free agent as the agent policy
    says; pair it with :class:`IdlenessRatio` for the full queue-and-idleness-ratio rule
    (QIR).  Queue and contact priorities are not read.

    Gurvich and Whitt, "Service-level differentiation in many-server service systems via
    queue-ratio routing", Operations Research 58(2), 2010 (FQR); Gurvich and Whitt,
    "Queue-and-idleness-ratio controls in many-server service systems", Mathematics of
    Operations Research 34(2), 2009 (QIR).

    Cost per decision: the queue lengths are the router's own counts (kept by the waiting
    index, O(1) per change); ranking reads one count per bucket head the agent could serve,
    as :class:`WeightedAging` computes one product (O(queues), no scan of the contacts).
    The ranks move as contacts are assigned, so when several contacts are routed at one
    instant the router re-ranks the head of each queue before each assignment (``dynamic``).
    """

    name = "queue-ratio"
    static = False
    dynamic = True

    def __init__(self, ratios: Mapping[str, float]) -> None:
        if isinstance(ratios, Mapping) and not all(isinstance(q, str) for q in ratios):
            raise ValidationError(f"QueueRatio.ratios: keys must be queue names (got {ratios!r})")
        self.ratios: dict[str, float] = _ratios("QueueRatio", ratios, "queue name", "queues")

    def order_key(self, e: Entry) -> tuple:
        return (e.arrival, e.seq)

    def rank(self, key: tuple, e: Entry, now: float) -> tuple:
        raise TypeError("QueueRatio ranks with the queue lengths: call rank_in")

    def rank_in(self, key: tuple, e: Entry, now: float, lengths: Mapping[str, int], total: int) -> tuple:
        q = e.queue.name
        return (-(lengths.get(q, 0) - self.ratios[q] * total), *key)

    def check_queues(self, queues: tuple[str, ...]) -> None:
        unknown = sorted(q for q in self.ratios if q not in queues)
        missing = [q for q in queues if q not in self.ratios]
        if unknown:
            raise ValidationError(f"QueueRatio.ratios names {unknown}, not queues of this router; known: "
                                  f"{sorted(queues)}")
        if missing:
            raise ValidationError(f"QueueRatio.ratios gives no share for queue(s) {missing}: give every "
                                  f"queue one (the shares of {sorted(queues)} must sum to 1)")

    def __repr__(self) -> str:
        return f"QueueRatio(ratios={self.ratios!r})"


CONTACT_POLICIES.update({QueueRatio.name: QueueRatio})


class IdlenessRatio(_Wrapping):
    """Idleness-ratio routing: an arriving contact goes to the pool most above its idle share.

    The pools are the tiers (as for :class:`Reserve`: the agent index is partitioned by
    tier).  ``ratios[tier]`` is ``p_j``, tier ``j``'s target share of the idle agents (each
    > 0, summing to 1; an agent of a tier not named is refused when added).  Among the tiers
    with a free agent who may take the contact, the contact goes to the tier ``j`` with the
    largest ``I_j - p_j * sum(I)``, ``I`` the numbers of idle agents (available, holding
    nothing, not in wrap-up) now; ties to the lower tier; within the tier ``then`` (default
    :class:`LongestIdle`) chooses.  With :class:`QueueRatio` as the contact policy this is
    the queue-and-idleness-ratio rule (QIR) of Gurvich and Whitt, "Queue-and-idleness-ratio
    controls in many-server service systems", Mathematics of Operations Research 34(2), 2009:
    the idle agents are held near the split ``p``, so each pool's share of the idleness (its
    agents' rest, or the pool kept ready) is a parameter.

    Cost per decision: the idle counts per tier are the router's (O(1) per change, as for
    :class:`Reserve`); a decision orders the contact's allowed tiers by the rule,
    O(tiers log tiers), then searches them one by one as the index does for one tier.
    """

    def __init__(self, ratios: Mapping[int, float], then: AgentPolicy | None = None) -> None:
        if isinstance(ratios, Mapping) and not all(
                isinstance(t, int) and not isinstance(t, bool) and t >= 1 for t in ratios):
            raise ValidationError(f"IdlenessRatio.ratios: keys must be tiers, integers >= 1 (got {ratios!r})")
        pools = _ratios("IdlenessRatio", ratios, "tier", "tiers")
        self._wrap("IdlenessRatio", then, "idleness-ratio")
        if self.then.reserve or self.then.pools:
            raise ValidationError(f"IdlenessRatio.then must not be a Reserve or IdlenessRatio (got {then!r})")
        self.pools = dict(sorted(pools.items()))

    def __repr__(self) -> str:
        return f"IdlenessRatio(ratios={self.pools!r}, then={self.then!r})"
