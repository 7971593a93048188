"""The README's path from nothing to an HTML report runs verbatim, in a shell, in an empty
folder (its ``omniroute`` is this checkout's, whatever the PATH holds)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_path() -> list[str]:
    text = README.read_text()
    start = text.index("From nothing to a report of your own scenario")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert block is not None, "the README's path has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_path_to_an_html_report_runs_verbatim(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "omniroute"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m omniroute "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    lines = readme_path()
    assert any("--html report.html" in line for line in lines)
    for line in lines:
        r = subprocess.run(line, shell=True, cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{line!r} exited {r.returncode}: {r.stderr}"
    html = (work / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    HTMLParser().feed(html)
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script src" not in html
    report = json.loads((work / "my.json").read_text())
    assert report["replications"] == 10
    assert (work / "cmp.html").read_text().startswith("<!DOCTYPE html>")
