"""Channel subsets (H-x, L-x, F) and PE weights of a layer, computed once per (backbone, weights
digest, layer, stimuli) and cached in a score-store database (``blobs`` table).

Subset size: x % of M channels, rounded half up, at least one: ``max(1, floor(x·M/100 + 0.5))``
(10 % of 128 channels = 13; 15 % of 128 = 19 as in the paper's example). H-x takes the highest PE
first, L-x the lowest; ties broken by channel index.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Optional

import numpy as np

from ..backbones import Backbone
from ..store import ScoreStore
from .scores import ChannelEfficacy, analyse
from .stimuli import StimulusConfig

SUBSET = re.compile(r"^(?:F|([HL])(\d+(?:\.\d+)?))$", re.IGNORECASE)
CACHE_KIND = "channel_efficacy/v1"


def default_store_path() -> Path:
    from ..datasets.sample import default_cache_dir

    return default_cache_dir() / "efficacy.sqlite"


def subset_size(percent: float, channels: int) -> int:
    if not 0 < percent <= 100:
        raise ValueError(f"channel subset percentage must be in (0, 100], got {percent}")
    return max(1, math.floor(percent * channels / 100 + 0.5))


def select_channels(efficacy: ChannelEfficacy, subset: str) -> np.ndarray:
    """Channel indices of ``F``, ``H<x>`` or ``L<x>`` (sorted ascending)."""
    match = SUBSET.match(subset.strip())
    if not match:
        raise ValueError(f"channel subset {subset!r}: use F, H<x> or L<x> with x a percentage, e.g. H10, L90")
    ranking = efficacy.ranking
    if match.group(1) is None:
        return np.arange(ranking.size)
    count = subset_size(float(match.group(2)), ranking.size)
    chosen = ranking[:count] if match.group(1).upper() == "H" else ranking[::-1][:count]
    return np.sort(chosen)


def channel_weights(efficacy: ChannelEfficacy) -> np.ndarray:
    """Eq. 15 of the Perceptual-Efficacy paper: w_m = μ1(k, m) / Σ_m μ1(k, m)."""
    total = efficacy.mu1.sum()
    if total <= 0:
        raise ValueError("every channel has μ1 = 0: PE weights are undefined for this layer")
    return efficacy.mu1 / total


def layer_efficacy(backbone: Backbone, layer: str, config: Optional[StimulusConfig] = None,
                   store: Optional[ScoreStore] = None, device=None) -> ChannelEfficacy:
    """The layer's channel efficacy, from the cache or computed (and cached)."""
    config = config or StimulusConfig()
    backbone.check_layers([layer])
    key_text = json.dumps([backbone.digest(), layer, config.as_dict()], sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()
    own_store = store is None
    store = store or ScoreStore(default_store_path())
    try:
        cached = store.get_blob(CACHE_KIND, key)
        if cached is not None:
            return ChannelEfficacy.from_dict(json.loads(cached))
        device = device or next(backbone.parameters()).device
        result = analyse(lambda x: backbone.extract(x, [layer])[layer], config, device=device)
        store.put_blob(CACHE_KIND, key, json.dumps(result.to_dict()))
        return result
    finally:
        if own_store:
            store.close()

