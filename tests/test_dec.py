"""DECLoss on natural photographs (the degenerate mask was invisible on uniform noise), its temperatures,
and the `dec` metric as a function of the pair alone (batch size and resume do not change it)."""
import numpy as np
import pytest
import torch
from torchvision.transforms.functional import gaussian_blur

from iqa_bench import create_metric
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine
from iqa_bench.metrics.dec import dec_loss, dec_per_image, dec_terms
from iqa_bench.store import ScoreStore

from conftest import photo, write_image

PHOTOS = ("astronaut", "coffee", "chelsea")


@pytest.mark.parametrize("name", PHOTOS)
def test_dec_orders_ground_truth_below_mild_below_strong_blur(name):
    hr = photo(name, 128)
    candidates = [hr, gaussian_blur(hr, 9, 1.0), gaussian_blur(hr, 15, 2.5)]
    per_image = [float(dec_per_image(sr, hr)) for sr in candidates]
    assert per_image[0] < per_image[1] < per_image[2]
    batch = [float(dec_loss(sr, hr)) for sr in candidates]
    assert batch[0] < batch[1] < batch[2]
    # the split is meaningful: some HR-HR pairs are positive and some negative (not all one side)
    terms = dec_terms(hr, hr)
    assert torch.isfinite(terms).all() and terms.abs().max() < 20


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "camera"])
def test_adam_on_dec_from_a_blurred_start_moves_towards_the_ground_truth(name):
    hr = photo(name, 96)
    start = gaussian_blur(hr, 9, 1.5)
    sr = start.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([sr], lr=3e-4)
    for _ in range(300):
        optimiser.zero_grad()
        dec_loss(sr, hr).backward()
        optimiser.step()
    before = float(((start - hr) ** 2).mean())
    after = float(((sr.detach() - hr) ** 2).mean())
    assert after < 0.9 * before


def test_the_temperatures_change_the_gradient_not_only_the_value():
    hr = photo("astronaut", 64)
    sr = gaussian_blur(hr, 9, 1.5).requires_grad_(True)
    grads = []
    for t_pos, t_neg in ((0.5, 1.5), (2.0, 1.5), (0.5, 4.0)):
        grad, = torch.autograd.grad(dec_loss(sr, hr, t_pos=t_pos, t_neg=t_neg), sr)
        grads.append(grad.flatten())
    for other in grads[1:]:
        cosine = torch.nn.functional.cosine_similarity(grads[0], other, dim=0)
        assert cosine < 0.999  # a different direction, not a rescaled or identical gradient


def test_the_literal_mask_reading_is_available_and_degenerate_on_photographs():
    hr = photo("chelsea", 64)
    literal = dec_terms(hr, hr, mask_domain="enhanced")
    assert (literal < -30).all()  # Q_neg empty: clamped, the failure the default reading avoids
    with pytest.raises(ValueError, match="mask_domain"):
        dec_terms(hr, hr, mask_domain="spectrum")


def test_the_dec_metric_is_a_function_of_the_pair_alone(tmp_path):
    items = []
    for k, name in enumerate(("astronaut", "coffee", "chelsea", "camera", "rocket")):
        hr = photo(name, 64)
        sr = gaussian_blur(hr, 9, 1.0 + 0.3 * k)
        to_uint8 = lambda t: (t[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)  # noqa: E731
        items.append(Item(name, write_image(tmp_path / f"{name}_ref.png", to_uint8(hr)),
                          write_image(tmp_path / f"{name}_sr.png", to_uint8(sr)), float(k), {}))
    metric = create_metric("dec")
    scores = {}
    for label, batch_size, first in (("batch4", 4, None), ("batch1", 1, None), ("resumed", 3, items[1:3])):
        with ScoreStore(tmp_path / f"{label}.sqlite") as store:
            engine = Engine([metric], store, device="cpu", batch_size=batch_size, progress=False)
            if first:
                engine.run("t", first)
            report = engine.run("t", items)
            assert not report.failures
            scores[label] = store.scores("t", metric.spec, metric.digest())
    for label in ("batch1", "resumed"):
        for item in items:
            assert scores[label][item.item_id] == pytest.approx(scores["batch4"][item.item_id], rel=1e-5)
