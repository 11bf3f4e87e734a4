"""Perceptual Efficacy: stimuli, tuning, μ1/μ2/PE, subsets, weights, cache and the CLI."""
import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from iqa_bench import create_metric
from iqa_bench.backbones import get_backbone
from iqa_bench.efficacy import ChannelEfficacy, StimulusConfig, analyse, channel_weights, csf_peak_cpd, cycles_per_pixel, layer_efficacy, mu1, mu2, perceptual_efficacy, select_channels, subset_size
from iqa_bench.efficacy import channels as channels_module
from iqa_bench.efficacy.stimuli import concentric_gratings, linear_gratings
from iqa_bench.store import ScoreStore

from conftest import noisy_pair, run_cli

F0_CPD, THETA0 = 6.0, 30.0


def _bank(config):
    """Channel 0: an even Gabor at F0_CPD / THETA0; channel 1: an isotropic centre-surround (DoG)."""
    size = 41
    coords = torch.arange(size, dtype=torch.float64) - size // 2
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    theta = math.radians(THETA0)
    f = config.cpp(F0_CPD)
    envelope = torch.exp(-(x ** 2 + y ** 2) / (2 * 9.0 ** 2))
    gabor = envelope * torch.cos(2 * math.pi * f * (x * math.cos(theta) + y * math.sin(theta)))
    gabor = gabor - gabor.mean()
    r2 = x ** 2 + y ** 2
    dog = torch.exp(-r2 / (2 * 1.5 ** 2)) / 1.5 ** 2 - torch.exp(-r2 / (2 * 3.0 ** 2)) / 3.0 ** 2
    weight = torch.zeros(2, 3, size, size, dtype=torch.float64)
    weight[0, 0], weight[1, 0] = gabor, dog
    return lambda images: F.relu(F.conv2d(images.double(), weight))


@pytest.fixture(scope="module")
def bank_efficacy():
    # a 1 c/deg × 10° grid: the tolerances below (1 c/deg, 5°) are those of the grid; F0_CPD and THETA0 on it
    config = StimulusConfig(size=128, frequencies_cpd=[float(k) for k in range(1, 17)],
                            orientations_deg=[float(a) for a in range(-90, 90, 10)], orientation_cpd=F0_CPD)
    return analyse(_bank(config), config)


@pytest.mark.slow  # quick loop ≤ 3 min: runs in the full suite (CI)
def test_gabor_channel_peaks_at_its_frequency_and_orientation(bank_efficacy):
    e = bank_efficacy
    peak_f = e.frequencies_cpd[np.argmax(e.frequency_tuning[:, 0])]
    assert abs(peak_f - F0_CPD) <= 1.0
    peak_theta = e.orientations_deg[np.argmax(e.orientation_tuning[:, 0])]
    assert min(abs(peak_theta - THETA0), 180 - abs(peak_theta - THETA0)) <= 5


@pytest.mark.slow  # quick loop ≤ 3 min: runs in the full suite (CI)
def test_isotropic_channel_has_no_orientation_selectivity(bank_efficacy):
    assert bank_efficacy.mu2[1] < 0.01 * bank_efficacy.mu2[0]
    assert bank_efficacy.pe[0] > bank_efficacy.pe[1]


def test_scores_follow_their_definitions():
    freqs = np.array([1.0, 2.0, 4.0, 8.0])
    act = np.array([[0.0, 1.0], [1.0, 1.0], [3.0, 1.0], [3.0, 2.0]])
    from iqa_bench.csf import mannos_sakrison

    slope = np.gradient(act, freqs, axis=0)
    csf = mannos_sakrison(torch.tensor(freqs)).numpy()
    np.testing.assert_allclose(mu1(freqs, act), (csf[:, None] * np.abs(slope)).sum(0))
    orient = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 2.0]])
    np.testing.assert_allclose(mu2(orient), [4.0 + 0.0 + 1.0, 0.0])
    m1, m2 = np.array([1.0, 3.0, 4.0]), np.array([2.0, 2.0, 4.0])
    pe = perceptual_efficacy(m1, m2)
    np.testing.assert_allclose(pe, (m1 / 8) * (m2 / 8))
    assert pe.sum() <= 1 and np.argmax(pe) == 2
    np.testing.assert_allclose(perceptual_efficacy(m1, np.ones(3)), m1 / m1.sum() / 3)


def test_appendix_a_conversion_and_csf_peak():
    assert cycles_per_pixel(1.0) == pytest.approx(180 / (math.pi * 550 * 4))
    assert 7.0 < csf_peak_cpd() < 9.0
    with pytest.raises(ValueError, match="Nyquist 19.20 c/deg"):
        StimulusConfig(frequencies_cpd=[30.0])


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


