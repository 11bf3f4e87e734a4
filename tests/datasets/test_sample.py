import hashlib
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from iqa_bench.datasets import create_dataset
from iqa_bench.datasets.sample import SEVERITY_NOTE, generate_sample
from iqa_bench.datasets.synthetic_distortions import DISTORTIONS


def test_sample_layout_and_scores(sample_items):
    assert len(sample_items) == 150
    assert Counter(it.groups["distortion"] for it in sample_items) == {k: 30 for k in DISTORTIONS}
    assert len({it.groups["reference"] for it in sample_items}) == 6
    assert sorted({it.score for it in sample_items}) == [20.0, 40.0, 60.0, 80.0, 100.0]
    assert all(it.ref_path.exists() and it.dist_path.exists() for it in sample_items)
    ds = create_dataset("sample")
    assert SEVERITY_NOTE in ds.score.describe() and "not human opinion" in SEVERITY_NOTE


def test_sample_sizes_vary_and_fit_ms_ssim(sample_items):
    sizes = {Image.open(it.ref_path).size for it in sample_items}
    assert len(sizes) >= 3
    assert all(max(s) == 256 and min(s) > 160 for s in sizes)


def _psnr(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return 10 * np.log10(255 ** 2 / np.mean((a - b) ** 2))


def test_distortion_levels_are_monotone_in_psnr(sample_items):
    by_key = {(it.groups["reference"], it.groups["distortion"], it.score): it for it in sample_items}
    for (ref_name, dist_name, _), _item in list(by_key.items())[:: 5]:
        ref = Image.open(by_key[(ref_name, dist_name, 20.0)].ref_path).convert("RGB")
        values = [_psnr(ref, Image.open(by_key[(ref_name, dist_name, s)].dist_path).convert("RGB"))
                  for s in (20.0, 60.0, 100.0)]
        assert values[0] > values[2], (ref_name, dist_name, values)


@pytest.mark.slow
def test_generation_is_deterministic(sample_items, tmp_path):
    again = generate_sample(tmp_path / "again")
    for item in sample_items[::7]:
        first = hashlib.sha256(item.dist_path.read_bytes()).hexdigest()
        second = hashlib.sha256((again / "distorted" / item.dist_path.name).read_bytes()).hexdigest()
        assert first == second, item.item_id
