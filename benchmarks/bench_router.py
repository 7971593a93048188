"""Routing decisions per second through the public API, fast router vs a naive scan.

A decision is one ``submit`` or one release of capacity (``complete``), with whatever
assignment it causes; times are CPU seconds of this process.  The workload (issue 2): 50 skills, each agent has 2-5 of them at
levels 1-5 and capacity for one call or three chats; each contact needs 1-2 skills with
minimum levels 1-3 (drawn from a random agent's profile, so that every contact can be
served by someone); half voice, half chat; the driver keeps 70-85% of agents busy: it
submits while fewer than 80% of agents hold a contact and otherwise completes a random
assigned contact.  The naive baseline is ``omniroute.testing.ReferenceRouter``'s plain
scans (the same router with both indexes replaced by scans of every agent and every waiting
contact), run in the same process on the same workload: it is warmed up with the indexes and
then switched to the scans, since reaching steady state by scanning takes hours at 100,000
agents.

Both builds of the core are measured, each in a child process: the compiled (mypyc) one
and the pure-Python one (``OMNIROUTE_PURE_PYTHON=1``).  Set-up is the CPU time of adding
the agents and making them available.

Run:  python benchmarks/bench_router.py            (1k, 10k, 100k agents; writes RESULTS.md)
      python benchmarks/bench_router.py --quick    (smaller, prints only)
      python benchmarks/bench_router.py --build pure   (one build only)
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

N_SKILLS = 50
SKILLS = [f"s{i:02d}" for i in range(N_SKILLS)]


def make_agents(n: int, rng: np.random.Generator, tiers: int = 1) -> list[orr.Agent]:
    """``n`` agents; with ``tiers`` > 1, agent ``i`` is in tier ``1 + i % tiers``."""
    agents = []
    for i in range(n):
        k = int(rng.integers(2, 6))
        chosen = rng.choice(N_SKILLS, size=k, replace=False)
        skills = {SKILLS[j]: int(rng.integers(1, 6)) for j in chosen}
        agents.append(orr.Agent(f"a{i}", skills=skills, tier=1 + i % tiers, capacity={orr.VOICE: 1, orr.CHAT: 3}))
    return agents


def make_contacts(m: int, agents: list[orr.Agent], rng: np.random.Generator) -> list[orr.Contact]:
    out = []
    for i in range(m):
        prof = agents[int(rng.integers(len(agents)))].skills
        names = list(prof)
        k = min(len(names), int(rng.integers(1, 3)))
        picked = rng.choice(len(names), size=k, replace=False)
        needs = {names[j]: int(rng.integers(1, min(3, prof[names[j]]) + 1)) for j in picked}
        ch = orr.VOICE if rng.random() < 0.5 else orr.CHAT
        out.append(orr.Contact(f"c{i}", channel=ch, queue="q", needs=needs, priority=int(rng.integers(0, 2))))
    return out


def run(n_agents: int, decisions: int, seed: int = 1, policy: str | orr.policies.AgentPolicy = "longest-idle",
        naive: bool = False, profile: bool = False, tiers: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    agents = make_agents(n_agents, rng, tiers)
    target = int(0.8 * n_agents)
    warm = max(int(1.2 * target), decisions)
    contacts = make_contacts(warm + decisions + 10, agents, rng)
    router = orr.Router([orr.Queue("q")], agent_policy=orr.policies.agent_policy(policy, seed=seed))
    t_setup = time.process_time()
    for a in agents:
        router.add_agent(a, 0.0)
        router.set_available(a.id, 0.0)
    setup = time.process_time() - t_setup
    assigned: list[str] = []  # assigned contact ids (swap-remove for O(1) random picks)
    pos: dict[str, int] = {}
    holders: dict[str, int] = {}  # agent id -> contacts held
    busy = 0
    nxt = 0
    now = 0.0
    picks = rng.random(warm + decisions + 10)

    def take(done: list[orr.Assignment]) -> None:
        nonlocal busy
        for x in done:
            pos[x.contact_id] = len(assigned)
            assigned.append(x.contact_id)
            h = holders.get(x.agent_id, 0)
            if h == 0:
                busy += 1
            holders[x.agent_id] = h + 1

    owner: dict[str, str] = {}

    def step(i: int) -> None:
        nonlocal nxt, now, busy
        now += 0.01
        if busy < target or not assigned:
            c = contacts[nxt]
            nxt += 1
            done = router.submit(c, now)
        else:
            j = int(picks[i] * len(assigned))
            cid = assigned[j]
            last = assigned.pop()
            if last != cid:
                assigned[j] = last
                pos[last] = j
            del pos[cid]
            aid = owner.pop(cid)
            h = holders[aid] - 1
            holders[aid] = h
            if h == 0:
                busy -= 1
            done = router.complete(cid, now)
        for x in done:
            owner[x.contact_id] = x.agent_id
        take(done)

    for i in range(warm):
        step(i)
    if naive:
        # Reaching steady state with plain scans would take hours at 100,000 agents: warm up
        # with the indexes, then swap in the reference router's scans over the same state.
        from omniroute.testing.reference import ScanAgents, ScanWaiting

        scan_agents = ScanAgents(router.agent_policy)
        scan_agents._agents = dict(router._agents)
        scan_waiting = ScanWaiting(router.contact_policy)
        for e in sorted(router._waiting, key=lambda e: e.seq):
            scan_waiting._entries[e.id] = e
        router._agent_index, router._waiting = scan_agents, scan_waiting
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.process_time()
    for i in range(warm, warm + decisions):
        step(i)
    elapsed = time.process_time() - t0
    if prof is not None:
        import pstats

        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    # The driver's own bookkeeping is included (it is the same for both routers).
    return {
        "agents": n_agents, "decisions": decisions, "seconds": elapsed, "setup": setup,
        "per_second": decisions / elapsed, "busy": busy / n_agents,
        "waiting": len(router.waiting()) if n_agents <= 10_000 else None,
    }


TARGETS = {  # issue 9: (decisions/s at 10,000 agents, fall 1k -> 100k, set-up s of 100k agents)
    "compiled": (150_000, 2.5, 20.0),
    "pure": (75_000, 2.5, 40.0),
}


def measure(sizes: list[int], fast_n: int, policy: str) -> list[dict]:
    rows = []
    for n in sizes:
        fast = run(n, fast_n, policy=policy)
        naive_n = max(200, min(20_000, 20_000_000 // (n * 20)))
        naive = run(n, naive_n, policy=policy, naive=True)
        rows.append({"agents": n, "fast": fast, "naive": naive})
        print(f"{n:>7} agents: fast {fast['per_second']:>10,.0f}/s  naive {naive['per_second']:>9,.0f}/s  "
              f"ratio {fast['per_second'] / naive['per_second']:>7.1f}x  set-up {fast['setup']:.1f} s  "
              f"busy {fast['busy']:.2f}", file=sys.stderr, flush=True)
    return rows


def in_build(build: str, argv: list[str]) -> list[dict]:
    """Run this script's measurements in a child process on one build of the core."""
    env = dict(os.environ, OMNIROUTE_PURE_PYTHON="1" if build == "pure" else "0")
    out = subprocess.run([sys.executable, __file__, "--child", *argv], env=env, check=True,
                         stdout=subprocess.PIPE, text=True)
    got = json.loads(out.stdout)
    if got["accelerated"] != (build == "compiled"):
        raise SystemExit(f"bench_router: asked for the {build} build, got accelerated={got['accelerated']}"
                         " (is the compiled build installed? pip install -e .)")
    return got["rows"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, print only")
    ap.add_argument("--policy", default="longest-idle")
    ap.add_argument("--build", choices=["both", "compiled", "pure"], default="both")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    fast_n = 20_000 if args.quick else 200_000
    if args.child:
        rows = measure(sizes, fast_n, args.policy)
        print(json.dumps({"accelerated": orr.ACCELERATED, "rows": rows}))
        return
    child_argv = [*(["--quick"] if args.quick else []), "--policy", args.policy]
    builds = ["compiled", "pure"] if args.build == "both" else [args.build]
    results = {}
    for build in builds:
        print(f"{build} build:", file=sys.stderr, flush=True)
        results[build] = in_build(build, child_argv)
    lines = [
        "## Router",
        "",
        f"Command: `python benchmarks/bench_router.py{' --quick' if args.quick else ''}"
        f"{'' if args.policy == 'longest-idle' else ' --policy ' + args.policy}"
        f"{'' if args.build == 'both' else ' --build ' + args.build}` "
        f"(policy {args.policy}; Python {platform.python_version()}, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}). CPU seconds of one process; a decision is one submit or one "
        "complete with what it causes. \"compiled\": the mypyc build of the core; \"pure\": the same "
        "code as Python (`OMNIROUTE_PURE_PYTHON=1`).",
        "",
        "| build | agents | fast decisions/s | naive scan decisions/s | fast / naive | fall vs 1,000 agents "
        "| set-up s | agents busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for build, rows in results.items():
        base = rows[0]["fast"]["per_second"]
        for row in rows:
            fast, naive = row["fast"], row["naive"]
            lines.append(
                f"| {build} | {row['agents']:,} | {fast['per_second']:,.0f} | {naive['per_second']:,.0f} | "
                f"{fast['per_second'] / naive['per_second']:,.1f}x | {base / fast['per_second']:.2f}x | "
                f"{fast['setup']:.1f} | {fast['busy']:.2f} |"
            )
    lines.append("")
    for build, rows in results.items():
        want_rate, want_fall, want_setup = TARGETS[build]
        by_n = {row["agents"]: row["fast"] for row in rows}
        verdicts = []
        if 10_000 in by_n:
            got = by_n[10_000]["per_second"]
            verdicts.append(f"at 10,000 agents >= {want_rate:,} decisions/s: {got:,.0f} "
                            f"({'met' if got >= want_rate else f'missed by {want_rate / got:.2f}x'})")
        if 1_000 in by_n and 100_000 in by_n:
            fall = by_n[1_000]["per_second"] / by_n[100_000]["per_second"]
            verdicts.append(f"fall from 1,000 to 100,000 agents <= {want_fall}x: {fall:.2f}x "
                            f"({'met' if fall <= want_fall else 'missed'})")
        if 100_000 in by_n:
            setup = by_n[100_000]["setup"]
            verdicts.append(f"set-up of 100,000 agents <= {want_setup:.0f} s: {setup:.1f} s "
                            f"({'met' if setup <= want_setup else 'missed'})")
        if 10_000 in by_n and "pure" in results and build == "compiled":
            pure10 = {r["agents"]: r["fast"] for r in results["pure"]}.get(10_000)
            if pure10:
                verdicts.append(f"compiled / pure at 10,000 agents: "
                                f"{by_n[10_000]['per_second'] / pure10['per_second']:.2f}x")
        lines.append(f"Targets, {build} build: " + "; ".join(verdicts) + ".")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        path = Path(__file__).with_name("RESULTS.md")
        old = path.read_text() if path.exists() else "# Benchmark results\n\n"
        start = old.find("## Router")
        if start >= 0:
            end = old.find("\n## ", start + 1)
            old = old[:start] + (old[end + 1:] if end >= 0 else "")
        path.write_text(old.rstrip() + "\n\n" + text + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
