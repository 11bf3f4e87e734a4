"""Adversarial feature matching (learned/afm.py): the softmax weights, the content loss's normalisation, the
training softmax over the batch-level losses, the pre-activation features of eight convolutions."""

import torch

from iqa_bench import create_metric
from iqa_bench.learned.afm import SoftmaxContentLoss, SRGANDiscriminator, load_checkpoint, save_checkpoint

from conftest import photo


def test_softmax_weights_sum_to_one_and_carry_no_gradient(tmp_path):
    torch.manual_seed(0)
    loss = SoftmaxContentLoss(SRGANDiscriminator().eval())
    target = torch.rand(2, 3, 48, 48)
    estimate = (target + 0.1 * torch.randn_like(target)).clamp(0, 1).requires_grad_(True)
    loss.calibrate(estimate.detach(), target)
    terms = loss.terms(estimate, target)
    assert torch.allclose(terms.detach().mean(0), torch.ones(8), atol=1e-5)  # calibrated to one scale
    weights = loss.weights(terms)
    assert not weights.requires_grad
    torch.testing.assert_close(weights.sum(1), torch.ones(2))
    total = loss(estimate, target).sum()
    grad, = torch.autograd.grad(total, estimate)
    manual, = torch.autograd.grad((weights * loss.terms(estimate, target)).sum(), estimate)
    torch.testing.assert_close(grad, manual)
    path = save_checkpoint(loss, tmp_path / "afm.pt")
    metric = create_metric(f"afm:{path}")
    torch.testing.assert_close(metric(target, estimate.detach()), loss(estimate.detach(), target))
    assert load_checkpoint(path).scales.tolist() == loss.scales.tolist()


def _trained_discriminator():
    """A discriminator in training mode whose BatchNorm running statistics are not the defaults."""
    torch.manual_seed(1)
    discriminator = SRGANDiscriminator().train()
    with torch.no_grad():
        for _ in range(3):
            discriminator(torch.rand(4, 3, 48, 48) * 0.5 + 0.25)
    return discriminator


def test_content_loss_normalises_estimate_and_target_alike_and_leaves_running_statistics_alone():
    discriminator = _trained_discriminator()
    loss = SoftmaxContentLoss(discriminator)
    norms = [m for m in discriminator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    running = [(m.running_mean.clone(), m.running_var.clone(), int(m.num_batches_tracked)) for m in norms]
    target = photo("astronaut", 48).repeat(2, 1, 1, 1)
    dimmer = 0.5 * target + 0.25          # a global contrast change: per-batch BatchNorm would hide it
    terms = loss.terms(dimmer, target)
    assert terms[:, 1:].min() > 1e-3      # joint statistics: the change is still seen after BatchNorm
    assert discriminator.training          # the caller's mode is kept
    for m, (mean, var, count) in zip(norms, running):
        assert torch.equal(m.running_mean, mean) and torch.equal(m.running_var, var)
        assert int(m.num_batches_tracked) == count
    # evaluation mode (a trained checkpoint as the afm: metric): an image's value is independent of its batch
    loss.discriminator.eval()
    estimate = (target.repeat(2, 1, 1, 1) + 0.05 * torch.randn(4, 3, 48, 48)).clamp(0, 1)
    together = loss.terms(estimate, target.repeat(2, 1, 1, 1))
    apart = torch.cat([loss.terms(estimate[:2], target), loss.terms(estimate[2:], target)])
    torch.testing.assert_close(together, apart)


def test_training_softmax_is_over_the_batch_level_losses():
    loss = SoftmaxContentLoss(_trained_discriminator())
    target = photo("chelsea", 48).repeat(3, 1, 1, 1)
    estimate = (target + torch.tensor([0.02, 0.1, 0.3]).view(3, 1, 1, 1) * torch.randn_like(target)).clamp(0, 1)
    estimate.requires_grad_(True)
    terms = loss.terms(estimate, target)
    batch = terms.mean(0)
    expected = (torch.softmax(batch.detach(), 0) * batch).sum()
    value = loss.batch_loss(estimate, target)
    torch.testing.assert_close(value, expected)
    per_image_softmax = loss(estimate, target).mean()
    assert abs(value.item() - per_image_softmax.item()) > 1e-4 * abs(value.item())
    grad, = torch.autograd.grad(value, estimate)
    manual, = torch.autograd.grad((torch.softmax(batch.detach(), 0) * loss.terms(estimate, target).mean(0)).sum(),
                                  estimate)
    torch.testing.assert_close(grad, manual)


def test_pre_activation_features_of_eight_convs():
    d = SRGANDiscriminator()
    features = d.features(torch.rand(1, 3, 96, 96))
    assert [f.shape[1] for f in features] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert features[-1].shape[-1] == 6 and (features[0] < 0).any()  # before LeakyReLU
    assert d(torch.rand(2, 3, 96, 96)).shape == (2,)
