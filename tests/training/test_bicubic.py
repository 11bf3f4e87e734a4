"""MATLAB's bicubic imresize (training/bicubic.py): the downscaling kernel equal to MATLAB's, the resize's
properties."""
import torch

from iqa_bench.training.bicubic import _weights, imresize


#: MATLAB's imresize(·, 0.5) bicubic taps: 0.5·cubic(0.5·d) at d = ±0.5, ±1.5, ±2.5, ±3.5 with a = −0.5
#: (e.g. 0.5·cubic(0.25) = 0.5·(1.5·0.015625 − 2.5·0.0625 + 1) = 0.43359375), summing to 1.
MATLAB_HALF_KERNEL = [-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125,
                      -0.03515625, -0.01171875]


def test_downscale_kernel_equals_matlabs():
    indices, weights = _weights(16, 8, 0.5)
    torch.testing.assert_close(weights[3], torch.tensor(MATLAB_HALF_KERNEL, dtype=torch.float64))
    assert indices[3].tolist() == list(range(3, 11))
    assert indices[0].tolist() == [2, 1, 0, 0, 1, 2, 3, 4]  # mirrored at the border


def test_resize_properties():
    flat = torch.full((1, 3, 10, 14), 0.3)
    torch.testing.assert_close(imresize(flat, 0.25), torch.full((1, 3, 3, 4), 0.3))
    ramp = torch.arange(32, dtype=torch.float64).repeat(32, 1)[None, None]
    down = imresize(ramp, 0.5)[0, 0, 0]
    # a linear ramp is reproduced away from the borders: output k samples input position 2k + 0.5
    torch.testing.assert_close(down[2:-2], 2 * torch.arange(2, 14, dtype=torch.float64) + 0.5)
    assert imresize(torch.rand(1, 3, 7, 9), 3).shape == (1, 3, 21, 27)
