"""Channel subsets and weights by efficacy (efficacy/channels.py): subset sizes round as documented, the full subset
is plain lp, subsets select their channels, lpv is the weighted sum, the efficacy is cached in the store."""
import numpy as np
import pytest
import torch

from iqa_bench import create_metric
from iqa_bench.backbones import get_backbone
from iqa_bench.efficacy import ChannelEfficacy, StimulusConfig, channel_weights
from iqa_bench.efficacy import channels as channels_module
from iqa_bench.efficacy import layer_efficacy, select_channels, subset_size
from iqa_bench.store import ScoreStore

from conftest import noisy_pair


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(0, (2, 3, 64, 64), 0.1)


LAYER = "efficientnet_lite0:random/block1_expand_relu"


def _direct(ref, dist):
    backbone = get_backbone("efficientnet_lite0", "random")
    with torch.no_grad():
        a = backbone.extract(ref, ["block1_expand_relu"])["block1_expand_relu"]
        b = backbone.extract(dist, ["block1_expand_relu"])["block1_expand_relu"]
    return ((b - a) ** 2).mean(dim=(2, 3)), layer_efficacy(backbone, "block1_expand_relu")


def test_subset_sizes_round_as_documented():
    assert subset_size(10, 128) == 13 and subset_size(15, 128) == 19 and subset_size(90, 128) == 115
    assert subset_size(1, 10) == 1 and subset_size(100, 64) == 64
    with pytest.raises(ValueError):
        subset_size(0, 10)
    pe = np.array([0.1, 0.5, 0.2, 0.05, 0.15])
    e = ChannelEfficacy(np.zeros(1), np.zeros(1), np.zeros((1, 5)), np.zeros((1, 5)), pe, pe, pe)
    assert list(select_channels(e, "H40")) == [1, 2]
    assert list(select_channels(e, "L40")) == [0, 3]
    assert list(select_channels(e, "F")) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="H<x>"):
        select_channels(e, "X5")


def test_full_subset_equals_plain_lp_and_subsets_select_channels(pair):
    ref, dist = pair
    torch.testing.assert_close(create_metric(f"lp:{LAYER}@F")(ref, dist), create_metric(f"lp:{LAYER}")(ref, dist))
    per_channel, efficacy = _direct(ref, dist)
    chosen = select_channels(efficacy, "H10")
    assert len(chosen) == subset_size(10, per_channel.shape[1])
    torch.testing.assert_close(create_metric(f"lp:{LAYER}@H10")(ref, dist), per_channel[:, chosen].mean(1))


def test_lpv_equals_the_weighted_sum(pair):
    ref, dist = pair
    per_channel, efficacy = _direct(ref, dist)
    weights = torch.tensor(channel_weights(efficacy), dtype=per_channel.dtype)
    assert weights.sum().item() == pytest.approx(1.0)
    expected = (weights * per_channel).sum(1) / per_channel.shape[1]
    torch.testing.assert_close(create_metric(f"lpv:{LAYER}")(ref, dist), expected)


def test_efficacy_is_cached_in_the_store(tmp_path, monkeypatch):
    backbone = get_backbone("efficientnet_lite0", "random")
    config = StimulusConfig(size=64, frequencies_cpd=[2.0, 4.0, 8.0], orientations_deg=[0.0, 45.0, 90.0])
    with ScoreStore(tmp_path / "s.sqlite") as store:
        first = layer_efficacy(backbone, "stem_relu", config, store=store)
        monkeypatch.setattr(channels_module, "analyse", lambda *a, **k: pytest.fail("recomputed"))
        again = layer_efficacy(backbone, "stem_relu", config, store=store)
    np.testing.assert_array_equal(first.pe, again.pe)
