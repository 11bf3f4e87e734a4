"""The measures piq computes (metrics/piq_measures.py), equal to piq's own functions."""
import piq
import pytest
import torch

from iqa_bench.images import load_rgb
from iqa_bench.metrics import create_metric

from conftest import noisy_pair
from dataset_trees import PIQ_PAIR, needs_real_pairs


PIQ_CALLS = {
    "psnr": (piq.psnr, {}), "ssim:piq": (piq.ssim, {}), "ms_ssim:piq": (piq.multi_scale_ssim, {}),
    "vifp": (piq.vif_p, {}), "gmsd:piq": (piq.gmsd, {}), "fsim": (piq.fsim, {"chromatic": False}),
    "fsimc": (piq.fsim, {"chromatic": True}), "haarpsi": (piq.haarpsi, {}), "mdsi": (piq.mdsi, {}),
    "vsi": (piq.vsi, {}),
}


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(0, (3, 3, 176, 184), 0.08)


@pytest.mark.parametrize("spec", sorted(PIQ_CALLS))
def test_piq_backed_metric_equals_piq(spec, pair):
    ref, dist = pair
    ours = create_metric(spec)(ref, dist)
    function, kwargs = PIQ_CALLS[spec]
    theirs = function(dist, ref, data_range=1.0, reduction="none", **kwargs)
    assert ours.shape == (3,)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


@pytest.fixture(scope="module")
def i01():
    return load_rgb(PIQ_PAIR / "I01.BMP")[None], load_rgb(PIQ_PAIR / "i01_01_5.bmp")[None]


@needs_real_pairs
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


@needs_real_pairs
def test_iw_ssim_and_srsim_reproduce_the_matlab_values_piqs_tests_quote(i01):
    """piq's tests: iwssim.m gives 0.946804801436296 and SR_SIM.m 0.96667468 on I01 / i01_01_5. IW-SSIM is
    asymmetric (the original is iwssim.m's first argument): the distorted image first gives 0.94624."""
    ref, dist = i01
    assert create_metric("iw_ssim")(ref, dist).item() == pytest.approx(0.946804801436296, abs=1e-5)
    assert create_metric("srsim")(ref, dist).item() == pytest.approx(0.96667468, abs=1e-5)
