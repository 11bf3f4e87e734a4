"""Metric families behind one registry of spec strings (see DESIGN.md, "Metric specs")."""
from .base import Metric, check_pair
from .registry import MetricFamily, canonical_spec, create_metric, list_metrics, parse_spec

# Importing a family module registers its specs.
from . import afm, contextual, dec, deep, lpips_metric, mdf, pixel, piq_learned, piq_measures, pyiqa_bridge

__all__ = ["Metric", "MetricFamily", "check_pair", "canonical_spec", "create_metric", "list_metrics",
           "parse_spec"]
