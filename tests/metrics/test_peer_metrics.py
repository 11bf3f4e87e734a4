"""Every full-reference metric the peers offer: piq's whole FR set through the registry (equal to piq's own
call, and to the MATLAB values piq's tests quote), weighted piq modules loading from the cache or failing
offline in one line, the pyiqa bridge equal to pyiqa's own call, and the weights manifest."""
import re
import urllib.error

import numpy as np
import pandas as pd
import piq
import pytest
import torch

from iqa_bench.metrics import weight_manifest as manifest
from iqa_bench.metrics.mdf import MDF_ENV
from iqa_bench.errors import MetricUnavailableError
from iqa_bench.images import load_rgb
from iqa_bench.metrics import create_metric

from conftest import SHARED_DATA, run_cli

TID = SHARED_DATA / "iqa" / "tid2013"
PIQ_PAIR = TID / "photosynthesis-team+piq" / "tests" / "assets"
RC = TID / "chaofengc+IQA-PyTorch" / "ResultsCalibra"
needs_pairs = pytest.mark.skipif(not (PIQ_PAIR / "I01.BMP").is_file() or not (RC / "ref_dir").is_dir(),
                                 reason=f"real TID2013 pairs not present ({TID}: ../shared/data is absent)")


@pytest.fixture(scope="module")
def i01():
    return load_rgb(PIQ_PAIR / "I01.BMP")[None], load_rgb(PIQ_PAIR / "i01_01_5.bmp")[None]


@needs_pairs
@pytest.mark.parametrize("spec, function, kwargs, reference_first", [
    ("iw_ssim", piq.information_weighted_ssim, {}, True),
    ("ms_gmsd", piq.multi_scale_gmsd, {"chromatic": False}, False),
    ("ms_gmsdc", piq.multi_scale_gmsd, {"chromatic": True}, False),
    ("srsim", piq.srsim, {"chromatic": False, "gaussian_size": 9}, False),
    ("srsimc", piq.srsim, {"chromatic": True, "gaussian_size": 9}, False),
    ("srsim:piq", piq.srsim, {"chromatic": False}, False),
    ("srsimc:piq", piq.srsim, {"chromatic": True}, False),
    ("dss", piq.dss, {}, False),
])
def test_piq_weight_free_measures_equal_piqs_own_call(i01, spec, function, kwargs, reference_first):
    ref, dist = i01
    x, y = (ref, dist) if reference_first else (dist, ref)
    expected = function(x, y, data_range=1.0, reduction="none", **kwargs)
    assert create_metric(spec)(ref, dist).item() == pytest.approx(expected.item(), abs=1e-7)


@needs_pairs
def test_iw_ssim_and_srsim_reproduce_the_matlab_values_piqs_tests_quote(i01):
    """piq's tests: iwssim.m gives 0.946804801436296 and SR_SIM.m 0.96667468 on I01 / i01_01_5. IW-SSIM is
    asymmetric (the original is iwssim.m's first argument): the distorted image first gives 0.94624."""
    ref, dist = i01
    assert create_metric("iw_ssim")(ref, dist).item() == pytest.approx(0.946804801436296, abs=1e-5)
    assert create_metric("srsim")(ref, dist).item() == pytest.approx(0.96667468, abs=1e-5)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty torch hub cache and no network (a machine with internet would otherwise download)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("network unreachable (test)")
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    return tmp_path / "torch" / "hub" / "checkpoints"


@pytest.mark.parametrize("spec, file", [("pieapp", "PieAPPv0.1.pth"), ("dists", "vgg16-397923af.pth"),
                                        ("content", "vgg16-397923af.pth"),
                                        ("style:vgg19/relu4_2+relu5_1", "vgg19-dcbb9e9d.pth")])
def test_weighted_piq_metrics_offline_say_where_the_file_comes_from(empty_cache, spec, file):
    with pytest.raises(MetricUnavailableError) as err:
        create_metric(spec)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{spec}: weight file {file}")
    assert f"iqa-bench weights --prefetch {spec}" in message and str(empty_cache / file) in message


def test_pieapp_loads_from_the_cache_through_piq(empty_cache):
    """A file in torch hub's cache is what piq itself loads: our pieapp equals piq.PieAPP on it."""
    from piq.pieapp import PieAPPModel

    torch.manual_seed(0)
    state = PieAPPModel().state_dict()
    state["ref_score_subtract.weight"] = state["ref_score_subtract.weight"].squeeze(1)  # as released
    empty_cache.mkdir(parents=True)
    torch.save(state, empty_cache / "PieAPPv0.1.pth")
    ref = torch.rand(2, 3, 96, 96, generator=torch.Generator().manual_seed(1))
    dist = (ref + 0.1 * torch.randn(ref.shape, generator=torch.Generator().manual_seed(2))).clamp(0, 1)
    ours = create_metric("pieapp")(ref, dist)
    assert torch.equal(ours, piq.PieAPP(reduction="none", data_range=1.0)(dist, ref))


