"""Snapshots: a router's whole state as a plain, versioned dict, and a router rebuilt from one.

``router.snapshot()`` returns a dict of str, int, float, bool, None, lists and dicts
(``json.dumps`` accepts it, strict JSON: no NaN or infinity); ``Router.restore(snapshot)``
returns a new router whose decisions from then on, reasons and scores included, are the ones
the original would have made::

    {"format": "omniroute-snapshot", "version": 2, "sha256": "<hex digest of content>",
     "content": {"config": {"queues": [...], "agent_policy": {...}, "contact_policy": {...}},
                 "router": {"now": ..., "order": ..., "seq": ..., "assigned": ..., "stamp": ...,
                            "channels": [...], "agents": [...], "contacts": [...]},
                 "stats": {"profiles": [...], "capped": ..., "queues": {...}, "agents": [...],
                           "contacts": [...]}}}

``config`` is the router's construction, written by :mod:`omniroute.serial` (the random
generator's exact state included); a custom policy is ``{"custom": name, "class": ..., "state":
...}`` (see :class:`~omniroute.policies.PolicyState`).  ``router`` is the live state: the
counters, every channel the router has seen, the agents in the order they joined (presence,
load, idle time, handled count, update stamp, held contacts, wrap-ups with their ends) and the
live contacts (waiting or assigned: arrival, queue entry, step reached, needs, hold, declines
with their expiries, pending timed rule).  ``stats`` (version 2) is the real-time statistics'
running state the rest does not imply (see ``docs/live.md``).

What the indexes keep besides that state is rebuilt, and what their decisions read is
restored: the agent index orders agents by the policy's key, whose last part is the agent's
update stamp (``version``, saved with each agent, and the index's stamp counter), so the
index is refiled oldest stamp first (:meth:`~omniroute.agent_index.AgentIndex.refile`); the
waiting index orders contacts by keys ending in their submission number (saved); timed rules
fire in (due, number) order and both are saved.  Heap layouts, stale entries and compaction
counters are not saved: no decision depends on them (every order key ends in a unique part).

``sha256`` is the SHA-256 of the canonical JSON of ``content`` (keys sorted, no spaces), so a
store that reorders keys (PostgreSQL ``jsonb``) keeps it valid while any changed value, added
or removed field makes ``restore`` refuse the snapshot.  Everything is checked before anything
is built: a refused snapshot raises :class:`~omniroute.SnapshotError` naming the field; a
restore never returns a half-loaded router.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import serial
from ._checks import check_reason, levels
from .agent_index import AgentIndex
from .agents import Agent
from .channels import Channel
from .contacts import Contact
from .errors import OmnirouteError, SnapshotError, ValidationError
from .policies import (
    AgentPolicy,
    ContactPolicy,
    IdlenessRatio,
    PolicyState,
    PreferredAgent,
    RealtimeFirst,
    Reserve,
    TierFirst,
)
from .queues import Queue
from .state import AVAILABLE, AWAY, LOGGED_OUT, AgentState, Entry
from .waiting import WaitingIndex

if TYPE_CHECKING:
    from .router import Router

__all__ = ["FORMAT", "VERSION", "SECTIONS", "snapshot", "restore", "checksum"]

FORMAT = "omniroute-snapshot"
#: The format version this omniroute writes.
VERSION = 2
#: Per version this omniroute reads: the sections of ``content`` it requires, and the optional
#: ones.  Version 2 added ``stats``, the real-time statistics' running state
#: (:mod:`omniroute.stats`); a version-1 snapshot loads with the statistics starting afresh.
SECTIONS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    1: (("config", "router"), ()),
    2: (("config", "router", "stats"), ()),
}

_INF = math.inf
_PRESENCES = (AVAILABLE, AWAY, LOGGED_OUT)


def checksum(content: Any) -> str:
    """The SHA-256 (hex) of the canonical JSON of ``content`` (keys sorted, compact, strict)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ====================================================================== writing
def snapshot(router: Router) -> dict[str, Any]:
    """The state of ``router`` as a plain, versioned dict (see the module docstring)."""
    _check_indexes(router, "snapshot")
    content = {"config": _config(router), "router": _state(router), "stats": _stats_state(router)}
    try:
        digest = checksum(content)
    except (TypeError, ValueError) as exc:  # a custom policy's state that is not JSON, say
        raise SnapshotError(f"snapshot: the router's state is not plain JSON ({exc})") from None
    return {"format": FORMAT, "version": VERSION, "sha256": digest, "content": content}


def _check_indexes(router: Any, what: str) -> None:
    if type(router._agent_index) is not AgentIndex or type(router._waiting) is not WaitingIndex:
        raise SnapshotError(f"{what}: {type(router).__name__} replaces the router's indexes; only a router "
                            "with omniroute's own indexes can be snapshotted and restored")


def _config(router: Router) -> dict[str, Any]:
    try:
        queues = [serial.to_dict(q) for q in router.queues.values()]
    except ValidationError as exc:  # a Queue subclass: serial cannot write it
        raise SnapshotError(f"snapshot: {exc}") from None
    config = {"queues": queues,
              "agent_policy": _policy_spec(router.agent_policy, "agent_policy", AgentPolicy),
              "contact_policy": _policy_spec(router.contact_policy, "contact_policy", ContactPolicy)}
    if router.matching != "greedy":  # written only when set: greedy snapshots are unchanged
        config["matching"] = router.matching
    if router.batch_window > 0:
        config["batch_window"] = router.batch_window
    return config


