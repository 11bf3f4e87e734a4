"""Paper recipes: one YAML file per published table (see :mod:`iqa_bench.recipes.paper`)."""
from __future__ import annotations

from pathlib import Path

RECIPE_DIR = Path(__file__).resolve().parent
