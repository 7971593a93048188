"""Plain, JSON-ready dicts for the model's value objects and the built-in policies, and back.

``to_dict(obj)`` turns a :class:`~omniroute.Channel`, :class:`~omniroute.ServiceLevel`,
:class:`~omniroute.Step`, :class:`~omniroute.Overflow`, :class:`~omniroute.Queue`,
:class:`~omniroute.Agent`, :class:`~omniroute.Contact`, :class:`~omniroute.Assignment` or a
built-in policy into a dict of str, int, float, bool, None, lists and dicts (``json.dumps``
accepts it); ``from_dict(cls, data)`` builds the object back, equal to the original::

    >>> import omniroute as orr
    >>> from omniroute import serial
    >>> q = orr.Queue("general", sla=orr.ServiceLevel(0.8, 20.0), steps=[orr.Step(30.0, max_tier=2)])
    >>> serial.from_dict(orr.Queue, serial.to_dict(q)) == q
    True

A channel inside an agent or a contact is written as its name when it is the preset of that
name (``"voice"``), else as a dict.  Policies are written by kind and parameters
(``{"kind": "random", "rng": {...}}`` carries the generator's exact state, so a policy
rebuilt from it draws the same numbers); only the built-in policy classes themselves
serialise (:func:`is_builtin`): a subclass or a custom policy raises, since its rules
cannot be written down.

Malformed input raises :class:`~omniroute.ValidationError` whose message starts with the
path of the offending field (``Queue.steps[1].after: ...``); unknown fields are refused,
never ignored.  Contact ``attributes`` must themselves be JSON values (tuples come back
as lists).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

from . import policies as P
from .agents import Agent
from .assignment import Assignment, Reason
from .channels import PRESETS, Channel
from .contacts import Contact
from .errors import ExpressionError, ValidationError
from .queues import Overflow, Queue, ServiceLevel, Step

__all__ = ["to_dict", "from_dict", "is_builtin", "plain"]

T = TypeVar("T")

_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def plain(value: Any) -> Any:
    """``value`` with tuples as lists and numpy scalars as Python numbers (JSON-ready)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


# ------------------------------------------------------------------ writing
def _channel_ref(ch: Channel) -> Any:
    # A preset by its name keeps journals readable; a user channel (or a redefined preset
    # name) needs its flags.
    return ch.name if PRESETS.get(ch.name) == ch else _channel(ch)


def _channel(ch: Channel) -> dict[str, Any]:
    return {"name": ch.name, "realtime": ch.realtime, "exclusive": ch.exclusive}


