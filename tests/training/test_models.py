"""SR models (training/models.py): each upscales by four, their sizes the papers'."""
import pytest
import torch

from iqa_bench.errors import UnknownNameError
from iqa_bench.training.models import MODELS, create_model


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_upscale_by_four(name):
    model = create_model(name, scale=4)
    if name == "srgan_discriminator":
        assert model(torch.rand(2, 3, 96, 96)).shape == (2,)
    else:
        assert model(torch.rand(1, 3, 8, 10)).shape == (1, 3, 32, 40)


def test_model_sizes_match_the_papers():
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert abs(count(create_model("vdsr")) - 665_000) < 10_000      # VDSR: 0.665M
    assert abs(count(create_model("edsr")) - 43.1e6) < 0.2e6        # EDSR: 43M
    assert abs(count(create_model("rrdb")) - 16.7e6) < 0.1e6        # ESRGAN RRDB: 16.7M
    with pytest.raises(UnknownNameError, match="vdsr"):
        create_model("srcnn")
