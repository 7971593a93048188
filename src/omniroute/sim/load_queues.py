"""Scenario files: ``[routing]`` and ``[[queues]]`` (steps, overflow, segment steps)."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import ExpressionError
from ..expressions import Expression
from ..policies import SCORE_TABLE_BY, SCORE_TABLE_ON, ScoreTable, agent_policy, contact_policy
from ..queues import Overflow, Queue, ServiceLevel, Step
from .fields import Fields, fmt_value, key_path
from .limits import MAX_LINES
from .scenario import (
    AgentGroup,
    AgentPolicyChoice,
    ContactPolicyChoice,
    IdlenessChoice,
    QueueSpec,
    ReserveChoice,
    Routing,
    ScoredChoice,
)

__all__ = ["QueueFields", "overflow_needs", "ROUTING_QUEUE_TABLES"]


#: ``[routing]`` tables keyed by queue name, checked against the file's queues.
ROUTING_QUEUE_TABLES = ("weights", "costs", "mean_handle", "exponent", "queue_ratios")
#: ``[routing]`` keys of the research contact policies (``cmu``, ``gcmu``); their tables
#: are keyed by queue name (the loader checks the names).
_RESEARCH_KEYS = ("costs", "mean_handle", "exponent")


class QueueFields(Fields):
    """Reads ``[routing]`` and ``[[queues]]``."""

    def routing(self, d: Any) -> Routing | None:
        if not self.table(d, "routing", ("agent", "contact", "hold", "head_start", "weights", "default_weight",
                                         "score", "reserve", "queue_ratios", "idle_ratios", *_RESEARCH_KEYS,
                                         "order", "penalties", "emulate", "matching", "batch_window")):
            return None
        if "emulate" in d:  # the vendor's emulation chooses the policies (sim.load_vendor)
            return Routing()
        r = self._policies(d)
        window = self.get(d, "batch_window", "routing", self.duration, 0.0)
        if r is None or window is None:
            return None
        matching = d.get("matching", "greedy")
        if matching not in ("greedy", "joint"):
            self.p.add("routing.matching", f"{fmt_value(matching)} is not a matching; allowed: greedy, joint")
            return None
        return self.build(lambda: attrs.evolve(r, matching=matching, batch_window=window), "routing.matching")

    def _policies(self, d: Any) -> Routing | None:
        """``[routing]``'s agent and contact policies."""
        agent = d.get("agent", "longest-idle")
        contact = d.get("contact", "priority-fifo")
        hold = self.get(d, "hold", "routing", self.duration)
        if agent == "scored" or "score" in d:
            agent = self._scored(d, agent, hold)
            if agent is None:
                return None
        else:
            self.build(lambda: agent_policy(agent), "routing.agent")
        if "order" in d or "penalties" in d:
            agent = self._agent_choice(d, agent, hold)
            if agent is None:
                return None
        if "reserve" in d and "idle_ratios" in d:
            self.p.add("routing.idle_ratios", "cannot be combined with routing.reserve (both decide which tier's "
                       "idle agents serve): choose one")
            return None
        if "reserve" in d:
            agent = self._reserve(d["reserve"], agent, hold)
            if agent is None:
                return None
        if "idle_ratios" in d:
            agent = self._idle_ratios(d["idle_ratios"], agent, hold)
            if agent is None:
                return None
        if "queue_ratios" in d:
            return self._ratio_routing(d, agent, contact, hold)
        if any(k in d for k in _RESEARCH_KEYS):
            return self._research_routing(d, agent, contact, hold)
        if not any(k in d for k in ("head_start", "weights", "default_weight")):
            self.build(lambda: contact_policy(contact), "routing.contact")
            return Routing(agent=agent, contact=contact, hold=hold)
        head = self.get(d, "head_start", "routing", self.duration, None)
        weights: dict[str, float] | None = None
        if "weights" in d:
            w = d["weights"]
            if not isinstance(w, Mapping):
                self.p.add("routing.weights", f"{fmt_value(w)} must be a table of queue = weight")
            else:
                got = {q: self.number(x, key_path("routing.weights", q), positive=True) for q, x in w.items()}
                weights = None if None in got.values() else got  # type: ignore[assignment]
        default = self.get(d, "default_weight", "routing", lambda x, p: self.number(x, p, positive=True), None)
        if not isinstance(contact, str):
            self.p.add("routing.contact", f"{fmt_value(contact)} must be a contact policy name")
            return None
        choice = self.build(lambda: ContactPolicyChoice(contact, head, weights, default), "routing")
        return Routing(agent=agent, contact=choice, hold=hold) if choice is not None else None

    def _scored(self, d: Any, agent: Any, hold: Any) -> ScoredChoice | None:
        """``agent = "scored"`` with its ``[routing.score]`` table (values inline or a CSV file)."""
        if agent != "scored":
            self.p.add("routing.score", f"applies to agent = \"scored\" (got agent = {fmt_value(agent)})")
            return None
        if "score" not in d:
            self.p.add("routing.score", "is required with agent = \"scored\": a table with by, on and values "
                       "(or file)")
            return None
        if hold is not None:
            self.p.add("routing.hold", "applies to preferred+ agent policies, not to agent = \"scored\"")
            return None
        for key in ("order", "penalties"):
            if key in d:
                self.p.add(f"routing.{key}", "applies to agent = \"linear\" / \"weighted-random\", not to "
                           "agent = \"scored\" (its tie-break is routing.score.then)")
                return None
        t = d["score"]
        path = "routing.score"
        if not self.table(t, path, ("by", "on", "default", "then", "limit", "values", "file")):
            return None
        by = self.get(t, "by", path, lambda x, p: self.choice(x, p, SCORE_TABLE_BY), "agent")
        on = self.get(t, "on", path, lambda x, p: self.choice(x, p, SCORE_TABLE_ON), "queue")
        default = self.get(t, "default", path, self._real, 0.0)
        then = self.get(t, "then", path, self.string, "longest-idle")
        limit = self.get(t, "limit", path, lambda x, p: self.integer(x, p, 1, 1_000_000), None)
        if ("values" in t) == ("file" in t):
            self.p.add(path, "give the scores either inline (values = { ... }) or as a CSV file (file = ...), "
                       "exactly one")
            return None
        values = self._score_values(t["values"], f"{path}.values") if "values" in t else \
            self._score_file(t["file"], f"{path}.file", by or "agent", on or "queue")
        if None in (by, on, default, then, values) or ("limit" in t and limit is None):
            return None
        return self.build(lambda: ScoredChoice(ScoreTable(values, by, on, default), then, limit), path)

    def score_refs(self, table: ScoreTable, groups: list[AgentGroup], qnames: list[str]) -> None:
        """Every key of a score table names an agent (team, tier) and a queue of the file."""
        agents = _agent_keys(groups, table.by)
        known = set(agents)
        shown = ", ".join(agents[:12]) + (", ..." if len(agents) > 12 else "")
        for k, row in table.values.items():
            if k not in known:
                self.p.add("routing.score", f"{table.by} {k!r} is not a {table.by} of the file's agents; "
                           f"known: {shown or '(none)'}")
            if table.on == "queue":
                for c in row:
                    if c not in qnames and qnames:
                        self.p.add("routing.score", f"{table.by} {k!r}: {c!r} is not a queue; "
                                   f"known: {', '.join(qnames)}")

    def _real(self, v: Any, path: str) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            self.p.add(path, f"{fmt_value(v)} must be a finite number")
            return None
        return float(v)

    def _score_values(self, v: Any, path: str) -> dict[str, dict[str, float]] | None:
        if not isinstance(v, Mapping):
            self.p.add(path, f"{fmt_value(v)} must be a table of key = {{ key = score }}")
            return None
        out: dict[str, dict[str, float]] = {}
        ok = True
        for k, row in v.items():
            if not isinstance(row, Mapping):
                self.p.add(key_path(path, k), f"{fmt_value(row)} must be a table of key = score")
                ok = False
                continue
            got = {c: self._real(x, key_path(key_path(path, k), c)) for c, x in row.items()}
            ok = ok and None not in got.values()
            out[str(k)] = got  # type: ignore[assignment]
        return out if ok else None

    def _score_file(self, f: Any, path: str, by: str, on: str) -> dict[str, dict[str, float]] | None:
        """A CSV with header ``<by>,<on>,score`` (e.g. ``team,queue,score``), one row per pair."""
        fp = Path(f) if isinstance(f, str) else None
        if fp is not None and not fp.is_absolute() and self.base is not None:
            fp = self.base / fp
        if fp is None or not fp.is_file():
            self.p.add(path, f"{fmt_value(f)} is not a readable CSV file")
            return None
        with open(fp, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = [by, on, "score"]
            if reader.fieldnames is None or sorted(reader.fieldnames) != sorted(cols):
                self.p.add(path, f"{fp.name}: the header must be {','.join(cols)} (got "
                           f"{','.join(reader.fieldnames or [])!r})")
                return None
            out: dict[str, dict[str, float]] = {}
            for i, row in enumerate(reader, start=2):
                where = f"{path}:{i}"
                try:
                    x = float(row["score"])
                except (TypeError, ValueError):
                    x = math.nan
                if not math.isfinite(x):
                    self.p.add(where, f"score {row['score']!r} must be a finite number")
                    return None
                k, c = row[by], row[on]
                if not k or not c:
                    self.p.add(where, f"{by} and {on} must not be empty")
                    return None
                if c in out.setdefault(k, {}):
                    self.p.add(where, f"a second score for {by} {k!r} and {on} {c!r}")
                    return None
                out[k][c] = x
        return out

    def _agent_choice(self, d: Any, agent: Any, hold: float | None) -> AgentPolicyChoice | None:
        """``agent = "linear"`` with ``order``, ``"weighted-random"`` with ``penalties``."""
        order = d.get("order")
        if order is not None and (not isinstance(order, list) or not all(isinstance(x, str) for x in order)):
            self.p.add("routing.order", f"{fmt_value(order)} must be a list of team names or agent ids")
            return None
        penalties = None
        if "penalties" in d:
            penalties = self._per_queue(d, "penalties", lambda x, p: self.number(x, p), "team or agent id")
            if penalties is None:
                return None
        return self.build(lambda: AgentPolicyChoice(agent, order, penalties, hold), "routing")  # type: ignore[no-any-return]

    def _per_queue(self, d: Any, key: str, conv: Any, keys: str = "queue") -> dict[str, float] | None:
        """``[routing] key = { queue = value }`` converted, or None (a problem noted)."""
        if key not in d:
            return {}
        t = d[key]
        path = f"routing.{key}"
        if not isinstance(t, Mapping):
            self.p.add(path, f"{fmt_value(t)} must be a table of {keys} = value")
            return None
        got = {q: conv(x, key_path(path, q)) for q, x in t.items()}
        return None if None in got.values() else got

    def _research_routing(self, d: Any, agent: Any, contact: Any, hold: Any) -> Routing | None:
        """``contact = "cmu"`` / ``"gcmu"`` with ``costs``, ``mean_handle`` and ``exponent``."""
        costs = self._per_queue(d, "costs", lambda x, p: self.number(x, p, positive=True))
        handle = self._per_queue(d, "mean_handle", self._positive_duration)
        exponents: dict[str, float] | None = {}
        default_exp = None
        if isinstance(d.get("exponent"), Mapping):
            exponents = self._per_queue(d, "exponent", self._exponent)
        elif "exponent" in d:
            default_exp = self._exponent(d["exponent"], "routing.exponent")
            if default_exp is None:
                return None
        if not isinstance(contact, str):
            self.p.add("routing.contact", f"{fmt_value(contact)} must be a contact policy name")
            return None
        if costs is None or handle is None or exponents is None:
            return None
        rates = {q: 1.0 / h for q, h in handle.items()}
        choice = self.build(lambda: ContactPolicyChoice(
            contact, costs=costs if "costs" in d else None, rates=rates if "mean_handle" in d else None,
            exponents=exponents if exponents else None, default_exponent=default_exp), "routing")
        return Routing(agent=agent, contact=choice, hold=hold) if choice is not None else None

    def _ratio_routing(self, d: Any, agent: Any, contact: Any, hold: Any) -> Routing | None:
        """``contact = "queue-ratio"`` with ``queue_ratios = { queue = share }`` (FQR)."""
        others = [k for k in (*_RESEARCH_KEYS, "head_start", "weights", "default_weight") if k in d]
        if others:
            self.p.add("routing.queue_ratios", f"goes with contact = \"queue-ratio\" alone, not with "
                       f"{', '.join('routing.' + k for k in others)}")
            return None
        ratios = self._per_queue(d, "queue_ratios", lambda x, p: self.number(x, p, positive=True))
        if not isinstance(contact, str):
            self.p.add("routing.contact", f"{fmt_value(contact)} must be a contact policy name")
            return None
        if ratios is None:
            return None
        choice = self.build(lambda: ContactPolicyChoice(contact, ratios=ratios), "routing.queue_ratios")
        return Routing(agent=agent, contact=choice, hold=hold) if choice is not None else None

    def _idle_ratios(self, r: Any, agent: Any, hold: Any) -> IdlenessChoice | None:
        """``idle_ratios = { 1 = 0.8, 2 = 0.2 }``: the agent policy wrapped in IdlenessRatio."""
        path = "routing.idle_ratios"
        if not isinstance(r, Mapping) or not r:
            self.p.add(path, f"{fmt_value(r)} must be a table of tier = share of the idle agents, "
                       "e.g. { 1 = 0.8, 2 = 0.2 }")
            return None
        pools: dict[int, float] = {}
        for t, x in r.items():
            kp = key_path(path, t)
            if not (isinstance(t, str) and t.isdigit() and int(t) >= 1):
                self.p.add(kp, f"{t!r} is not a tier (a whole number >= 1)")
                continue
            v = self.number(x, kp, positive=True)
            if v is not None:
                pools[int(t)] = v
        if len(pools) != len(r) or not isinstance(agent, (str, ScoredChoice, AgentPolicyChoice)):
            return None
        return self.build(lambda: IdlenessChoice(agent, pools, hold), path)  # type: ignore[no-any-return]

    def _reserve(self, r: Any, agent: Any, hold: Any) -> ReserveChoice | None:
        """``reserve = { keep = { 2 = 1 }, queues = ["premium"] }``: the agent policy wrapped."""
        path = "routing.reserve"
        if not self.table(r, path, ("keep", "queues"), ("keep", "queues")):
            return None
        keep = r["keep"]
        tiers: dict[int, int] = {}
        if not isinstance(keep, Mapping) or not keep:
            self.p.add(f"{path}.keep", f"{fmt_value(keep)} must be a table of tier = idle agents kept, "
                       "e.g. { 2 = 1 }")
            return None
        for t, k in keep.items():
            kp = key_path(f"{path}.keep", t)
            if not (isinstance(t, str) and t.isdigit() and int(t) >= 1):
                self.p.add(kp, f"{t!r} is not a tier (a whole number >= 1)")
                continue
            n = self.integer(k, kp, 1)
            if n is not None:
                tiers[int(t)] = n
        queues = r["queues"]
        if isinstance(queues, str):
            queues = [queues]
        if not isinstance(queues, list) or not queues or not all(isinstance(q, str) for q in queues):
            self.p.add(f"{path}.queues", f"{fmt_value(queues)} must be a non-empty list of queue names")
            return None
        if len(tiers) != len(keep) or not isinstance(agent, (str, ScoredChoice, AgentPolicyChoice)):
            return None
        return self.build(lambda: ReserveChoice(agent, tiers, tuple(queues), hold), path)  # type: ignore[no-any-return]

    def _positive_duration(self, v: Any, path: str) -> float | None:
        x = self.duration(v, path)
        if x is not None and x <= 0:
            self.p.add(path, f"{fmt_value(v)} must be a duration > 0")
            return None
        return x

    def _exponent(self, v: Any, path: str) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 1 <= v <= 100:
            self.p.add(path, f"{fmt_value(v)} must be a convex cost exponent from 1 to 100 "
                       "(1: the cμ rule, 2: quadratic costs)")
            return None
        return float(v)

    def steps(self, v: Any, path: str) -> list[Step] | None:
        if not isinstance(v, list):
            self.p.add(path, f"{fmt_value(v)} must be a list of steps [ {{ after = '30s', ... }} ]")
            return None
        out: list[Step] = []
        for i, s in enumerate(v):
            sp = f"{path}[{i}]"
            if not self.table(s, sp, ("after", "min_tier", "max_tier", "drop", "lower", "requires"), ("after",)):
                continue
            after = self.get(s, "after", sp, self.duration)
            kw = {k: self.get(s, k, sp, lambda x, p: self.integer(x, p, 0)) for k in ("min_tier", "max_tier", "lower") if k in s}
            drop = s.get("drop", [])
            if isinstance(drop, str):
                drop = [drop]
            if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop):
                self.p.add(f"{sp}.drop", f"{fmt_value(drop)} must be a list of skill names")
                continue
            if "requires" in s:
                kw["requires"] = self.expression(s["requires"], f"{sp}.requires")
            if after is None or any(x is None for x in kw.values()):
                continue
            if out and after < out[-1].after:
                self.p.add(f"{sp}.after", f"{fmt_value(s['after'])} is earlier than the step before it "
                           f"({out[-1].after:g} s): steps must be in increasing 'after' order")
                continue
            st = self.build(lambda a=after, k=kw, dr=drop: Step(a, drop=tuple(dr), **k), sp)
            if st is not None:
                out.append(st)
        return out

    def expression(self, v: Any, path: str) -> Expression | None:
        """An attribute expression (``requires``); a syntax error is noted with its caret."""
        if not isinstance(v, str):
            self.p.add(path, f"{fmt_value(v)} must be an expression string, e.g. \"language == 'es'\"")
            return None
        try:
            return Expression.parse(v, path)
        except ExpressionError as exc:
            self.p.items.append(str(exc))
            return None

    def queue(self, d: Any, path: str) -> QueueSpec | None:
        keys = ("name", "channel", "needs", "sla", "priority", "steps", "overflow", "min_tier",
                "max_tier", "segment_steps", "lines", "requires")
        if not self.table(d, path, keys, ("name",)):
            return None
        name = self.get(d, "name", path, self.string)
        ch = self.get(d, "channel", path, self.channel, "voice")
        needs = self.get(d, "needs", path, self.levels, {})
        sla = ServiceLevel()
        if "sla" in d:
            s = d["sla"]
            if self.table(s, f"{path}.sla", ("target", "within")):
                target = self.get(s, "target", f"{path}.sla", self.fraction, 0.8)
                within = self.get(s, "within", f"{path}.sla", self.duration, 20.0)
                if target is not None and within is not None:
                    sla = self.build(lambda: ServiceLevel(target, within), f"{path}.sla") or sla
        priority = self.get(d, "priority", path, self.integer, 0)
        steps = self.get(d, "steps", path, self.steps, [])
        overflow = None
        if "overflow" in d:
            o = d["overflow"]
            op = f"{path}.overflow"
            if self.table(o, op, ("after", "to"), ("after", "to")):
                after = self.get(o, "after", op, self.duration)
                to = self.get(o, "to", op, self.string)
                if after is not None and to is not None:
                    overflow = Overflow(after, to)
        min_tier = self.get(d, "min_tier", path, lambda x, p: self.integer(x, p, 1), 1)
        max_tier = self.get(d, "max_tier", path, lambda x, p: self.integer(x, p, 1))
        seg_steps: dict[str, list[Step]] = {}
        if "segment_steps" in d:
            ss = d["segment_steps"]
            if not isinstance(ss, Mapping):
                self.p.add(f"{path}.segment_steps", f"{fmt_value(ss)} must be a table: segment = [ steps ]")
            else:
                for seg, sv in ss.items():
                    st = self.steps(sv, key_path(f"{path}.segment_steps", seg))
                    if st is not None:
                        seg_steps[seg] = st
        lines = self.get(d, "lines", path, lambda x, p: self.integer(x, p, 1, MAX_LINES))
        requires = self.expression(d["requires"], f"{path}.requires") if "requires" in d else None
        if None in (name, ch, needs, priority, steps, min_tier) or ("max_tier" in d and max_tier is None) \
                or ("lines" in d and lines is None) or ("requires" in d and requires is None):
            return None
        q = self.build(lambda: Queue(name, sla=sla, priority=priority, steps=tuple(steps),
                                     overflow=overflow, min_tier=min_tier, max_tier=max_tier,
                                     segment_steps=seg_steps, requires=requires), path)
        return QueueSpec(q, channel=ch, needs=needs, lines=lines) if q is not None else None


