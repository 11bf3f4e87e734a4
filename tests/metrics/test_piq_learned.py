"""piq's measures with learned weights (metrics/piq_learned.py): offline they say where the file comes from, PieAPP
loads from the cache through piq, the new specs run on the sample."""

import pandas as pd
import piq
import pytest
import torch

from iqa_bench.errors import MetricUnavailableError
from iqa_bench.metrics import create_metric

from conftest import run_cli


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
