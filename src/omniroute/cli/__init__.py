"""The ``omniroute`` command (also ``python -m omniroute``).

Commands: ``demo``, ``simulate``, ``compare``, ``staff``, ``check``, ``scenarios``,
``calibrate``, ``replay``; see
``omniroute COMMAND --help`` and ``docs/cli.md``.  :func:`main` returns the exit status:
0 success, 1 ``check`` found problems or ``replay`` a divergence, 2 a usage error or a bad scenario (its messages on
stderr, never a traceback), 130 interrupted, 141 the reader of the output went away (``|
head``: nothing more is printed, as a command ended by SIGPIPE).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import OmnirouteError, ScenarioError

__all__ = ["main", "build_parser"]

PROG = "omniroute"
#: The status when stdout is a pipe closed by its reader: 128 + SIGPIPE, as shells report a
#: command that signal ended.
EXIT_BROKEN_PIPE = 141


class _Parser(argparse.ArgumentParser):
    """argparse, with ``omniroute: error:`` messages and status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _common_run(p: argparse.ArgumentParser, reps_default: str = "the scenario's") -> None:
    from ._parse import replications, seed

    p.add_argument("-n", "--replications", type=replications, metavar="N",
                   help=f"number of replications, up to 1,000,000 (default: {reps_default})")
    p.add_argument("--seed", type=seed, default=1,
                   help="root seed, an integer >= 0 (default: 1); same seed, same results")
    _where(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", action="store_true", default=None,
                   help="show a progress bar (default: when stderr is a terminal)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no notes on stderr")


def _where(p: argparse.ArgumentParser) -> None:
    """``--processes N`` or ``--scheduler ADDRESS`` (docs/scale.md), not both."""
    from ._parse import processes, scheduler

    g = p.add_mutually_exclusive_group()
    g.add_argument("--processes", type=processes, metavar="N",
                   help="run replications in N worker processes on this machine (up to 64)")
    g.add_argument("--scheduler", type=scheduler, metavar="ADDRESS",
                   help="run replications on the dask cluster whose scheduler is at ADDRESS (e.g. "
                        "tcp://10.0.0.5:8786; needs omniroute[dask] here and on the workers); the "
                        "same seed gives the same numbers as a serial run (docs/scale.md)")


def _outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH", help="write the KPIs as JSON (docs/metrics.md); '-' for stdout")
    p.add_argument("--csv", metavar="PATH",
                   help="write one row per KPI (group,key,kpi,mean,low,high,n) to PATH and the "
                        "per-interval series to PATH's stem + '-intervals.csv'")
    p.add_argument("--plot", metavar="PATH", help="write a plot (PNG, PDF or SVG, as PATH's extension says): "
                   "service level, contacts waiting and offered per interval and channel, occupancy by "
                   "tier (needs matplotlib)")
    p.add_argument("--html", metavar="PATH", help="write one self-contained HTML report (scenario, check, "
                   "KPI tables with intervals, the plot if matplotlib is installed, command and versions)")
    p.add_argument("--all", action="store_true", help="also show teams in the table")