@pytest.mark.slow
def test_new_piq_specs_on_the_sample_and_an_offline_one_reported(empty_cache, tmp_path):
    result = run_cli("evaluate", "-m", "iw_ssim,dss,srsim,ms_gmsd,fsimc,pieapp", "--bootstrap", "0", "--no-plots",
                     "--no-progress", "--results", tmp_path / "results")
    assert result.returncode == 1  # pieapp unavailable; every other metric computed
    summary = pd.read_csv(tmp_path / "results" / "sample" / "summary.csv")
    overall = summary[summary["group"] == "all"].set_index("metric")
    for spec in ("iw_ssim", "dss", "srsim", "ms_gmsd", "fsimc"):
        assert overall.loc[spec, "n"] == 150 and abs(overall.loc[spec, "srocc"]) > 0.6
    lines = [line for line in result.stderr.splitlines() if "pieapp" in line]
    assert len(lines) == 1 and "iqa-bench weights --prefetch pieapp" in lines[0]


# -- the pyiqa bridge ------------------------------------------------------------------------------

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


@needs_pairs
@pytest.mark.parametrize("name, options", [("cw_ssim", {}), ("nlpd", {}), ("vif", {})] + [  # vif: asymmetric
    pytest.param(name, options, marks=pytest.mark.slow)
    for name, options in [("ssim", {}), ("psnr", {}), ("ssim", {"test_y_channel": False}), ("mad", {})]])
def test_pyiqa_bridge_equals_pyiqas_own_call(name, options):
    pyiqa = pytest.importorskip("pyiqa")
    ref, dist = load_rgb(RC / "ref_dir" / "I03.bmp")[None], load_rgb(RC / "dist_dir" / "I03.bmp")[None]
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


# -- the weights manifest ----------------------------------------------------------------------------

def test_files_for_specs():
    def keys(spec):
        return [f.key for f in manifest.files_for_spec(spec)]
    assert keys("psnr") == [] and keys("lp:vgg16:random/relu2_2") == [] and keys("pyiqa:dists") == []
    assert keys("lpips:vgg") == ["vgg16", "lpips-heads-vgg"] and keys("lpips") == ["alexnet", "lpips-heads-alex"]
    assert keys("dists") == ["vgg16", "dists"] and keys("content:vgg19/relu4_2") == ["vgg19"]
    assert keys("mdf:jpeg") == ["mdf-jpeg"] and keys("mdf") == ["mdf-sisr"]
    assert keys("lp:efficientnet_lite0/block4") == ["efficientnet_lite0"]


def test_recorded_hashes_agree_with_their_sources():
    files = manifest.by_key()
    lite = files["efficientnet_lite0"]
    assert lite.sha256.startswith(lite.hash_prefix) and lite.hash_prefix == "57934424"  # the package's file name
    source = (SHARED_DATA / "mdf" / "SOURCE.md")
    if source.is_file():  # the authors' repository's hashes as the shared data lists them
        text = source.read_text()
        for key in ("mdf-sisr", "mdf-jpeg"):
            assert re.search(rf"\| {files[key].name} \|[^\n]*\| {files[key].sha256} \|", text)


def test_weights_command_lists_and_verifies(monkeypatch, tmp_path):
    listing = run_cli("weights")
    assert listing.returncode == 0
    for name in ("vgg16-397923af.pth", "efficientnet-lite0-57934424.pth", "alex.pth", "dists_weights.pt",
                 "PieAPPv0.1.pth", "Ds_JPEG.pth"):
        assert name in listing.stdout
    assert "licence:" in listing.stdout and "pyiqa:<name>" in listing.stdout
    verified = run_cli("weights", "--verify", "lpips", "lpips:vgg", "lpips:squeeze", "lp:efficientnet_lite0/block4")
    assert verified.returncode == 0
    for name in ("efficientnet-lite0-57934424.pth", "alex.pth", "vgg.pth", "squeeze.pth"):
        assert f"{name}: ok" in verified.stdout
    monkeypatch.setenv(MDF_ENV, str(tmp_path))
    (tmp_path / "Ds_JPEG.pth").write_bytes(b"not the authors' file")
    corrupt = run_cli("weights", "--verify", "mdf:jpeg")
    assert corrupt.returncode == 1 and "Ds_JPEG.pth: MISMATCH" in corrupt.stdout


def test_prefetch_offline_is_one_clear_line_per_file(empty_cache):
    result = run_cli("weights", "--prefetch", "dists", "psnr")
    assert result.returncode == 1 and "psnr: needs no weight file" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("dists: ") and "could not be downloaded" in line
                                   for line in lines)


def test_metrics_listing_groups_every_piq_measure_and_the_pyiqa_family():
    listing = run_cli("metrics").stdout
    headings = [line[:-1] for line in listing.splitlines() if line.endswith(":") and "(" not in line
                and not line.startswith(" ")]
    assert headings == ["pixel", "structural", "information-theoretic", "deep features", "learned", "bridged"]
    # piq's full-reference set (README "Full Reference"), each by our name
    for spec in ("psnr", "ssim[:matlab|piq]", "ms_ssim[:matlab|piq]", "iw_ssim", "vifp", "fsim", "fsimc", "srsim[:matlab|piq]",
                 "srsimc[:matlab|piq]", "gmsd[:matlab|piq]", "ms_gmsd", "ms_gmsdc", "vsi", "dss", "haarpsi", "mdsi",
                 "lpips[:alex", "dists", "pieapp", "content[:vgg16|vgg19", "style[:vgg16|vgg19",
                 "pyiqa[:<name>"):
        assert f"\n{spec}" in listing
    lines = listing.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("pyiqa["))
    block = [lines[start]] + [line for line in lines[start + 1:start + 6] if line.startswith("      ")]
    assert "pyiqa's" in block[0] and "ResultsCalibra" in " ".join(block)  # its lines wrapped below it
    assert max(len(line) for line in lines) <= 100
