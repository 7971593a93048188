"""Scenario files (TOML, DESIGN section 8 and ``docs/scenario-format.md``) -> Scenario.

Every problem is collected, with its path in the file, the value found and what is
allowed, before one :class:`~omniroute.ScenarioError` is raised; nothing runs on a bad file.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..channels import PRESETS
from ..errors import ScenarioError
from .fields import _UNITS as _UNITS  # the CLI reads the units
from .fields import fmt_value, key_path, parse_clock, parse_day, parse_duration
from .limits import MAX_BUSYNESS_CV, MAX_FILE_BYTES, MAX_LINES, MAX_REPLICATIONS, scenario_limits
from .load_agents import AgentFields
from .load_demand import DemandFields
from .load_queues import ROUTING_QUEUE_TABLES, QueueFields, overflow_needs
from .load_vendor import VendorFields
from .scenario import Busyness, Demand, Routing, Scenario, ScoredChoice, Trace, requires_problems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["load_scenario", "parse_scenario", "bundled_scenario_path", "bundled_scenarios",
           "parse_duration", "parse_clock", "parse_day", "key_path", "read_regular_file"]

_BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with omniroute (``load_scenario(name)`` loads one)."""
    return sorted(p.stem for p in _BUNDLED.glob("*.toml"))


def bundled_scenario_path(name: str) -> Path:
    """The path of a bundled scenario file, e.g. ``bundled_scenario_path("retail_bank")``."""
    p = _BUNDLED / f"{name}.toml"
    if not p.is_file():
        raise ScenarioError([f"no bundled scenario {name!r}; bundled: {bundled_scenarios()}"])
    return p


def read_regular_file(p: Path, limit: int, what: str) -> bytes:
    """The bytes of ``p``, which must be a regular file of at most ``limit`` bytes.

    A named pipe, a device (``/dev/zero``) or a directory would block or never end; they are
    refused before they are opened (and the file is opened non-blocking, so one swapped in
    meanwhile cannot block either).  Raises OSError or ValueError with a message.
    """
    st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a named pipe" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket"
                if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise ValueError(f"is {kind}, not a {what} file")
    if st.st_size > limit:
        raise ValueError(f"is too large ({st.st_size:,} bytes; a {what} file may have at most {limit:,})")
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"is not a regular file, not a {what} file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is too large (a {what} file may have at most {limit:,} bytes)")
    return data


