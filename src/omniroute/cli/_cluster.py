"""``--scheduler ADDRESS``: run replications on an existing ``dask.distributed`` cluster.

:func:`executor` connects a ``dask.distributed.Client`` to the scheduler, checks that at least
one worker is there and that every worker runs this version of omniroute (the same code gives
the same numbers), and closes the client when the run ends.  Every failure is a
:class:`~omniroute.cli.commands.CommandError` (exit 2) raised before anything runs.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["CONNECT_TIMEOUT", "executor", "connect"]

#: Seconds to wait for the scheduler to answer and, if it has none, for a first worker.
CONNECT_TIMEOUT = 10.0


def _error(message: str) -> Exception:
    from .commands import CommandError

    return CommandError(message)


@contextmanager
def executor(address: str | None) -> Iterator[Any]:
    """``with executor(args.scheduler) as client:`` a connected client, or None without an
    address (then replications run here)."""
    if address is None:
        yield None
        return
    from ..errors import OmnirouteError
    from .commands import CommandError

    client = connect(address)
    try:
        yield client
    except (OmnirouteError, CommandError):
        raise
    except Exception as exc:  # the cluster's own failures: say where, without a traceback
        raise _error(f"--scheduler {address}: the run failed on the cluster: {type(exc).__name__}: "
                     f"{_first_line(exc)} (do the scheduler and every worker run the omniroute that "
                     "runs here, from the same files? see docs/scale.md)") from None
    finally:
        client.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def connect(address: str) -> Any:
    """A ``dask.distributed.Client`` connected to the scheduler at ``address``, with workers
    that run this omniroute."""
    try:
        from distributed import Client
    except ImportError:
        raise _error("--scheduler needs dask.distributed, which is not installed: "
                     "pip install 'omniroute[dask]'") from None
    _probe(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise _error(f"--scheduler {address}: cannot connect to a dask scheduler there: {exc}") from None
    try:
        _check_workers(client, address)
    except BaseException:
        client.close()
        raise
    return client


def _probe(address: str) -> None:
    """Fail fast, with the system's reason, when nothing listens at a TCP address (dask
    would retry until its timeout)."""
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp"):
        return
    host, _, port = rest.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise _error(f"--scheduler {address}: cannot reach a dask scheduler there: {why} (start one "
                     "with `dask scheduler`, see docs/scale.md)") from None


def _check_workers(client: Any, address: str) -> None:
    from .. import __version__

    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            raise _error(f"--scheduler {address}: no dask worker is connected to this scheduler; "
                         f"start one with `dask worker {address}`") from None

    def version() -> str | None:  # defined here so that it travels by value, not by import
        try:
            import omniroute
        except ImportError:
            return None
        return str(omniroute.__version__)

    try:
        found = client.run(version)
    except Exception as exc:  # a worker that cannot run it at all
        raise _error(f"--scheduler {address}: the workers could not be asked their omniroute "
                     f"version: {exc}") from None
    wrong = {w: v for w, v in found.items() if v != __version__}
    if wrong:
        w, v = next(iter(wrong.items()))
        what = "cannot import omniroute" if v is None else f"runs omniroute {v}"
        raise _error(f"--scheduler {address}: worker {w} {what}; install omniroute {__version__} "
                     f"(this one) on every worker ({len(wrong)} of {len(found)} differ): the same "
                     "code gives the same numbers")
