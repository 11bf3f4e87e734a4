"""MATLAB's conventions (metrics/matlab_conventions.py): rgb2gray and rgb2ycbcr against their closed forms, the
separable Gaussian window equal to filter2 of fspecial."""
import numpy as np
import torch

from iqa_bench.metrics.matlab_conventions import gaussian_1d, gaussian_filter2_valid, rgb2gray_uint8, rgb2ycbcr_y_uint8


def test_matlab_rgb2gray_and_rgb2ycbcr_closed_form():
    # rgb2gray(uint8): round(0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B)
    pixels = torch.tensor([[255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 128, 128], [10, 200, 31]],
                          dtype=torch.float32).T.reshape(1, 3, 1, 5) / 255
    assert rgb2gray_uint8(pixels).flatten().tolist() == [76, 150, 29, 128, 124]
    # rgb2ycbcr(uint8) Y: round(16 + (65.481 R + 128.553 G + 24.966 B) / 255)
    assert rgb2ycbcr_y_uint8(pixels).flatten().tolist() == [81, 145, 41, 126, 122]


def test_separable_gaussian_window_equals_filter2_of_fspecial():
    """SSIM's window: the two 1-D passes equal scipy's 2-D 'valid' correlation with MATLAB's
    fspecial('gaussian', 11, 1.5) (exp(-(x²+y²)/2σ²) / sum) on a photograph's grey levels."""
    from scipy.signal import correlate2d
    from skimage.data import camera

    image = camera()[100:228, 150:342].astype(np.float64)
    axis = np.arange(11) - 5.0
    kernel = np.exp(-(axis[:, None] ** 2 + axis[None, :] ** 2) / (2 * 1.5 ** 2))
    expected = correlate2d(image, kernel / kernel.sum(), mode="valid")
    ours = gaussian_filter2_valid(gaussian_1d(11, 1.5), torch.from_numpy(image)[None, None])[0, 0].numpy()
    assert ours.shape == expected.shape == (118, 182)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)
