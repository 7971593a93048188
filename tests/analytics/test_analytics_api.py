"""The public names of omniroute.analytics, its lazy networkx import, and its executable docs."""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re
import subprocess
import sys

import pytest

from omniroute import analytics

PUBLIC = {
    "ErlangA", "ErlangB", "ErlangC", "erlang_a", "erlang_b", "erlang_c",
    "StaffingRow", "staff", "staffing_table", "square_root_staffing", "halfin_whitt_beta",
    "Group", "Coverage", "CrossTraining", "DesignComparison",
    "coverage", "cross_training", "design_comparison", "demand_from_rates",
}  # fmt: skip

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def test_all_is_the_documented_list():
    assert set(analytics.__all__) == PUBLIC
    assert len(analytics.__all__) == len(PUBLIC)
    for name in PUBLIC:
        assert getattr(analytics, name) is not None
    assert PUBLIC <= set(dir(analytics))
    with pytest.raises(AttributeError):
        analytics.no_such_name  # noqa: B018


def test_importing_analytics_does_not_load_networkx():
    code = (
        "import sys, omniroute.analytics as a; assert 'networkx' not in sys.modules; "
        "a.coverage; assert 'networkx' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("module", ["erlang", "erlang_abandon", "staffing", "skill_coverage"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"omniroute.analytics.{module}")
    failed, _ = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert failed == 0


@pytest.mark.skipif(not DOCS.exists(), reason="docs/analytics.md not present")
def test_docs_examples_run():
    # the ```pycon blocks, in order, as one doctest sharing its names
    blocks = re.findall(r"```pycon\n(.*?)```", DOCS.read_text(), flags=re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "analytics.md", str(DOCS), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert len(blocks) > 10 and runner.failures == 0 and runner.tries > 30
