"""Sheikh & Bovik's wavelet-domain VIF (metrics/vif_wavelet.py): its steerable pyramid equal to pyrtools'."""
import numpy as np
import pytest
import torch

from iqa_bench.metrics.vif_wavelet import steerable_pyramid


def test_steerable_pyramid_equals_pyrtools():
    """Our batched torch pyramid against pyrtools' (matlabPyrTools port, C convolutions, reflect1)."""
    pyrtools = pytest.importorskip("pyrtools")
    gen = np.random.default_rng(3)
    image = np.cumsum(np.cumsum(gen.normal(size=(150, 170)), 0), 1)  # smooth, natural-like structure
    theirs = pyrtools.pyramids.SteerablePyramidSpace(image, height=4, order=5, edge_type="reflect1")
    ours = steerable_pyramid(torch.from_numpy(image)[None, None])
    expected = [theirs.pyr_coeffs["residual_highpass"]]
    expected += [theirs.pyr_coeffs[(level, band)] for level in range(4) for band in range(6)]
    expected.append(theirs.pyr_coeffs["residual_lowpass"])
    for mine, reference in zip(ours, expected[::-1]):
        np.testing.assert_allclose(mine[0, 0].numpy(), reference, rtol=1e-9, atol=1e-9)
