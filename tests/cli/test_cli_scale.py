"""Issue 12 from the command line: ``--scheduler ADDRESS`` (a dask cluster), the streamed
``-n``, and ``omniroute staff SCENARIO`` (the simulation-based staffing search)."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from omniroute.cli import main

TINY = """\
name = "Tiny"
horizon = "2h"
interval = "1h"
replications = 3
queues = [ { name = "q", sla = { target = 0.8, within = "20s" } } ]
agents = [ { team = "pool", count = 3, skills = { general = 1 } },
           { team = "backup", count = 1, skills = { other = 1 } } ]
[[demand]]
queue = "q"
needs = { general = 1 }
arrivals = { per_hour = [40, 90], interval = "1h" }
handle = { dist = "exponential", mean = "3m" }
patience = { dist = "exponential", mean = "4m" }
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.toml"
    p.write_text(TINY, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a local dask cluster (one in-process worker, over TCP)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_scheduler_gives_the_serial_numbers(tiny, scheduler, capsys):
    args = ["simulate", str(tiny), "-n", "4", "--seed", "3", "-q", "--json", "-"]
    serial = _json(capsys, args)
    assert _json(capsys, [*args, "--scheduler", scheduler]) == serial
    assert _json(capsys, [*args, "--processes", "2"]) == serial
    cmp = ["compare", str(tiny), "--agent-policy", "longest-idle", "--agent-policy", "fewest-handled",
           "-n", "3", "-q", "--json", "-"]
    assert _json(capsys, [*cmp, "--scheduler", scheduler]) == _json(capsys, cmp)


def test_staff_on_the_cluster_finds_the_serial_plan(tiny, scheduler, capsys):
    args = ["staff", str(tiny), "--group", "pool", "-n", "2", "--json", "-"]
    assert _json(capsys, [*args, "--scheduler", scheduler]) == _json(capsys, args)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_scheduler_is_refused_and_nothing_written(tiny, tmp_path, capsys):
    out = tmp_path / "out.json"
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert main(["simulate", str(tiny), "-n", "2", "--json", str(out), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert f"--scheduler {address}: cannot reach a dask scheduler there" in err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.parametrize("address", ["localhost", "tcp://host:99999", "foo://h:1", "h:p"])
def test_a_malformed_address_is_a_usage_error(tiny, address, capsys):
    assert main(["simulate", str(tiny), "--scheduler", address]) == 2
    assert "is not a dask scheduler address (use HOST:PORT or tcp://HOST:PORT" in capsys.readouterr().err


def test_scheduler_and_processes_exclude_each_other(tiny, capsys):
    for cmd in (["simulate", str(tiny)], ["compare", str(tiny), str(tiny)], ["staff", str(tiny)]):
        assert main([*cmd, "--processes", "2", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
        assert "argument --scheduler: not allowed with argument --processes" in capsys.readouterr().err


def test_without_dask_the_scheduler_is_refused_before_running(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    out = tmp_path / "out.json"
    assert main(["simulate", str(tiny), "--json", str(out), "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "--scheduler needs dask.distributed, which is not installed: pip install 'omniroute[dask]'" \
        in capsys.readouterr().err
    assert not out.exists()


def test_replications_beyond_the_former_limit_are_accepted(tiny, monkeypatch, capsys):
    from omniroute import reports

    seen = {}

    def fake(sc, n, seed, **kw):  # the number reaches the run; nothing is simulated
        seen["n"] = n
        raise KeyboardInterrupt

    monkeypatch.setattr(reports, "replicate", fake)
    assert main(["simulate", str(tiny), "-n", "250000", "-q"]) == 130
    assert seen["n"] == 250_000
    assert main(["simulate", str(tiny), "-n", "1000001"]) == 2
    assert "use an integer from 1 to 1,000,000" in capsys.readouterr().err


# ------------------------------------------------------------------------ staff SCENARIO

def test_staff_by_simulation_prints_a_table_on_the_wall_clock(tiny, tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["staff", str(tiny), "--group", "pool", "-n", "2", "--seed", "4", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Tiny: group 'pool', serving q; targets: q 80% within 20 s" in text
    assert "2 replications per plan, seed 4" in text and "start: Erlang A per interval" in text
    header = next(line for line in text.splitlines() if line.startswith("interval"))
    assert header.split() == ["interval", "load", "Erlang", "agents", "service", "level", "[95%",
                              "CI]", "target", "met"]
    assert "Mon 00:00-01:00" in text and "Mon 01:00-02:00" in text
    assert "agent-hours:" in text and ("converged after" in text or "not converged" in text)
    data = json.loads(out.read_text())
    assert data["group"] == "pool" and data["replications"] == 2 and data["seed"] == 4
    assert [r["label"] for r in data["table"]] == ["Mon 00:00-01:00", "Mon 01:00-02:00"]
    row = data["table"][1]
    assert set(row["service_level"]) == {"mean", "low", "high"} and row["target"] == 0.8
    line = next(x for x in text.splitlines() if x.startswith("Mon 01:00-02:00")).split()
    assert line[3:5] == [str(row["erlang_agents"]), str(row["simulated_agents"])]  # after "Mon", the span, load
    for r in data["table"]:  # a service level's interval stays within [0, 1]
        assert r["service_level"]["low"] is None or 0 <= r["service_level"]["low"] <= r["service_level"]["high"] <= 1


def test_staff_by_simulation_honours_target_and_interval(tiny, capsys):
    data = _json(capsys, ["staff", str(tiny), "--sl", "90%/30s", "--interval", "2h", "-n", "2",
                          "--max-iterations", "3", "--json", "-"])
    assert data["targets"] == {"q": {"target": 0.9, "within": 30.0}} and data["interval"] == 7200.0
    assert len(data["table"]) == 1 and data["iterations"] <= 3 and data["group"] == "pool"


@pytest.mark.parametrize(("argv", "message"), [
    (["--group", "nobody"], "--group 'nobody': the scenario has no agent group with that team or prefix; "
                            "groups: pool, backup"),
    (["--group", "backup"], "group must be a group that can serve some of the scenario's demand"),
    (["--handle", "3m", "--rate", "100"], "--rate, --handle: Erlang-form options"),
    (["--shrinkage", "0.3"], "--shrinkage: Erlang-form options"),
    (["--interval", "2d"], "interval must be a number of seconds in (0, 86400]"),
])
def test_staff_by_simulation_bad_input(tiny, tmp_path, argv, message, capsys):
    out = tmp_path / "plan.json"
    assert main(["staff", str(tiny), *argv, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not out.exists()


def test_the_erlang_form_refuses_simulation_options_and_still_works(capsys):
    assert main(["staff", "--rate", "200/h", "--handle", "3m", "--group", "pool"]) == 2
    assert "--group: simulation-form options; give a SCENARIO" in capsys.readouterr().err
    assert main(["staff", "--rate", "200/h"]) == 2
    assert "the Erlang form needs --handle" in capsys.readouterr().err
    assert main(["staff"]) == 2
    assert "staff needs a SCENARIO (simulation form) or one of --rate" in capsys.readouterr().err
    assert main(["staff", "--volumes", "10,20", "--handle", "3m"]) == 0
    assert "00:30" in capsys.readouterr().out  # the Erlang form's interval still defaults to 30m


def test_staff_help_shows_both_forms(capsys):
    assert main(["staff", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the epilog
    assert "examples:" in text and "omniroute staff examples/small_centre.toml --group frontline" in text
    assert "--scheduler ADDRESS" in text and "--max-iterations" in text


def test_a_failure_on_the_cluster_is_one_message(tiny, scheduler, monkeypatch, capsys):
    rep = sys.modules["omniroute.sim.replicate"]  # the module (sim.replicate is the function)

    def broken(*args, **kwargs):  # what a scheduler running other code raises
        raise RuntimeError("Error during deserialization of the task graph.\nmore")

    monkeypatch.setattr(rep, "_in_order", broken)
    assert main(["simulate", str(tiny), "-n", "2", "--scheduler", scheduler]) == 2
    err = capsys.readouterr().err
    assert f"--scheduler {scheduler}: the run failed on the cluster: RuntimeError: Error during " \
           "deserialization of the task graph. (do the scheduler and every worker run" in err
    assert "Traceback" not in err
