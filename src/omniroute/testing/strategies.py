"""Hypothesis strategies for omniroute's model objects, shared by every property test."""

from __future__ import annotations

from hypothesis import strategies as st

from ..agents import Agent
from ..channels import CHAT, EMAIL, VIDEO, VOICE, Channel
from ..contacts import Contact
from ..policies import (
    FIFO,
    BestFit,
    EarliestDeadline,
    FewestHandled,
    HeadStart,
    LeastOccupied,
    LongestIdle,
    MostSkilled,
    PreferredAgent,
    PriorityFIFO,
    Random,
    RealtimeFirst,
    RoundRobin,
    WeightedAging,
)
from ..queues import Overflow, Queue, ServiceLevel, Step

__all__ = [
    "SKILLS", "CHANNELS", "QUEUES", "levels", "agents", "contacts", "queue_sets",
    "agent_policy_factories", "contact_policy_factories",
]

#: A small skill vocabulary, so that random needs and skills often meet.
SKILLS = ("billing", "loans", "french", "tech")
CHANNELS: tuple[Channel, ...] = (VOICE, VIDEO, CHAT, EMAIL)
QUEUES = ("general", "premium", "backoffice")

levels = st.integers(min_value=1, max_value=4)


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
    max_total = draw(st.one_of(st.none(), st.integers(1, 3)))
    return Agent(aid, skills=skills, tier=draw(st.integers(1, 3)), capacity=capacity,
                 team=draw(st.sampled_from(["front", "back", None])), max_total=max_total)


@st.composite
def contacts(draw: st.DrawFn, cid: str, agent_ids: list[str] | None = None) -> Contact:
    """A contact on a random channel and queue, needing 0-2 skills."""
    needs = draw(st.dictionaries(st.sampled_from(SKILLS), levels, max_size=2))
    preferred: tuple[str, ...] = ()
    if agent_ids and draw(st.integers(0, 3)) == 0:
        preferred = tuple(draw(st.lists(st.sampled_from(agent_ids), min_size=1, max_size=2, unique=True)))
    return Contact(
        cid, channel=draw(st.sampled_from(CHANNELS)), queue=draw(st.sampled_from(QUEUES)),
        needs=needs, priority=draw(st.integers(0, 2)),
        segment=draw(st.sampled_from([None, "premium"])), preferred_agents=preferred,
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
            ))
        return out

    return build()


#: Factories (so that two routers get equal, independent policy objects).
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
}
contact_policy_factories: dict[str, object] = {
    "priority-fifo": PriorityFIFO,
    "head-start": lambda: HeadStart(30.0),
    "weighted-aging": lambda: WeightedAging({"premium": 3.0, "general": 1.5}, seconds=10.0),
    "earliest-deadline": EarliestDeadline,
    "fifo": FIFO,
    "realtime-first": lambda: RealtimeFirst(PriorityFIFO()),
}
