"""The contrast sensitivity function (csf.py): the attention map's properties, the band it keeps, Mannos–Sakrison's
peak."""
import math

import pytest
import torch

from iqa_bench.csf import csf_attention_map, cycles_per_degree_scale, mannos_sakrison


def _grating(cpd, size=256):
    """A vertical grating at (the periodic frequency nearest) ``cpd`` cycles/degree."""
    cycles_per_pixel = round(cpd / cycles_per_degree_scale() * size) / size
    x = torch.arange(size, dtype=torch.float64)
    row = 0.5 + 0.4 * torch.sin(2 * math.pi * cycles_per_pixel * x)
    return row.view(1, 1, 1, size).expand(1, 3, size, size).float()


def test_csf_map_properties():
    image = torch.rand(1, 3, 96, 128, generator=torch.Generator().manual_seed(4))
    attention = csf_attention_map(image)
    assert attention.shape == (1, 1, 96, 128)
    assert attention.max().item() == pytest.approx(1.0)
    shifted = csf_attention_map((image * 0.8 + 0.1))
    torch.testing.assert_close(csf_attention_map(image * 0.8), shifted, atol=1e-6, rtol=1e-6)


def test_csf_band_keeps_8_cpd_and_removes_1_cpd():
    """The un-normalised band-passed magnitude: strong for an 8 c/deg grating, ~0 for 1 c/deg."""
    from iqa_bench import csf

    def passed_energy(image):
        y = csf.luma(image.double())
        s = csf.frequency_grid_cpd(*y.shape[-2:])
        keep = (s >= 2) & (s <= 23)
        return torch.fft.ifft2(torch.fft.fft2(y) * keep).abs().mean().item()

    assert passed_energy(_grating(8)) > 0.2
    assert passed_energy(_grating(1)) < 0.01 * passed_energy(_grating(8))


def test_mannos_sakrison_peaks_near_8_cycles_per_degree():
    f = torch.linspace(0.5, 40, 400)
    assert 6 < f[mannos_sakrison(f).argmax()].item() < 10
    assert mannos_sakrison(8.0).item() == pytest.approx(2.6 * (0.0192 + 0.912) * math.exp(-(0.912 ** 1.1)))
