"""The contextual loss (metrics/contextual.py) against a plain loop, and its deterministic sampling of large layers."""
import math

import pytest
import torch

from iqa_bench.metrics.contextual import contextual_loss


def _contextual_loop(x, y, h=0.5):
    """The contextual loss written with plain loops, for one image's C×P features."""
    c, p = x.shape
    mu = [sum(y[k, j] for j in range(p)) / p for k in range(c)]
    xs = [[x[k, i] - mu[k] for k in range(c)] for i in range(p)]
    ys = [[y[k, j] - mu[k] for k in range(c)] for j in range(p)]
    norm = lambda v: math.sqrt(sum(a * a for a in v))  # noqa: E731
    d = [[1 - sum(a * b for a, b in zip(xi, yj)) / (norm(xi) * norm(yj)) for yj in ys] for xi in xs]
    rel = [[d[i][j] / (min(d[i]) + 1e-5) for j in range(p)] for i in range(p)]
    w = [[math.exp((1 - rel[i][j]) / h) for j in range(p)] for i in range(p)]
    a = [[w[i][j] / sum(w[i]) for j in range(p)] for i in range(p)]
    cx = sum(max(a[i][j] for i in range(p)) for j in range(p)) / p
    return -math.log(cx)


def test_cx_equals_a_plain_loop_implementation():
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(2, 4, 3, 3, generator=gen, dtype=torch.float64)
    y = torch.rand(2, 4, 3, 3, generator=gen, dtype=torch.float64)
    ours = contextual_loss(x, y)
    for n in range(2):
        expected = _contextual_loop(x[n].flatten(1), y[n].flatten(1))
        assert ours[n].item() == pytest.approx(expected, rel=1e-9)
    assert contextual_loss(y, y).abs().max() < 1e-6  # identical features: CX = 1


def test_cx_samples_large_layers_deterministically():
    x, y = torch.rand(1, 2, 70, 70), torch.rand(1, 2, 70, 70)
    assert torch.equal(contextual_loss(x, y), contextual_loss(x, y))
