"""The vendor emulators' agent policies against longest idle, decisions per second.

The workload of ``bench_router.py`` (50 skills, 80% of agents busy, one submit or one
complete per decision) with agents spread over 3 tiers; each policy runs on the same
agents and contacts, in this process, against ``longest-idle`` as the baseline (run
first, and again last to show the drift of a shared machine).  Policies:
``TierFirst(LongestIdle)`` (Asterisk ``leastrecent``), ``TierFirst(Linear(...))``
(``linear``: every agent listed, in reverse), ``TierFirst(Random)`` (``ringall``),
``WeightedRandom`` (``wrandom``, a penalty per agent) and plain ``Random`` for scale: the
drawing policies list the free eligible agents, the others take the first in key order.

Run:  python benchmarks/bench_vendor_policies.py [--agents 10000] [--decisions 20000] [--write]
      (both builds, each in a child process; the compiled one must be built)
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _builds import call_in_build  # noqa: E402
from bench_router import run  # noqa: E402

import omniroute as orr  # noqa: E402
from omniroute import policies as P  # noqa: E402

SECTION = "## Vendor emulators' agent policies"


def policies(n: int) -> list[tuple[str, object]]:
    ids = [f"a{i}" for i in reversed(range(n))]
    return [
        ("longest-idle (baseline)", "longest-idle"),
        ("TierFirst(LongestIdle): asterisk leastrecent", P.TierFirst(P.LongestIdle())),
        ("TierFirst(Linear): asterisk linear, freeswitch top-down", P.TierFirst(P.Linear(ids))),
        ("TierFirst(Random): asterisk ringall", P.TierFirst(P.Random(1))),
        ("WeightedRandom: asterisk wrandom", P.WeightedRandom({a: float(i % 4) for i, a in enumerate(ids)}, seed=1)),
        ("Random (for scale)", P.Random(1)),
        ("longest-idle (baseline, again)", "longest-idle"),
    ]


def measure(agents: int, decisions: int) -> dict:
    """Every policy's decisions per second on the build that loads (for ``call_in_build``)."""
    rows = []
    for label, pol in policies(agents):
        r = run(agents, decisions, policy=pol, tiers=3)  # type: ignore[arg-type]
        rows.append([label, r["per_second"]])
        print(f"{label:<58} {r['per_second']:>10,.0f} decisions/s  busy {r['busy']:.2f}", file=sys.stderr)
    return {"accelerated": orr.ACCELERATED, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--decisions", type=int, default=20_000)
    ap.add_argument("--write", action="store_true", help="write the section into RESULTS.md")
    args = ap.parse_args()
    got = {b: call_in_build(b, "bench_vendor_policies", f"measure({args.agents}, {args.decisions})")["rows"]
           for b in ("compiled", "pure")}
    cmd = "python benchmarks/bench_vendor_policies.py --write" + (
        f" --agents {args.agents}" if args.agents != 10_000 else "") + (
        f" --decisions {args.decisions}" if args.decisions != 20_000 else "")
    lines = [SECTION, "",
             f"Command: `{cmd}` (each build in its own child process) on CPython "
             f"{platform.python_version()}, {platform.machine()}; {args.agents:,} agents in 3 tiers, "
             f"{args.decisions:,} decisions after warm-up, CPU seconds of one process, the workload of "
             "`bench_router.py`. A shared 2-core machine: compare rows of one run, not runs.", "",
             "| policy | compiled decisions/s | vs longest-idle | pure decisions/s | vs longest-idle |",
             "|---|---:|---:|---:|---:|"]
    cbase, pbase = got["compiled"][0][1], got["pure"][0][1]
    lines += [f"| {c[0]} | {c[1]:,.0f} | {c[1] / cbase:.2f}x | {p[1]:,.0f} | {p[1] / pbase:.2f}x |"
              for c, p in zip(got["compiled"], got["pure"], strict=True)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        path = Path(__file__).resolve().parent / "RESULTS.md"
        old = path.read_text()
        new = re.sub(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", text.rstrip("\n") + "\n", old, flags=re.S) \
            if SECTION in old else old.rstrip("\n") + "\n\n" + text
        path.write_text(new)


if __name__ == "__main__":
    main()
