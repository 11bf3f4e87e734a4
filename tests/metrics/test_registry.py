"""Metrics without learned weights: equal to the library's own call or a closed form."""
import pytest
import torch

from iqa_bench import create_metric, list_metrics
from iqa_bench.errors import UnknownNameError
from iqa_bench.metrics import canonical_spec

from conftest import noisy_pair


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(0, (3, 3, 176, 184), 0.08)


def test_identical_images_are_perfect(pair):
    ref, _ = pair
    assert torch.all(create_metric("mse")(ref, ref) == 0)
    torch.testing.assert_close(create_metric("ssim")(ref, ref), torch.ones(3))


def test_every_family_declares_direction_and_source():
    families = {f.name: f for f in list_metrics()}
    assert {"psnr", "mse", "l1", "huber", "ssim", "ms_ssim", "vif", "vifp", "gmsd", "fsim", "fsimc", "haarpsi",
            "mdsi", "vsi"} <= set(families)
    assert families["psnr"].higher_is_better and not families["gmsd"].higher_is_better
    assert all(f.source for f in families.values())
    assert canonical_spec(" L2 ") == "mse"


def test_variants_select_the_convention_and_the_default_is_the_bare_name():
    assert canonical_spec("ssim:matlab") == "ssim" and canonical_spec("SSIM:PIQ") == "ssim:piq"
    assert canonical_spec("psnr:rgb") == "psnr" and canonical_spec("psnr:y") == "psnr:y"
    assert create_metric("ssim").digest() != create_metric("ssim:piq").digest()  # part of the store key
    assert create_metric("vif").digest() != create_metric("vifp").digest()
    with pytest.raises(ValueError, match="variants: matlab, piq"):
        create_metric("ssim:octave")


def test_metrics_are_differentiable(pair):
    ref, dist = pair
    # the MATLAB variants round like MATLAB with a straight-through gradient
    for spec in ("mse", "huber", "ssim", "ms_ssim", "gmsd", "vif", "ssim:piq", "psnr:y"):
        x = dist.clone().requires_grad_(True)
        create_metric(spec)(ref, x).sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_unknown_metric_lists_valid_names():
    with pytest.raises(UnknownNameError) as info:
        create_metric("nosuch")
    assert "psnr" in str(info.value) and "valid metrics" in str(info.value)


def test_bad_arguments_and_inputs_are_named():
    with pytest.raises(ValueError, match="takes no argument"):
        create_metric("mse:3")
    with pytest.raises(ValueError, match="delta"):
        create_metric("huber:abc")
    metric = create_metric("mse")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metric(torch.zeros(1, 3, 8, 8), torch.full((1, 3, 8, 8), 2.0))
    with pytest.raises(ValueError, match="N×3×H×W"):
        metric(torch.zeros(3, 8, 8), torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="shapes differ"):
        metric(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 9))
    with pytest.raises(TypeError, match="float"):
        metric(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
