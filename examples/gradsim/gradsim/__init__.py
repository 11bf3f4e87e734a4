"""An example iqa-bench plugin: the gradient magnitude similarity mean (GMSM)."""
from .measures import GradientSimilarity, gradient_similarity, gms_map, make_gradient_similarity

__all__ = ["GradientSimilarity", "gradient_similarity", "gms_map", "make_gradient_similarity"]
