"""Backbones with the papers' layer names (see :mod:`.layers`) for the deep-feature metrics."""
from .layers import LAYER_TABLES
from .registry import BACKBONES, Backbone, BackboneWeightsError, get_backbone, layer_info

__all__ = ["BACKBONES", "Backbone", "BackboneWeightsError", "LAYER_TABLES", "get_backbone", "layer_info"]
