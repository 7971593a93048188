"""From a call log to a scenario: the Anonymous Bank's January 1999, calibrated and simulated.

``examples/bank_trace.py`` replays the recorded calls; here nothing is replayed: the bank's
file (``../shared/data/anonymous-bank-callcenter-1999/january.txt``, beside this repository;
never copied into it) is mapped to the documented columns of ``docs/calibrate.md`` and
``sim.calibrate`` estimates a scenario from it:

* ``arrival`` = joining the queue (``q_start``), or the answer for a call served at once;
  ``queue`` = the service type (PS, NE, NW, TT, PE, IN); ``priority`` 1 for the bank's high
  priority (2 in the file); ``wait`` = ``q_time``; ``outcome`` answered (served by a named
  agent) or abandoned (hung up in the queue); ``service_start``/``service_end`` and ``agent``
  as recorded.  PHANTOM calls, calls left from the voice-response unit, failed hand-offs
  (``AGENT`` with ``NO_SERVER``) and the two undocumented ``AA`` records are left out;
* arrival rates per hour of each weekday, handle time and patience per type (the fits and
  their AIC in the summary), the agents present per hour and who served which type;
* the bank's rule, a 90 s head start for high priority, is the ``head-start`` contact policy.

The calibrated week is simulated (a few replications) and the hourly mean wait of answered
calls and the abandonment, Sunday to Thursday, are printed beside the recorded ones; with
matplotlib, a plot of both is written (to PLOT if given, else to the temporary directory).
Without the data directory the example says so and exits normally.

Run: python examples/calibrate_bank.py [PLOT.png]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from omniroute import reports, sim

DATA = Path(os.environ.get(
    "OMNIROUTE_BANK_DATA",
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "anonymous-bank-callcenter-1999",
))
REPLICATIONS = 4
SEED = 1999
WORKDAYS = (6, 0, 1, 2, 3)  # Sunday to Thursday, the bank's working week (0 = Monday)
TYPES = ("PS", "NE", "NW", "TT", "PE", "IN")


def _clock(date: dt.date, text: str, after: dt.datetime | None = None) -> dt.datetime:
    """The date-time of a clock ``H:MM:SS`` on ``date``; past midnight when it would fall
    more than an hour before ``after`` (the file keeps the arrival's date)."""
    h, m, s = (int(x) for x in text.split(":"))
    t = dt.datetime.combine(date, dt.time()) + dt.timedelta(hours=h, minutes=m, seconds=s)
    if after is not None and t < after - dt.timedelta(hours=1):
        t += dt.timedelta(days=1)
    return t


def bank_rows(path: Path) -> list[dict]:
    """The bank's calls that asked for an agent, in the documented columns."""
    rows = []
    with open(path, encoding="ascii", newline="") as fh:
        header = next(fh).rstrip("\r\n").split("\t")
        for line in fh:
            f = dict(zip(header, line.rstrip("\r\n").split("\t"), strict=False))
            if len(f) != 17 or f["type"] not in TYPES:
                continue
            queued = f["q_start"] != "0:00:00"
            served = f["outcome"] == "AGENT" and f["server"] != "NO_SERVER"
            if not (served or (f["outcome"] == "HANG" and queued)):
                continue
            date = dt.datetime.strptime(f["date"], "%y%m%d").date()
            entry = _clock(date, f["vru_entry"])
            row = {"queue": f["type"], "priority": 1 if f["priority"] == "2" else 0,
                   "wait": int(f["q_time"]) if queued else 0,
                   "outcome": "answered" if served else "abandoned",
                   "service_start": "", "service_end": "", "agent": ""}
            if served:
                start = _clock(date, f["ser_start"], entry)
                row.update(service_start=start, agent=f["server"],
                           service_end=start + dt.timedelta(seconds=int(f["ser_time"])))
            row["arrival"] = _clock(date, f["q_start"], entry) if queued else row["service_start"]
            rows.append(row)
    return rows


def recorded_by_hour(rows: list[dict]) -> dict[int, list[float]]:
    """Per hour of the working days: [calls, answered, wait of the answered, abandoned, days]."""
    out: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    days = {r["arrival"].date() for r in rows if r["arrival"].weekday() in WORKDAYS}
    for r in rows:
        if r["arrival"].weekday() not in WORKDAYS:
            continue
        x = out[r["arrival"].hour]
        x[0] += 1
        if r["outcome"] == "answered":
            x[1] += 1
            x[2] += r["wait"]
        else:
            x[3] += 1
    return {h: [*v, len(days)] for h, v in out.items()}


def simulated_by_hour(summary: sim.Summary) -> dict[int, list[float]]:
    """The same from the simulated week's hourly series (mean over replications)."""
    iv = summary.intervals["overall"]
    out: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for i, start in enumerate(summary.intervals["start"]):
        day, hour = divmod(int(start // 3600), 24)
        if day % 7 not in WORKDAYS:
            continue
        x = out[hour]
        x[0] += iv["offered"][i] or 0
        x[1] += iv["answered"][i] or 0
        x[2] += (iv["asa"][i] or 0) * (iv["answered"][i] or 0)
        x[3] += iv["abandoned"][i] or 0
    return {h: [*v, len(WORKDAYS)] for h, v in out.items()}


def comparison(rec: dict[int, list[float]], simd: dict[int, list[float]],
               staffing: tuple[int, ...]) -> tuple[list[str], list[list[str]], list[tuple]]:
    head = ["hour", "calls/day rec.", "sim.", "agents", "ASA rec.", "ASA sim.", "abandon rec.", "abandon sim."]
    rows, points = [], []
    tot_r, tot_s = [0.0] * 4, [0.0] * 4
    for h in range(24):
        r, s = rec.get(h), simd.get(h)
        if r is None or s is None or r[0] < 5 * r[4]:
            continue
        for tot, x in ((tot_r, r), (tot_s, s)):
            for j in range(4):
                tot[j] += x[j]
        agents = sum(staffing[w * 24 + h] for w in WORKDAYS) / len(WORKDAYS)
        asa_r, asa_s = r[2] / max(r[1], 1), s[2] / max(s[1], 1e-9)
        ab_r, ab_s = r[3] / r[0], s[3] / max(s[0], 1e-9)
        points.append((h, asa_r, asa_s, ab_r, ab_s))
        rows.append([f"{h:02d}-{h + 1:02d}", f"{r[0] / r[4]:.0f}", f"{s[0] / s[4]:.0f}", f"{agents:.1f}",
                     f"{asa_r:.0f}", f"{asa_s:.0f}", f"{ab_r:.1%}", f"{ab_s:.1%}"])
    rows.append([])
    days = next(iter(rec.values()))[4]
    rows.append(["all", f"{tot_r[0] / days:.0f}", f"{tot_s[0] / len(WORKDAYS):.0f}", "",
                 f"{tot_r[2] / tot_r[1]:.0f}", f"{tot_s[2] / tot_s[1]:.0f}",
                 f"{tot_r[3] / tot_r[0]:.1%}", f"{tot_s[3] / tot_s[0]:.1%}"])
    return head, rows, points


def plot(points: list[tuple], path: Path) -> None:
    plt = reports.plots.require_matplotlib()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    hours = [p[0] + 0.5 for p in points]
    for ax, (j, k), title, ylabel, scale in (
            (a1, (1, 2), "mean wait of answered calls", "mean wait (s)", 1.0),
            (a2, (3, 4), "abandonment", "abandoned (% of calls)", 100.0)):
        ax.plot(hours, [p[j] * scale for p in points], "o-", label="recorded (January 1999)")
        ax.plot(hours, [p[k] * scale for p in points], "s--", label="simulated (calibrated scenario)")
        ticks = list(range(int(min(hours)), int(max(hours)) + 2, 2))
        ax.set_xticks(ticks, [f"{h:02d}:00" for h in ticks])
        ax.set_xlabel("clock time, hour of arrival (Sunday to Thursday)")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{title}, by hour: recorded and simulated")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Anonymous Bank: calibrated from its call log, simulated vs recorded (means per hour)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(plot_path: str | None = None) -> None:
    path = DATA / "january.txt"
    if not path.is_file():
        print(f"calibrate_bank: data not found at {path}; skipping (clone the shared data beside "
              "the repository, or set OMNIROUTE_BANK_DATA)")
        return
    rows = bank_rows(path)
    cal = sim.calibrate(rows, interval=3600, contact="head-start", source=f"{path.name} (mapped)",
                        name="Anonymous Bank, January 1999, calibrated")
    print(cal.summary())
    summary = sim.replicate(cal.scenario, REPLICATIONS, seed=SEED)
    print()
    print(reports.kpi_table(summary, columns=("offered", "answered", "asa", "abandon_rate", "occupancy"),
                            groups=()))
    head, table, points = comparison(recorded_by_hour(rows), simulated_by_hour(summary), cal.staffing)
    print()
    print("Per hour, Sunday to Thursday: recorded (January 1999, mean over its working days) vs "
          f"simulated (the calibrated week, {REPLICATIONS} replications); ASA = mean wait of answered calls, s")
    print(reports.render(head, table))
    try:
        reports.plots.require_matplotlib()
    except reports.plots.PlotError:
        return
    out = Path(plot_path) if plot_path else Path(tempfile.gettempdir()) / "omniroute-calibrate_bank.png"
    plot(points, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
