"""The pixel losses (metrics/pixel.py) against their closed forms."""
import pytest
import torch

from iqa_bench import create_metric

from conftest import noisy_pair


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(0, (3, 3, 176, 184), 0.08)


def test_pixel_losses_closed_form(pair):
    ref, dist = pair
    diff = dist - ref
    torch.testing.assert_close(create_metric("mse")(ref, dist), (diff ** 2).mean((1, 2, 3)))
    torch.testing.assert_close(create_metric("l2")(ref, dist), (diff ** 2).mean((1, 2, 3)))
    torch.testing.assert_close(create_metric("l1")(ref, dist), diff.abs().mean((1, 2, 3)))
    # Huber with delta 1 on [0, 1] images is half the squared error everywhere.
    torch.testing.assert_close(create_metric("huber")(ref, dist), 0.5 * (diff ** 2).mean((1, 2, 3)))
    delta = 0.05
    a = diff.abs()
    expected = torch.where(a < delta, 0.5 * a ** 2, delta * (a - 0.5 * delta)).mean((1, 2, 3))
    torch.testing.assert_close(create_metric(f"huber:{delta}")(ref, dist), expected)
    mse = (diff ** 2).mean((1, 2, 3))
    torch.testing.assert_close(create_metric("psnr")(ref, dist), 10 * torch.log10(1 / mse), rtol=1e-5, atol=1e-4)
