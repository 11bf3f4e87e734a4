"""Perceptual efficacy's scores (efficacy/scores.py): a Gabor channel peaks at its frequency and orientation, an
isotropic one has no orientation selectivity, μ1, μ2 and PE follow their definitions."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from iqa_bench.efficacy import StimulusConfig, analyse, mu1, mu2, perceptual_efficacy


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
