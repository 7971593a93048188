"""Which build of the router's core runs: compiled (mypyc) or pure Python.

``pip install`` compiles ``state``, ``agent_index``, ``waiting``, ``router`` and the
simulation engine ``sim.engine`` into C extensions next to their sources when it can;
Python then imports the extensions.  This module runs first in ``import omniroute`` and
decides:

* ``OMNIROUTE_PURE_PYTHON=1`` in the environment forces the ``.py`` sources;
* in a source checkout, an extension older than its source (edited since the last build)
  is not used: the pure build runs, with one warning saying how to rebuild;
* an extension that fails to import (built for another Python) falls back the same way.

Like ``heapq`` and ``_heapq``, both builds are the same code and make the same decisions.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import warnings
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

__all__ = ["COMPILED", "select", "accelerated"]

#: The modules the compiled build compiles (dotted, under ``omniroute``).
COMPILED = ("state", "agent_index", "waiting", "tally", "router", "sim.engine")
#: Those ``import omniroute`` loads at once (the engine imports SimPy: loaded on demand).
_CORE = ("state", "agent_index", "waiting", "tally", "router")
_PKG = os.path.dirname(os.path.abspath(__file__))


class _PureFinder(MetaPathFinder):
    """Finds the compiled modules' ``.py`` sources ahead of their extensions."""

    def find_spec(self, fullname: str, path: object = None, target: ModuleType | None = None) -> ModuleSpec | None:
        pkg, _, name = fullname.partition(".")
        if pkg == "omniroute" and name in COMPILED:
            return importlib.util.spec_from_file_location(fullname, _source(name))
        return None


def _source(name: str) -> str:
    return os.path.join(_PKG, *name.split(".")) + ".py"


def _extension(name: str) -> str | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(_PKG, *name.split(".")) + suffix
        if os.path.exists(path):
            return path
    return None


def _stale() -> list[str]:
    """Compiled modules older than their sources, in a source checkout (src/ layout).

    A module's build time is the newer of its own extension and the shared library mypyc
    compiles all of them into (``*__mypyc*`` beside the package): a rebuild that leaves a
    module's small extension unchanged does not copy it again, so its own time alone would
    call a fresh build stale.
    """
    if not os.path.exists(os.path.join(_PKG, os.pardir, os.pardir, "pyproject.toml")):
        return []
    root = os.path.dirname(_PKG)
    shared = [os.path.getmtime(os.path.join(root, f)) for f in os.listdir(root)
              if "__mypyc" in f and f.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))]
    newest_shared = max(shared, default=0.0)
    out = []
    for name in COMPILED:
        ext = _extension(name)
        if ext is not None and os.path.getmtime(_source(name)) > max(os.path.getmtime(ext), newest_shared):
            out.append(name)
    return out


def _go_pure() -> None:
    if not any(isinstance(f, _PureFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _PureFinder())
    for name in COMPILED:
        sys.modules.pop(f"omniroute.{name}", None)


def select() -> None:
    """Choose the build before the core is imported (called by ``omniroute/__init__``)."""
    if os.environ.get("OMNIROUTE_PURE_PYTHON") == "1":
        _go_pure()
        return
    if not all(_extension(name) for name in COMPILED):
        return  # the pure build is what is installed
    stale = _stale()
    if stale:
        warnings.warn(
            f"omniroute: the compiled {', '.join(stale)} is older than its source; running the "
            "pure-Python build (rebuild with `pip install -e .`)", RuntimeWarning, stacklevel=3)
        _go_pure()
        return
    try:
        for name in _CORE:
            importlib.import_module(f"omniroute.{name}")
    except ImportError as exc:
        warnings.warn(f"omniroute: the compiled core does not load ({exc}); running the pure-Python build",
                      RuntimeWarning, stacklevel=3)
        _go_pure()


def accelerated() -> bool:
    """True when the router's core runs compiled."""
    mod = sys.modules.get("omniroute.router")
    origin = getattr(getattr(mod, "__spec__", None), "origin", None) or ""
    return origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
