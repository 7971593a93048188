"""The commands of ``omniroute``: each takes the parsed arguments and returns an exit status."""

from __future__ import annotations

import argparse
import csv
import errno
import io
import itertools
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from .. import reports
from ..errors import ValidationError
from ..policies import agent_policy, contact_policy
from ..queues import ServiceLevel

__all__ = ["CommandError", "demo", "simulate", "compare", "staff", "check", "scenarios", "calibrate", "replay"]


class CommandError(Exception):
    """A command cannot go on: print the message, exit with ``status``."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def _note(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr)


def _show_progress(args: argparse.Namespace) -> bool:
    if getattr(args, "quiet", False):
        return False
    if getattr(args, "progress", None):
        return True
    return sys.stderr.isatty()


def _load(name: str) -> Any:
    from ..sim import load_scenario

    return load_scenario(name)


def _with_policies(sc: Any, agent: str | None, contact: str | None) -> Any:
    from ..sim.compare import with_policies

    return with_policies(sc, agent, contact)  # a bad name: ValidationError, exit 2 with the allowed names


def _with_matching(sc: Any, matching: str) -> Any:
    import attrs

    try:
        return attrs.evolve(sc, routing=attrs.evolve(sc.routing, matching=matching))
    except ValidationError as exc:  # joint with a random or preferred-agent policy
        raise CommandError(f"compare: --matching {matching}: {exc}") from None


def _writable(path: str | Path, option: str) -> None:
    """Refuse, before a run, an output file that could not be written when the run ends.

    The file is opened for appending as the run's writer would (created if missing, and
    then removed again), non-blocking so that a named pipe nobody reads is refused instead
    of waiting for a reader.
    """
    p = Path(path)
    if p.is_dir():
        raise CommandError(f"{option} {path}: is a directory; give a file name")
    existed = os.path.lexists(p)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NONBLOCK", 0), 0o666)
    except OSError as exc:
        why = ("no process reads this named pipe" if exc.errno == errno.ENXIO
               else exc.strerror or str(exc))
        raise CommandError(f"{option} {path}: cannot be written: {why}") from None
    os.close(fd)
    if not existed:
        p.unlink(missing_ok=True)


def _check_outputs(args: argparse.Namespace) -> None:
    """Everything a run will need to write its reports, checked before it starts (a long run
    must not be lost to a typo in a path): the files, the plot's format, matplotlib."""
    if getattr(args, "json", None) and args.json != "-":
        _writable(args.json, "--json")
    if getattr(args, "csv", None):
        p = Path(args.csv)
        _writable(p, "--csv")
        _writable(p.with_name(p.stem + "-intervals.csv"), "--csv")
    if getattr(args, "html", None):
        _writable(args.html, "--html")
    if getattr(args, "plot", None):
        from ..reports.plots import PlotError, plot_format, require_matplotlib

        try:
            plot_format(args.plot)
            require_matplotlib()
        except PlotError as exc:
            raise CommandError(f"--plot: {exc}") from None
        _writable(args.plot, "--plot")


def _command_line(args: argparse.Namespace) -> str:
    """The command that ran, as a shell would take it (shown in the HTML reports)."""
    import shlex

    return shlex.join(["omniroute", *getattr(args, "argv", sys.argv[1:])])


def _write_outputs(args: argparse.Namespace, summary: Any, sc: Any) -> None:
    if args.json and args.json != "-":
        Path(args.json).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
        _note(args, f"wrote {args.json}")
    if args.csv:
        p = Path(args.csv)
        reports.write_kpis(summary, p)
        ip = p.with_name(p.stem + "-intervals.csv")
        reports.write_intervals(summary, ip)
        _note(args, f"wrote {p} and {ip}")
    if args.plot:
        from ..reports.plots import PlotError

        try:
            reports.plot_report(summary, args.plot, scenario=sc)
        except PlotError as exc:  # checked before the run: only if matplotlib changed meanwhile
            raise CommandError(f"--plot: {exc}") from None
        _note(args, f"wrote {args.plot}")
    if getattr(args, "html", None):
        reports.write_html(args.html, summary, sc, command=_command_line(args))
        _note(args, f"wrote {args.html}")


