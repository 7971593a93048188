"""``omniroute staff SCENARIO --group TEAM``: :func:`omniroute.sim.staff_by_simulation` from
the command line, printed as a table (interval on the scenario's wall clock, Erlang estimate,
agents found by simulation, service level with its 95% interval, target) with the search's
convergence, or written as JSON."""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

__all__ = ["check_form", "staff_by_simulation"]

#: Options of the Erlang form only, and of the simulation form only (dest, option).
_ERLANG = (("rate", "--rate"), ("rates", "--rates"), ("volumes", "--volumes"), ("profile", "--profile"),
           ("handle", "--handle"), ("asa", "--asa"), ("abandon", "--abandon"),
           ("max_occupancy", "--max-occupancy"), ("patience", "--patience"), ("start", "--start"),
           ("agents", "--agents"))
_SIMULATION = (("group", "--group"), ("replications", "-n/--replications"), ("seed", "--seed"),
               ("processes", "--processes"), ("scheduler", "--scheduler"), ("json", "--json"))


def check_form(args: argparse.Namespace) -> str:
    """``"erlang"`` or ``"simulation"``, or a CommandError naming the option that belongs to
    the other form (or what is missing)."""
    from .commands import CommandError

    if args.scenario is not None:
        bad = [opt for dest, opt in _ERLANG if getattr(args, dest) is not None]
        if args.shrinkage:
            bad.append("--shrinkage")
        if bad:
            raise CommandError(f"{', '.join(bad)}: Erlang-form options; with a SCENARIO the demand, "
                               "handle times and patience come from the scenario (drop them, or drop "
                               "SCENARIO for the Erlang form)")
        return "simulation"
    bad = [opt for dest, opt in _SIMULATION if getattr(args, dest) is not None]
    if args.max_iterations != 30:
        bad.append("--max-iterations")
    if bad:
        raise CommandError(f"{', '.join(bad)}: simulation-form options; give a SCENARIO "
                           "(e.g. omniroute staff my.toml --group frontline)")
    if all(getattr(args, d) is None for d in ("rate", "rates", "volumes", "profile")):
        raise CommandError("staff needs a SCENARIO (simulation form) or one of --rate, --rates, "
                           "--volumes, --profile (Erlang form); see omniroute staff --help")
    if args.handle is None:
        raise CommandError("the Erlang form needs --handle (the mean handle time, e.g. 180s)")
    return "erlang"


def _group(sc: Any, name: str | None) -> str | None:
    from .commands import CommandError

    if name is None:
        return None
    names = list(dict.fromkeys(x for g in sc.agents for x in (g.team, g.prefix) if x))
    if name not in names:
        raise CommandError(f"--group {name!r}: the scenario has no agent group with that team or "
                           f"prefix; groups: {', '.join(names) or 'none'}")
    return name


def staff_by_simulation(args: argparse.Namespace) -> int:
    """Run the search and print (or write) its table."""
    from .. import reports, sim
    from ..queues import ServiceLevel
    from ._cluster import executor
    from .commands import _check_outputs, _load, _note

    sc = _load(args.scenario)
    group = _group(sc, args.group)
    target = ServiceLevel(*args.sl) if args.sl else None
    seed = 1 if args.seed is None else args.seed
    _check_outputs(args)
    with ExitStack() as stack:
        ex = stack.enter_context(executor(args.scheduler))
        if ex is None and args.processes and args.processes > 1:
            ex = stack.enter_context(ProcessPoolExecutor(args.processes))
        res = sim.staff_by_simulation(sc, target, group=group, interval=args.interval,
                                      replications=args.replications, seed=seed,
                                      max_iterations=args.max_iterations, executor=ex)
    data = res.to_dict()
    for row, r in zip(data["table"], res.table, strict=True):
        row["label"] = sc.clock.span(r.start, r.end)
    if args.json == "-":  # the JSON alone on stdout, for a pipe
        print(json.dumps(data, indent=2))
        return 0
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        _note(args, f"wrote {args.json}")
    print("\n".join(_lines(sc, res, reports)))
    return 0


def _lines(sc: Any, res: Any, reports: Any) -> list[str]:
    model = {"erlang_a": "Erlang A", "erlang_c": "Erlang C"}.get(res.model, res.model)
    goals = ", ".join(f"{q} {t.target:.0%} within {t.within:g} s" for q, t in res.targets.items())
    rows = []
    for r in res.table:
        note = "" if r.adjusted else "warm-up: Erlang"
        rows.append([sc.clock.span(r.start, r.end), f"{r.load:.2f}", str(r.erlang_agents),
                     str(r.simulated_agents),
                     reports.format_cell("service_level", r.service_level, style="interval"),
                     f"{r.target:.0%}", ("yes" if r.met else "NO") + (f" ({note})" if note else "")])
    hours = res.interval / 3600.0
    erl = sum(res.erlang_agents) * hours
    simd = sum(res.simulated_agents) * hours
    if res.converged:
        conv = (f"converged after {res.iterations} simulated plans: every target met, no interval "
                "can go lower")
    elif res.met:
        conv = (f"not converged: stopped after {res.iterations} plans (--max-iterations); every target "
                "is met but some intervals might go lower")
    else:
        conv = (f"not converged: stopped after {res.iterations} plans (--max-iterations) with targets "
                "missed; raise --max-iterations")
    return [
        f"{res.name}: group {res.group!r}, serving {', '.join(res.queues)}; targets: {goals}",
        f"{res.replications} replications per plan, seed {res.seed}, the same customers in every "
        f"plan; start: {model} per interval",
        "",
        reports.render(["interval", "load", "Erlang", "agents", "service level [95% CI]", "target", "met"],
                       rows),
        "",
        f"agent-hours: {simd:.1f} by simulation, {erl:.1f} by {model}",
        conv,
    ]
