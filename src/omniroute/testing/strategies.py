"""Hypothesis strategies for omniroute's model objects, shared by every property test."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from ..agents import Agent
from ..channels import CHAT, EMAIL, VIDEO, VOICE, Channel
from ..contacts import Contact
from ..policies import (
    FIFO,
    BestFit,
    CMu,
    ContactPolicy,
    EarliestDeadline,
    FewestHandled,
    GeneralizedCMu,
    HeadStart,
    IdlenessRatio,
    LeastOccupied,
    Linear,
    LongestIdle,
    MostSkilled,
    PreferredAgent,
    PriorityFIFO,
    QueueRatio,
    Random,
    RealtimeFirst,
    Reserve,
    RoundRobin,
    Scored,
    ScoreTable,
    TierFirst,
    WeightedAging,
    WeightedRandom,
)
from ..queues import Overflow, Queue, ServiceLevel, Step

__all__ = [
    "SKILLS", "CHANNELS", "QUEUES", "WHATSAPP", "CONFLICTING", "GHOSTS", "levels", "agents",
    "contacts", "queue_sets", "preferred_lists", "times", "bad_times", "bad_durations",
    "agent_policy_factories", "contact_policy_factories", "contact_policy_for", "pairing_score", "LANGUAGES",
    "agent_attributes", "contact_attributes", "expressions", "joint_agent_policies",
    "batchable_agent_policies", "batchable_contact_policies",
]

#: A small skill vocabulary, so that random needs and skills often meet.
SKILLS = ("billing", "loans", "french", "tech")
#: A user-defined channel, beside the presets.
WHATSAPP = Channel("whatsapp", realtime=True, exclusive=False)
CHANNELS: tuple[Channel, ...] = (VOICE, VIDEO, CHAT, EMAIL, WHATSAPP)
#: Second, different definitions under known names: a router must refuse them.
CONFLICTING: tuple[Channel, ...] = (
    Channel("voice", realtime=True, exclusive=False),
    Channel("whatsapp", realtime=False, exclusive=False),
)
#: Agent ids no router of the tests ever knows (preferred lists may name them).
GHOSTS = ("ghost", "gone")
QUEUES = ("general", "premium", "backoffice")

levels = st.integers(min_value=1, max_value=4)

#: Attribute values of a small vocabulary, so that expressions often hold and often not.
LANGUAGES = ("es", "en", "fr")
_LANG = st.sampled_from(LANGUAGES)
#: Agent attributes: a language, a grade, a flag and a list (any may be missing; a grade is
#: now and then a string or a float, for type mismatches).
agent_attributes = st.fixed_dictionaries({}, optional={
    "language": _LANG,
    "grade": st.one_of(st.integers(0, 3), st.sampled_from(["2", 1.5])),
    "vip_only": st.booleans(),
    "languages": st.lists(_LANG, max_size=2, unique=True),
})
#: Contact attributes that expressions read through ``contact.<name>``.
contact_attributes = st.fixed_dictionaries({}, optional={
    "language": _LANG, "grade": st.integers(0, 3), "vip": st.booleans()})


def _literal() -> st.SearchStrategy[str]:
    return st.one_of(
        _LANG.map(lambda s: f'"{s}"'), st.integers(-1, 4).map(str), st.just("1.5"),
        st.sampled_from(["true", "TRUE", "false", "'es'"]))


@st.composite
def expressions(draw: st.DrawFn, depth: int = 2) -> str:
    """The source of a random attribute expression over the attributes above, the
    built-ins, skill levels and contact attributes (and, rarely, an attribute nobody has),
    in random keyword case and spacing."""
    names = ["language", "grade", "vip_only", "languages", "tier", "team", "id", "skills.billing",
             "skills.french", "contact.language", "task.grade", "contact.vip", "nobody"]
    kw = draw(st.sampled_from([str.upper, str.lower, str.title]))

    def value() -> str:
        return draw(st.one_of(st.sampled_from(names), _literal()))

    def test() -> str:
        form = draw(st.integers(0, 5))
        if form == 0:
            op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
            return f"{value()} {op} {value()}"
        if form in (1, 2):
            items = ", ".join(draw(st.lists(_literal(), max_size=3)))
            notin = kw("not ") if form == 2 else ""
            rhs = draw(st.sampled_from([f"[{items}]", "languages"]))
            return f"{value()} {notin}{kw('in')} {rhs}"
        if form == 3:
            return f"languages {kw('has')} {value()}"
        return draw(st.sampled_from(["vip_only", "contact.vip", "true", "FALSE"]))

    def expr(d: int) -> str:
        if d <= 0 or draw(st.integers(0, 2)) == 0:
            return test()
        form = draw(st.integers(0, 2))
        if form == 0:
            return f"{kw('not')} ({expr(d - 1)})"
        op = kw("and") if form == 1 else kw("or")
        return f"({expr(d - 1)}) {op} {expr(d - 1)}"

    return expr(depth)


def times(now: float) -> st.SearchStrategy[object]:
    """``now`` as callers pass it: a float, or the same value as a numpy float or int."""
    options: list[object] = [now, np.float64(now)]
    if float(now).is_integer():
        options += [int(now), np.int64(int(now))]
    return st.sampled_from(options)


#: Values a router must refuse as ``now`` (with a TimeOrderError), whatever its state.
bad_times = st.sampled_from([10**400, -(10**400), math.nan, math.inf, -1.0, "5", None, True,
                             np.bool_(True), complex(1, 0)])
#: Values a router must refuse as a duration (``wrap_up``), with a ValidationError.
bad_durations = st.sampled_from([10**400, math.inf, math.nan, -1, -1e-9, "15s", None, False])


@st.composite
def agents(draw: st.DrawFn, ids: st.SearchStrategy[str] | None = None) -> Agent:
    """An agent with 0-3 skills, a tier 1-3 and capacity on some channels."""
    aid = draw(ids if ids is not None else st.text("abcdef", min_size=1, max_size=4))
    skills = draw(st.dictionaries(st.sampled_from(SKILLS), levels, max_size=3))
    capacity = {VOICE: draw(st.integers(0, 1)), CHAT: draw(st.integers(0, 3))}
    if draw(st.booleans()):
        capacity[EMAIL] = draw(st.integers(0, 2))
    if draw(st.booleans()):
        capacity[VIDEO] = 1
    if draw(st.integers(0, 3)) == 0:
        capacity[WHATSAPP] = draw(st.integers(1, 2))
    if draw(st.integers(0, 9)) == 0:  # now and then a conflicting definition of a known name
        bad = draw(st.sampled_from(CONFLICTING))
        capacity = {ch: n for ch, n in capacity.items() if ch.name != bad.name}
        capacity[bad] = 1
    max_total = draw(st.one_of(st.none(), st.integers(1, 3)))
    return Agent(aid, skills=skills, tier=draw(st.integers(1, 3)), capacity=capacity,
                 team=draw(st.sampled_from(["front", "back", None])), max_total=max_total,
                 attributes=draw(agent_attributes))


def preferred_lists(agent_ids: list[str], unique: bool = True) -> st.SearchStrategy[list[str]]:
    """Preferred-agent lists naming known agents and ghosts (with repeats unless ``unique``)."""
    return st.lists(st.sampled_from([*agent_ids, *GHOSTS]), min_size=1, max_size=3, unique=unique)


@st.composite
def contacts(draw: st.DrawFn, cid: str, agent_ids: list[str] | None = None) -> Contact:
    """A contact on a random channel (now and then a conflicting one) and queue, needing
    0-2 skills, sometimes with preferred agents (known or not)."""
    needs = draw(st.dictionaries(st.sampled_from(SKILLS), levels, max_size=2))
    preferred: tuple[str, ...] = ()
    if draw(st.integers(0, 3)) == 0:
        preferred = tuple(draw(preferred_lists(list(agent_ids or ()))))
    channels = CHANNELS if draw(st.integers(0, 14)) else CONFLICTING
    return Contact(
        cid, channel=draw(st.sampled_from(channels)), queue=draw(st.sampled_from(QUEUES)),
        needs=needs, priority=draw(st.integers(0, 2)),
        segment=draw(st.sampled_from([None, "premium"])), preferred_agents=preferred,
        attributes=draw(contact_attributes),
    )


def queue_sets() -> st.SearchStrategy[list[Queue]]:
    """The three queues of QUEUES with random steps, tiers and overflow."""

    @st.composite
    def build(draw: st.DrawFn) -> list[Queue]:
        out = []
        for i, name in enumerate(QUEUES):
            steps = []
            t = 0.0
            for _ in range(draw(st.integers(0, 2))):
                t += draw(st.sampled_from([0.0, 5.0, 20.0]))
                steps.append(Step(
                    after=t,
                    min_tier=draw(st.one_of(st.none(), st.just(1))),
                    max_tier=draw(st.one_of(st.none(), st.integers(2, 3))),
                    drop=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=1))),
                    lower=draw(st.one_of(st.none(), st.integers(0, 2))),
                    requires=draw(st.one_of(st.none(), st.none(), st.just("true"), expressions(1))),
                ))
            overflow = None
            if draw(st.booleans()):
                overflow = Overflow(after=draw(st.sampled_from([10.0, 30.0])), to=QUEUES[(i + 1) % 3])
            seg = {}
            if draw(st.booleans()):
                seg = {"premium": (Step(0.0, min_tier=2), Step(draw(st.sampled_from([5.0, 15.0])), min_tier=1))}
            out.append(Queue(
                name, sla=ServiceLevel(0.8, draw(st.sampled_from([10.0, 20.0, 60.0]))),
                priority=draw(st.integers(0, 2)), steps=tuple(steps), overflow=overflow,
                max_tier=draw(st.one_of(st.none(), st.integers(1, 3))), segment_steps=seg,
                forget_declines=draw(st.sampled_from([None, None, 0.5, 5.0, 20.0])),
                requires=draw(st.one_of(st.none(), st.none(), expressions(1))),
            ))
        return out

    return build()


def pairing_score(agent: Agent, contact: Contact) -> float:
    """A deterministic score of (agent, contact) for :class:`~omniroute.policies.Scored`:
    the agent's levels in the contact's needed skills, a bonus for the contact's channel
    being the agent's smallest capacity, a tier that suits the contact's priority.  Small
    integers and halves, so ties are frequent (``then`` breaks them)."""
    fit = sum(agent.skills.get(s, 0) for s in contact.needs)
    tier = -abs(agent.tier - 1 - contact.priority) / 2
    cap = agent.capacity.get(contact.channel, 0)
    return float(fit + tier + (1 if cap == 1 else 0))


#: Factories (so that two routers get equal, independent policy objects).
#: A score table by tier and queue (tier 3 scores the default), with ties to break.
PAIRING_TABLE = ScoreTable({"1": {"general": 2.0, "premium": -1.0}, "2": {"general": 1.0, "premium": 2.0,
                                                                        "backoffice": 0.5}},
                           by="tier", on="queue", default=1.0)
agent_policy_factories: dict[str, object] = {
    "longest-idle": LongestIdle,
    "least-occupied": LeastOccupied,
    "most-skilled": MostSkilled,
    "best-fit": BestFit,
    "round-robin": RoundRobin,
    "fewest-handled": FewestHandled,
    "random": lambda: Random(7),
    "preferred+longest-idle": lambda: PreferredAgent(LongestIdle(), hold=12.0),
    "preferred+most-skilled": lambda: PreferredAgent(MostSkilled(), hold=0.0),
    "scored": lambda: Scored(pairing_score),
    "scored+round-robin/limit": lambda: Scored(pairing_score, RoundRobin(), limit=2),
    # a score written as data: serialises, so journals and snapshots write it down
    "scored/table": lambda: Scored(PAIRING_TABLE, FewestHandled()),
    "reserve+longest-idle": lambda: Reserve({2: 1}, ["premium"]),
    "reserve+preferred+best-fit": lambda: Reserve({1: 2, 3: 1}, ["general", "backoffice"],
                                                  PreferredAgent(BestFit(), hold=5.0)),
    "reserve+random": lambda: Reserve({1: 1}, ["premium"], Random(3)),
    "idleness-ratio+longest-idle": lambda: IdlenessRatio({1: 0.5, 2: 0.3, 3: 0.2}),
    "idleness-ratio+preferred+most-skilled": lambda: IdlenessRatio({1: 0.2, 2: 0.4, 3: 0.4},
                                                                   PreferredAgent(MostSkilled(), hold=5.0)),
    "idleness-ratio+random": lambda: IdlenessRatio({1: 0.6, 2: 0.2, 3: 0.2}, Random(5)),
    "reserve+scored/limit": lambda: Reserve({1: 1}, ["premium"], Scored(pairing_score, RoundRobin(), limit=2)),
    # the vendor emulators' policies (omniroute.vendors): ids and teams as agents() makes them
    "tier-first+longest-idle": lambda: TierFirst(LongestIdle()),
    "tier-first+most-skilled": lambda: TierFirst(MostSkilled()),
    "tier-first+random": lambda: TierFirst(Random(7)),
    "linear": lambda: Linear(["a3", "back", "a1", "a6"]),
    "weighted-random": lambda: WeightedRandom({"a2": 4.0, "front": 1.5, "a5": 0.0}, default=0.5, seed=7),
    "preferred+tier-first+weighted-random": lambda: PreferredAgent(
        TierFirst(WeightedRandom({"back": 3.0}, seed=3)), hold=5.0),
}
#: The agent policies a batch window accepts (no reservation or idleness ratios), and those
#: ``Router(matching="joint")`` accepts too (no draw, no preferred-agent hold either).
batchable_agent_policies = tuple(k for k, f in agent_policy_factories.items()
                                 if not (p := f()).reserve and not p.pools)  # type: ignore[operator]
joint_agent_policies = tuple(k for k in batchable_agent_policies
                             if (p := agent_policy_factories[k]()).draw_rng is None  # type: ignore[operator]
                             and not p.prefers)
contact_policy_factories: dict[str, object] = {
    "priority-fifo": PriorityFIFO,
    "head-start": lambda: HeadStart(30.0),
    "weighted-aging": lambda: WeightedAging({"premium": 3.0, "general": 1.5}, seconds=10.0),
    "earliest-deadline": EarliestDeadline,
    "fifo": FIFO,
    "realtime-first": lambda: RealtimeFirst(PriorityFIFO()),
    "cmu": lambda: CMu({"premium": 4.0, "general": 1.0}, {"premium": 0.5, "general": 2.0}),
    "gcmu": lambda: GeneralizedCMu({"premium": 2.0}, {"backoffice": 0.5}, {"general": 1.0, "premium": 3.0}),
    "queue-ratio": lambda: QueueRatio({"general": 0.5, "premium": 0.2, "backoffice": 0.3}),
    "realtime-first+queue-ratio": lambda: RealtimeFirst(QueueRatio({"general": 0.25, "premium": 0.5,
                                                                    "backoffice": 0.25})),
}
#: The contact policies a batch window or joint matching accepts (not queue ratios, whose
#: order changes with every assignment).
batchable_contact_policies = tuple(k for k, f in contact_policy_factories.items()
                                   if not f().dynamic)  # type: ignore[operator]


def contact_policy_for(name: str, queues: list[str]) -> ContactPolicy:
    """``contact_policy_factories[name]()`` for a router whose queues are ``queues``: a
    queue-ratio policy, whose shares must name every queue, gets shares over these ones
    instead (the first queue half, the others the rest in equal parts)."""
    pol = contact_policy_factories[name]()  # type: ignore[operator]
    inner = pol.then if isinstance(pol, RealtimeFirst) else pol
    if isinstance(inner, QueueRatio) and set(inner.ratios) != set(queues):
        shares = {q: (0.5 if i == 0 else 0.5 / (len(queues) - 1)) for i, q in enumerate(queues)} \
            if len(queues) > 1 else {queues[0]: 1.0}
        inner = QueueRatio(shares)
        return RealtimeFirst(inner) if isinstance(pol, RealtimeFirst) else inner
    return pol  # type: ignore[no-any-return]
