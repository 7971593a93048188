"""A seeded mutation fuzzer of scenario files, run through the command line in-process.

The bundled ``retail_bank`` scenario is mutated a few hundred ways: every key deleted, every
key (and some array elements) given wrong types (tables and arrays where scalars belong),
negative, zero and huge values (1e15, 1e300, 10**15), empty and unknown strings; an unknown
key added to every table; broken TOML syntax, duplicated keys and headers, other encodings.
Each mutant goes through ``omniroute check`` and, when ``check`` accepts it, ``omniroute
simulate -n 1``.  Every case must end, within a hard time limit (SIGALRM), in exit status 0,
1 (``check`` found problems) or 2 (an error), never a traceback, and every error line must
name its path in the file (``demand[2].handle.mean: ...``) or, for a file that is not TOML
at all, its line.

The simulated mutants start from the bundled scenario with a one-hour horizon (the fuzzer
is about inputs, not long runs); the horizon key itself is mutated like every other key.

``python tests/sim/test_scenario_fuzz.py [--all]`` prints the figures (``--all``: every
value for every key, about three times as many mutants as the test runs).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomllib

from omniroute.cli import main
from omniroute.sim import bundled_scenario_path

SEED = 20240808
CASE_SECONDS = 20  # a case taking longer is a hang
SAMPLED_VALUES = 4  # per key, besides deletion (``--all``: every one of VALUES)

# the wrong values every key is tried with
VALUES: list[Any] = [
    {"x": 1}, [1, 2], [], -1, 0, 1e15, 1e300, 10**15, "", "bogus", True, -1e300, 0.5,
]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_PATH_LINE = re.compile(r"^(?:[A-Za-z_][\w-]*|\"[^\"]*\")(?:\[\d+\]|\.(?:[\w-]+|\"[^\"]*\"))*(?::\d+)?: ")


# --------------------------------------------------------------------------- TOML out
def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(v)


def dumps(data: dict[str, Any]) -> str:
    """TOML text of ``data``: scalars and inline values first, then [tables], then [[arrays]]."""
    head, tables, arrays = [], [], []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append(f"[{_key(k)}]\n" + "".join(f"{_key(a)} = {_value(b)}\n" for a, b in v.items()))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for x in v:
                arrays.append(f"[[{_key(k)}]]\n" + "".join(f"{_key(a)} = {_value(b)}\n" for a, b in x.items()))
        else:
            head.append(f"{_key(k)} = {_value(v)}\n")
    return "".join(head) + "\n" + "\n".join(tables + arrays)


# --------------------------------------------------------------------------- mutants
@dataclass
class Mutant:
    label: str
    data: bytes
    path: str | None = None  # the key path mutated (None: a whole-file mutation)
    deleted: bool = False
    value: Any = None


def _fmt_path(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            k = p if _BARE.match(p) else json.dumps(p)
            out += f".{k}" if out else k
    return out


def _walk(v: Any, parts: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(v, dict):
        for k, x in v.items():
            yield (*parts, k), x
            yield from _walk(x, (*parts, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            if isinstance(x, (dict, list)) or i < 2:  # two elements of a list of numbers suffice
                yield (*parts, i), x
                yield from _walk(x, (*parts, i))


def _tables(v: Any, parts: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(v, dict):
        yield parts
        for k, x in v.items():
            yield from _tables(x, (*parts, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _tables(x, (*parts, i))


def _edit(data: dict[str, Any], parts: tuple[Any, ...], value: Any = None, delete: bool = False) -> dict[str, Any]:
    out = json.loads(json.dumps(data))  # a deep copy (the data is JSON-like)
    node = out
    for p in parts[:-1]:
        node = node[p]
    if delete:
        del node[parts[-1]]
    elif isinstance(node, list) and parts[-1] == len(node):
        node.append(value)  # a new element at the end
    else:
        node[parts[-1]] = value
    return out


def base_text() -> str:
    """The bundled scenario with a one-hour horizon (so a simulated mutant runs in a blink)."""
    text = bundled_scenario_path("retail_bank").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^horizon = .*$', 'horizon = "1h"', text)
    return re.sub(r'(?m)^warmup = .*$', 'warmup = "10m"', text)


def _text_mutants(text: str) -> list[Mutant]:
    lines = text.splitlines(keepends=True)
    key_lines = [i for i, ln in enumerate(lines) if re.match(r"^\w+ = ", ln)]
    header = next(i for i, ln in enumerate(lines) if ln.startswith("[routing]"))
    out = [
        Mutant("empty file", b""),
        Mutant("only a comment", b"# nothing\n"),
        Mutant("binary garbage", bytes(range(256)) * 4),
        Mutant("latin-1 name", text.replace("Retail bank", "Caf\u00e9 bank").encode("latin-1")),
        Mutant("utf-16", text.encode("utf-16")),
        Mutant("utf-8 with BOM", text.encode("utf-8-sig")),
        Mutant("a stray 0xff byte", text.encode() + b"\nname2 = \"\xff\"\n"),
        Mutant("NUL byte", text.encode().replace(b"Retail", b"Ret\x00ail")),
        Mutant("duplicated [routing] header", "".join(lines + ["\n"] + lines[header:header + 3]).encode()),
        Mutant("unclosed string", text.replace('"Retail bank', '"Retail bank\n', 1).encode()),
        Mutant("unclosed bracket", text.replace("per_hour = [150", "per_hour = [[150", 1).encode()),
        Mutant("missing value", text.replace('warmup = "10m"', "warmup = ", 1).encode()),
        Mutant("double equals", text.replace('warmup = "10m"', 'warmup = = "10m"', 1).encode()),
        Mutant("unclosed table", text.replace("[routing]", "[routing", 1).encode()),
        Mutant("deep nesting", ("x = " + "[" * 5000 + "]" * 5000 + "\n" + text).encode()),
    ]
    for i in key_lines:
        out.append(Mutant(f"duplicated line {i + 1}", "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]).encode()))
    for cut in (0.25, 0.5, 0.75, 0.9):
        out.append(Mutant(f"truncated at {cut:.0%}", text.encode()[:int(len(text) * cut)]))
    return out


def mutants(every: bool = False) -> list[Mutant]:
    """The mutants, in a seeded order: the same list on every run."""
    rng = random.Random(SEED)
    text = base_text()
    data = tomllib.loads(text)
    out: list[Mutant] = []
    for parts, _old in _walk(data):
        path = _fmt_path(parts)
        out.append(Mutant(f"delete {path}", dumps(_edit(data, parts, delete=True)).encode(), path, True))
        values = VALUES if every else rng.sample(VALUES, SAMPLED_VALUES)
        for v in values:
            out.append(Mutant(f"{path} = {_value(v)}", dumps(_edit(data, parts, v)).encode(), path, value=v))
    for parts in _tables(data):
        p = (*parts, "unknown_key")
        out.append(Mutant(f"unknown key {_fmt_path(p)}", dumps(_edit(data, p, 1)).encode(), _fmt_path(p)))
    # keys the bundled scenario leaves out, added with every wrong value
    for parts, make in ADDED:
        values = VALUES if every else rng.sample(VALUES, SAMPLED_VALUES)
        for v in values:
            path = _fmt_path(parts)
            out.append(Mutant(f"added {path} = {_value(make(v))}", dumps(_edit(data, parts, make(v))).encode(),
                              path, value=make(v)))
    for label, parts, v in SPECIAL:
        out.append(Mutant(label, dumps(_edit(data, parts, v)).encode(), _fmt_path(parts), value=v))
    out.extend(_text_mutants(text))
    return out


# optional keys: (path, value built from a wrong value)
ADDED: list[tuple[tuple[Any, ...], Any]] = [
    (("busyness",), lambda v: {"cv": v}),
    (("drain",), lambda v: v),
    (("agents", 0, "max_total"), lambda v: v),
    (("agents", 2, "shifts"), lambda v: [{"start": "00:00", "end": "10:00", "days": v}]),
    (("demand", 0, "retrial", "max_attempts"), lambda v: v),
    (("demand", 1, "callback"), lambda v: {"after": v}),
    (("demand", 1, "transfer"), lambda v: {"probability": 0.2, "to": "general", "handle": {"dist": "gamma", "mean": 60, "cv": v}}),
    (("demand", 3, "channel"), lambda v: v),
    (("demand", 3, "needs"), lambda v: {"general": v}),
]

# single mutants the audit named
SPECIAL: list[tuple[str, tuple[Any, ...], Any]] = [
    ("empty skill name", ("queues", 0, "needs", ""), 1),
    ("blank skill name", ("agents", 0, "skills", " "), 2),
    ("start_day wedge", ("start_day",), "wedge"),
    ("unordered segment_steps", ("queues", 0, "segment_steps", "premium"),
     [{"after": "45s", "min_tier": 1}, {"after": "0s", "min_tier": 2}]),
    ("unordered steps", ("queues", 0, "steps"), [{"after": "1m", "max_tier": 2}, {"after": "30s"}]),
    ("busyness cv 1e300", ("busyness",), {"cv": 1e300}),
    ("lognormal cv 1e300", ("demand", 0, "handle", "cv"), 1e300),
    ("gamma cv 1e300", ("demand", 2, "handle", "cv"), 1e300),
    ("horizon 100000d", ("horizon",), "100000d"),
    ("per_hour 1e15", ("demand", 1, "arrivals", "per_hour"), 1e15),
    ("count 10**15", ("agents", 0, "count"), 10**15),
    ("replications 10**15", ("replications",), 10**15),
    ("max_attempts 10**15", ("demand", 0, "retrial", "max_attempts"), 10**15),
    ("one-second interval", ("interval",), "1s"),
    ("one-second profile", ("demand", 0, "arrivals", "interval"), 0.001),
    ("inline trace", ("demand", 4), {"records": [{"arrival": 10, "queue": "general", "handle": "1e300"}]}),
]


# --------------------------------------------------------------------------- running
class Hang(Exception):
    pass


def _alarm(_sig: int, _frame: Any) -> None:
    raise Hang


@dataclass
class Outcome:
    status: int | None
    out: str
    err: str
    seconds: float
    crash: str | None = None  # an exception escaping main(), or "hang"


def run_cli(argv: list[str], limit: float = CASE_SECONDS) -> Outcome:
    """``omniroute.cli.main(argv)`` with stdout/stderr captured and a hard time limit."""
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    status: int | None = None
    crash = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except Hang:
        crash = "hang"
    except BaseException as exc:  # noqa: BLE001 - anything escaping main() is the finding
        crash = f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return Outcome(status, out.getvalue(), err.getvalue(), time.perf_counter() - t0, crash)


def _error_lines(err: str) -> list[str]:
    """The problem lines of an ``omniroute: error:`` report, without the file name."""
    lines = err.splitlines()
    if not lines:
        return []
    first = lines[0].removeprefix("omniroute: error: ")
    m = re.match(r"^(.*?): (\d+) problems:$", first)
    if m:
        return [ln.strip() for ln in lines[1:]]
    return [first.split(": ", 1)[1] if ": " in first and first.split(": ", 1)[0].endswith(".toml") else first]


def _related(a: str, b: str) -> bool:
    """Whether one path is a prefix of the other (``queues[0]`` and ``queues[0].sla.target``)."""
    a, b = a.replace('"', ""), b.replace('"', "")
    short, long = sorted((a, b), key=len)
    return long == short or long.startswith(short + ".") or long.startswith(short + "[")


def failures_of(m: Mutant, outcomes: list[tuple[str, Outcome]]) -> list[str]:
    """What is wrong with the outcomes of one mutant (empty: all is well)."""
    bad = []
    for cmd, o in outcomes:
        where = f"{m.label} [{cmd}]"
        if o.crash:
            bad.append(f"{where}: {o.crash}")
            continue
        if "Traceback" in o.err or "Traceback" in o.out:
            bad.append(f"{where}: a traceback: {o.err[-300:]}")
        allowed = {0, 1, 2} if cmd == "check" else {0, 2}
        if o.status not in allowed:
            bad.append(f"{where}: exit status {o.status}: {o.err[-300:]}")
        if o.status != 2:
            continue
        lines = _error_lines(o.err)
        if not lines:
            bad.append(f"{where}: exit 2 without a message")
        for ln in lines:
            # a file that is not TOML at all has no key to name: its line instead
            whole_file = re.search(r"not valid TOML: .*\(at line \d+, (?:column \d+|the end of the file)\)|"
                                   r"not valid TOML: arrays or tables nested too deeply|not UTF-8 text|"
                                   r"cannot read scenario file", ln)
            if not whole_file and not _PATH_LINE.match(ln):
                bad.append(f"{where}: an error line without its path: {ln!r}")
        # a mutated key must be named: by the error's path, or in its message (a warm-up no
        # longer shorter than a mutated horizon is the warm-up's error, about the horizon);
        # a deleted key or a queue renamed to a well-formed name may break references elsewhere
        renamed = isinstance(m.value, str) and m.value.strip() != ""
        if m.path is not None and not m.deleted and not renamed:
            paths = [ln.split(": ", 1)[0].split(":")[0] for ln in lines if _PATH_LINE.match(ln)]
            key = re.sub(r"\[\d+\]$", "", m.path).rsplit(".", 1)[-1].strip('"')
            if not any(_related(p, m.path) for p in paths) and not any(key and key in ln for ln in lines):
                bad.append(f"{where}: no error names {m.path!r}: {lines}")
    return bad


def run_mutant(m: Mutant, tmp: Path) -> list[tuple[str, Outcome]]:
    f = tmp / "mutant.toml"
    f.write_bytes(m.data)
    outcomes = [("check", run_cli(["check", str(f)]))]
    if outcomes[0][1].status in (0, 1) and not outcomes[0][1].crash:
        outcomes.append(("simulate", run_cli(["simulate", str(f), "-n", "1", "-q"])))
    return outcomes


def test_fuzz_scenario_mutations(tmp_path: Path) -> None:
    ms = mutants()
    assert len(ms) > 300  # a few hundred ways, or the fuzzer lost its reach
    t0 = time.perf_counter()
    problems: list[str] = []
    statuses: dict[int | None, int] = {}
    for m in ms:
        outcomes = run_mutant(m, tmp_path)
        statuses[outcomes[0][1].status] = statuses.get(outcomes[0][1].status, 0) + 1
        problems += failures_of(m, outcomes)
    assert not problems, f"{len(problems)} failures:\n" + "\n".join(problems[:40])
    # each kind of outcome occurs: errors, problems found, clean runs
    assert statuses.get(2, 0) > 100 and statuses.get(0, 0) > 20, statuses
    assert time.perf_counter() - t0 < 120


def test_the_mutants_are_the_same_on_every_run() -> None:
    a, b = mutants(), mutants()
    assert [m.label for m in a] == [m.label for m in b]
    assert len({m.label for m in a}) == len(a)
    # the unmutated base is a valid scenario: the mutants test what they change
    assert tomllib.loads(dumps(tomllib.loads(base_text()))) == tomllib.loads(base_text())


@pytest.mark.parametrize("text", [b"", b"name = 1\n", b"[[queues]]\nname = 'q'\n"])
def test_the_checker_of_error_lines_catches_a_bad_line(text: bytes) -> None:
    # a report without a path must be flagged: the fuzzer's own assertion can fail
    m = Mutant("synthetic", text, "horizon")
    o = Outcome(2, "", "omniroute: error: x.toml: something went wrong\n", 0.0)
    assert failures_of(m, [("check", o)])
    ok = Outcome(2, "", "omniroute: error: x.toml: horizon: 'x' is not a duration\n", 0.0)
    assert not failures_of(m, [("check", ok)])


def _report(every: bool) -> None:  # pragma: no cover - a manual tool
    import tempfile

    ms = mutants(every)
    counts = {"mutants": len(ms), "errors (exit 2)": 0, "problems (exit 1)": 0, "clean (exit 0)": 0,
              "simulated": 0, "tracebacks": 0, "hangs": 0, "other failures": 0}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        for m in ms:
            outs = run_mutant(m, Path(d))
            st = outs[0][1].status
            counts[{2: "errors (exit 2)", 1: "problems (exit 1)", 0: "clean (exit 0)"}.get(st, "other failures")] += 0 if outs[0][1].crash else 1
            counts["simulated"] += len(outs) - 1
            for cmd, o in outs:
                if o.crash == "hang":
                    counts["hangs"] += 1
                    print(f"HANG  {m.label} [{cmd}]")
                elif o.crash or "Traceback" in o.err:
                    counts["tracebacks"] += 1
                    print(f"CRASH {m.label} [{cmd}]: {(o.crash or o.err.splitlines()[-1])[:200]}")
            for f in failures_of(m, outs):
                if "hang" not in f and "Error" not in f.split(":", 2)[-1][:40]:
                    counts["other failures"] += 1
                    print(f"FAIL  {f[:300]}")
    print(counts, f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":  # pragma: no cover
    _report("--all" in sys.argv)