def _toml_error(exc: Exception, text: str) -> str:
    msg = str(exc)
    # tomllib says "(at end of document)" without a line: name the last line
    if msg.endswith("(at end of document)"):
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        msg = msg[: -len("(at end of document)")] + f"(at line {max(lines, 1)}, the end of the file)"
    return f"not valid TOML: {msg}"


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario from a TOML file, or a bundled one by name (``"retail_bank"``).

    The file must be a regular file of UTF-8 text (a byte-order mark is allowed) of at most
    ``limits.MAX_FILE_BYTES``; every problem raises :class:`~omniroute.ScenarioError`.
    """
    p = Path(path)
    try:
        exists = p.exists()
    except (OSError, ValueError):  # a name the system cannot even look up (NUL, too long)
        exists = False
    if not exists and isinstance(path, str) and "/" not in path and not path.endswith(".toml"):
        p = bundled_scenario_path(path)
    try:
        raw = read_regular_file(p, MAX_FILE_BYTES, "scenario")
    except OSError as exc:
        raise ScenarioError([f"cannot read scenario file: {exc.strerror or exc}"], source=str(p)) from None
    except ValueError as exc:
        raise ScenarioError([f"cannot read scenario file: {exc}"], source=str(p)) from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM, as some editors write, is not an error
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                             "save the scenario file as UTF-8"], source=str(p)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([_toml_error(exc, text)], source=str(p)) from None
    except RecursionError:
        raise ScenarioError(["not valid TOML: arrays or tables nested too deeply"], source=str(p)) from None
    return parse_scenario(data, source=str(p), base=p.parent)


class _Parser(QueueFields, AgentFields, DemandFields, VendorFields):
    """The whole file: its top-level keys and the cross references between sections."""

    def scenario(self, data: Any) -> Scenario | None:
        top = ("name", "horizon", "warmup", "replications", "interval", "start_day", "start", "drain",
               "busyness", "routing", "queues", "agents", "demand", "lines", "outbound", "vendor")
        if not self.table(data, "", top, ("queues", "agents", "demand")):
            return None
        name = self.get(data, "name", "", self.string, "scenario")
        horizon = self.get(data, "horizon", "", self.duration, 86400.0)
        warmup = self.get(data, "warmup", "", self.duration, 0.0)
        interval = self.get(data, "interval", "", self.positive_duration, 1800.0)
        drain = self.get(data, "drain", "", self.duration, 7 * 86400.0)
        reps = self.get(data, "replications", "", lambda x, p: self.integer(x, p, 1, MAX_REPLICATIONS), 10)
        start_day = self.get(data, "start_day", "", self.day, 0)
        start = self.get(data, "start", "", self.time_of_day, 0.0)
        lines = self.get(data, "lines", "", lambda x, p: self.integer(x, p, 1, MAX_LINES))
        busy = None
        if "busyness" in data:
            b = data["busyness"]
            if self.table(b, "busyness", ("cv",), ("cv",)):
                cv = self.get(b, "cv", "busyness", lambda x, p: self.number(x, p, MAX_BUSYNESS_CV, True))
                if cv is not None:
                    busy = self.build(lambda: Busyness(cv), "busyness.cv")
        routing = self.routing(data["routing"]) if "routing" in data else Routing()
        # the queues the file names, valid or not (a queue with a problem of its own must not
        # also make every reference to it "not a queue"), and their channels
        raw_q = data["queues"] if isinstance(data.get("queues"), list) else []
        raw_names = [q.get("name") if isinstance(q, Mapping) and isinstance(q.get("name"), str)
                     and q.get("name").strip() else None for q in raw_q]
        qnames = list(dict.fromkeys(n for n in raw_names if n is not None))
        known = set(qnames)
        for n, q in zip(raw_names, raw_q, strict=True):
            if n is not None and n not in self.qchan:
                c = q.get("channel", "voice")
                if isinstance(c, str) and c in PRESETS:
                    self.qchan[n] = c
        queues = self.listof(data, "queues", self.queue)
        groups = self.listof(data, "agents", self.agents)
        demand = self.listof(data, "demand", self.demand)
        outbound = self.listof(data, "outbound", self.campaign)
        for i, cp in enumerate(data.get("outbound", []) if isinstance(data.get("outbound"), list) else []):
            if isinstance(cp, Mapping) and isinstance(cp.get("queue"), str) and cp["queue"] not in known and qnames:
                self.p.add(f"outbound[{i}].queue", f"{cp['queue']!r} is not a queue; known: {', '.join(qnames)}")
        # cross references
        rt = data.get("routing")
        for key in ROUTING_QUEUE_TABLES if isinstance(rt, Mapping) else ():
            t = rt.get(key)
            if isinstance(t, Mapping) and qnames:
                for qn in t:
                    if qn not in known:
                        self.p.add(key_path(f"routing.{key}", qn), f"{qn!r} is not a queue; known: {', '.join(qnames)}")
                missing = [qn for qn in qnames if qn not in t]
                if key == "mean_handle" and missing:
                    self.p.add("routing.mean_handle", f"gives no mean handle time for queue(s) "
                               f"{', '.join(missing)}: give one for every queue (the cμ index needs each rate)")
                if key == "queue_ratios" and missing:
                    self.p.add("routing.queue_ratios", f"gives no share for queue(s) {', '.join(missing)}: give "
                               "every queue one (the shares of all queues sum to 1)")
        ir = rt.get("idle_ratios") if isinstance(rt, Mapping) else None
        if isinstance(ir, Mapping) and None not in groups:
            named = {int(t) for t in ir if isinstance(t, str) and t.isdigit()}
            for i, g in enumerate(groups):
                if g is not None and g.tier not in named:
                    self.p.add(f"agents[{i}].tier", f"{g.tier} is not a pool of routing.idle_ratios "
                               f"(tiers {', '.join(map(str, sorted(named)))}): give every agents' tier a share")
        if isinstance(routing, Routing) and isinstance(routing.agent, ScoredChoice):
            self.score_refs(routing.agent.table, [g for g in groups if g is not None], qnames)
        rv = rt.get("reserve") if isinstance(rt, Mapping) else None
        if isinstance(rv, Mapping):
            rq = rv.get("queues")
            for qn in [rq] if isinstance(rq, str) else rq if isinstance(rq, list) else []:
                if isinstance(qn, str) and qn not in known and qnames:
                    self.p.add("routing.reserve.queues", f"{qn!r} is not a queue; known: {', '.join(qnames)}")
            pool: dict[int, int] = {}
            for g in groups:
                if g is not None:
                    pool[g.tier] = pool.get(g.tier, 0) + (g.count or 0)
            kp = rv.get("keep")
            for t, k in kp.items() if isinstance(kp, Mapping) and None not in groups else ():
                if isinstance(t, str) and t.isdigit() and isinstance(k, int) and not isinstance(k, bool) \
                        and k > pool.get(int(t), 0):
                    self.p.add(key_path("routing.reserve.keep", t),
                               f"keeps {k} idle agent(s) of tier {t}, but the [[agents]] groups have "
                               f"{pool.get(int(t), 0)} agent(s) of that tier: at most {pool.get(int(t), 0)}")
        if isinstance(rt, Mapping):
            self._agent_names(rt, groups)
        for i, q in enumerate(raw_q):
            if isinstance(q, Mapping):
                ov = q.get("overflow")
                if isinstance(ov, Mapping) and isinstance(ov.get("to"), str) and ov["to"] not in known and qnames:
                    self.p.add(f"queues[{i}].overflow.to", f"{ov['to']!r} is not a queue; known: {', '.join(qnames)}")
                n = raw_names[i]
                if n is not None and raw_names.count(n) > 1 and raw_names.index(n) != i:
                    self.p.add(f"queues[{i}].name", f"{n!r} is a duplicate queue name")
        if isinstance(data.get("demand"), list):
            for i, dm in enumerate(data["demand"]):
                if not isinstance(dm, Mapping):
                    continue
                refs = [("queue", dm.get("queue"))]
                for sub, key in (("callback", "queue"), ("transfer", "to")):
                    if isinstance(dm.get(sub), Mapping):
                        refs.append((f"{sub}.{key}", dm[sub].get(key)))
                for j, r in enumerate(dm.get("records", []) if isinstance(dm.get("records"), list) else []):
                    if isinstance(r, Mapping):
                        refs.append((f"records[{j}].queue", r.get("queue")))
                for field, qn in refs:
                    if isinstance(qn, str) and qn not in known and qnames:
                        self.p.add(f"demand[{i}].{field}", f"{qn!r} is not a queue; known: {', '.join(qnames)}")
            for i, dm in enumerate(demand):
                if isinstance(dm, Trace):
                    for r in dm.records:
                        if r.queue not in known and qnames:
                            self.p.add(f"demand[{i}].trace", f"queue {r.queue!r} is not a queue; known: {', '.join(qnames)}")
                            break
        if horizon is not None and warmup is not None and warmup >= horizon:
            self.p.add("warmup", f"{data.get('warmup')!r} must be shorter than the horizon ({data.get('horizon', '24h')!r})")
        if horizon == 0:
            self.p.add("horizon", f"{fmt_value(data.get('horizon'))} must be a duration > 0")
        if horizon and interval:
            for problem in scenario_limits(
                    horizon, interval,
                    [(f"agents[{i}].count", g.count) for i, g in enumerate(groups) if g is not None],
                    [(f"demand[{i}].arrivals.per_hour", d.arrivals.per_hour, d.arrivals.interval)
                     for i, d in enumerate(demand) if isinstance(d, Demand)],
                    [(f"demand[{i}].{'trace' if 'trace' in data['demand'][i] else 'records'}",
                      sum(1 for r in d.records if r.arrival < horizon))
                     for i, d in enumerate(demand) if isinstance(d, Trace)]):
                self.p.add("", problem)
        if not self.p.items:  # every agent declared: an attribute none has is a typo
            self.p.items.extend(requires_problems([q for q in queues if q is not None],
                                                  [g for g in groups if g is not None],
                                                  [d for d in demand if d is not None]))
        em = self.emulate(data, queues, groups, demand) if not self.p.items else None
        if self.p.items:
            return None
        if em is not None:
            queues, groups, demand, routing = em.queues, em.groups, em.demand, em.routing
        queues = overflow_needs(queues, raw_q, em.names if em is not None else frozenset())
        return self.build(lambda: Scenario(tuple(queues), tuple(groups), tuple(demand), horizon,
                                           warmup, name, routing, busy, interval, reps, start_day,
                                           drain, lines, tuple(outbound), start), "")


    def _agent_names(self, rt: Mapping[str, Any], groups: list[Any]) -> None:
        """``[routing] order`` and ``penalties`` name teams of ``[[agents]]`` or agent ids."""
        ok = [g for g in groups if g is not None]  # a group with a problem of its own is None
        teams = {g.team for g in ok if g.team}
        prefixes = {g.prefix or g.team or "agent" for g in ok}
        for key in ("order", "penalties"):
            v = rt.get(key)
            names = v if isinstance(v, list) else list(v) if isinstance(v, Mapping) else []
            for n in names:
                if isinstance(n, str) and n not in teams and not (
                        "-" in n and n.rsplit("-", 1)[0] in prefixes and n.rsplit("-", 1)[1].isdigit()):
                    self.p.add(key_path(f"routing.{key}", n) if isinstance(v, Mapping) else f"routing.{key}",
                               f"{n!r} is neither a team of [[agents]] nor an agent id; teams: "
                               f"{', '.join(sorted(teams)) or 'none'}")


def parse_scenario(data: Mapping[str, Any], source: str | None = None, base: Path | None = None) -> Scenario:
    """Build a Scenario from parsed TOML data; raise one ScenarioError listing every problem."""
    parser = _Parser(base)
    sc = parser.scenario(data)
    if parser.p.items or sc is None:
        raise ScenarioError(parser.p.items or ["invalid scenario"], source=source)
    return sc