def _innermost(policy: Any) -> Any:
    """The policy a built-in wrapper (PreferredAgent, RealtimeFirst) finally delegates to."""
    while type(policy) in (PreferredAgent, RealtimeFirst, Reserve, IdlenessRatio, TierFirst):
        policy = policy.then
    return policy


def _class_path(policy: object) -> str:
    t = type(policy)
    return f"{t.__module__}.{t.__qualname__}"


def _policy_spec(policy: Any, role: str, base: type) -> dict[str, Any]:
    if serial.is_builtin(policy):
        return serial.to_dict(policy)
    return {"custom": policy.name, "class": _class_path(policy),
            "state": _custom_state(_innermost(policy), role, base)}


def _custom_state(policy: Any, role: str, base: type) -> Any:
    """A custom policy's own state, as its author says (see :class:`PolicyState`)."""
    t = type(policy)
    where = f"snapshot: the {role} {policy!r} ({_class_path(policy)})"
    if t.snapshot_state is not PolicyState.snapshot_state:
        if t.restore_state is PolicyState.restore_state:
            raise SnapshotError(f"{where} defines snapshot_state() but not restore_state(): "
                                "a snapshot of it could not be restored")
        state = policy.snapshot_state()
        try:  # a copy, detached from the policy's own objects (and tuples as lists)
            return json.loads(json.dumps(state, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise SnapshotError(f"{where}: snapshot_state() must return a JSON value (got {state!r}: "
                                f"{exc})") from None
    hooks = [h for h in ("on_add", "on_assign") if getattr(t, h, None) is not getattr(base, h, None)]
    if hooks:
        raise SnapshotError(f"{where} overrides {' and '.join(hooks)}, so it keeps state: define "
                            "snapshot_state() and restore_state() (see omniroute.policies.PolicyState)")
    if policy.stateless:
        return None
    raise SnapshotError(
        f"{where} is a custom policy that does not say how it snapshots: set the class attribute "
        "stateless = True if its decisions depend only on its parameters and the router's state, "
        "else define snapshot_state() and restore_state() (see omniroute.policies.PolicyState)")


def _state(router: Any) -> dict[str, Any]:
    rules: dict[str, list[Any]] = {}  # contact id -> [due, number] of its pending timed rule
    wraps: dict[int, float] = {}  # wrap-up number -> its end
    batch: list[Any] | None = None  # [due, number] of the next decision instant (batching)
    for item in router._timers:
        if router._timer_live(item):  # cancelled rules stay in the heap until due: not state
            due, seq, _kind, obj, token = item
            if obj is None:
                batch = [due, seq]
            elif isinstance(obj, AgentState):
                wraps[token] = due
            else:
                rules[obj.id] = [due, seq]
    agents = []
    for a in router._agents.values():
        agents.append({
            "agent": serial.to_dict(a.agent), "order": a.order, "presence": a.presence, "reason": a.reason,
            "since": a.since, "handled": a.handled, "last_assigned": a.last_assigned, "version": a.version,
            "load": [[name, n] for name, n in a.load.items()], "contacts": list(a.contacts),
            "wrap_ups": [{"seq": s, "channel": ch.name, "until": wraps[s]} for s, ch in a.wrapups.items()],
        })
    contacts = []
    for e in router._contacts.values():
        try:
            contact = serial.to_dict(e.contact)
        except ValidationError as exc:
            raise SnapshotError(f"snapshot: {exc}") from None
        contacts.append({
            "contact": contact, "seq": e.seq, "state": e.state,
            "agent": e.agent.id if e.agent is not None else None, "queue": e.queue.name,
            "arrival": e.arrival, "entered": e.entered, "step": e.step,
            # None: the contact's own needs (a transfer or an overflow may have replaced them)
            "base_needs": None if e.base_needs == e.contact.needs else dict(e.base_needs),
            "hold_until": e.hold_until,
            "declined": [[aid, None if until == _INF else until] for aid, until in e.declined.items()],
            "timer": rules.get(e.id),
        })
    state = {"now": router._now, "order": router._order, "seq": router._seq, "assigned": router._assigned,
             "stamp": router._agent_index._stamp,
             "channels": [serial.to_dict(ch) for ch in router._channels.values()],
             "agents": agents, "contacts": contacts}
    if router.batch_window > 0:  # what waits for the next decision instant
        state["batch"] = {"timer": batch, "agents": list(router._pending_agents),
                          "contacts": [[cid, trigger] for cid, (e, trigger) in router._pending.items()
                                       if router._contacts.get(cid) is e]}
    return state


# ====================================================================== reading
def restore(data: Any, *, queues: Any = None, agent_policy: Any = None, contact_policy: Any = None,
            cls: type | None = None) -> Router:
    """A new router in the state ``data`` (what :func:`snapshot` returned) describes.

    ``queues`` / ``agent_policy`` / ``contact_policy``, when given, are the configuration the
    caller expects: a snapshot whose configuration differs is refused, the difference named
    (a random generator's state is state, not configuration).  A custom policy cannot be
    rebuilt from a snapshot: pass a new instance, which gets the saved state.  ``cls``: the
    router class to build (``Router`` by default).
    """
    from .router import Router

    try:
        content = _open(data)
        qs, (ap, ap_state), (cp, cp_state) = _read_config(content["config"], queues, agent_policy, contact_policy)
        state = _read_state(content["router"], qs)
        stats = _read_stats(content["stats"], qs, state) if "stats" in content else None
        config = content["config"]
        router = (cls or Router)(list(qs.values()), agent_policy=ap, contact_policy=cp,
                                 matching=config.get("matching", "greedy"),
                                 batch_window=config.get("batch_window", 0.0))  # checks them all
        if "batch" in state and not router.batch_window:
            raise SnapshotError("snapshot: router.batch is set but config.batch_window is not")
    except SnapshotError:
        raise
    except OmnirouteError as exc:
        raise SnapshotError(f"snapshot: {exc}") from None
    _check_indexes(router, "restore")
    for policy, saved in ((ap, ap_state), (cp, cp_state)):
        if not serial.is_builtin(policy):
            try:
                _innermost(policy).restore_state(saved)
            except SnapshotError:
                raise
            except Exception as exc:
                raise SnapshotError(f"restore: {policy!r}.restore_state() refused the saved state "
                                    f"({type(exc).__name__}: {exc})") from exc
    _build(router, state)
    _build_stats(router, state, stats)
    return router


def _open(data: Any) -> Mapping[str, Any]:
    """The checked ``content`` of a snapshot: format, version, checksum and sections."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        got = repr(data.get("format")) if isinstance(data, Mapping) else f"a {type(data).__name__}"
        raise SnapshotError(f"not an omniroute snapshot: 'format' must be {FORMAT!r} (got {got})")
    f = serial._Fields("snapshot", data, ("format", "version", "sha256", "content"))
    version = f.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version not in SECTIONS:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise SnapshotError(f"snapshot format version {version!r}; this omniroute reads versions "
                            f"{sorted(SECTIONS)}" + (" (the snapshot is from a newer omniroute)" if newer else ""))
    content = f.get("content")
    try:
        digest = checksum(content)
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"snapshot.content is not plain JSON ({exc})") from None
    if f.get("sha256") != digest:
        raise SnapshotError("snapshot checksum mismatch: the content was changed after the snapshot was "
                            f"taken (corrupted or edited); sha256 {f.get('sha256')!r} recorded, {digest!r} "
                            "computed")
    required, optional = SECTIONS[version]
    serial._Fields("snapshot.content", content, required, optional)
    return content  # type: ignore[no-any-return]


# ------------------------------------------------------------------ values
def _int(path: str, value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValidationError(f"{path} must be an integer >= {low} (got {value!r})")
    return value


def _time(path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < _INF:
        raise ValidationError(f"{path} must be a finite number of seconds >= 0 (got {value!r})")
    return float(value)


def _str(path: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{path} must be a non-empty string (got {value!r})")
    return value


def _list(path: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(f"{path} must be a list (got {value!r})")
    return value


def _unique(path: str, what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise ValidationError(f"{path}: {what} {v!r} appears twice")
        seen.add(v)


def _by_name(path: str, cls: Any, data: Any) -> dict[str, Any]:
    """A list of ``cls`` (queues, channels) as written by serial, by name (each name once)."""
    out: dict[str, Any] = {}
    for i, raw in enumerate(_list(path, data)):
        obj = serial.from_dict(cls, raw, f"{path}[{i}]")
        if obj.name in out:
            raise ValidationError(f"{path}[{i}]: name {obj.name!r} appears twice")
        out[obj.name] = obj
    return out


# ------------------------------------------------------------------ configuration
def _read_config(data: Any, queues: Any, agent_policy: Any,
                 contact_policy: Any) -> tuple[dict[str, Queue], tuple[Any, Any], tuple[Any, Any]]:
    f = serial._Fields("config", data, ("queues", "agent_policy", "contact_policy"),
                       ("matching", "batch_window"))
    qs = _by_name("config.queues", Queue, f.get("queues"))
    if queues is not None:
        _same_queues(qs, queues)
    return (qs, _read_policy("agent_policy", f.get("agent_policy"), agent_policy, AgentPolicy),
            _read_policy("contact_policy", f.get("contact_policy"), contact_policy, ContactPolicy))


def _same_queues(saved: Mapping[str, Queue], expected: Any) -> None:
    if isinstance(expected, Mapping):
        expected = list(expected.values())
    if isinstance(expected, (str, bytes, Queue)) or not all(isinstance(q, Queue) for q in expected):
        raise SnapshotError(f"restore: queues must be an iterable of Queue objects (got {expected!r})")
    want = {q.name: q for q in expected}
    if set(want) != set(saved):
        raise SnapshotError(
            f"restore: the snapshot's queues differ from the expected ones: the snapshot has "
            f"{sorted(saved)}, expected {sorted(want)} (missing {sorted(set(want) - set(saved))}, "
            f"extra {sorted(set(saved) - set(want))})")
    for name, q in want.items():
        diff = _difference(f"queues[{name!r}]", serial.to_dict(saved[name]), serial.to_dict(q))
        if diff is not None:
            raise SnapshotError(f"restore: the snapshot's configuration differs from the expected one: {diff}")


def _difference(path: str, saved: Any, expected: Any) -> str | None:
    """The first place where two JSON values differ, in words, or None."""
    if isinstance(saved, dict) and isinstance(expected, dict):
        for key in [*saved, *(k for k in expected if k not in saved)]:
            if key not in expected:
                return f"{path}.{key}: the snapshot has {saved[key]!r}, not expected"
            if key not in saved:
                return f"{path}.{key}: the snapshot has none, expected {expected[key]!r}"
            diff = _difference(f"{path}.{key}", saved[key], expected[key])
            if diff is not None:
                return diff
        return None
    if isinstance(saved, list) and isinstance(expected, list) and len(saved) == len(expected):
        for i, (a, b) in enumerate(zip(saved, expected, strict=True)):
            diff = _difference(f"{path}[{i}]", a, b)
            if diff is not None:
                return diff
        return None
    if saved != expected or type(saved) is not type(expected) and not _numbers(saved, expected):
        return f"{path}: the snapshot has {saved!r}, expected {expected!r}"
    return None


def _numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def _shape(spec: Any) -> Any:
    """A policy spec without its state (a generator's position, a custom policy's state)."""
    if isinstance(spec, dict):
        return {k: _shape(v) for k, v in spec.items() if k not in ("rng", "state")}
    return spec


def _read_policy(role: str, spec: Any, given: Any, base: type) -> tuple[Any, Any]:
    """The policy to build the router with, and a custom policy's saved state."""
    path = f"config.{role}"
    if given is not None and not isinstance(given, base):
        raise SnapshotError(f"restore: {role} must be a {base.__name__} (got {given!r})")
    if isinstance(spec, Mapping) and "custom" in spec:
        f = serial._Fields(path, spec, ("custom", "class", "state"))
        name, where = f.get("custom"), f.get("class")
        if given is None:
            raise SnapshotError(
                f"restore: the snapshot's {role} is custom ({name!r}, class {where}): a snapshot cannot "
                f"rebuild it; pass a new instance (Router.restore(snapshot, {role}=...)), which gets the "
                "saved state")
        if (given.name, _class_path(given)) != (name, where):
            raise SnapshotError(
                f"restore: the snapshot's {role} differs from the given one: the snapshot has {name!r} "
                f"(class {where}), given {given.name!r} (class {_class_path(given)})")
        return given, f.get("state")
    policy = serial.from_dict(base, spec, path)
    if given is not None:
        if not serial.is_builtin(given):
            raise SnapshotError(
                f"restore: the snapshot's {role} differs from the given one: the snapshot has "
                f"{_shape(spec)!r}, given the custom policy {given!r}")
        diff = _difference(role, _shape(serial.to_dict(policy)), _shape(serial.to_dict(given)))
        if diff is not None:
            raise SnapshotError(f"restore: the snapshot's configuration differs from the expected one: {diff}")
    return policy, None


# ------------------------------------------------------------------ live state
def _read_state(data: Any, queues: Mapping[str, Queue]) -> dict[str, Any]:
    """The router section, checked field by field and across references (nothing built yet)."""
    f = serial._Fields("router", data, ("now", "order", "seq", "assigned", "stamp", "channels", "agents",
                                        "contacts"), ("batch",))
    now = _time("router.now", f.get("now"))
    counters = {k: _int(f"router.{k}", f.get(k)) for k in ("order", "seq", "assigned", "stamp")}
    channels = _by_name("router.channels", Channel, f.get("channels"))
    agents = [_read_agent(f"router.agents[{i}]", raw, now, counters, channels)
              for i, raw in enumerate(_list("router.agents", f.get("agents")))]
    by_id = {a["agent"].id: a for a in agents}
    if len(by_id) < len(agents):
        _unique("router.agents", "agent id", [a["agent"].id for a in agents])
    for key in ("order", "version"):
        _unique("router.agents", key, [a[key] for a in agents])
    contacts = [_read_contact(f"router.contacts[{i}]", raw, now, counters, channels, queues, by_id)
                for i, raw in enumerate(_list("router.contacts", f.get("contacts"))) ]
    _unique("router.contacts", "contact id", [c["contact"].id for c in contacts])
    numbers = [c["seq"] for c in contacts] + [c["timer"][1] for c in contacts if c["timer"] is not None]
    numbers += [w[0] for a in agents for w in a["wrap_ups"]]
    _unique("router", "sequence number (contact, timer or wrap-up)", numbers)
    # Each agent holds exactly the contacts assigned to it, and its load is what they and its
    # wrap-ups occupy.
    held = {c["contact"].id: c for c in contacts if c["agent"] is not None}
    for i, a in enumerate(agents):
        path = f"router.agents[{i}]"
        for cid in a["contacts"]:
            c = held.get(cid)
            if c is None or c["agent"] != a["agent"].id:
                raise ValidationError(f"{path}.contacts: {cid!r} is not a contact assigned to {a['agent'].id!r}")
        occupied: dict[str, int] = {}
        for name in [held[cid]["contact"].channel.name for cid in a["contacts"]] + [w[1] for w in a["wrap_ups"]]:
            occupied[name] = occupied.get(name, 0) + 1
        if {k: n for k, n in a["load"].items() if n} != occupied:
            raise ValidationError(f"{path}.load: {a['load']} does not match its contacts and wrap-ups {occupied}")
    for c in held.values():
        if c["contact"].id not in by_id[c["agent"]]["contacts"]:
            raise ValidationError(f"router.contacts: {c['contact'].id!r} is assigned to {c['agent']!r}, "
                                  "which does not list it")
    out = {"now": now, **counters, "channels": channels, "agents": agents, "contacts": contacts}
    if f.get("batch") is not None:
        out["batch"] = _read_batch(f.get("batch"), now, counters["seq"], by_id, contacts, numbers)
    return out


def _read_batch(data: Any, now: float, seq: int, agents: Mapping[str, Any], contacts: list[dict[str, Any]],
                numbers: list[int]) -> dict[str, Any]:
    """``router.batch``: the next decision instant and what waits for it (batching)."""
    f = serial._Fields("router.batch", data, ("timer", "agents", "contacts"))
    timer = f.get("timer")
    if timer is not None:
        if not isinstance(timer, list) or len(timer) != 2:
            raise ValidationError(f"router.batch.timer must be [due, number] or null (got {timer!r})")
        due, n = _time("router.batch.timer[0]", timer[0]), _int("router.batch.timer[1]", timer[1], 1)
        if due <= now or n > seq or n in numbers:
            raise ValidationError(f"router.batch.timer {timer!r}: due after router.now={now!r}, numbered "
                                  f"<= router.seq={seq!r} and unlike any other number")
        timer = (due, n)
    ids = [_str(f"router.batch.agents[{i}]", a) for i, a in enumerate(_list("router.batch.agents", f.get("agents")))]
    _unique("router.batch.agents", "agent id", ids)
    waiting = {c["contact"].id for c in contacts if c["agent"] is None}
    pending: dict[str, str] = {}
    for i, pair in enumerate(_list("router.batch.contacts", f.get("contacts"))):
        path = f"router.batch.contacts[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValidationError(f"{path} must be [contact id, trigger] (got {pair!r})")
        pending[_str(path, pair[0])] = _str(f"{path}[1]", pair[1])
    for aid in ids:
        if aid not in agents:
            raise ValidationError(f"router.batch.agents: {aid!r} is not an agent of the snapshot")
    for cid in pending:
        if cid not in waiting:
            raise ValidationError(f"router.batch.contacts: {cid!r} is not a waiting contact of the snapshot")
    if (ids or pending) and timer is None:
        raise ValidationError("router.batch: agents or contacts wait for a decision instant, but timer is null")
    return {"timer": timer, "agents": ids, "contacts": pending}


def _known_channel(path: str, ch: Channel, channels: Mapping[str, Channel]) -> None:
    if channels.get(ch.name) != ch:
        raise ValidationError(f"{path}: channel {ch!r} is not the router's channel of that name "
                              f"({channels.get(ch.name)!r})")


def _read_agent(path: str, data: Any, now: float, counters: Mapping[str, int],
                channels: Mapping[str, Channel]) -> dict[str, Any]:
    f = serial._Fields(path, data, ("agent", "order", "presence", "reason", "since", "handled", "last_assigned",
                                    "version", "load", "contacts", "wrap_ups"))
    agent = serial.from_dict(Agent, f.get("agent"), f"{path}.agent")
    for ch in agent.capacity:
        _known_channel(f"{path}.agent.capacity", ch, channels)
    presence = f.get("presence")
    if presence not in _PRESENCES:
        raise ValidationError(f"{path}.presence must be one of {list(_PRESENCES)} (got {presence!r})")
    check_reason(path, "reason", f.get("reason"))
    order, version = _int(f"{path}.order", f.get("order"), 1), _int(f"{path}.version", f.get("version"), 1)
    last = _int(f"{path}.last_assigned", f.get("last_assigned"), -1)
    for name, value, limit in (("order", order, "order"), ("version", version, "stamp"),
                               ("last_assigned", last, "assigned")):
        if value > counters[limit]:
            raise ValidationError(f"{path}.{name}: {value} is beyond the router's counter {counters[limit]}")
    since = _time(f"{path}.since", f.get("since"))
    if since > now:
        raise ValidationError(f"{path}.since: {since} is later than router.now {now}")
    capacity = {ch.name for ch in agent.capacity}
    load: dict[str, int] = {}
    for j, pair in enumerate(_list(f"{path}.load", f.get("load"))):
        if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], str) \
                or pair[0] not in capacity or pair[0] in load:
            raise ValidationError(f"{path}.load[{j}] must be a [channel, count] pair, once per channel of the "
                                  f"agent's capacity {sorted(capacity)} (got {pair!r})")
        load[pair[0]] = _int(f"{path}.load[{j}][1]", pair[1])
    contacts = [_str(f"{path}.contacts[{j}]", c) for j, c in enumerate(_list(f"{path}.contacts", f.get("contacts")))]
    _unique(f"{path}.contacts", "contact id", contacts)
    wraps = []
    for j, raw in enumerate(_list(f"{path}.wrap_ups", f.get("wrap_ups"))):
        w = serial._Fields(f"{path}.wrap_ups[{j}]", raw, ("seq", "channel", "until"))
        seq = _int(f"{path}.wrap_ups[{j}].seq", w.get("seq"), 1)
        if seq > counters["seq"]:
            raise ValidationError(f"{path}.wrap_ups[{j}].seq: {seq} is beyond the router's counter {counters['seq']}")
        if not isinstance(w.get("channel"), str) or w.get("channel") not in capacity:
            raise ValidationError(f"{path}.wrap_ups[{j}].channel must be one of the agent's channels "
                                  f"{sorted(capacity)} (got {w.get('channel')!r})")
        wraps.append((seq, w.get("channel"), _time(f"{path}.wrap_ups[{j}].until", w.get("until"))))
    return {"agent": agent, "order": order, "presence": presence, "reason": f.get("reason"), "since": since,
            "handled": _int(f"{path}.handled", f.get("handled")), "last_assigned": last, "version": version,
            "load": load, "contacts": contacts, "wrap_ups": wraps}