def _num(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _step(s: Step) -> dict[str, Any]:
    out = {"after": _num(s.after), "min_tier": s.min_tier, "max_tier": s.max_tier,
           "drop": list(s.drop), "lower": s.lower}
    if s.requires is not None:  # written only when set: older readers' dicts stay as they were
        out["requires"] = s.requires.source
    return out


def _queue(q: Queue) -> dict[str, Any]:
    ov = q.overflow
    return {
        "name": q.name,
        "sla": {"target": _num(q.sla.target), "within": _num(q.sla.within)},
        "priority": q.priority,
        "steps": [_step(s) for s in q.steps],
        "overflow": None if ov is None else {
            "after": _num(ov.after), "to": ov.to, "needs": None if ov.needs is None else dict(ov.needs)},
        "min_tier": q.min_tier,
        "max_tier": q.max_tier,
        "segment_steps": {seg: [_step(s) for s in steps] for seg, steps in q.segment_steps.items()},
        "forget_declines": _num(q.forget_declines),
        **({"requires": q.requires.source} if q.requires is not None else {}),
    }


def _agent(a: Agent) -> dict[str, Any]:
    custom = {ch.name: _channel(ch) for ch in a.capacity if PRESETS.get(ch.name) != ch}
    out: dict[str, Any] = {"id": a.id, "skills": dict(a.skills), "tier": a.tier,
                           "capacity": {ch.name: n for ch, n in a.capacity.items()},
                           "team": a.team, "max_total": a.max_total}
    if custom:
        out["channels"] = custom
    if a.attributes:  # written only when there are some (older snapshots and journals have none)
        out["attributes"] = plain(a.attributes)
    return out


def _contact(c: Contact) -> dict[str, Any]:
    attributes = plain(c.attributes)
    try:
        json.dumps(attributes)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Contact.attributes of {c.id!r} must be JSON values ({exc})") from None
    return {"id": c.id, "channel": _channel_ref(c.channel), "queue": c.queue, "needs": dict(c.needs),
            "priority": c.priority, "segment": c.segment, "preferred_agents": list(c.preferred_agents),
            "attributes": attributes}


def _assignment(a: Assignment) -> dict[str, Any]:
    r = a.reason
    return {"contact_id": a.contact_id, "agent_id": a.agent_id, "time": _num(a.time), "queue": a.queue,
            "waited": _num(a.waited),
            "reason": {"trigger": r.trigger, "agent_policy": r.agent_policy,
                       "contact_policy": r.contact_policy, "step": r.step, "score": plain(r.score)}}


def is_builtin(policy: object) -> bool:
    """True if ``policy`` is exactly one of the built-in policy classes (nested ones too)."""
    t = type(policy)
    if t is P.PreferredAgent or t is P.Reserve or t is P.IdlenessRatio or t is P.TierFirst:
        return is_builtin(policy.then)  # type: ignore[attr-defined]
    if t is P.RealtimeFirst:
        return is_builtin(policy.then)  # type: ignore[attr-defined]
    if t is P.Scored:  # a score written as data (ScoreTable) serialises; a function does not
        return type(policy.score) is P.ScoreTable and is_builtin(policy.then)  # type: ignore[attr-defined]
    return t in P.AGENT_POLICIES.values() or t in P.CONTACT_POLICIES.values()


def _agent_policy(p: P.AgentPolicy) -> dict[str, Any]:
    t = type(p)
    if t is P.PreferredAgent:
        return {"kind": "preferred", "hold": p.hold, "then": _agent_policy(p.then)}  # type: ignore[attr-defined]
    if t is P.Random:
        return {"kind": "random", "rng": plain(p.rng.bit_generator.state)}  # type: ignore[attr-defined]
    if t is P.Scored and type(p.score) is P.ScoreTable:  # type: ignore[attr-defined]
        sc: P.ScoreTable = p.score  # type: ignore[attr-defined]
        return {"kind": "scored", "then": _agent_policy(p.then),  # type: ignore[attr-defined]
                "limit": p.limit or None,
                "score": {"values": {k: dict(v) for k, v in sc.values.items()}, "by": sc.by,
                          "on": sc.on, "default": sc.default}}
    if t is P.Reserve:  # JSON keys are strings: the tiers are written as such
        return {"kind": "reserve", "keep": {str(tier): k for tier, k in p.reserve.items()},
                "queues": sorted(p.protected), "then": _agent_policy(p.then)}  # type: ignore[attr-defined]
    if t is P.IdlenessRatio:
        return {"kind": "idleness-ratio", "ratios": {str(tier): r for tier, r in p.pools.items()},
                "then": _agent_policy(p.then)}  # type: ignore[attr-defined]
    if t is P.TierFirst:
        return {"kind": "tier-first", "then": _agent_policy(p.then)}  # type: ignore[attr-defined]
    if t is P.Linear:
        return {"kind": "linear", "order": list(p.order)}  # type: ignore[attr-defined]
    if t is P.WeightedRandom:
        return {"kind": "weighted-random", "penalties": dict(p.penalties),  # type: ignore[attr-defined]
                "default": p.default, "rng": plain(p.rng.bit_generator.state)}  # type: ignore[attr-defined]
    if isinstance(p, P.Scored):
        raise ValidationError(
            f"agent policy {p!r} holds a Python function (its score), which cannot be written to "
            "TOML or JSON (a ScoreTable can): build it in Python (Router(agent_policy=Scored(fn)), "
            "sim.Routing(agent=lambda _rng: Scored(fn))); a snapshot records it as a custom policy "
            "(Router.restore(snapshot, agent_policy=Scored(fn)))")
    if t not in P.AGENT_POLICIES.values():
        raise ValidationError(
            f"agent policy {p!r} ({t.__name__}) is not a built-in policy and cannot be written down; "
            f"built-in: {sorted(P.AGENT_POLICIES)} (a journal of it replays only with a policy factory)")
    return {"kind": t.name}


def _contact_policy(p: P.ContactPolicy) -> dict[str, Any]:
    t = type(p)
    if t is P.RealtimeFirst:
        return {"kind": "realtime-first", "then": _contact_policy(p.then)}  # type: ignore[attr-defined]
    if t is P.HeadStart:
        return {"kind": "head-start", "seconds": p.seconds}  # type: ignore[attr-defined]
    if t is P.WeightedAging:
        return {"kind": "weighted-aging", "weights": dict(p.weights),  # type: ignore[attr-defined]
                "default": p.default, "seconds": p.seconds}  # type: ignore[attr-defined]
    if t is P.CMu:
        return {"kind": "cmu", "costs": dict(p.costs), "rates": dict(p.rates),  # type: ignore[attr-defined]
                "default_cost": p.default_cost, "default_rate": p.default_rate}  # type: ignore[attr-defined]
    if t is P.GeneralizedCMu:
        return {"kind": "gcmu", "costs": dict(p.costs), "rates": dict(p.rates),  # type: ignore[attr-defined]
                "exponents": dict(p.exponents), "default_cost": p.default_cost,  # type: ignore[attr-defined]
                "default_rate": p.default_rate, "default_exponent": p.default_exponent}  # type: ignore[attr-defined]
    if t is P.QueueRatio:
        return {"kind": "queue-ratio", "ratios": dict(p.ratios)}  # type: ignore[attr-defined]
    if t not in P.CONTACT_POLICIES.values():
        raise ValidationError(
            f"contact policy {p!r} ({t.__name__}) is not a built-in policy and cannot be written down; "
            f"built-in: {sorted(P.CONTACT_POLICIES)} (a journal of it replays only with a policy factory)")
    return {"kind": t.name}


_WRITERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    Channel: _channel, Step: _step, Queue: _queue, Agent: _agent, Contact: _contact,
    Assignment: _assignment,
    ServiceLevel: lambda s: {"target": _num(s.target), "within": _num(s.within)},
    Overflow: lambda o: {"after": _num(o.after), "to": o.to, "needs": None if o.needs is None else dict(o.needs)},
}


