"""Metric families behind one registry of spec strings (see DESIGN.md, "Metric specs")."""
from .base import Metric, check_pair
from .registry import MetricFamily, canonical_spec, create_metric, list_metrics, parse_spec

# Importing a family module registers its specs.
# (in this order: the weights manifest lists the families' files in the order they are registered)
from . import pixel, piq_measures, deep, contextual, lpips_metric, piq_learned, mdf, afm, dec, pyiqa_bridge  # noqa: E402,I001
# last: a researcher's own metrics (code named by a spec, installed entry points, register_metric)
from . import plugins  # noqa: E402,F401
from .plugins import as_metric, register_metric  # noqa: E402

__all__ = ["Metric", "MetricFamily", "as_metric", "check_pair", "canonical_spec", "create_metric", "list_metrics",
           "parse_spec", "register_metric"]
