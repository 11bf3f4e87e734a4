"""LPIPS (metrics/lpips_metric.py) equal to the lpips package's own forward, and the parity check failing on an
input-scale error."""
import lpips
import pytest
import torch

from iqa_bench import create_metric

from conftest import noisy_pair


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(1, (2, 3, 64, 80), 0.1)


def _lpips_twins(net):
    """Our lpips metric and the package's, sharing one random backbone whose conv biases are non-zero:
    with zero biases a ReLU network is positively homogeneous, so LPIPS's channel normalisation would
    hide an input-scale error."""
    ours = create_metric(f"lpips:{net}:random")
    gen = torch.Generator().manual_seed(7)
    features = ours.backbone.model.features
    with torch.no_grad():
        for module in features.modules():
            if isinstance(module, torch.nn.Conv2d) and module.bias is not None:
                module.bias.copy_(0.2 * torch.randn(module.bias.shape, generator=gen))
    theirs = lpips.LPIPS(net=net, pnet_rand=True, verbose=False).eval()
    slices = [getattr(theirs.net, f"slice{k}") for k in range(1, theirs.net.N_slices + 1)]
    for part in slices:  # give the package the same (random) backbone weights as ours
        for name, module in part.named_children():
            module.load_state_dict(features[int(name)].state_dict())
    return ours, theirs


def _lpips_parity(ours, theirs, ref, dist):
    with torch.no_grad():
        mine, package = ours(ref, dist), theirs(ref, dist, normalize=True).flatten()
    assert package.min() > 1e-3  # values large enough for a relative comparison to mean something
    torch.testing.assert_close(mine, package, rtol=1e-4, atol=0)


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_lpips_equals_the_lpips_package(net, pair):
    ref, dist = pair
    _lpips_parity(*_lpips_twins(net), ref, dist)


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_lpips_parity_fails_on_an_input_scale_error(net, pair, monkeypatch):
    """The parity test can fail: our backbone fed twice its normalised input (a ×2 scale error) is caught.
    (The backbone is the process's shared instance: the error is undone after the test.)"""
    ref, dist = pair
    ours, theirs = _lpips_twins(net)
    monkeypatch.setattr(ours.backbone, "std", ours.backbone.std / 2)
    with pytest.raises(AssertionError):
        _lpips_parity(ours, theirs, ref, dist)


def _engine_scores(ours, items, cache=True):
    """``ours`` through the engine (batches of 4, the reference cache on or off): item -> score."""
    import tempfile
    from pathlib import Path

    from iqa_bench.engine import Engine
    from iqa_bench.store import ScoreStore

    with tempfile.TemporaryDirectory() as folder, ScoreStore(Path(folder) / "s.sqlite") as store:
        engine = Engine([ours], store, device="cpu", batch_size=4, progress=False, reuse_references=cache)
        report = engine.run("t", items)
        assert not report.failures, report.failures
        return store.scores("t", ours.spec, ours.digest())


def _package_scores(theirs, items):
    from iqa_bench.images import load_rgb

    with torch.no_grad():
        return {it.item_id: theirs(load_rgb(it.ref_path)[None], load_rgb(it.dist_path)[None], normalize=True).item()
                for it in items}


@pytest.fixture(scope="module")
def sample_items():
    """Ten real photograph pairs of the embedded sample: five distortions (level 5) of each of two references of one
    size (coffee, rocket: 171×256), so batches of 4 hold one reference (its features broadcast) or both
    (stacked), and a reference is kept across batches."""
    from iqa_bench.datasets import create_dataset

    items = create_dataset("sample").items()
    return [it for name in ("coffee.png", "rocket.png") for it in items if it.ref_path.name == name][4::5]


@pytest.mark.parametrize("net", ["alex", "squeeze", pytest.param("vgg", marks=pytest.mark.slow)])
def test_lpips_through_the_engine_equals_the_package_on_real_images(net, sample_items):
    """Each image's channel normalisation computed once (a reference's once for all its pairs), the
    per-pair distance as a per-channel mean and a dot product: the package's ``LPIPS.forward``, pair by
    pair, to 1e-6, with the reference cache on and off."""
    ours, theirs = _lpips_twins(net)
    package = _package_scores(theirs, sample_items)
    assert min(package.values()) > 1e-4  # level 5 of five distortions: values 1e-4 … 1e-2 (random weights)
    for cache in (True, False):
        mine = _engine_scores(ours, sample_items, cache)
        assert mine.keys() == package.keys()
        assert max(abs(mine[k] - package[k]) for k in package) < 1e-6, (cache, net)
        assert max(abs(mine[k] / package[k] - 1) for k in package) < 1e-4, (cache, net)


def test_engine_parity_fails_when_a_reference_is_taken_for_another(sample_items, monkeypatch):
    """The parity test can fail: a reference cache that hands one reference's normalised features to the
    other reference's pairs (every reference under one key) is caught."""
    import iqa_bench.engine as engine

    ours, theirs = _lpips_twins("alex")
    package = _package_scores(theirs, sample_items)
    real = engine.shared_features
    monkeypatch.setattr(engine, "shared_features", lambda *args: real(*args[:5], ["one"] * len(args[5]), args[6]))
    mine = _engine_scores(ours, sample_items)
    assert max(abs(mine[k] - package[k]) for k in package) > 1e-3
