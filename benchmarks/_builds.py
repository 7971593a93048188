"""Run a benchmark function in a child process on one build of omniroute (compiled or pure)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def call_in_build(build: str, module: str, call: str) -> dict:
    """``module.call`` (a Python expression returning a JSON-able dict with an
    ``"accelerated"`` key) evaluated in a child process on ``build``; refuses a wrong build."""
    env = dict(os.environ, OMNIROUTE_PURE_PYTHON="1" if build == "pure" else "0")
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); "
            f"import {module}; print(json.dumps({module}.{call}))")
    got = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                    stdout=subprocess.PIPE, text=True).stdout)
    if got["accelerated"] != (build == "compiled"):
        raise SystemExit(f"{module}: asked for the {build} build, got accelerated={got['accelerated']}")
    return got


def write_section(title: str, body: str) -> None:
    """Put ``body`` under ``## title`` in RESULTS.md, replacing that section if present."""
    import re

    path = HERE / "RESULTS.md"
    text = path.read_text()
    section = f"## {title}\n\n{body}\n\n"
    pat = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(lambda _m: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