def _read_contact(path: str, data: Any, now: float, counters: Mapping[str, int], channels: Mapping[str, Channel],
                  queues: Mapping[str, Queue], agents: Mapping[str, Any]) -> dict[str, Any]:
    f = serial._Fields(path, data, ("contact", "seq", "state", "agent", "queue", "arrival", "entered", "step",
                                    "base_needs", "hold_until", "declined", "timer"))
    contact = serial.from_dict(Contact, f.get("contact"), f"{path}.contact")
    _known_channel(f"{path}.contact.channel", contact.channel, channels)
    seq = _int(f"{path}.seq", f.get("seq"), 1)
    state, agent = f.get("state"), f.get("agent")
    if not (state == "waiting" and agent is None or state == "assigned" and isinstance(agent, str)
            and agent in agents):
        raise ValidationError(f"{path}: a contact is 'waiting' with agent None or 'assigned' with a known agent "
                              f"(got state {state!r}, agent {agent!r})")
    if state == "assigned" and contact.channel.name not in {ch.name for ch in agents[agent]["agent"].capacity}:
        raise ValidationError(f"{path}: agent {agent!r} has no capacity on {contact.channel.name!r}")
    queue = f.get("queue")
    if not isinstance(queue, str) or queue not in queues:
        raise ValidationError(f"{path}.queue: {queue!r} is not a queue; known: {sorted(queues)}")
    arrival, entered = _time(f"{path}.arrival", f.get("arrival")), _time(f"{path}.entered", f.get("entered"))
    if not arrival <= entered <= now:
        raise ValidationError(f"{path}: arrival {arrival} <= entered {entered} <= router.now {now} does not hold")
    steps = queues[queue].steps_for(contact.segment)
    step = _int(f"{path}.step", f.get("step"))
    if step > len(steps):
        raise ValidationError(f"{path}.step: {step} is beyond the {len(steps)} step(s) of queue {queue!r}")
    base = f.get("base_needs")
    declined: dict[str, float] = {}
    for j, pair in enumerate(_list(f"{path}.declined", f.get("declined"))):
        if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], str) or pair[0] in declined:
            raise ValidationError(f"{path}.declined[{j}] must be an [agent id, until or null] pair, once per "
                                  f"agent (got {pair!r})")
        declined[pair[0]] = _INF if pair[1] is None else _time(f"{path}.declined[{j}][1]", pair[1])
    timer = f.get("timer")
    if timer is not None:
        if state != "waiting" or not isinstance(timer, list) or len(timer) != 2:
            raise ValidationError(f"{path}.timer must be null or, for a waiting contact, [due, number] "
                                  f"(got {timer!r})")
        timer = (_time(f"{path}.timer[0]", timer[0]), _int(f"{path}.timer[1]", timer[1], 1))
    for name, value in (("seq", seq), ("timer[1]", timer[1] if timer is not None else 0)):
        if value > counters["seq"]:
            raise ValidationError(f"{path}.{name}: {value} is beyond the router's counter {counters['seq']}")
    return {"contact": contact, "seq": seq, "state": state, "agent": agent, "queue": queue, "arrival": arrival,
            "entered": entered, "step": step,
            "base_needs": None if base is None else dict(levels(path, "base_needs", base)),
            "hold_until": _time(f"{path}.hold_until", f.get("hold_until")), "declined": declined, "timer": timer}


