"""The cost of one joint-matching instant, against greedy on the same instant.

    python benchmarks/bench_matching.py            # writes the "Joint matching" section of RESULTS.md
    python benchmarks/bench_matching.py --quick    # a smoke run (small sizes; RESULTS.md left alone)

N agents (half generalists with skills billing and loans, half billing specialists) all end
their wrap-ups at t = 10 while N voice contacts wait (alternately billing and loans): one
``tick`` settles them all, the worst case a batch window or a shift start makes.  Timed: that
tick alone (the best of 3 fresh routers), ``matching="greedy"`` (the baseline) and
``matching="joint"``, each build in a child process; also how many contacts each serves.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import date

from _builds import call_in_build, write_section


def instant(n: int, matching: str) -> tuple[float, int]:
    """Seconds of the one tick that settles the instant, and the contacts it assigns."""
    import omniroute as orr
    from omniroute import policies

    r = orr.Router([orr.Queue("general")], agent_policy=policies.MostSkilled(), matching=matching)
    for i in range(n):
        skills = {"billing": 5, "loans": 3} if i % 2 else {"billing": 3}
        r.add_agent(orr.Agent(f"a{i}", skills=skills), now=0.0)
        r.set_available(f"a{i}", now=0.0)
        r.submit(orr.Contact(f"d{i}", channel=orr.VOICE, queue="general"), now=0.0)
    for i in range(n):
        r.complete(f"d{i}", now=1.0, wrap_up=9.0)
    for i in range(n):
        need = "loans" if i % 2 else "billing"
        r.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue="general", needs={need: 1}), now=2.0)
    t = time.perf_counter()
    done = r.tick(10.0)
    return time.perf_counter() - t, len(done)


def measure(sizes: list[int]) -> dict:
    import omniroute

    out: dict = {"accelerated": omniroute.ACCELERATED, "rows": {}}
    for n in sizes:
        row = {}
        for matching in ("greedy", "joint"):
            runs = [instant(n, matching) for _ in range(3)]
            row[matching] = {"seconds": min(s for s, _ in runs), "served": runs[0][1]}
        out["rows"][str(n)] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes; RESULTS.md left alone")
    args = ap.parse_args()
    sizes = [10, 50] if args.quick else [10, 50, 200, 500]
    lines = [f"Command: `python benchmarks/bench_matching.py` on CPython {platform.python_version()}, "
             f"{platform.machine()}; {date.today().isoformat()}. One instant: N agents free up together "
             "(half generalists) while N voice contacts wait (half need the generalists' second skill); "
             "the time of the one `tick` that settles it (best of 3), greedy (the baseline) and joint, "
             "and the contacts each serves.", "",
             "| build | N | greedy ms | joint ms | joint / greedy | served greedy | served joint |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for build in ("compiled", "pure"):
        got = call_in_build(build, "bench_matching", f"measure({sizes!r})")
        for n in sizes:
            g, j = got["rows"][str(n)]["greedy"], got["rows"][str(n)]["joint"]
            lines.append(f"| {build} | {n:,} | {g['seconds'] * 1e3:.2f} | {j['seconds'] * 1e3:.2f} | "
                         f"{j['seconds'] / g['seconds']:.0f}x | {g['served']} | {j['served']} |")
    body = "\n".join(lines)
    print(body)
    if not args.quick:
        write_section("Joint matching", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
