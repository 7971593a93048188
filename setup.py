"""Build: the router's core compiled with mypyc where a compiler is at hand, pure otherwise.

``pip install .`` (or ``-e .``) compiles ``state``, ``agent_index``, ``waiting``,
``router`` and ``sim/engine`` — the same source files the pure build runs — into C
extensions.  If mypyc is
missing, the environment says ``OMNIROUTE_PURE_PYTHON=1`` at build time, or compiling fails
for any reason, the build says so in one line and installs the pure-Python package, which
works the same (``omniroute.ACCELERATED`` tells which one runs).
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILED = ["state", "agent_index", "waiting", "tally", "router", "sim/engine"]


def _say(msg: str) -> None:
    print(f"omniroute: {msg}", file=sys.stderr, flush=True)


class OptionalBuildExt(build_ext):
    """build_ext that falls back to the pure build, whole, when any extension fails."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure means: go pure
            for path in self.get_outputs():
                if os.path.exists(path):
                    os.remove(path)  # never half compiled: the modules depend on each other
            _say(f"compiling the core failed ({type(exc).__name__}: {exc}); installing the pure-Python build")


def extensions() -> list:
    if os.environ.get("OMNIROUTE_PURE_PYTHON") == "1":
        _say("OMNIROUTE_PURE_PYTHON=1: installing the pure-Python build")
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc is not available; installing the pure-Python build")
        return []
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join("src", "omniroute", *name.split("/")) + ".py" for name in COMPILED]
    cwd = os.getcwd()
    try:
        os.chdir(here)
        # Build isolation has no attrs or numpy: their types are taken as Any.
        return mypycify(["--ignore-missing-imports", "--follow-imports=silent", *paths], opt_level="3")
    except BaseException as exc:  # noqa: BLE001 - mypy's type check exits with SystemExit
        _say(f"mypyc could not translate the core ({type(exc).__name__}: {exc}); "
             "installing the pure-Python build")
        return []
    finally:
        os.chdir(cwd)


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