# ------------------------------------------------------------------ building
def _build(router: Any, state: Mapping[str, Any]) -> None:
    """Fill the new ``router`` with the checked ``state``."""
    from .router import _BATCH, _RULE, _WRAP

    router._now = state["now"]
    router._order, router._seq, router._assigned = state["order"], state["seq"], state["assigned"]
    router._channels = dict(state["channels"])
    index = router._agent_index
    agents: dict[str, AgentState] = {}
    for rec in state["agents"]:  # in joining order, logged out: as add_agent filed them
        a = AgentState(rec["agent"], rec["order"], rec["since"], router._indexed)
        agents[a.id] = a
        index.add(a)
    router._agents = agents
    timers: list[tuple] = []
    entries: dict[str, Entry] = {}
    for rec in state["contacts"]:
        contact = rec["contact"]
        q = router._queues[rec["queue"]]
        e = Entry(contact, rec["seq"], q, rec["arrival"])
        e.entered, e.step, e.steps = rec["entered"], rec["step"], q.steps_for(contact.segment)
        if rec["base_needs"] is not None:
            e.base_needs = rec["base_needs"]
        e.hold_until = rec["hold_until"]
        e.declined = dict(rec["declined"])
        e.decline_due = min(e.declined.values(), default=_INF)
        router._refresh(e, -_INF)  # no rule applies: the eligibility at the step reached
        if rec["agent"] is not None:
            e.state, e.agent = "assigned", agents[rec["agent"]]
        entries[e.id] = e
    router._contacts = entries
    for rec in state["agents"]:
        a = agents[rec["agent"].id]
        a.presence, a.reason, a.handled = rec["presence"], rec["reason"], rec["handled"]
        a.last_assigned, a.version = rec["last_assigned"], rec["version"]
        a.load = dict(rec["load"])
        a.total = sum(a.load.values())
        a.exclusive = sum(n for name, n in a.load.items() if a.channels[name].exclusive)
        a.nonexclusive = a.total - a.exclusive
        a.contacts = {cid: entries[cid] for cid in rec["contacts"]}
        for seq, name, until in rec["wrap_ups"]:
            a.wrapups[seq] = a.channels[name]
            timers.append((until, seq, _WRAP, a, seq))
    for rec in state["contacts"]:
        if rec["agent"] is None:
            e = entries[rec["contact"].id]
            router._waiting.add(e, router._now)
            if rec["timer"] is not None:
                due, seq = rec["timer"]
                timers.append((due, seq, _RULE, e, e.version))
    batch = state.get("batch")
    if batch is not None:
        router._pending = {cid: (entries[cid], trigger) for cid, trigger in batch["contacts"].items()}
        router._pending_agents = {aid: agents[aid] for aid in batch["agents"]}
        if batch["timer"] is not None:
            router._batch_due = batch["timer"][0]
            timers.append((*batch["timer"], _BATCH, None, 0))
    timers.sort()  # a sorted list is a heap
    router._timers = timers
    index.refile(list(agents.values()), state["stamp"])
    router._recount_idle()  # idle agents per reserved or pooled tier (Reserve, IdlenessRatio)