def _run_and_report(args: argparse.Namespace, sc: Any, replications: int | None) -> int:
    _check_outputs(args)
    from ._cluster import executor

    with executor(args.scheduler) as client:
        summary = reports.replicate(sc, replications, args.seed, show=_show_progress(args),
                                    processes=args.processes, executor=client)
    if args.json == "-":
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        groups = ("queues", "channels", "segments", "tiers") + (("teams",) if args.all else ())
        print(reports.kpi_table(summary, groups=groups, scenario=sc))
    _write_outputs(args, summary, sc)
    return 0


def demo(args: argparse.Namespace) -> int:
    """Simulate the bundled retail bank (5 replications unless told) and print the KPIs."""
    sc = _load("retail_bank")
    return _run_and_report(args, sc, args.replications or 5)


#: check's findings that make a simulation meaningless, whatever the clock: said before it runs
_STRUCTURAL = ("skill", "overflow-cycle", "unservable", "unreachable-step")


def _forewarn(name: str, sc: Any) -> None:
    """Print check's structural problems (a skill nobody has, contacts nobody may serve...)
    as warnings before a run, which would otherwise show ``answered 0`` after a long drain."""
    from .check import check_scenario

    for f in check_scenario(sc).problems:
        if f.kind in _STRUCTURAL:
            print(f"omniroute: warning: {name}: {f.message} (see `omniroute check`)", file=sys.stderr)
    if sum(g.count or 0 for g in sc.agents) == 0:
        print(f"omniroute: warning: {name}: the scenario has no agents: nothing will be answered",
              file=sys.stderr)


def simulate(args: argparse.Namespace) -> int:
    sc = _with_policies(_load(args.scenario), args.agent_policy, args.contact_policy)
    _forewarn(args.scenario, sc)
    return _run_and_report(args, sc, args.replications)


def _policy_name(x: Any) -> str:
    return x if isinstance(x, str) else getattr(x, "name", repr(x))


def _variants(args: argparse.Namespace) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """(path, scenario) of each SCENARIO, and the variants by name: every scenario x every
    --agent-policy x every --contact-policy x every --matching.  A policy, a matching or a
    scenario given twice is refused."""
    for option, given in (("--agent-policy", args.agent_policy), ("--contact-policy", args.contact_policy),
                          ("--matching", args.matching)):
        twice = [p for p in dict.fromkeys(given) if given.count(p) > 1]
        if twice:
            raise CommandError(f"compare: {option} {twice[0]} is given twice: give each variant once")
    twice = [p for p in dict.fromkeys(args.scenario) if args.scenario.count(p) > 1]
    if twice:
        raise CommandError(f"compare: scenario {twice[0]} is given twice: give each variant once")
    scs = [(name, _load(name)) for name in args.scenario]
    stems = [Path(p).stem for p, _ in scs]
    label = {p: (Path(p).stem if stems.count(Path(p).stem) == 1 else p) for p, _ in scs}
    agents = args.agent_policy or [None]
    contacts = args.contact_policy or [None]
    matchings = args.matching or [None]
    variants: dict[str, Any] = {}
    for (path, sc), a, c, m in itertools.product(scs, agents, contacts, matchings):
        v = _with_policies(sc, a, c)
        if m is not None:
            v = _with_matching(v, m)
        parts = []
        if len(scs) > 1:
            parts.append(label[path])
        if len(agents) > 1 or a is not None:
            parts.append(_policy_name(v.routing.agent))
        if len(contacts) > 1 or c is not None:
            parts.append(_policy_name(v.routing.contact))
        if m is not None:
            parts.append(m)
        variants[" / ".join(parts) or label[path]] = v
    return scs, variants


