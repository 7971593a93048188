"""Regenerate the documentation's images and the checksums of the numbers behind them.

Run from the repository's root (with matplotlib installed; the bank's image needs the shared
data beside the repository, ``../shared/data``):

    python docs/images/make.py            # every image, then docs/images/checksums.json
    python docs/images/make.py demo.png   # only those named (their checksums updated)

Each image is drawn from numbers the code computes (``reports.plots.plot_data`` /
``comparison_data``, or the example's own points); ``checksums.json`` keeps a SHA-256 of
those numbers, not of the picture (which changes with the matplotlib version).
``tests/test_doc_images.py`` recomputes the numbers and fails when the code changes them
without the images being made again.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECKSUMS = HERE / "checksums.json"
#: The README's compare example: this exact command prints the README's table.
COMPARE = ["compare", "examples/small_centre.toml", "--contact-policy", "priority-fifo",
           "--contact-policy", "fifo"]


def demo(out: Path | None) -> Any:
    """``omniroute demo --plot``: the bundled retail bank, 5 replications, seed 1."""
    from omniroute import reports, sim

    sc = sim.load_scenario("retail_bank")
    summary = sim.replicate(sc, 5, seed=1)
    if out is not None:
        reports.plot_report(summary, out, scenario=sc)
    return reports.plots.plot_data(summary, sc)


def video_advice(out: Path | None) -> Any:
    """``python examples/video_advice.py PLOT``: the service opened to all."""
    from omniroute import reports, sim

    ns = runpy.run_path(str(ROOT / "examples" / "video_advice.py"))
    sc = ns["scenario"](True)
    summary = sim.replicate(sc, ns["REPLICATIONS"], seed=ns["SEED"])
    if out is not None:
        reports.plot_report(summary, out, scenario=sc)
    return reports.plots.plot_data(summary, sc)


def compare(out: Path | None) -> Any:
    """``omniroute compare examples/small_centre.toml --contact-policy priority-fifo
    --contact-policy fifo --plot PLOT`` (the README's example); the numbers from its ``--json``."""
    import contextlib
    import io
    import os
    import tempfile

    from omniroute.cli import main
    from omniroute.reports.plots import comparison_data

    with tempfile.TemporaryDirectory() as tmp:
        js = Path(tmp) / "cmp.json"
        extra = ["--json", str(js), "-q"] + (["--plot", str(out)] if out is not None else [])
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                status = main([*COMPARE, *extra])
        finally:
            os.chdir(cwd)
        if status != 0:
            raise SystemExit(f"omniroute {' '.join(COMPARE)} failed ({status})")
        data = json.loads(js.read_text(encoding="utf-8"))
    return comparison_data(data["variants"], data["rows"], data["title"])


def calibrate_bank(out: Path | None) -> Any:
    """``python examples/calibrate_bank.py PLOT``: the points it draws (None without the data)."""
    import contextlib
    import io

    ns = runpy.run_path(str(ROOT / "examples" / "calibrate_bank.py"))
    main = ns["main"]
    if not (main.__globals__["DATA"] / "january.txt").is_file():
        return None
    drawn: list[Any] = []
    draw = main.__globals__["plot"]

    def capture(points: list[tuple], path: Path) -> None:
        drawn.append([list(p) for p in points])
        if out is not None:
            draw(points, out)

    main.__globals__["plot"] = capture
    with contextlib.redirect_stdout(io.StringIO()):
        main(str(out) if out is not None else None)
    return drawn[0] if drawn else None


#: image file -> the function that draws it (to ``out``; None: only the numbers) and returns them.
IMAGES: dict[str, Callable[[Path | None], Any]] = {
    "demo.png": demo, "video_advice.png": video_advice, "compare.png": compare,
    "calibrate_bank.png": calibrate_bank,
}


def digest(name: str) -> str | None:
    """The checksum of the numbers behind image ``name``, recomputed (None: data missing)."""
    from omniroute.reports.plots import data_digest

    data = IMAGES[name](None)
    return None if data is None else data_digest(data)


def make(names: list[str]) -> None:
    from omniroute.reports.plots import data_digest

    sums = json.loads(CHECKSUMS.read_text(encoding="utf-8")) if CHECKSUMS.exists() else {}
    for name in names:
        if name not in IMAGES:
            raise SystemExit(f"{name!r}: not an image made here; images: {', '.join(IMAGES)}")
    for name in names:
        data = IMAGES[name](HERE / name)
        if data is None:
            print(f"{name}: skipped (its data is missing)")
            continue
        sums[name] = data_digest(data)
        print(f"wrote docs/images/{name} ({sums[name][:12]})")
    CHECKSUMS.write_text(json.dumps(dict(sorted(sums.items())), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    make(sys.argv[1:] or list(IMAGES))
