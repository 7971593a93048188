"""Estimated waits against simulated truth, and the cost of real-time statistics.

    python benchmarks/bench_ewt.py            # writes the "Estimated waits and statistics" section of RESULTS.md
    python benchmarks/bench_ewt.py --quick    # a smoke run (fewer arrivals; RESULTS.md left alone)

1. **Accuracy.**  An event loop drives ``Router`` directly through an M/M/c queue (c = 20,
   exponential handle times of mean 180 s) and asks ``router.estimated_wait(queue, now)`` at
   every arrival, before submitting it.  The truth is the wait that contact then gets.
   *M/M/c* (nobody abandons): the mean prediction against the mean wait, over every arrival
   after the warm-up and over those that had to wait.  *Erlang A* (exponential patience of
   mean 120 s): 5% of arrivals are "probes" who never abandon, so their wait is the full
   (potential) wait a customer would get; the default predictor (queue length with
   abandonment), the same without abandonment, and last-to-enter-service (LES: the wait of
   the last contact answered) are scored on the probes that had to wait: bias (mean
   prediction / mean truth) and root-mean-square error.
2. **Cost.**  ``router.stats(now)`` against a scan that computes the same per-queue waiting
   counts and longest wait from ``router.waiting()``, with 100 to 10,000 contacts waiting.

Both builds run in child processes (the decisions, hence the accuracy figures, are the
same in both; the script checks it).
"""

from __future__ import annotations

import argparse
import heapq
import math
import platform
import sys
import time
from datetime import date

import numpy as np
from _builds import call_in_build, write_section

C = 20
HANDLE = 180.0
PATIENCE = 120.0
PROBES = 0.05