def build_parser() -> argparse.ArgumentParser:
    from ._parse import (
        agents,
        alpha,
        clock,
        duration,
        fraction,
        positive_int,
        rate,
        rates_list,
        replications,
        seed,
        service_level,
    )

    parser = _Parser(prog=PROG, description="omniroute: routing engine of an omnichannel contact "
                     "centre; simulate scenarios, compare policies, size teams.",
                     epilog="Start with `omniroute demo`, then `omniroute scenarios retail_bank > my.toml`, "
                            "edit it, and `omniroute simulate my.toml --plot my.png`.")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("demo", help="simulate the bundled retail bank and print its KPIs",
                       description="Simulate the bundled scenario 'retail_bank' (voice, chat, email, "
                                   "premium customers; one weekday) and print its KPI table.",
                       epilog="examples: omniroute demo; omniroute demo -n 20 --plot demo.png")
    _common_run(p, "5")
    _outputs(p)

    p = sub.add_parser("simulate", help="simulate a scenario file and print its KPIs",
                       description="Simulate SCENARIO (a TOML file, or the name of a bundled scenario) "
                                   "and print its KPIs with 95% confidence intervals.",
                       epilog="examples: omniroute simulate retail_bank; omniroute simulate my.toml -n 30 "
                              "--seed 7 --json report.json --plot day.png; omniroute simulate my.toml "
                              "--agent-policy best-fit --processes 4; omniroute simulate my.toml -n 10000 "
                              "--scheduler tcp://10.0.0.5:8786 (a dask cluster, docs/scale.md)")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file (TOML, see docs/scenario-format.md) or the name of a bundled "
                        "scenario (`omniroute scenarios` lists them)")
    _common_run(p)
    _outputs(p)
    p.add_argument("--agent-policy", metavar="NAME", help="override [routing] agent (e.g. best-fit)")
    p.add_argument("--contact-policy", metavar="NAME", help="override [routing] contact (e.g. head-start)")

    p = sub.add_parser("compare", help="compare policies (or scenarios) with the same seeds",
                       description="Run every variant with the same seeds (common random numbers) "
                                   "and show the KPIs side by side (service, and fairness: agents' occupancy "
                                   "spread, the lowest priority's longest waits): mean [95% CI], '*' on the "
                                   "better value, the paired difference of the best and the runner-up with "
                                   "its simultaneous interval, and its paired t-test, p-values adjusted for "
                                   "the number of KPI rows (Holm). "
                                   "Variants: each SCENARIO x each --agent-policy x each --contact-policy "
                                   "x each --matching.",
                       epilog="examples: omniroute compare examples/small_centre.toml --contact-policy "
                              "priority-fifo --contact-policy fifo --plot cmp.png --html cmp.html; "
                              "omniroute compare before.toml after.toml -n 20; "
                              "omniroute compare before.toml after.toml -n 2000 --scheduler tcp://10.0.0.5:8786")
    p.add_argument("scenario", metavar="SCENARIO", nargs="+", help="a scenario file (TOML, see docs/scenario-format.md) or the name of a bundled "
                        "scenario (`omniroute scenarios` lists them)")
    p.add_argument("--agent-policy", metavar="NAME", action="append", default=[],
                   help="an agent policy to compare (repeat)")
    p.add_argument("--contact-policy", metavar="NAME", action="append", default=[],
                   help="a contact policy to compare (repeat)")
    p.add_argument("--matching", choices=("greedy", "joint"), action="append", default=[],
                   help="a [routing] matching to compare (repeat: --matching greedy --matching joint)")
    p.add_argument("--alpha", type=alpha, default=0.05,
                   help="family-wise significance level over the compared KPI rows (default 0.05)")
    p.add_argument("--correction", choices=("holm", "bonferroni", "none"), default="holm",
                   help="correction of the p-values for testing every KPI row at once (default holm; "
                        "none: each row at --alpha alone)")
    _common_run(p)
    p.add_argument("--json", metavar="PATH", help="write the comparison as JSON ('-' for stdout): the "
                   "compared rows with the paired differences, and each variant's KPIs")
    p.add_argument("--plot", metavar="PATH", help="write a plot (PNG, PDF or SVG, as PATH's extension says): "
                   "each KPI per variant with its 95%% interval, beside the paired difference (needs matplotlib)")
    p.add_argument("--html", metavar="PATH", help="write one self-contained HTML report (scenarios, check, the "
                   "paired comparison, the plot if matplotlib is installed, each variant's KPI tables, "
                   "command and versions)")

    p = sub.add_parser("staff", help="staffing per interval: Erlang C/A, or searched by simulating a scenario",
                       description="Agents needed for a service-level target. Erlang form (no SCENARIO): "
                                   "Erlang C (Erlang A with --patience) for one arrival rate or per interval "
                                   "of a day. Simulation form (SCENARIO): per interval, the fewest agents of "
                                   "one group (--group) that meet the targets in simulation, searched from "
                                   "the Erlang estimate with the same seeds for every plan "
                                   "(sim.staff_by_simulation; docs/cli.md).",
                       epilog="examples: omniroute staff --rate 200/h --handle 180s --sl 0.8/20s; "
                              "omniroute staff --volumes 12,40,95,160 --interval 30m --handle 4m "
                              "--sl 80%/20s --patience 3m --shrinkage 0.3 --start 08:00; "
                              "omniroute staff examples/small_centre.toml --group frontline -n 10; "
                              "omniroute staff my.toml --group frontline --sl 0.8/20s --interval 1h "
                              "-n 20 --processes 2 --json plan.json")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?",
                   help="simulation form: a scenario file (TOML) or the name of a bundled scenario")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--rate", type=rate, metavar="RATE",
                     help="arrivals: per hour, or '200/h', '100/30m', '4000/d'")
    src.add_argument("--rates", type=rates_list, metavar="R1,R2,...", help="arrivals per hour, one per interval")
    src.add_argument("--volumes", type=rates_list, metavar="V1,V2,...", help="contacts per interval")
    src.add_argument("--profile", metavar="FILE.csv",
                     help="CSV with a column 'volume' (contacts per interval) or 'per_hour'; "
                          "optional column 'start' (HH:MM)")
    p.add_argument("--handle", type=duration, metavar="DURATION",
                   help="Erlang form: mean handle time, e.g. 180s, 4m (required)")
    p.add_argument("--sl", type=service_level, metavar="TARGET/WITHIN",
                   help="service level target, e.g. 0.8/20s or 80%%/20s (simulation form: every queue "
                        "the group serves is held to it; default each queue's own sla)")
    p.add_argument("--asa", type=duration, metavar="DURATION", help="target mean wait of answered contacts")
    p.add_argument("--abandon", type=fraction, metavar="FRACTION", help="target abandon rate (needs --patience)")
    p.add_argument("--max-occupancy", type=fraction, metavar="FRACTION", help="occupancy cap, e.g. 0.85")
    p.add_argument("--patience", type=duration, metavar="DURATION", help="mean patience: Erlang A instead of C")
    p.add_argument("--shrinkage", type=fraction, default=0.0, metavar="FRACTION",
                   help="share of paid time not on contacts (scheduled = agents / (1 - shrinkage))")
    p.add_argument("--interval", type=duration, default=None, metavar="DURATION",
                   help="interval of --rates/--volumes/--profile (default 30m); simulation form: the "
                        "staffing interval, at most a day (default the scenario's interval)")
    p.add_argument("--start", type=clock, default=None, metavar="HH:MM", help="clock time of the first interval")
    p.add_argument("--agents", type=agents, metavar="N", help="with --rate: evaluate this many agents instead")
    p.add_argument("--group", metavar="TEAM",
                   help="simulation form: the agent group to size, by team or prefix (default the first)")
    p.add_argument("-n", "--replications", type=replications, metavar="N",
                   help="simulation form: replications per plan (default the scenario's)")
    p.add_argument("--seed", type=seed, default=None,
                   help="simulation form: root seed, an integer >= 0 (default 1); same seed, same plan")
    p.add_argument("--max-iterations", type=positive_int, default=30, metavar="N",
                   help="simulation form: plans simulated at most (default 30)")
    _where(p)
    p.add_argument("--json", metavar="PATH",
                   help="simulation form: write the result as JSON ('-' for stdout)")
    p.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")

    p = sub.add_parser("check", help="static checks of a scenario before running it",
                       description="Skills nobody has, contacts nobody can serve, unreachable steps, "
                                   "overflow cycles, capacity against the offered load. Exit status: 0 "
                                   "clean (warnings allowed), 1 problems found, 2 invalid file.",
                       epilog="examples: omniroute check my.toml; omniroute check retail_bank --strict")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file (TOML, see docs/scenario-format.md) or the name of a bundled "
                        "scenario (`omniroute scenarios` lists them)")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")

    p = sub.add_parser("scenarios", help="list the bundled scenarios, or print one (a template)",
                       description="Without NAME: list the bundled scenarios. With NAME: print its TOML, "
                                   "e.g. `omniroute scenarios retail_bank > my.toml`.",
                       epilog="examples: omniroute scenarios; omniroute scenarios retail_bank > my.toml")
    p.add_argument("name", nargs="?", metavar="NAME")

    p = sub.add_parser("calibrate", help="estimate a scenario from a per-call log (CSV)",
                       description="Estimate a scenario from LOG.csv, one row per call with the columns "
                                   "arrival, queue, wait, outcome (answered|abandoned), service_start, "
                                   "service_end, agent (optional: priority, wrap_up; see docs/calibrate.md): "
                                   "arrival rates per interval and weekday, handle time and patience per "
                                   "queue (fits chosen by AIC; patience from censored waits), agents per "
                                   "interval and their skills. Prints what was estimated; writes the "
                                   "scenario to --out only when everything succeeded.",
                       epilog="example: omniroute calibrate calls.csv --out my.toml --interval 30m; "
                              "then omniroute check my.toml; omniroute simulate my.toml")
    p.add_argument("log", metavar="LOG.csv")
    p.add_argument("--out", required=True, metavar="PATH", help="the scenario TOML to write")
    p.add_argument("--interval", type=duration, default=3600.0, metavar="DURATION",
                   help="width of the arrival and staffing profile, whole minutes dividing a day (default 1h)")
    p.add_argument("--profile", choices=("week", "day"), default="week",
                   help="a rate per interval of each weekday (default), or of every day alike")
    p.add_argument("--gap", type=duration, default=600.0, metavar="DURATION",
                   help="services of one agent less than this apart count as one stretch of presence "
                        "(default 10m)")
    p.add_argument("--handle", choices=("exponential", "lognormal", "gamma"),
                   help="handle-time family to write (default: the lowest AIC)")
    p.add_argument("--patience", choices=("exponential", "lognormal", "gamma", "none"),
                   help="patience family to write (default: the lowest AIC); none: nobody abandons")
    p.add_argument("--start-day", default="mon", metavar="DAY",
                   help="weekday of day 0 when the log's times are seconds (default mon)")
    p.add_argument("--contact-policy", default="priority-fifo", metavar="NAME",
                   help="the contact policy to write into [routing] (default priority-fifo)")
    p.add_argument("--name", metavar="NAME", help="the scenario's name")
    p.add_argument("--min-calls", type=positive_int, default=10, metavar="N",
                   help="a queue with fewer answered calls (or abandonments) takes the fit over all "
                        "queues (default 10)")

    p = sub.add_parser("replay", help="replay a journal bit for bit, or re-run its traffic under another policy",
                       description="Rebuild the router from JOURNAL (SQLite, or .jsonl) and check that every "
                                   "recorded decision is reproduced (exit 1 at the first divergence, which is "
                                   "printed). With --agent-policy/--contact-policy, also re-run the recorded "
                                   "traffic under that policy (the offline counterfactual) and compare per queue "
                                   "(see docs/live.md).",
                       epilog="example: omniroute replay day.sqlite --until 43200 --agent-policy best-fit")
    p.add_argument("journal", metavar="JOURNAL")
    p.add_argument("--until", type=duration, metavar="T", help="stop after the calls at time T (seconds or 8h...)")
    p.add_argument("--agent-policy", metavar="NAME", help="re-run under this agent policy (e.g. best-fit)")
    p.add_argument("--contact-policy", metavar="NAME", help="re-run under this contact policy (e.g. fifo)")
    return parser


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _report_scenario_error(exc: ScenarioError) -> None:
    where = f"{exc.source}: " if exc.source else ""
    probs = exc.problems
    if len(probs) == 1:
        _error(f"{where}{probs[0]}")
        return
    _error(f"{where}{len(probs)} problems:")
    for pr in probs:
        print(f"  {pr}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at the null device: the reader is gone, and Python's own flush at exit
    would otherwise print "Exception ignored ... BrokenPipeError" (what the Python docs advise
    for SIGPIPE)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file descriptor (an in-process capture): nothing to flush
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here rather than in the flush at exit
        return status
    except BrokenPipeError:  # `omniroute ... | head`: the reader has what it wanted
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code) if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not args.command:
        parser.print_help()
        return 2
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the command line reports show
    from . import commands

    try:
        return getattr(commands, args.command)(args)
    except BrokenPipeError:
        raise  # not an error of the command: main() ends quietly
    except ScenarioError as exc:
        _report_scenario_error(exc)
        return 2
    except OmnirouteError as exc:
        _error(str(exc))
        return 2
    except OSError as exc:
        name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _error(f"{name}{exc.strerror or exc}")
        return 2
    except commands.CommandError as exc:
        _error(str(exc))
        return exc.status
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
