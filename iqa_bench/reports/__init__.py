"""Reports: summary tables (Markdown, LaTeX booktabs, CSV) and scatter plots."""
from .tables import render_table, summarize
from .plots import scatter_plots

__all__ = ["render_table", "summarize", "scatter_plots"]
