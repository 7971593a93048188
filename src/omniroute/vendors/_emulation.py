"""What every vendor emulator returns, and the checks their configurations share."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from ..agents import Agent
from ..errors import ValidationError
from ..policies import AgentPolicy, ContactPolicy, PriorityFIFO
from ..queues import Queue
from ..router import Router

__all__ = ["Emulation", "Member", "Config"]


@attrs.frozen(slots=True)
class Member:
    """What an emulation changes on one member (an agent id, or a team name in a scenario):
    its ``tier`` (None: keep the agent's own) and ``skills`` added to the agent's."""

    tier: int | None = None
    skills: Mapping[str, int] = attrs.field(factory=dict, converter=dict, hash=False)


@attrs.frozen(slots=True)
class Emulation:
    """A vendor's routing configuration expressed in omniroute's model.

    ``queues`` carry the steps (what widens after how long) and tiers; ``needs[q]`` are the
    skills a contact of queue ``q`` needs on arrival (give them to its :class:`Contact`);
    ``members`` say what changes on each member (:meth:`agent` applies it); the policies are
    built by :meth:`agent_policy` (a seed or generator for the drawing strategies) and
    :meth:`contact_policy`.  ``not_expressed`` names, in words, what of the given
    configuration omniroute's model does not reproduce exactly (and what it does instead).
    """

    vendor: str
    queues: tuple[Queue, ...]
    needs: Mapping[str, Mapping[str, int]]
    members: Mapping[str, Member]
    make_agent_policy: Callable[[int | np.random.Generator], AgentPolicy] = attrs.field(repr=False)
    not_expressed: tuple[str, ...] = ()
    make_contact_policy: Callable[[], ContactPolicy] = attrs.field(default=PriorityFIFO, repr=False)

    def agent_policy(self, seed: int | np.random.Generator = 0) -> AgentPolicy:
        """A fresh agent policy (``seed``: for the strategies that draw at random)."""
        return self.make_agent_policy(seed)

    def contact_policy(self) -> ContactPolicy:
        """A fresh contact policy."""
        return self.make_contact_policy()

    def agent(self, agent: Agent, member: str | None = None) -> Agent:
        """``agent`` as the emulation needs it: the tier and skills of member ``member``
        (default: the agent's id, else its team); an agent of no member is returned as is."""
        m = self.members.get(member if member is not None else agent.id)
        if m is None and member is None and agent.team is not None:
            m = self.members.get(agent.team)
        if m is None:
            return agent
        skills = {**agent.skills, **{s: max(lv, agent.skills.get(s, 0)) for s, lv in m.skills.items()}}
        return attrs.evolve(agent, skills=skills, tier=agent.tier if m.tier is None else m.tier)

    def router(self, seed: int | np.random.Generator = 0) -> Router:
        """A router with this emulation's queues and policies (add agents through :meth:`agent`)."""
        return Router(list(self.queues), agent_policy=self.agent_policy(seed),
                      contact_policy=self.contact_policy())


class Config:
    """Reads one vendor's configuration (plain dicts and lists), naming each bad value's path."""

    def __init__(self, vendor: str, data: Any, root: str | None = None) -> None:
        self.vendor = vendor
        self.root = root or vendor  # the prefix of every path in a message
        self.notes: list[str] = []
        if not isinstance(data, Mapping):
            raise ValidationError(f"{self.root}: the configuration must be a mapping (got {data!r})")
        self.data = data

    def fail(self, path: str, message: str) -> ValidationError:
        return ValidationError(f"{self.root}.{path}: {message}" if path else f"{self.root}: {message}")

    def table(self, d: Any, path: str, allowed: Sequence[str], required: Sequence[str] = ()) -> Mapping[str, Any]:
        if not isinstance(d, Mapping):
            raise self.fail(path, f"must be a table (got {d!r})")
        for k in d:
            if k not in allowed:
                raise self.fail(f"{path}.{k}" if path else str(k),
                                f"unknown key; allowed: {', '.join(allowed)}")
        for k in required:
            if k not in d:
                raise self.fail(path, f"{k!r} is required")
        return d

    def items(self, d: Mapping[str, Any], key: str, path: str, required: bool = True) -> list[Any]:
        v = d.get(key, [] if not required else None)
        if not isinstance(v, (list, tuple)) or (required and not v):
            raise self.fail(f"{path}.{key}" if path else key, f"must be a non-empty list (got {v!r})")
        return list(v)

    def name(self, v: Any, path: str) -> str:
        if not isinstance(v, str) or not v.strip():
            raise self.fail(path, f"must be a non-empty name (got {v!r})")
        return v

    def seconds(self, v: Any, path: str, positive: bool = False) -> float:
        ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and (
            v > 0 if positive else v >= 0)
        if not ok:
            raise self.fail(path, f"must be a number of seconds {'> 0' if positive else '>= 0'} (got {v!r})")
        return float(v)

    def integer(self, v: Any, path: str, low: int, high: int | None = None) -> int:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or v < low or (high is not None and v > high):
            bound = f"from {low} to {high}" if high is not None else f">= {low}"
            raise self.fail(path, f"must be an integer {bound} (got {v!r})")
        return v

    def choice(self, v: Any, path: str, allowed: Sequence[str]) -> str:
        if v not in allowed:
            raise self.fail(path, f"unknown value {v!r}; allowed: {', '.join(allowed)}")
        return str(v)

    def flag(self, v: Any, path: str) -> bool:
        if not isinstance(v, bool):
            raise self.fail(path, f"must be true or false (got {v!r})")
        return v

    def queues(self, allowed: Sequence[str], required: Sequence[str]) -> list[tuple[str, Mapping[str, Any], str]]:
        """The ``queues`` list as (path, table, name), each table's keys checked, names unique."""
        out: list[tuple[str, Mapping[str, Any], str]] = []
        for i, q in enumerate(self.items(self.data, "queues", "")):
            qp = f"queues[{i}]"
            self.table(q, qp, allowed, ("name", *required))
            name = self.name(q["name"], f"{qp}.name")
            if any(n == name for _p, _q, n in out):
                raise self.fail(f"{qp}.name", f"{name!r} is a duplicate")
            out.append((qp, q, name))
        return out

    def strategy(self, qs: list[tuple[str, Mapping[str, Any], str]], default: str, allowed: Sequence[str]) -> str:
        """The queues' one strategy: omniroute has one agent policy per router."""
        got = [(qp, self.choice(q.get("strategy", default), f"{qp}.strategy", allowed)) for qp, q, _n in qs]
        for qp, s in got:
            if s != got[0][1]:
                raise self.fail(f"{qp}.strategy", f"{s!r} differs from queues[0]'s {got[0][1]!r}: omniroute "
                                "has one agent policy per router; emulate each strategy in its own scenario")
        return got[0][1]


def tiers(cfg: Config, values: Mapping[str, Mapping[str, int]], what: str, plural: str) -> tuple[dict[str, int], dict[int, int]]:
    """Per-queue ranks (penalties, levels: ``values[member][queue]``) as omniroute tiers.

    Returns each member's own value (its lowest: a tier is per agent, so a member ranked
    differently in two queues is noted) and each distinct value's tier, 1 for the smallest.
    """
    own = {who: min(per.values()) for who, per in values.items()}
    for who, per in values.items():
        if len(set(per.values())) > 1:
            cfg.notes.append(f"member {who!r} has {plural} {dict(per)} in different queues; omniroute's tier "
                             f"is per agent: its lowest {what}, {own[who]}, is used in every queue")
    return own, {v: i + 1 for i, v in enumerate(sorted(set(own.values())))}


def member_skill(queue: str) -> str:
    """The skill that stands for membership of ``queue`` (members get it at level 1)."""
    return f"member:{queue}"
