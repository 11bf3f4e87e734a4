"""The optional pyiqa bridge (metrics/pyiqa_bridge.py): pyiqa missing is one line and the other metrics run, spec
errors name the problem, values equal pyiqa's own call and are stored."""
import re

import numpy as np
import pandas as pd
import pytest
import torch

from iqa_bench.errors import MetricUnavailableError
from iqa_bench.images import load_rgb
from iqa_bench.metrics import create_metric

from conftest import run_cli
from dataset_trees import RESULTS_CALIBRA, needs_real_pairs


def test_pyiqa_missing_is_one_line_and_the_other_metrics_run(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "pyiqa", None)  # "not installed"
    with pytest.raises(MetricUnavailableError, match=re.escape('pip install "iqa-bench[pyiqa]"')):
        create_metric("pyiqa:cw_ssim")
    result = run_cli("evaluate", "-m", "psnr,pyiqa:cw_ssim", "--bootstrap", "0", "--no-plots", "--no-progress",
                     "--by", "none", "--results", tmp_path)
    assert result.returncode == 1 and "| PSNR | 150 |" in result.stdout
    assert sum("pyiqa:cw_ssim" in line and "not installed" in line for line in result.stderr.splitlines()) == 1
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    listing = " ".join(run_cli("metrics").stdout.split())  # descriptions wrap at 100 columns
    assert "pyiqa[:<name>[:<key>=<value>,...]]" in listing and "needs `pip install iqa-bench[pyiqa]`" in listing


def test_pyiqa_spec_errors_name_the_problem():
    pytest.importorskip("pyiqa")
    with pytest.raises(ValueError, match="unknown pyiqa full-reference metric 'musiq'.*cw_ssim"):
        create_metric("pyiqa:musiq")  # no-reference: not in the FR list
    with pytest.raises(ValueError, match="key=value"):
        create_metric("pyiqa:ssim:test_y_channel")
    with pytest.raises(ValueError, match="does not accept"):
        create_metric("pyiqa:cw_ssim:no_such_option=1")  # (pyiqa's psnr passes unknown options on)


@needs_real_pairs
@pytest.mark.parametrize("name, options", [("cw_ssim", {}), ("nlpd", {}), ("vif", {})] + [  # vif: asymmetric
    pytest.param(name, options, marks=pytest.mark.slow)
    for name, options in [("ssim", {}), ("psnr", {}), ("ssim", {"test_y_channel": False}), ("mad", {})]])
def test_pyiqa_bridge_equals_pyiqas_own_call(name, options):
    pyiqa = pytest.importorskip("pyiqa")
    ref, dist = load_rgb(RESULTS_CALIBRA / "ref_dir" / "I03.bmp")[None], load_rgb(RESULTS_CALIBRA / "dist_dir" / "I03.bmp")[None]
    if name in ("mad", "ssim"):  # seconds per full image: a 128×128 crop of the same pair
        ref, dist = ref[..., 100:228, 200:328], dist[..., 100:228, 200:328]
    batch_ref, batch_dist = torch.cat([ref, ref]), torch.cat([dist, ref])  # batched, one identical pair
    spec = f"pyiqa:{name}" + (":" + ",".join(f"{k}={v}" for k, v in options.items()) if options else "")
    ours = create_metric(spec)(batch_ref, batch_dist)
    model = pyiqa.create_metric(name, device="cpu", **options)
    theirs = torch.cat([model(dist, ref).flatten(), model(ref, ref).flatten()])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6, rtol=0)
    assert create_metric(spec).higher_is_better == (not model.lower_better)


@pytest.mark.slow
def test_pyiqa_specs_evaluate_on_the_sample_and_store_pyiqa_values(tmp_path):
    pyiqa = pytest.importorskip("pyiqa")
    result = run_cli("evaluate", "-m", "pyiqa:cw_ssim,pyiqa:nlpd", "--bootstrap", "0", "--no-plots",
                     "--no-progress", "--by", "none", "--results", tmp_path)
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(tmp_path / "sample" / "scores.csv")
    run = __import__("json").loads((tmp_path / "sample" / "run.json").read_text())
    assert run["digests"]["pyiqa:nlpd"] == f"pyiqa-{pyiqa.__version__}-nlpd()"
    assert run["higher_is_better"] == {"pyiqa:cw_ssim": True, "pyiqa:nlpd": False}
    from iqa_bench.datasets import create_dataset

    items = {it.item_id: it for it in create_dataset("sample").items()}
    models = {n: pyiqa.create_metric(n, device="cpu") for n in ("cw_ssim", "nlpd")}
    for row in scores.sample(4, random_state=0).itertuples():
        item = items[row.item]
        ref, dist = load_rgb(item.ref_path)[None], load_rgb(item.dist_path)[None]
        for name, model in models.items():
            assert scores.loc[row.Index, f"pyiqa:{name}"] == pytest.approx(model(dist, ref).item(), abs=1e-6)