def to_dict(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict of a model value object, an assignment or a built-in policy."""
    if isinstance(obj, P.AgentPolicy):
        return _agent_policy(obj)
    if isinstance(obj, P.ContactPolicy):
        return _contact_policy(obj)
    fn = _WRITERS.get(type(obj))
    if fn is None:
        raise ValidationError(f"to_dict: cannot serialise {type(obj).__name__} (got {obj!r})")
    return fn(obj)


# ------------------------------------------------------------------ reading
class _Fields:
    """Reads one dict, checking field names; errors name the path."""

    def __init__(self, path: str, data: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
        if not isinstance(data, Mapping):
            raise ValidationError(f"{path} must be an object/dict (got {data!r})")
        unknown = [str(k) for k in data if k not in required and k not in optional]
        if unknown:  # sorted only then: this runs for every object of a snapshot
            unknown.sort()
            raise ValidationError(
                f"{path}: unknown field {unknown[0]!r}; allowed: {sorted(required + optional)}")
        for k in required:
            if k not in data:
                raise ValidationError(f"{path}.{k} is required")
        self.path, self.data = path, data

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def _build(path: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except ExpressionError as exc:  # keep its caret: name the field by its path
        raise exc.renamed(f"{path}.{exc.field.rsplit('.', 1)[-1]}") from None
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None
    except (TypeError, ValueError) as exc:  # a wrong type the constructor did not anticipate
        raise ValidationError(f"{path}: {exc}") from None


def _list(path: str, value: Any) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"{path} must be a list (got {value!r})")
    return list(value)


def _read_channel(path: str, data: Any) -> Channel:
    if isinstance(data, str):
        if data not in PRESETS:
            raise ValidationError(f"{path}: unknown channel {data!r}; presets are {sorted(PRESETS)} "
                                  "(write others as {'name', 'realtime', 'exclusive'})")
        return PRESETS[data]
    f = _Fields(path, data, ("name",), ("realtime", "exclusive"))
    return _build(path, Channel, f.get("name"), realtime=f.get("realtime", True), exclusive=f.get("exclusive", False))


def _read_step(path: str, data: Any) -> Step:
    f = _Fields(path, data, ("after",), ("min_tier", "max_tier", "drop", "lower", "requires"))
    return _build(path, Step, f.get("after"), min_tier=f.get("min_tier"), max_tier=f.get("max_tier"),
                  drop=tuple(_list(f"{path}.drop", f.get("drop", []))), lower=f.get("lower"),
                  requires=f.get("requires"))


def _read_sla(path: str, data: Any) -> ServiceLevel:
    f = _Fields(path, data, ("target", "within"))
    return _build(path, ServiceLevel, f.get("target"), f.get("within"))


def _read_overflow(path: str, data: Any) -> Overflow:
    f = _Fields(path, data, ("after", "to"), ("needs",))
    return _build(path, Overflow, f.get("after"), f.get("to"), needs=f.get("needs"))


def _read_queue(path: str, data: Any) -> Queue:
    f = _Fields(path, data, ("name",), ("sla", "priority", "steps", "overflow", "min_tier", "max_tier",
                                        "segment_steps", "forget_declines", "requires"))
    steps = tuple(_read_step(f"{path}.steps[{i}]", s) for i, s in enumerate(_list(f"{path}.steps", f.get("steps", []))))
    seg_raw = f.get("segment_steps", {})
    if not isinstance(seg_raw, Mapping):
        raise ValidationError(f"{path}.segment_steps must be an object/dict (got {seg_raw!r})")
    seg = {k: tuple(_read_step(f"{path}.segment_steps[{k!r}][{i}]", s)
                    for i, s in enumerate(_list(f"{path}.segment_steps[{k!r}]", v)))
           for k, v in seg_raw.items()}
    ov = f.get("overflow")
    return _build(path, Queue, f.get("name"),
                  sla=_read_sla(f"{path}.sla", f.get("sla")) if f.get("sla") is not None else ServiceLevel(),
                  priority=f.get("priority", 0), steps=steps,
                  overflow=None if ov is None else _read_overflow(f"{path}.overflow", ov),
                  min_tier=f.get("min_tier", 1), max_tier=f.get("max_tier"), segment_steps=seg,
                  forget_declines=f.get("forget_declines"), requires=f.get("requires"))


def _read_agent(path: str, data: Any) -> Agent:
    f = _Fields(path, data, ("id",), ("skills", "tier", "capacity", "team", "max_total", "channels",
                                      "attributes"))
    custom_raw = f.get("channels", {})
    if not isinstance(custom_raw, Mapping):
        raise ValidationError(f"{path}.channels must be an object/dict (got {custom_raw!r})")
    custom = {k: _read_channel(f"{path}.channels[{k!r}]", v) for k, v in custom_raw.items()}
    cap_raw = f.get("capacity", {"voice": 1})
    if not isinstance(cap_raw, Mapping):
        raise ValidationError(f"{path}.capacity must be an object/dict of channel -> count (got {cap_raw!r})")
    capacity: dict[Channel, Any] = {}
    for name, n in cap_raw.items():
        ch = custom.get(name) if name in custom else _read_channel(f"{path}.capacity[{name!r}]", name)
        capacity[ch] = n
    return _build(path, Agent, f.get("id"), skills=f.get("skills", {}), tier=f.get("tier", 1),
                  capacity=capacity, team=f.get("team"), max_total=f.get("max_total"),
                  attributes=f.get("attributes", {}))


def _read_contact(path: str, data: Any) -> Contact:
    f = _Fields(path, data, ("id", "channel", "queue"),
                ("needs", "priority", "segment", "preferred_agents", "attributes"))
    return _build(path, Contact, f.get("id"), channel=_read_channel(f"{path}.channel", f.get("channel")),
                  queue=f.get("queue"), needs=f.get("needs", {}), priority=f.get("priority", 0),
                  segment=f.get("segment"),
                  preferred_agents=tuple(_list(f"{path}.preferred_agents", f.get("preferred_agents", []))),
                  attributes=f.get("attributes", {}))


def _tuples(x: Any) -> Any:
    return tuple(_tuples(v) for v in x) if isinstance(x, list) else x


def _read_assignment(path: str, data: Any) -> Assignment:
    f = _Fields(path, data, ("contact_id", "agent_id", "time", "queue", "waited", "reason"))
    r = _Fields(f"{path}.reason", f.get("reason"), ("trigger", "agent_policy", "contact_policy", "step", "score"))
    return Assignment(f.get("contact_id"), f.get("agent_id"), f.get("time"), f.get("queue"), f.get("waited"),
                      Reason(r.get("trigger"), r.get("agent_policy"), r.get("contact_policy"), r.get("step"),
                             _tuples(r.get("score"))))


def _read_rng(path: str, state: Any) -> np.random.Generator:
    if not isinstance(state, Mapping) or state.get("bit_generator") not in _BIT_GENERATORS:
        raise ValidationError(f"{path} must be a numpy bit generator state with 'bit_generator' one of "
                              f"{list(_BIT_GENERATORS)} (got {state!r})")
    bg = getattr(np.random, state["bit_generator"])()
    try:
        bg.state = dict(state)
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ValidationError(f"{path}: not a valid {state['bit_generator']} state ({exc})") from None
    return np.random.Generator(bg)


def _read_agent_policy(path: str, data: Any) -> P.AgentPolicy:
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if kind == "preferred":
        f = _Fields(path, data, ("kind", "then"), ("hold",))
        then = _read_agent_policy(f"{path}.then", f.get("then"))
        return _build(path, P.PreferredAgent, then, hold=f.get("hold", 0.0))
    if kind == "reserve":
        f = _Fields(path, data, ("kind", "keep", "queues", "then"))
        tiers = _by_tier(f"{path}.keep", f.get("keep"), "idle agents kept")
        then = _read_agent_policy(f"{path}.then", f.get("then"))
        return _build(path, P.Reserve, tiers, _list(f"{path}.queues", f.get("queues")), then)
    if kind == "idleness-ratio":
        f = _Fields(path, data, ("kind", "ratios", "then"))
        pools = _by_tier(f"{path}.ratios", f.get("ratios"), "share of the idle agents")
        then = _read_agent_policy(f"{path}.then", f.get("then"))
        return _build(path, P.IdlenessRatio, pools, then)
    if kind == "random":
        f = _Fields(path, data, ("kind",), ("rng", "seed"))
        if f.get("rng") is not None:
            return P.Random(_read_rng(f"{path}.rng", f.get("rng")))
        return _build(path, P.Random, f.get("seed", 0))
    if kind == "scored":
        f = _Fields(path, data, ("kind", "score", "then"), ("limit",))
        g = _Fields(f"{path}.score", f.get("score"), ("values",), ("by", "on", "default"))
        table = _build(f"{path}.score", P.ScoreTable, g.get("values"), by=g.get("by", "agent"),
                       on=g.get("on", "queue"), default=g.get("default", 0.0))
        then = _read_agent_policy(f"{path}.then", f.get("then"))
        return _build(path, P.Scored, table, then, limit=f.get("limit"))
    if kind == "tier-first":
        f = _Fields(path, data, ("kind", "then"))
        return _build(path, P.TierFirst, _read_agent_policy(f"{path}.then", f.get("then")))
    if kind == "linear":
        f = _Fields(path, data, ("kind", "order"))
        return _build(path, P.Linear, f.get("order"))
    if kind == "weighted-random":
        f = _Fields(path, data, ("kind",), ("penalties", "default", "rng", "seed"))
        rng = _read_rng(f"{path}.rng", f.get("rng")) if f.get("rng") is not None else f.get("seed", 0)
        return _build(path, P.WeightedRandom, f.get("penalties"), default=f.get("default", 0.0), seed=rng)
    return _plain_policy(path, data, kind, "agent", P.AGENT_POLICIES, _WRAPPERS)  # type: ignore[no-any-return]


#: Agent policy kinds written with parameters or wrapping another, beside AGENT_POLICIES'.
_WRAPPERS = ("preferred", "reserve", "idleness-ratio", "scored", "tier-first")


def _by_tier(path: str, table: Any, what: str) -> dict[int, Any]:
    """A JSON object keyed by tiers (written as strings, JSON keys being strings)."""
    if not isinstance(table, Mapping):
        raise ValidationError(f"{path} must be an object of tier -> {what} (got {table!r})")
    tiers: dict[int, Any] = {}
    for tier, v in table.items():
        if not (isinstance(tier, str) and tier.isdigit()):
            raise ValidationError(f"{path}: tiers must be written as whole numbers (got {tier!r})")
        tiers[int(tier)] = v
    return tiers


def _plain_policy(path: str, data: Any, kind: Any, what: str, table: Mapping[str, type],
                  wrapper: str | tuple[str, ...]) -> Any:
    """A policy without parameters, by its ``kind`` in ``table`` (``wrapper``: the other kinds)."""
    cls = table.get(kind) if isinstance(kind, str) else None
    if cls is None:
        wrappers = (wrapper,) if isinstance(wrapper, str) else wrapper
        raise ValidationError(f"{path}.kind: unknown {what} policy {kind!r}; allowed: {sorted([*table, *wrappers])}")
    _Fields(path, data, ("kind",))
    return cls()


def _read_contact_policy(path: str, data: Any) -> P.ContactPolicy:
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if kind == "realtime-first":
        f = _Fields(path, data, ("kind", "then"))
        return P.RealtimeFirst(_read_contact_policy(f"{path}.then", f.get("then")))
    if kind == "head-start":
        f = _Fields(path, data, ("kind",), ("seconds",))
        return _build(path, P.HeadStart, f.get("seconds", 90.0))
    if kind == "weighted-aging":
        f = _Fields(path, data, ("kind",), ("weights", "default", "seconds"))
        return _build(path, P.WeightedAging, f.get("weights"), default=f.get("default", 1.0),
                      seconds=f.get("seconds", 0.0))
    if kind == "cmu":
        f = _Fields(path, data, ("kind",), ("costs", "rates", "default_cost", "default_rate"))
        return _build(path, P.CMu, f.get("costs"), f.get("rates"), default_cost=f.get("default_cost", 1.0),
                      default_rate=f.get("default_rate", 1.0))
    if kind == "gcmu":
        f = _Fields(path, data, ("kind",), ("costs", "rates", "exponents", "default_cost", "default_rate",
                                            "default_exponent"))
        return _build(path, P.GeneralizedCMu, f.get("costs"), f.get("rates"), f.get("exponents"),
                      default_cost=f.get("default_cost", 1.0), default_rate=f.get("default_rate", 1.0),
                      default_exponent=f.get("default_exponent", 2.0))
    if kind == "queue-ratio":
        f = _Fields(path, data, ("kind", "ratios"))
        return _build(path, P.QueueRatio, f.get("ratios"))
    return _plain_policy(path, data, kind, "contact", P.CONTACT_POLICIES, "realtime-first")  # type: ignore[no-any-return]


_READERS: dict[type, Callable[[str, Any], Any]] = {
    Channel: _read_channel, ServiceLevel: _read_sla, Step: _read_step, Overflow: _read_overflow,
    Queue: _read_queue, Agent: _read_agent, Contact: _read_contact, Assignment: _read_assignment,
    P.AgentPolicy: _read_agent_policy, P.ContactPolicy: _read_contact_policy,
}


def from_dict(cls: type[T], data: Any, path: str | None = None) -> T:
    """Build a ``cls`` (a model class, ``Assignment``, ``AgentPolicy`` or ``ContactPolicy``)
    from what :func:`to_dict` wrote.  ``path`` prefixes error messages (default: the class name).
    """
    reader = _READERS.get(cls)
    if reader is None:
        raise ValidationError(f"from_dict: cannot build {getattr(cls, '__name__', cls)!r}; "
                              f"known: {sorted(c.__name__ for c in _READERS)}")
    return reader(path or cls.__name__, data)  # type: ignore[no-any-return]

