"""The training losses (training/losses.py): a loss expression parsed into its terms and weights."""
import pytest
import torch

from iqa_bench.training.losses import LossExpression, parse_loss


def test_loss_expression_parsing():
    terms = parse_loss("0.01*l1 + 1*lp:vgg19/relu5_4 + 3e-5*dec")
    assert [(t.weight, t.spec) for t in terms] == [(0.01, "l1"), (1.0, "lp:vgg19/relu5_4"), (3e-5, "dec")]
    assert [t.spec for t in parse_loss("mdf:sisr")] == ["mdf:sisr"]
    with pytest.raises(ValueError, match="adv/afm"):
        LossExpression("1*huber + 0.005*adv")
    sr, hr = torch.rand(2, 3, 32, 32, requires_grad=True), torch.rand(2, 3, 32, 32)
    total = LossExpression("0.9*l2 + 0.1*ssim")(sr, hr)
    from iqa_bench import create_metric

    expected = 0.9 * ((sr - hr) ** 2).mean() + 0.1 * (1 - create_metric("ssim")(hr, sr)).mean()
    torch.testing.assert_close(total, expected)
