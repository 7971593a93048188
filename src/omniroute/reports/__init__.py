"""Reports of simulation runs: terminal tables, CSV files, PNG plots, comparisons.

The "faces" layer, beside the CLI: it may import everything below it.  matplotlib (the
optional extra ``plot``) is imported only inside :func:`plot_report`.

* :func:`kpi_table`: a ``Summary``'s (or ``Report``'s) KPIs as aligned text;
* :func:`write_kpis`, :func:`write_intervals`: CSV files;
* :func:`plot_report`: service level, contacts waiting and offered per interval and channel,
  occupancy by tier, with 95% bands, on the scenario's clock (PNG, PDF or SVG);
* :func:`plot_comparison`: a comparison's variants side by side with their intervals;
* :func:`compare`, :func:`comparison_table`, :func:`comparison_legend`: variants side by side with
  paired t-tests, Holm-corrected over the KPI rows;
* :func:`replicate`: ``sim.replicate`` with a progress bar;
* :func:`html_report`, :func:`write_html`: one self-contained HTML file to send;
  :func:`comparison_html`, :func:`write_comparison_html`: the same for a comparison.
"""

from __future__ import annotations

from .compare import BETTER as BETTER
from .compare import compare as compare
from .compare import comparison_legend as comparison_legend
from .compare import comparison_table as comparison_table
from .csv import write_intervals as write_intervals
from .csv import write_kpis as write_kpis
from .html import comparison_html as comparison_html
from .html import html_report as html_report
from .html import write_comparison_html as write_comparison_html
from .html import write_html as write_html
from .plots import plot_comparison as plot_comparison
from .plots import plot_report as plot_report
from .progress import progress as progress
from .progress import replicate as replicate
from .table import format_cell as format_cell
from .table import kpi_table as kpi_table
from .table import render as render

__all__ = [
    "BETTER", "compare", "comparison_html", "comparison_legend", "comparison_table", "format_cell", "html_report", "kpi_table",
    "plot_comparison", "plot_report", "progress", "render", "replicate", "write_comparison_html", "write_html",
    "write_intervals", "write_kpis",
]
