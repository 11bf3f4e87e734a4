"""Reports: summary tables (Markdown, LaTeX booktabs, CSV) and scatter plots.

The names below are imported on first use (PEP 562), so that ``iqa_bench.reports.latex`` -- which the
command line reads its choices from -- costs no pandas, scipy or matplotlib import: a wrong option fails
at once.
"""
from importlib import import_module

_NAMES = {"render_table": ".renderers", "summarize": "..stats.summaries", "scatter_plots": ".plots"}

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_NAMES[name], __name__), name)