def compare(args: argparse.Namespace) -> int:
    from ..sim.compare import compare_variants

    scs, variants = _variants(args)
    if len(variants) < 2:
        raise CommandError("compare needs at least two variants: give two scenarios, or repeat "
                           "--agent-policy / --contact-policy (e.g. --agent-policy longest-idle "
                           "--agent-policy best-fit)")
    reps = args.replications or scs[0][1].replications
    if reps < 2:
        raise CommandError("compare needs at least 2 replications for its confidence intervals "
                           f"and t-tests (got {reps})")
    _check_outputs(args)
    from ._cluster import executor

    with executor(args.scheduler) as client:
        def runner(name: str, v: Any, reps: int, seed: int) -> Any:
            return reports.replicate(v, reps, seed, show=_show_progress(args), processes=args.processes,
                                     desc=name, executor=client)

        cmp = compare_variants(variants, reps, args.seed, alpha=args.alpha, correction=args.correction,
                               runner=runner)
    names, summaries, rows = list(cmp.names), cmp.summaries, cmp.rows
    title = ", ".join(dict.fromkeys(s.name for s in variants.values()))
    if args.json:
        data = {"title": title, "scenarios": [p for p, _ in scs], **cmp.to_dict()}
        text = json.dumps(data, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
            _note(args, f"wrote {args.json}")
    if args.json != "-":
        print(f"{title}: {reps} replications per variant, seed {args.seed}, same customers in every variant")
        print(reports.comparison_legend(rows))
        print()
        print(reports.comparison_table(names, rows))
    if args.plot:
        reports.plot_comparison(names, rows, args.plot, title=title)
        _note(args, f"wrote {args.plot}")
    if args.html:
        reports.write_comparison_html(args.html, names, summaries, list(variants.values()), rows, title=title,
                                      command=_command_line(args))
        _note(args, f"wrote {args.html}")
    return 0


def _read_profile(path: str) -> tuple[list[float], str, float | None]:
    """(values, 'volume'|'per_hour', first start in seconds or None) from a CSV file."""
    from ..sim.limits import MAX_FILE_BYTES
    from ..sim.loader import parse_clock, read_regular_file

    try:
        raw = read_regular_file(Path(path), MAX_FILE_BYTES, "profile")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    except OSError as exc:
        raise CommandError(f"--profile {path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"--profile {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (ValueError, csv.Error) as exc:
        raise CommandError(f"--profile {path}: {exc}") from None
    if not rows:
        raise CommandError(f"{path}: no rows (need a header with 'volume' or 'per_hour')")
    cols = {c.strip().lower(): c for c in rows[0] if c}
    kind = "volume" if "volume" in cols else "per_hour" if "per_hour" in cols else None
    if kind is None:
        raise CommandError(f"{path}: needs a column 'volume' (contacts per interval) or 'per_hour'; "
                           f"found {sorted(cols)}")
    vals = []
    for i, r in enumerate(rows):
        text = (r.get(cols[kind]) or "").strip()
        try:
            v = float(text)
        except ValueError:
            raise CommandError(f"{path}:{i + 2}: {kind} {text!r} is not a number") from None
        if not 0 <= v < math.inf:
            raise CommandError(f"{path}:{i + 2}: {kind} {text!r} must be a number >= 0")
        vals.append(v)
    start = None
    if "start" in cols and (rows[0].get(cols["start"]) or "").strip():
        s = rows[0][cols["start"]].strip()
        try:
            start = parse_clock(s)
        except ValueError:
            raise CommandError(f"{path}:2: start {s!r} is not a clock time (use HH:MM)") from None
    return vals, kind, start


def _hhmm(t: float) -> str:
    t = t % 86400
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


#: The largest offered load ``staff`` sizes (Erlangs: arrivals x handle time): about a million
#: agents, far beyond any contact centre, still quick for the Erlang formulas.
MAX_LOAD = 1_000_000.0
#: Intervals of a ``staff`` profile (``--rates``, ``--volumes``, ``--profile``): a year of
#: 5-minute intervals.
MAX_PROFILE = 105_408


def _staff_load(lam: float, h: float, where: str) -> None:
    if lam * h > MAX_LOAD:
        raise CommandError(f"{where}: {lam * 3600:g} contacts/h x {h:g} s is {lam * h:,.0f} Erlangs; "
                           f"staff sizes loads up to {MAX_LOAD:,.0f} Erlangs")


def staff(args: argparse.Namespace) -> int:
    """Erlang C/A staffing, or with a SCENARIO the simulation-based search (``staff_sim``);
    every line is computed before the first is printed, so a value the formulas refuse ends
    in one error, not in half a table."""
    from .staff_sim import check_form, staff_by_simulation

    if check_form(args) == "simulation":
        return staff_by_simulation(args)
    from .. import analytics
    from ..sim.limits import MAX_PER_HOUR

    sl = ServiceLevel(*args.sl) if args.sl else None
    if sl is None and args.asa is None and args.abandon is None and args.max_occupancy is None \
            and args.agents is None:
        sl = ServiceLevel(0.8, 20.0)
    if args.abandon is not None and args.patience is None:
        raise CommandError("--abandon needs --patience (the mean patience, for Erlang A)")
    h = args.handle
    if h <= 0:
        raise CommandError("--handle must be > 0")
    targets = dict(target=sl, asa=args.asa, abandon=args.abandon, max_occupancy=args.max_occupancy,
                   patience=args.patience)
    model = "Erlang A" if args.patience else "Erlang C"
    goal = []
    if sl is not None:
        goal.append(f"{sl.target:.0%} answered within {sl.within:g} s")
    if args.asa is not None:
        goal.append(f"ASA <= {args.asa:g} s")
    if args.abandon is not None:
        goal.append(f"abandon <= {args.abandon:.1%}")
    if args.max_occupancy is not None:
        goal.append(f"occupancy <= {args.max_occupancy:.0%}")
    lines: list[str] = []
    try:
        if args.rate is not None:
            lam = args.rate / 3600.0
            if lam <= 0:
                raise CommandError("--rate must be > 0")
            _staff_load(lam, h, "--rate and --handle")
            lines += _staff_rate(args, analytics, lam, h, sl, targets, model, goal)
        else:
            interval = args.interval if args.interval is not None else 1800.0
            if interval <= 0:
                raise CommandError("--interval must be > 0")
            start = args.start
            if args.profile:
                vals, kind, fstart = _read_profile(args.profile)
                rates = [v / interval if kind == "volume" else v / 3600.0 for v in vals]
                if start is None:
                    start = fstart
            elif args.volumes is not None:
                rates = [v / interval for v in args.volumes]
            else:
                rates = [v / 3600.0 for v in args.rates]
            if len(rates) > MAX_PROFILE:
                raise CommandError(f"the profile has {len(rates):,} intervals; staff takes at most {MAX_PROFILE:,}")
            for i, r in enumerate(rates):
                if r * 3600 > MAX_PER_HOUR:
                    raise CommandError(f"interval {i + 1} of the profile: {r * 3600:g} contacts/h; at most "
                                       f"{MAX_PER_HOUR:,.0f} per hour are allowed")
                _staff_load(r, h, f"interval {i + 1} of the profile")
            lines += _staff_profile(args, analytics, rates, h, start or 0.0, interval, targets, model, goal)
    except ValueError as exc:  # a target the Erlang formulas cannot meet or compute
        raise CommandError(str(exc)) from None
    print("\n".join(lines))
    return 0


def _staff_rate(args: argparse.Namespace, analytics: Any, lam: float, h: float, sl: Any,
                targets: dict[str, Any], model: str, goal: list[str]) -> list[str]:
    lines = []
    load = lam * h
    if args.agents is not None:
        n = args.agents
        lines.append(f"{args.rate:g} contacts/h x {h:g} s = {load:.2f} Erlangs; {n} agents ({model})")
    else:
        n = analytics.staff(lam, h, shrinkage=args.shrinkage, **targets)
        n_needed = analytics.staff(lam, h, **targets)
        lines.append(f"{args.rate:g} contacts/h x {h:g} s = {load:.2f} Erlangs; {model}; "
                     f"target: {', '.join(goal)}")
        lines.append(f"agents needed: {n_needed}" + (f"; to schedule with {args.shrinkage:.0%} shrinkage: {n}"
                                                     if args.shrinkage else ""))
        if sl is not None:
            lines.append(f"square-root rule: {analytics.square_root_staffing(lam, h, sl)}")
        n = n_needed
    lines.append("")
    rows = []
    within = sl.within if sl is not None else 20.0
    for k in range(max(1, n - 2), n + 4):
        r = (analytics.erlang_a(lam, h, k, args.patience) if args.patience
             else analytics.erlang_c(lam, h, k))
        stable = getattr(r, "stable", True)
        rows.append([str(k) + (" <" if k == n else ""),
                     f"{r.p_wait:.1%}" if stable else "100%",
                     f"{r.service_level(within):.1%}" if stable else "0%",
                     f"{r.asa:.1f}" if stable else "inf",
                     f"{getattr(r, 'p_abandon', 0.0):.1%}",
                     f"{r.occupancy:.1%}"])
    lines.append(reports.render(["agents", "P(wait)", f"SL {within:g}s", "ASA (s)", "abandon", "occupancy"],
                                rows))
    return lines


def _staff_profile(args: argparse.Namespace, analytics: Any, rates: list[float], h: float, start: float,
                   interval: float, targets: dict[str, Any], model: str, goal: list[str]) -> list[str]:
    rows = analytics.staffing_table(rates, h, start=start, interval=interval, shrinkage=args.shrinkage,
                                    **targets)
    out = []
    for r in rows:
        def f(x: Any, fmt: str) -> str:
            return "-" if x is None else format(x, fmt)
        out.append([_hhmm(r.start), f"{r.volume:.0f}", f"{r.load:.2f}", str(r.agents), str(r.scheduled),
                    "-" if r.sqrt_agents is None else str(r.sqrt_agents),
                    f(r.service_level, ".1%"), f(r.asa, ".1f"), f(r.p_abandon, ".1%"), f(r.occupancy, ".1%")])
    total = sum(r.scheduled for r in rows) * interval / 3600.0
    return [f"{model}; handle {h:g} s; target: {', '.join(goal)}; shrinkage {args.shrinkage:.0%}", "",
            reports.render(["start", "volume", "load", "agents", "scheduled", "sqrt rule", "SL", "ASA (s)",
                            "abandon", "occupancy"], out),
            "", f"scheduled agent-hours: {total:.1f}"]


def check(args: argparse.Namespace) -> int:
    from .check import check_scenario, format_check

    sc = _load(args.scenario)
    res = check_scenario(sc)
    print(format_check(sc, res, source=args.scenario))
    if res.problems or (args.strict and res.warnings):
        return 1
    return 0


def scenarios(args: argparse.Namespace) -> int:
    from ..sim import bundled_scenario_path, bundled_scenarios

    if args.name is None:
        for name in bundled_scenarios():
            print(name)
        return 0
    sys.stdout.write(bundled_scenario_path(args.name).read_text(encoding="utf-8"))
    return 0


def calibrate(args: argparse.Namespace) -> int:
    """Estimate a scenario from a call log; print the summary; write the TOML last, whole."""
    from ..sim import calibrate as run_calibration

    contact_policy(args.contact_policy)  # a bad name: exit 2 with the allowed names, before the work
    _writable(args.out, "--out")
    cal = run_calibration(args.log, interval=args.interval, profile=args.profile, gap=args.gap,
                          handle=args.handle, patience=args.patience, start_day=args.start_day,
                          name=args.name, contact=args.contact_policy, min_calls=args.min_calls)
    print(cal.summary())
    cal.write(args.out)
    print(f"\nwrote {args.out}: check it with `omniroute check {args.out}`")
    return 0


def replay(args: argparse.Namespace) -> int:
    """Replay a journal bit for bit; with a policy, re-run its traffic under it and compare."""
    from ..counterfactual import rerun
    from ..journal import replay as replay_journal

    ap = agent_policy(args.agent_policy) if args.agent_policy else None  # bad names: exit 2, before the work
    cp = contact_policy(args.contact_policy) if args.contact_policy else None
    res = replay_journal(args.journal, until=args.until)
    upto = f" up to t={args.until:g}" if args.until is not None else ""
    if res.divergence is None:
        print(f"{args.journal}: replayed {res.calls} calls{upto}: every decision reproduced")
    else:
        print(f"{args.journal}: first divergence after {res.calls - 1} matching calls{upto}: {res.divergence}")
    if ap is not None or cp is not None:
        base = rerun(args.journal, until=args.until)
        cf = rerun(args.journal, agent_policy=ap, contact_policy=cp, until=args.until)
        print()
        print(cf.format(baseline=base))
    return 0 if res.divergence is None else 1
