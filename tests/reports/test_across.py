"""One table across datasets: the peers' typed values checked against a computation on real human data,
the configuration of several datasets (names, roots by name, options that belong to one dataset), and
the table's cells against scipy on each dataset's own scores."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqa_bench.run.config import load_config
from iqa_bench.metrics import canonical_spec
from iqa_bench.run.several import dataset_configs
from iqa_bench.reports import peer_values
from iqa_bench.reports.across import DatasetRun, across_frame
from iqa_bench.reports.renderers import renderer

from conftest import SHARED_DATA

TID = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"


def test_peer_tables_are_complete_and_every_mapped_spec_exists():
    pyiqa, piq = peer_values.TABLES["pyiqa"], peer_values.TABLES["piq"]
    assert len(pyiqa) == 11 * 4 and len(piq) == 17 * 2  # every row of both published tables, every dataset
    assert {d for _, d in pyiqa} == {"csiq", "live", "tid2008", "tid2013"}
    for srocc, krocc in list(pyiqa.values()) + list(piq.values()):
        assert 0 < float(krocc) < float(srocc) < 1  # Kendall's tau is below Spearman's rho on these data
    for spec, links in peer_values.MAPPING.items():
        assert canonical_spec(spec) == spec  # a spec renamed in the registry must be renamed here
        for peer, row, _note in links:
            assert row in peer_values.peer_rows(peer)


@pytest.mark.skipif(not (TID / "metrics_values" / "PSNRc.txt").is_file(),
                    reason=f"TID2013 metrics_values not present ({TID}: ../shared/data is absent)")
def test_typed_psnr_values_equal_scipy_on_the_tid2013_distribution():
    """pyiqa's psnr and piq's PSNR (RGB PSNR) on TID2013 are the distribution's PSNRc: scipy's SROCC / KROCC
    of PSNRc.txt against the MOS, rounded to the printed 4 digits, must equal both typed values."""
    values = np.loadtxt(TID / "metrics_values" / "PSNRc.txt")
    mos = np.array([float(line.split()[0]) for line in (TID / "mos_with_names.txt").read_text().splitlines()
                    if line.strip()])
    srocc, krocc = stats.spearmanr(values, mos)[0], stats.kendalltau(values, mos)[0]
    for peer in ("pyiqa", "piq"):
        value = peer_values.peer_values("psnr", "tid2013")[peer]
        assert (float(value.srocc), float(value.krocc)) == (round(srocc, 4), round(krocc, 4))


def test_peer_values_by_dataset_and_bridge():
    live = peer_values.peer_values("fsimc", "live")
    assert set(live) == {"pyiqa"} and (live["pyiqa"].row, live["pyiqa"].srocc) == ("fsim", "0.9204")
    tid = peer_values.peer_values("fsimc", "tid2013")
    assert (tid["piq"].srocc, tid["piq"].krocc) == ("0.8509", "0.6665")
    assert peer_values.peer_values("ssim", "kadid10k") == {}  # piq's SSIM downsamples: only ssim:piq maps
    assert peer_values.peer_values("ssim:piq", "kadid10k")["piq"].srocc == "0.6329"
    assert peer_values.peer_values("pyiqa:dists", "csiq")["pyiqa"].krocc == "0.7644"
    assert peer_values.peer_values("psnr", "live_md") == {}


def _summary(rows):
    return pd.DataFrame([{"group": "all", "fit": "logistic5", "resample": "items", "sign": "ok", **r} for r in rows])


def test_across_frame_shows_magnitudes_and_places_peer_columns():
    live = DatasetRun("live", "live:realigned", "regression", _summary([
        {"metric": "psnr", "n": 779, "plcc": -0.9, "plcc_lo": -0.95, "plcc_hi": -0.85, "srocc": -0.8,
         "srocc_lo": -0.85, "srocc_hi": -0.75, "krocc": -0.6, "krocc_lo": -0.65, "krocc_hi": -0.55}]))
    bapps = DatasetRun("bapps", "bapps", "2afc", pd.DataFrame([{"metric": "psnr", "group": "all", "n": 40,
                                                               "twoafc": 0.7, "twoafc_lo": 0.6, "twoafc_hi": 0.8}]))
    frame = across_frame([live, bapps]).set_index("dataset")
    assert tuple(frame.loc["live", ["srocc", "srocc_lo", "srocc_hi"]]) == (0.8, 0.75, 0.85)
    assert frame.loc["live", "pyiqa_srocc"] == "0.8013" and pd.isna(frame.loc["bapps", "pyiqa_srocc"])
    table = renderer("md").across([live, bapps])
    assert "| metric | live PLCC | live SROCC | live KROCC | live pyiqa SROCC / KROCC | bapps 2AFC |" in table
    assert "| PSNR | **0.900 [0.850, 0.950]** | **0.800 [0.750, 0.850]** | **0.600 [0.550, 0.650]** | " \
           "0.8013 / 0.5964 | **0.700 [0.600, 0.800]** |" in table
    assert "live (779 images), bapps (40 triplets)" in table
    latex = renderer("latex").across([live, bapps])
    assert "Metric & PLCC & SROCC & KROCC & pyiqa SROCC / KROCC \\\\" in latex and "Metric & 2AFC \\\\" in latex
    assert "PSNR & \\textbf{0.700} \\\\ % psnr" in latex


def test_several_datasets_from_yaml_and_flags(tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("dataset: [sample, live]\nroot: {LIVE: /data/live}\nlive_dmos: original\n")
    config = load_config(config_file)
    assert config.datasets == ["sample", "live"] and config.run_name == "sample+live"
    per = dataset_configs(config)
    assert per["live"].root == "/data/live" and per["live"].live_dmos == "original"
    assert per["sample"].root is None and per["sample"].live_dmos is None
    assert per["live"].run == "sample+live/live" and per["sample"].store == per["live"].store
    assert load_config(dataset=["sample,live"]).datasets == ["sample", "live"]
    assert load_config(dataset=["live"], root=["live=/d"]).root_for("live") == "/d"  # one dataset, named root


@pytest.mark.parametrize("options, message", [
    ({"dataset": ["sample", "live"], "root": ["/data/live"]}, "take their roots as NAME=PATH"),
    ({"dataset": ["sample", "live"], "root": ["tid2013=/d"]}, "root given for tid2013"),
    ({"dataset": ["sample", "live"], "root": ["live=/d", "/e"]}, "give every root as NAME=PATH"),
    ({"dataset": ["sample", "live"], "scores": {"x": "f.txt"}}, "imported scores belong to one dataset"),
    ({"dataset": ["sample", "live"], "split": "train"}, "--split is an option of dataset bapps"),
    ({"dataset": ["sample", "live"], "dataset_options": {"nope": "1"}}, "--option nope: no dataset"),
    ({"dataset": [3, "live"]}, "key 'dataset' must be a dataset name"),
])
def test_several_datasets_bad_configuration_names_the_problem(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        dataset_configs(load_config(**options))


def test_a_dataset_without_its_root_stops_the_run_before_any_work(tmp_path):
    from conftest import run_cli

    result = run_cli("evaluate", "-d", "sample", "-d", "live", "-m", "psnr", "--results", tmp_path, "--no-progress")
    assert result.returncode == 2 and "--root live=DIR" in result.stderr
    assert not (tmp_path / "sample+live").exists()  # the sample was not evaluated first


def test_across_reads_untrusted_run_folders_without_tracebacks(tmp_path):
    from conftest import run_cli

    bad = tmp_path / "live-run"
    bad.mkdir()
    (bad / "run.json").write_text('{"dataset": "live:realigned", "protocol": "regression"}')
    (bad / "summary.csv").write_text("metric,group,n,srocc,srocc_lo,srocc_hi,plcc,krocc\npsnr,all,abc,0.5,x,0.6,0.4,0.3\n")
    result = run_cli("across", bad)
    assert result.returncode == 0 and "| PSNR | not computed | not computed | not computed | 0.8013 / 0.5964 |" \
        in result.stdout
    (bad / "run.json").write_text("[1, 2]")
    refused = run_cli("across", bad)
    assert refused.returncode == 2 and "run.json has no dataset name" in refused.stderr
    missing = run_cli("across", tmp_path)
    assert missing.returncode == 2 and "run.json not found" in missing.stderr