# ====================================================================== statistics (version 2)
def _stats_state(router: Any) -> dict[str, Any]:
    """The running state behind :mod:`omniroute.stats` that the router's state does not imply:
    the (queue, channel, needs) combinations learned, each queue's recent departures and handle
    times, when each agent entered its state, when each live contact was first and last
    assigned.  The waiting counts and the agents' counts are rebuilt from the router's state."""
    tally = router._tally
    tally.sync(router._agents)  # learned combinations all applied (no visible change)
    profiles = [{"queue": q, "channel": ch, "needs": [list(x) for x in needs], "min_tier": lo, "max_tier": hi,
                 "segment": seg} for q, ch, needs, lo, hi, seg in tally.seen]
    from .tally import MAX_WINDOW

    queues = {}
    for name, t in tally.queues.items():
        t.catch_up()
        h = bisect.bisect_right(t.ts, router._now - MAX_WINDOW)  # what a window can still reach
        queues[name] = {
            "left": [[ts, *c] for ts, c in zip(t.ts[h:], t.cum[h:], strict=True)], "base": list(t.cum[h - 1] if h else t.base),
            "handles": list(t.handles), "handle_pos": t.handle_pos, "handle_sum": t.handle_sum,
            "last_wait": t.last_wait,
            "profiles": [[ch, [[[list(x) for x in n], lo, hi] for n, lo, hi in elig]] for ch, elig in t.profiles],
        }
    return {"profiles": profiles, "capped": tally.capped, "queues": queues,
            "agents": [[a.id, a.state_since] for a in router._agents.values()],
            "contacts": [[e.id, e.first_assigned, e.assigned_at] for e in router._contacts.values()]}