def overflow_needs(queues: list[QueueSpec], raw: list[Any], emulated: frozenset[str] = frozenset()
                   ) -> list[QueueSpec]:
    """A contact overflowing to a queue that declares ``needs`` takes that queue's needs
    (``Overflow(after, to, needs=...)``); to one that does not, it keeps its own.  An
    ``emulated`` queue (``[routing] emulate``) declares the vendor's needs."""
    declared = {q["name"] for q in raw if isinstance(q, Mapping) and "needs" in q} | emulated
    specs = {q.name: q for q in queues}
    out = []
    for qs in queues:
        ov = qs.queue.overflow
        if ov is not None and ov.needs is None and ov.to in declared:
            q = attrs.evolve(qs.queue, overflow=attrs.evolve(ov, needs=dict(specs[ov.to].needs)))
            qs = attrs.evolve(qs, queue=q)
        out.append(qs)
    return out


def _agent_keys(groups: list[AgentGroup], by: str) -> list[str]:
    """What a score table's ``by`` keys may be: the agents' ids as the engine names them
    (a counter per prefix, in group order), their teams or their tiers."""
    if by == "team":
        return sorted({g.team for g in groups if g.team is not None})
    if by == "tier":
        return sorted({str(g.tier) for g in groups}, key=int)
    counters: dict[str, int] = {}
    ids: list[str] = []
    for g in groups:
        prefix = g.prefix or g.team or "agent"
        n = counters.get(prefix, 0)
        ids += [f"{prefix}-{i}" for i in range(n, n + (g.count or 0))]
        counters[prefix] = n + (g.count or 0)
    return ids
