"""The gratings of the efficacy analysis (efficacy/stimuli.py): Appendix A's conversion and the CSF peak, each
stimulus at its nominal frequency along every orientation, band-limited, and a frequency above the limit refused."""
import math

import pytest
import torch

from iqa_bench.efficacy import StimulusConfig, csf_peak_cpd, cycles_per_pixel
from iqa_bench.efficacy.stimuli import concentric_gratings, linear_gratings


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


def test_appendix_a_conversion_and_csf_peak():
    assert cycles_per_pixel(1.0) == pytest.approx(180 / (math.pi * 550 * 4))
    assert 7.0 < csf_peak_cpd() < 9.0
    with pytest.raises(ValueError, match="Nyquist 19.20 c/deg"):
        StimulusConfig(frequencies_cpd=[30.0])


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
