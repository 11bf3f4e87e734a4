"""MDF (official discriminators, phase-1 training), adversarial feature matching, DECLoss and ICOO."""
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from iqa_bench import create_metric
from iqa_bench.learned.afm import SRGANDiscriminator, SoftmaxContentLoss, load_checkpoint, save_checkpoint
from iqa_bench.learned.singan import WDiscriminator, load_discriminators, save_discriminators
from iqa_bench.metrics.dec import dec_loss, enhance_high_frequencies, icoo

from conftest import SHARED_DATA, photo, run_cli

MDF_DATA = SHARED_DATA / "mdf"
needs_mdf = pytest.mark.skipif(not MDF_DATA.is_dir(), reason=f"MDF authors' files not available: {MDF_DATA} is absent")


@needs_mdf
def test_official_files_load_into_the_documented_architecture():
    sisr = load_discriminators(MDF_DATA / "Ds_SISR.pth")
    jpeg = load_discriminators(MDF_DATA / "Ds_JPEG.pth")
    assert [d.head.conv.out_channels for d in sisr] == [32] * 4 + [64] * 4 + [128]
    assert len(jpeg) == 8
    for d in sisr:
        assert isinstance(d, WDiscriminator) and not d.training
        assert [name for name, _ in d.body.named_children()] == ["block1", "block2", "block3"]
        assert d.head.conv.kernel_size == (3, 3) and d.head.conv.padding == (0, 0) and d.tail.out_channels == 1
        assert d.head.norm.eps == 1e-5 and d.head.LeakyRelu.negative_slope == 0.2
    # every tensor of the file is used: the unpickled modules' state equals ours key for key
    import iqa_bench.learned.singan as singan

    raw = torch.load(MDF_DATA / "Ds_SISR.pth", map_location="cpu", pickle_module=singan.restricted_pickle,
                     weights_only=False)
    for original, ours in zip(raw, sisr):
        a, b = original.state_dict(), ours.state_dict()
        assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_restricted_unpickler_refuses_other_globals(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pth"
    torch.save([Evil()], path, _use_new_zipfile_serialization=False, pickle_module=pickle)
    with pytest.raises(ValueError, match=r"refusing to load (__builtin__|builtins)\.print"):
        load_discriminators(path)


def test_own_format_round_trip(tmp_path):
    torch.manual_seed(0)
    discs = [WDiscriminator(32).eval(), WDiscriminator(64).eval()]
    path = save_discriminators(discs, tmp_path / "d.pth")
    back = load_discriminators(path)
    x = torch.rand(1, 3, 24, 24)
    for a, b in zip(discs, back):
        torch.testing.assert_close(a(x), b(x))


@needs_mdf
def test_mdf_is_zero_for_identical_images_and_grows_with_noise():
    metric = create_metric("mdf:" + str(MDF_DATA / "Ds_SISR.pth"))
    image = torch.from_numpy(np.asarray(Image.open(MDF_DATA / "example" / "i10.png").convert("RGB"),
                                        dtype=np.float32) / 255).permute(2, 0, 1)[None][..., :96, :128]
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(image.shape, generator=gen)
    values = [metric(image, (image + s * noise).clamp(0, 1)).item() for s in (0.0, 0.02, 0.05, 0.1)]
    assert values[0] == pytest.approx(0.0, abs=1e-8)
    assert values[1] < values[2] < values[3]


@needs_mdf
@pytest.mark.slow
def test_mdf_reproduces_the_authors_first_steps():
    """The first steps of the authors' optimisation curve within 0.05 dB (100 steps: the benchmark)."""
    from benchmarks.mdf_reference import reproduce

    ours, theirs = reproduce(MDF_DATA, steps=3, device=torch.device("cpu"), log=lambda *_: None)
    assert np.max(np.abs(ours - theirs)) < 0.05


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


def test_dec_loss_decreases_as_sr_moves_towards_hr():
    gen = torch.Generator().manual_seed(0)
    hr = torch.rand(4, 3, 32, 32, generator=gen)
    noise = torch.rand(hr.shape, generator=gen)
    values = [dec_loss(hr + t * (noise - hr), hr).item() for t in (1.0, 0.6, 0.3, 0.0)]
    assert values == sorted(values, reverse=True) and values[0] > values[-1]


def test_high_frequency_enhancement_suppresses_the_mean():
    flat = torch.full((1, 3, 16, 16), 0.7)
    assert enhance_high_frequencies(flat).abs().max() < 0.7 * np.exp(-2) + 1e-6


def test_icoo_orders_sharp_below_blurred(sample_items):
    """Lower ICOO = less centre-oriented (sharper) output, as the paper's tables read (↓ ICOO)."""
    from scipy.ndimage import gaussian_filter

    refs = sorted({it.ref_path for it in sample_items})
    hr = [torch.from_numpy(np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]
          for p in refs]
    blurred = [torch.from_numpy(gaussian_filter(h[0].numpy(), (0, 2, 2))).unsqueeze(0) for h in hr]
    sharp = [(h + 0.02 * torch.randn(h.shape, generator=torch.Generator().manual_seed(1))).clamp(0, 1) for h in hr]
    assert icoo(sharp, hr) < icoo(blurred, hr)
    assert icoo(sharp, hr, seed=3) == icoo(sharp, hr, seed=3)


def test_mdf_train_smoke_gives_a_loadable_loss(tmp_path, sample_items):
    seed = tmp_path / "seed.png"
    Image.open(sample_items[0].ref_path).resize((48, 40)).save(seed)
    result = run_cli("mdf-train", "--seed-image", seed, "--task", "jpeg", "--scales", "2", "--iters", "2",
                     "--checkpoint-every", "1", "-o", tmp_path / "out", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / "discriminators.pth"
    assert len(load_discriminators(path)) == 2
    metric = create_metric(f"mdf:{path}")
    x = torch.rand(1, 3, 32, 32)
    assert metric(x, x).item() == pytest.approx(0.0, abs=1e-8) and metric(x, (x * 0.5)).item() > 1e-6
    again = run_cli("mdf-train", "--seed-image", seed, "--task", "jpeg", "--scales", "2", "--iters", "2",
                    "--checkpoint-every", "1", "-o", tmp_path / "out", "--device", "cpu")
    assert again.returncode == 0  # resumes: both scales already done
    too_small = run_cli("mdf-train", "--seed-image", seed, "--scales", "4", "--iters", "1", "-o", tmp_path / "x")
    assert too_small.returncode == 2 and "too small" in too_small.stderr


@needs_mdf
def test_official_mdf_files_are_verified_by_digest_and_denoise_is_the_sisr_file(tmp_path, monkeypatch):
    import shutil

    from iqa_bench.metrics.mdf import OFFICIAL_SHA256, resolve_weights

    assert OFFICIAL_SHA256["Ds_SISR.pth"] == OFFICIAL_SHA256["Ds_Denoising.pth"]  # one blob upstream
    folder = tmp_path / "weights"
    folder.mkdir()
    shutil.copy(SHARED_DATA / "mdf" / "Ds_SISR.pth", folder / "Ds_SISR.pth")
    shutil.copy(SHARED_DATA / "mdf" / "Ds_SISR.pth", folder / "Ds_JPEG.pth")  # the wrong file, official name
    monkeypatch.setenv("IQA_BENCH_MDF_WEIGHTS", str(folder))
    assert resolve_weights("denoise") == folder / "Ds_SISR.pth"
    ref = photo("astronaut", 48)
    dist = (ref + 0.05 * torch.randn_like(ref)).clamp(0, 1)
    sisr, denoise = create_metric("mdf:sisr"), create_metric("mdf:denoise")
    assert sisr.digest() == denoise.digest()
    torch.testing.assert_close(sisr(ref, dist), denoise(ref, dist))
    with pytest.raises(ValueError, match="is not the authors' Ds_JPEG.pth: SHA-256 69ff954e399176a4"):
        resolve_weights("jpeg")
    assert "same weights upstream" in run_cli("metrics").stdout


@needs_mdf
def test_the_mdf_folder_of_a_run_is_passed_down_not_set_in_the_environment(tmp_path, monkeypatch):
    """``--mdf-weights`` reaches the metric as an argument: the run leaves ``os.environ`` as it found it,
    and the folder given wins over ``$IQA_BENCH_MDF_WEIGHTS``."""
    import os
    import shutil

    from iqa_bench.api import evaluate
    from iqa_bench.metrics.mdf import MDF_ENV, resolve_weights
    from fault_helpers import make_set

    folder = tmp_path / "weights"
    folder.mkdir()
    shutil.copy(SHARED_DATA / "mdf" / "Ds_SISR.pth", folder / "Ds_SISR.pth")
    monkeypatch.setenv(MDF_ENV, str(tmp_path / "elsewhere"))  # an empty folder the user once named
    assert resolve_weights("sisr", folder) == folder / "Ds_SISR.pth"
    assert create_metric("mdf:sisr", weights_folder=folder).digest() == create_metric(
        f"mdf:{folder / 'Ds_SISR.pth'}").digest()
    result = evaluate("custom", ["mdf:sisr"], root=str(make_set(tmp_path / "set", n=4, size=(32, 32))),
                      results=str(tmp_path / "res"), mdf_weights=str(folder), bootstrap=0, plots=False,
                      progress=False)
    assert not result.failures and result.scores["mdf:sisr"].notna().all()
    assert os.environ[MDF_ENV] == str(tmp_path / "elsewhere")