def simulate(arrivals: int, rho: float, patience: float | None, seed: int) -> dict:
    """One run: returns per-arrival (prediction QL, QL without abandonment, LES, truth, probe)."""
    import omniroute as orr

    rng = np.random.default_rng(seed)
    router = orr.Router([orr.Queue("q", sla=orr.ServiceLevel(0.8, 20.0))])
    for i in range(C):
        router.add_agent(orr.Agent(f"a{i}", skills={"s": 1}, capacity={orr.VOICE: 1}), now=0.0)
        router.set_available(f"a{i}", now=0.0)
    lam = rho * C / HANDLE
    events: list[tuple[float, int, str, str]] = []
    seq = 0
    t = 0.0
    for i in range(arrivals):
        t += float(rng.exponential(1 / lam))
        seq += 1
        events.append((t, seq, "arrive", f"c{i}"))
    heapq.heapify(events)
    arrived: dict[str, float] = {}
    pred: dict[str, tuple[float, float, float, bool]] = {}
    truth: dict[str, float] = {}

    def assigned(out: list) -> None:
        nonlocal seq
        for a in out:
            truth[a.contact_id] = a.waited
            seq += 1
            heapq.heappush(events, (a.time + float(rng.exponential(HANDLE)), seq, "done", a.contact_id))

    while events:
        now, _s, kind, cid = heapq.heappop(events)
        if kind == "arrive":
            ql = router.estimated_wait("q", now)
            les = router.estimated_wait("q", now, method="last-to-enter")
            s = router.stats(now).queues["q"]
            # the same queue-length predictor without abandonment: (n + 1) h / s
            slots = s.agents_available + s.agents_busy
            plain = 0.0 if (s.waiting == 0 and s.agents_available) else (
                (s.waiting + 1) * s.handle / slots if s.handle else None)
            probe = patience is None or rng.random() < PROBES
            pred[cid] = (ql, plain, les, probe)  # type: ignore[assignment]
            arrived[cid] = now
            assigned(router.submit(orr.Contact(cid, channel=orr.VOICE, queue="q", needs={"s": 1}), now))
            if not probe:
                seq += 1
                heapq.heappush(events, (now + float(rng.exponential(patience)), seq, "patience", cid))
        elif kind == "done":
            assigned(router.complete(cid, now))
        elif cid not in truth:  # patience ran out while still waiting
            router.abandon(cid, now)
    rows = []
    for i in range(arrivals // 10, arrivals):  # the first 10%: warm-up
        cid = f"c{i}"
        ql, plain, les, probe = pred[cid]
        if cid in truth and probe and ql is not None and plain is not None and les is not None:
            rows.append((ql, plain, les, truth[cid]))
    return {"rows": rows}


def accuracy(arrivals: int) -> dict:
    out: dict = {}
    for rho in (0.9, 0.95):
        rows = np.array(simulate(arrivals, rho, None, seed=1)["rows"])
        delayed = rows[rows[:, 3] > 0]
        out[f"mmc{rho}"] = {
            "n": len(rows), "delayed": len(delayed),
            "truth": float(rows[:, 3].mean()), "ql": float(rows[:, 0].mean()),
            "truth_delayed": float(delayed[:, 3].mean()), "ql_delayed": float(delayed[:, 0].mean()),
            "les_delayed": float(delayed[:, 2].mean()),
            "rmse_ql": float(np.sqrt(((delayed[:, 0] - delayed[:, 3]) ** 2).mean())),
            "rmse_les": float(np.sqrt(((delayed[:, 2] - delayed[:, 3]) ** 2).mean())),
        }
    for rho in (0.95, 1.1):
        rows = np.array(simulate(arrivals * 4, rho, PATIENCE, seed=2)["rows"])
        d = rows[rows[:, 3] > 0]
        res = {"n": len(d), "truth": float(d[:, 3].mean())}
        for j, name in enumerate(("ql", "plain", "les")):
            res[name] = float(d[:, j].mean())
            res[f"rmse_{name}"] = float(np.sqrt(((d[:, j] - d[:, 3]) ** 2).mean()))
        out[f"erlang_a{rho}"] = res
    return out


def cost(waiting: int, reads: int = 200) -> dict:
    import omniroute as orr

    queues = [orr.Queue(f"q{i}") for i in range(10)]
    router = orr.Router(queues)
    router.add_agent(orr.Agent("a", skills={"s": 1}, capacity={orr.VOICE: 1}), now=0.0)
    for i in range(waiting):
        router.submit(orr.Contact(f"c{i}", channel=orr.VOICE, queue=f"q{i % 10}", needs={"s": 1}), now=float(i))
    now = float(waiting)
    t0 = time.perf_counter()
    for _ in range(reads):
        router.stats(now)
    fast = (time.perf_counter() - t0) / reads
    t0 = time.perf_counter()
    for _ in range(max(1, reads // 10)):
        counts: dict[str, int] = {}
        oldest: dict[str, float] = {}
        for w in router.waiting():
            counts[w.queue] = counts.get(w.queue, 0) + 1
            oldest[w.queue] = min(oldest.get(w.queue, math.inf), w.arrival)
    scan = (time.perf_counter() - t0) / max(1, reads // 10)
    return {"fast_us": fast * 1e6, "scan_us": scan * 1e6}


def figures(arrivals: int, sizes: list[int]) -> dict:
    import omniroute

    return {"accelerated": omniroute.ACCELERATED, "accuracy": accuracy(arrivals),
            "cost": {str(n): cost(n) for n in sizes}}


def in_build(build: str, arrivals: int, sizes: list[int]) -> dict:
    return call_in_build(build, "bench_ewt", f"figures({arrivals}, {sizes!r})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer arrivals; RESULTS.md left alone")
    args = ap.parse_args(argv)
    arrivals = 5_000 if args.quick else 50_000
    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    got = {b: in_build(b, arrivals, sizes) for b in ("compiled", "pure")}
    if got["compiled"]["accuracy"] != got["pure"]["accuracy"]:
        raise SystemExit("bench_ewt: the two builds predicted differently")
    acc = got["compiled"]["accuracy"]
    lines = [f"Command: `python benchmarks/bench_ewt.py` (Python {platform.python_version()}, "
             f"{platform.machine()}, {date.today().isoformat()}). M/M/c with c = {C} agents, exponential "
             f"handle times of mean {HANDLE:g} s; {arrivals:,} arrivals per M/M/c run and {4 * arrivals:,} per "
             "Erlang A run, the first 10% a warm-up. The prediction is `router.estimated_wait(queue, now)` "
             "asked at each arrival; the truth the wait that contact got. Both builds predict identically "
             "(checked).", "",
             "**M/M/c** (nobody abandons): mean prediction against mean wait.", "",
             "| load | arrivals scored | mean wait | mean predicted | predicted / true | delayed: mean wait "
             "| delayed: predicted / true | RMSE, queue length | RMSE, LES |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for rho in (0.9, 0.95):
        r = acc[f"mmc{rho}"]
        lines.append(f"| ρ {rho} | {r['n']:,} | {r['truth']:.2f} s | {r['ql']:.2f} s | {r['ql'] / r['truth']:.3f} "
                     f"| {r['truth_delayed']:.2f} s | {r['ql_delayed'] / r['truth_delayed']:.3f} "
                     f"| {r['rmse_ql']:.1f} s | {r['rmse_les']:.1f} s |")
    lines += ["", f"**Erlang A** (exponential patience, mean {PATIENCE:g} s): scored on the {PROBES:.0%} of "
              "arrivals that never abandon and had to wait (their wait is the full potential wait).", "",
              "| offered load | probes | mean wait | queue length with abandonment (default): bias, RMSE "
              "| queue length without abandonment: bias, RMSE | last to enter service: bias, RMSE |",
              "|---|---:|---:|---|---|---|"]
    for rho in (0.95, 1.1):
        r = acc[f"erlang_a{rho}"]
        cells = " | ".join(f"{r[k] / r['truth']:.3f}, {r['rmse_' + k]:.1f} s" for k in ("ql", "plain", "les"))
        lines.append(f"| {rho} | {r['n']:,} | {r['truth']:.1f} s | {cells} |")
    lines += ["", "**Cost of a read**: `router.stats(now)` (10 queues) against a scan of `router.waiting()` "
              "computing the waiting counts and the oldest arrival per queue, in microseconds per read.", "",
              "| build | contacts waiting | stats() µs | scan µs | scan / stats |", "|---|---:|---:|---:|---:|"]
    for b in ("compiled", "pure"):
        for n in sizes:
            c = got[b]["cost"][str(n)]
            lines.append(f"| {b} | {n:,} | {c['fast_us']:.1f} | {c['scan_us']:.0f} | {c['scan_us'] / c['fast_us']:.0f}x |")
    body = "\n".join(lines)
    print(body)
    if not args.quick:
        write_section("Estimated waits and statistics", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
