"""GPU-path options on the sample: bf16 autocast within a stated tolerance of fp32; channels-last equal."""
import numpy as np
import pytest
from scipy import stats

from iqa_bench import create_metric
from iqa_bench.engine import Engine, score_digest
from iqa_bench.store import ScoreStore

SPECS = ["lp:efficientnet_lite0/block4_expand_relu", "cx:efficientnet_lite0/block4", "ssim"]
#: Stated tolerance of bf16 autocast (8-bit mantissa in the backbone): every item's deviation from
#: fp32 within 2 % of the metric's range over the sample, median relative deviation below 2 %, and
#: the ranking of items kept (Spearman ≥ 0.99).
MAX_OF_RANGE, MEDIAN_REL, MIN_RANK_AGREEMENT = 0.02, 0.02, 0.99


def _scores(items, tmp_path, name, **options):
    metrics = [create_metric(s) for s in SPECS]
    with ScoreStore(tmp_path / f"{name}.sqlite") as store:
        report = Engine(metrics, store, device="cpu", batch_size=8, progress=False, **options).run("s", items)
        assert not report.failures
        return {m.spec: store.scores("s", m.spec, score_digest(m, options.get("amp"))) for m in metrics}


@pytest.mark.slow
def test_bf16_and_channels_last_stay_within_tolerance(sample_items, tmp_path):
    items = sample_items[::3]
    full = _scores(items, tmp_path, "fp32")
    bf16 = _scores(items, tmp_path, "bf16", amp="bf16")
    nhwc = _scores(items, tmp_path, "nhwc", channels_last=True)
    ids = [it.item_id for it in items]
    for spec in SPECS[:2]:
        a = np.array([full[spec][i] for i in ids])
        b = np.array([bf16[spec][i] for i in ids])
        assert np.abs(b - a).max() <= MAX_OF_RANGE * np.ptp(a), spec
        assert np.median(np.abs(b - a) / np.abs(a)) < MEDIAN_REL, spec
        assert stats.spearmanr(a, b)[0] >= MIN_RANK_AGREEMENT, spec
        np.testing.assert_allclose([nhwc[spec][i] for i in ids], a, rtol=1e-4)
    assert [bf16["ssim"][i] for i in ids] == [full["ssim"][i] for i in ids]  # no backbone: untouched
    assert score_digest(create_metric(SPECS[0]), "bf16").endswith("-amp-bf16")
