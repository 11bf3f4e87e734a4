"""The official implementations' variants (metrics/official_measures.py): perfect on identical images, tiny ones
refused."""
import pytest
import torch

from iqa_bench import create_metric


def test_official_variants_are_perfect_on_identical_images_and_reject_tiny_ones():
    image = torch.rand(1, 3, 180, 190, generator=torch.Generator().manual_seed(0))
    for spec, perfect in (("ssim", 1.0), ("ms_ssim", 1.0), ("vif", 1.0), ("gmsd", 0.0)):
        assert create_metric(spec)(image, image).item() == pytest.approx(perfect, abs=1e-9)
    with pytest.raises(ValueError, match="at least 161"):
        create_metric("ms_ssim")(image[..., :100, :100], image[..., :100, :100])
