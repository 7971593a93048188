"""Routing decisions per second with an attribute expression, against the same workload
without one, in the same process.

Workload: agents with 2 of 8 skills (levels 1-5), one voice call at a time, and a
``language`` among 10; each contact needs one skill at level 1 and speaks one language,
drawn from a random agent's profile (someone can serve it).  The driver keeps about 80% of
agents busy (it submits while fewer than 80% hold a contact, otherwise completes a random
assigned contact); a decision is one submit or one complete with what it causes.  Variants,
each on the same stream of contacts and events:

* ``none``: ``Queue("q")``, skills alone (the baseline);
* ``indexed``: ``requires="language == contact.language"``, a conjunct the index serves
  (agents filed under their language);
* ``residual``: ``requires="NOT language != contact.language"``, the same decisions here
  (every agent has a language), but a form the index does not serve: evaluated on every
  free agent with the skill passed over;
* ``scan``: ``indexed`` on ``omniroute.testing.ReferenceRouter`` (scans of every agent and
  contact), at the smallest size only.

Both builds run, each in a child process (compiled, and pure with OMNIROUTE_PURE_PYTHON=1).

Run:  python benchmarks/bench_expressions.py            (1,000 and 10,000 agents; writes RESULTS.md)
      python benchmarks/bench_expressions.py --quick    (1,000 only, prints only)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import omniroute as orr

SKILLS = [f"s{i}" for i in range(8)]
LANGUAGES = [f"l{i}" for i in range(10)]
VARIANTS = {"none": None, "indexed": "language == contact.language",
            "residual": "NOT language != contact.language"}


def make_agents(n: int, rng: np.random.Generator) -> list[orr.Agent]:
    return [orr.Agent(f"a{i}", skills={str(s): int(rng.integers(1, 6)) for s in rng.choice(SKILLS, 2, replace=False)},
                      attributes={"language": LANGUAGES[int(rng.integers(len(LANGUAGES)))]})
            for i in range(n)]


def make_contacts(m: int, agents: list[orr.Agent], rng: np.random.Generator) -> list[orr.Contact]:
    out = []
    for i in range(m):
        a = agents[int(rng.integers(len(agents)))]
        skill = sorted(a.skills)[int(rng.integers(2))]
        out.append(orr.Contact(f"c{i}", channel=orr.VOICE, queue="q", needs={skill: 1},
                               attributes={"language": a.attributes["language"]}))
    return out


def run(n: int, decisions: int, requires: str | None, scan: bool, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    agents = make_agents(n, rng)
    contacts = make_contacts(decisions, agents, rng)
    picks = rng.random(decisions)
    cls = orr.Router
    if scan:
        from omniroute.testing import ReferenceRouter

        cls = ReferenceRouter
    r = cls([orr.Queue("q", requires=requires)])
    for a in agents:
        r.add_agent(a, 0.0)
        r.set_available(a.id, 0.0)
    assigned: list[str] = []
    where: dict[str, int] = {}
    busy = 0
    now = 1.0
    made = 0
    nc = 0
    start = time.process_time()
    for k in range(decisions):
        now += 0.01
        if busy < 0.8 * n and nc < len(contacts):
            got = r.submit(contacts[nc], now)
            nc += 1
        else:
            j = int(picks[k] * len(assigned))
            cid = assigned[j]
            assigned[j] = assigned[-1]
            where[assigned[j]] = j
            assigned.pop()
            del where[cid]
            busy -= 1
            got = r.complete(cid, now)
        for x in got:
            where[x.contact_id] = len(assigned)
            assigned.append(x.contact_id)
            busy += 1
            made += 1
    cpu = time.process_time() - start
    return {"agents": n, "decisions": decisions, "assigned": made, "cpu": cpu, "rate": decisions / cpu,
            "accelerated": orr.ACCELERATED}


def child(sizes: list[int], decisions: int) -> list[dict]:
    rows = []
    for n in sizes:
        for name, req in VARIANTS.items():
            rows.append({"variant": name, **run(n, decisions, req, False)})
        if n == sizes[0]:
            rows.append({"variant": "scan", **run(n, decisions // 10, VARIANTS["indexed"], True)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--decisions", type=int, default=40000)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else ([1000] if args.quick else [1000, 10000])
    if args.child:
        print(json.dumps(child(sizes, args.decisions)))
        return
    results = {}
    for build, env in (("compiled", {}), ("pure", {"OMNIROUTE_PURE_PYTHON": "1"})):
        out = subprocess.run([sys.executable, __file__, "--child", "--sizes", ",".join(map(str, sizes)),
                              "--decisions", str(args.decisions)], env={**os.environ, **env},
                             capture_output=True, text=True, check=True)
        results[build] = json.loads(out.stdout)
    lines = ["| agents | variant | compiled decisions/s | pure decisions/s | assignments |", "|---|---|---|---|---|"]
    for c, p in zip(results["compiled"], results["pure"], strict=True):
        assert (c["variant"], c["assigned"]) == (p["variant"], p["assigned"])  # the same decisions
        lines.append(f"| {c['agents']:,} | {c['variant']} | {c['rate']:,.0f} | {p['rate']:,.0f} | {c['assigned']:,} |")
    if not results["compiled"][0]["accelerated"]:
        lines.append("\n(the compiled build was not available: both columns are pure Python)")
    table = "\n".join(lines)
    print(table)
    if args.quick:
        return
    section = (
        "## Attribute expressions\n\n"
        f"Command: `python benchmarks/bench_expressions.py` (Python {platform.python_version()}, "
        f"{platform.machine()}, {time.strftime('%Y-%m-%d')}). CPU seconds of one process, "
        f"{args.decisions:,} decisions per row (the scan: a tenth of them) at 80% of agents busy; agents "
        "with 2 of 8 skills and one of 10 languages; a contact needs one skill and speaks a language. "
        "`none`: no expression; `indexed`: `language == contact.language` (served by the index); "
        "`residual`: `NOT language != contact.language` (same decisions, evaluated per free agent "
        "with the skill passed over); `scan`: `indexed` on the reference router's plain scans. "
        "Same seed, same stream of events in every row.\n\n" + table + "\n")
    path = Path(__file__).with_name("RESULTS.md")
    text = path.read_text()
    head = "## Attribute expressions\n"
    if head in text:
        start = text.index(head)
        nxt = text.find("\n## ", start + len(head))
        text = text[:start] + section + (text[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    main()