def _num(path: str, value: Any, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < _INF:
        raise ValidationError(f"{path} must be a finite number >= {low:g} (got {value!r})")
    return float(value)


def _needs(path: str, value: Any) -> tuple[tuple[str, int], ...]:
    out = []
    for i, pair in enumerate(_list(path, value)):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValidationError(f"{path}[{i}] must be a [skill, level] pair (got {pair!r})")
        out.append((_str(f"{path}[{i}][0]", pair[0]), _int(f"{path}[{i}][1]", pair[1], 1)))
    return tuple(out)


def _tier(path: str, value: Any, optional: bool) -> int | None:
    if value is None and optional:
        return None
    return _int(path, value, 1)


def _read_stats(data: Any, queues: Mapping[str, Queue], state: Mapping[str, Any]) -> dict[str, Any]:
    """The stats section, checked (nothing built yet)."""
    from .tally import HANDLE_SAMPLES, MAX_PROFILES

    f = serial._Fields("stats", data, ("profiles", "capped", "queues", "agents", "contacts"))
    seen: list[tuple] = []
    for i, raw in enumerate(_list("stats.profiles", f.get("profiles"))):
        path = f"stats.profiles[{i}]"
        g = serial._Fields(path, raw, ("queue", "channel", "needs", "min_tier", "max_tier", "segment"))
        q = g.get("queue")
        if not isinstance(q, str) or q not in queues:
            raise ValidationError(f"{path}.queue: {q!r} is not a queue; known: {sorted(queues)}")
        seg = g.get("segment")
        if seg is not None:
            _str(f"{path}.segment", seg)
        seen.append((q, _str(f"{path}.channel", g.get("channel")), _needs(f"{path}.needs", g.get("needs")),
                     _int(f"{path}.min_tier", g.get("min_tier"), 1),
                     _tier(f"{path}.max_tier", g.get("max_tier"), True), seg))
    _unique("stats.profiles", "combination", seen)
    if len(seen) > MAX_PROFILES:
        raise ValidationError(f"stats.profiles: {len(seen)} combinations, more than the {MAX_PROFILES} kept")
    capped = f.get("capped")
    if not isinstance(capped, bool):
        raise ValidationError(f"stats.capped must be true or false (got {capped!r})")
    raw_queues = f.get("queues")
    qf = serial._Fields("stats.queues", raw_queues, tuple(queues))
    out_queues: dict[str, dict[str, Any]] = {}
    for name in queues:
        path = f"stats.queues.{name}"
        g = serial._Fields(path, qf.get(name), ("left", "base", "handles", "handle_pos", "handle_sum",
                                                 "last_wait", "profiles"))
        base = _cumulative(f"{path}.base", g.get("base"))
        ts: list[float] = []
        cum: list[tuple[int, int, int, float, float]] = []
        last = base
        for i, row in enumerate(_list(f"{path}.left", g.get("left"))):
            if not isinstance(row, list) or len(row) != 6:
                raise ValidationError(f"{path}.left[{i}] must be [time, answered, within, abandoned, waits "
                                      f"answered, waits all] (got {row!r})")
            t = _time(f"{path}.left[{i}][0]", row[0])
            c = _cumulative(f"{path}.left[{i}]", row[1:])
            if (ts and t < ts[-1]) or t > state["now"] or any(x < y for x, y in zip(c, last, strict=True)):
                raise ValidationError(f"{path}.left[{i}]: times and counts must not decrease, nor pass now")
            ts.append(t)
            cum.append(c)
            last = c
        handles = [_num(f"{path}.handles[{i}]", x) for i, x in enumerate(_list(f"{path}.handles", g.get("handles")))]
        if len(handles) > HANDLE_SAMPLES:
            raise ValidationError(f"{path}.handles: {len(handles)} values, more than the {HANDLE_SAMPLES} kept")
        pos = _int(f"{path}.handle_pos", g.get("handle_pos"))
        if pos >= max(1, len(handles)) or (pos and len(handles) < HANDLE_SAMPLES):
            raise ValidationError(f"{path}.handle_pos: {pos} is not a position in the {len(handles)} handle times")
        lw = g.get("last_wait")
        profiles = []
        for i, raw in enumerate(_list(f"{path}.profiles", g.get("profiles"))):
            pp = f"{path}.profiles[{i}]"
            if not isinstance(raw, list) or len(raw) != 2:
                raise ValidationError(f"{pp} must be [channel, eligibility per step] (got {raw!r})")
            elig = []
            for j, e in enumerate(_list(f"{pp}[1]", raw[1])):
                if not isinstance(e, list) or len(e) != 3:
                    raise ValidationError(f"{pp}[1][{j}] must be [needs, min_tier, max_tier] (got {e!r})")
                elig.append((_needs(f"{pp}[1][{j}][0]", e[0]), _int(f"{pp}[1][{j}][1]", e[1], 1),
                             _tier(f"{pp}[1][{j}][2]", e[2], True)))
            if not elig:
                raise ValidationError(f"{pp}[1]: a combination has at least its first step's eligibility")
            profiles.append((_str(f"{pp}[0]", raw[0]), elig))
        if len(profiles) != sum(1 for k in seen if k[0] == name):
            raise ValidationError(f"{path}.profiles: {len(profiles)} entries, but stats.profiles has "
                                  f"{sum(1 for k in seen if k[0] == name)} for this queue")
        out_queues[name] = {"ts": ts, "cum": cum, "base": base, "handles": handles, "handle_pos": pos,
                            "handle_sum": _num(f"{path}.handle_sum", g.get("handle_sum")),
                            "last_wait": None if lw is None else _time(f"{path}.last_wait", lw),
                            "profiles": profiles}
    agent_ids = [a["agent"].id for a in state["agents"]]
    since = _pairs("stats.agents", f.get("agents"), agent_ids, 1, state["now"])
    contact_ids = [c["contact"].id for c in state["contacts"]]
    times = _pairs("stats.contacts", f.get("contacts"), contact_ids, 2, state["now"])
    for c in state["contacts"]:
        first, at = times[c["contact"].id]
        assigned = c["agent"] is not None
        # first: first assigned in its current queue (-1: not yet, or moved since); at: its
        # latest assignment (-1: never)
        if (assigned and (at < 0 or first < 0)) or (first >= 0 and not first <= at):
            raise ValidationError(f"stats.contacts: {c['contact'].id!r}'s assignment times {[first, at]} do "
                                  f"not fit its state ({'assigned' if c['agent'] else 'waiting'})")
    return {"seen": seen, "capped": capped, "queues": out_queues, "since": since, "times": times}


def _cumulative(path: str, row: Any) -> tuple[int, int, int, float, float]:
    if not isinstance(row, list) or len(row) != 5:
        raise ValidationError(f"{path} must be [answered, within, abandoned, waits answered, waits all] "
                              f"(got {row!r})")
    a, w, ab = (_int(f"{path}[{k}]", row[k]) for k in range(3))
    if w > a:
        raise ValidationError(f"{path}: more answered within the threshold ({w}) than answered ({a})")
    return (a, w, ab, _num(f"{path}[3]", row[3]), _num(f"{path}[4]", row[4]))


def _pairs(path: str, data: Any, ids: list[str], width: int, now: float) -> dict[str, Any]:
    """``[[id, value, ...], ...]`` naming each of ``ids`` once, in that order; values are times
    up to ``now``, or -1 (not yet)."""
    rows = _list(path, data)
    got = [row[0] if isinstance(row, list) and row else None for row in rows]
    if got != ids:
        raise ValidationError(f"{path} must list {ids} in that order (got {got})")
    out: dict[str, Any] = {}
    for i, row in enumerate(rows):
        if len(row) != width + 1:
            raise ValidationError(f"{path}[{i}] must be [id, {width} time(s)] (got {row!r})")
        vals = []
        for k, v in enumerate(row[1:]):
            if not (v == -1 and width == 2) and not (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                     and 0 <= v <= now):
                raise ValidationError(f"{path}[{i}][{k + 1}] must be a time up to now={now!r}"
                                      + (" or -1" if width == 2 else "") + f" (got {v!r})")
            vals.append(float(v))
        out[row[0]] = vals[0] if width == 1 else tuple(vals)
    return out


def _build_stats(router: Any, state: Mapping[str, Any], stats: Mapping[str, Any] | None) -> None:
    """Fill the new router's statistics: waiting counts and agents' counts from its state, the
    rest from the stats section (or afresh, for a version-1 snapshot)."""
    tally = router._tally
    now = router._now
    for e in router._contacts.values():
        if stats is None:  # version 1: assigned contacts count as answered, their handle from now
            e.first_assigned = e.assigned_at = now if e.state == "assigned" else -1.0
        else:
            e.first_assigned, e.assigned_at = stats["times"][e.id]
        if e.state == "waiting":
            tally.enter(e)
    for a in router._agents.values():
        p = a.presence
        a.state = p if p != AVAILABLE else ("busy" if a.total else "idle")
        a.state_since = now if stats is None else stats["since"][a.id]
        tally.touch(a)
    if stats is None:
        for e in router._contacts.values():
            tally.learn(e)
        return
    tally.seen = dict.fromkeys(stats["seen"], True)
    tally.capped = stats["capped"]
    for name, q in stats["queues"].items():
        t = tally.queues[name]
        t.ts, t.cum, t.base = q["ts"], q["cum"], q["base"]
        t.ws = [0.0] * len(t.ts)  # already in the cumulative counts: never read again
        t.limit = 2 * len(t.ts) + 1024
        t.handles, t.handle_pos, t.handle_sum = q["handles"], q["handle_pos"], q["handle_sum"]
        t.last_wait = q["last_wait"]
        t.profiles = q["profiles"]