@pytest.mark.slow
def test_efficacy_cli_writes_csv_and_plots(tmp_path):
    result = run_cli("efficacy", "--backbone", "efficientnet_lite0", "--layer", "block1_expand_relu",
                     "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "out" / "channels.csv")
    assert list(table.columns) == ["channel", "mu1", "mu2", "pe", "rank"] and len(table) == 96
    assert table["rank"].tolist() == list(range(1, 97)) and table["pe"].is_monotonic_decreasing
    assert (tmp_path / "out" / "frequency_tuning.png").stat().st_size > 10000
    assert (tmp_path / "out" / "orientation_tuning.png").stat().st_size > 10000


@pytest.mark.slow
def test_efficacy_table_on_the_sample(tmp_path):
    result = run_cli("efficacy-table", "--layer", "efficientnet_lite0/block1_expand_relu:10", "--results",
                     tmp_path, "--bootstrap", "0", "--format", "latex")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "sample-efficacy" / "efficacy_table.csv")
    assert table["Feature set"].tolist() == ["F", "H-10", "L-10", "L-90"]
    assert table[["RMSE", "LCC", "SROCC"]].notna().all().all()
    assert r"\toprule" in result.stdout


def _sector_peaks(image: torch.Tensor, sectors: int = 12, pad: int = 4):
    """Dominant 2-D spatial frequency (cycles/pixel) and its direction (degrees, [0, 180)) in each of
    ``sectors`` orientation sectors of the Hann-windowed, zero-padded spectrum."""
    n = image.shape[-1]
    window = torch.hann_window(n, periodic=False, dtype=torch.float64)
    power = torch.fft.fft2((image - image.mean()) * window[:, None] * window[None, :], s=(n * pad, n * pad)).abs()
    f = torch.fft.fftfreq(n * pad, dtype=torch.float64)
    fy, fx = torch.meshgrid(f, f, indexing="ij")
    radius, angle = torch.sqrt(fx ** 2 + fy ** 2), torch.rad2deg(torch.atan2(fy, fx)) % 180
    peaks = []
    for s in range(sectors):
        inside = ((angle - (s - 0.5) * 180 / sectors) % 180 < 180 / sectors) & (radius > 0.01)
        k = power[inside].argmax()
        peaks.append((float(radius[inside][k]), float(angle[inside][k])))
    return peaks


@pytest.mark.slow  # quick loop ≤ 3 min: runs in the full suite (CI)
def test_every_stimulus_has_its_nominal_frequency_along_every_orientation():
    """Default stimuli: the concentric gratings' spectrum peaks at the nominal frequency in each of 12
    orientation sectors, the linear gratings' at the nominal frequency and orientation (0.15 c/deg is
    the Hann-windowed ring peak's bias plus one zero-padded bin)."""
    config = StimulusConfig()
    per_cpd = 1.0 / config.cpp(1.0)
    assert max(config.frequencies_cpd) <= config.faithful_limit_cpd() < 0.5 * per_cpd
    for cpd, image in zip(config.frequencies_cpd, concentric_gratings(config)[:, 0].double()):
        for radius, _ in _sector_peaks(image):
            assert abs(radius * per_cpd - cpd) < 0.15, (cpd, radius * per_cpd)
    for theta, image in zip(config.orientations_deg, linear_gratings(config)[:, 0].double()):
        best = max(_sector_peaks(image, sectors=36),
                   key=lambda p: -min(abs(p[1] - theta % 180), 180 - abs(p[1] - theta % 180)))
        assert abs(best[0] * per_cpd - config.orientation_cpd) < 0.15
    assert config.faithful_limit_cpd() == pytest.approx((0.48 - 2 / 224) * per_cpd)


def test_gratings_are_band_limited_and_above_the_limit_refused():
    config = StimulusConfig(frequencies_cpd=[18.0])
    image = concentric_gratings(config)[0, 0].double()
    assert 0 <= float(image.min()) and float(image.max()) <= 1
    spectrum = torch.fft.fft2(image - image.mean()).abs() ** 2
    f = torch.fft.fftfreq(224, dtype=torch.float64)
    fy, fx = torch.meshgrid(f, f, indexing="ij")
    near_nyquist = torch.maximum(fx.abs(), fy.abs()) >= 0.49
    assert float(spectrum[near_nyquist].sum() / spectrum.sum()) < 1e-3
    with pytest.raises(ValueError, match="renders faithfully"):
        StimulusConfig(frequencies_cpd=[19.0])
