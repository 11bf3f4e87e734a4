"""One table across datasets: the peers' typed values checked against a computation on real human data,
the configuration of several datasets (names, roots by name, options that belong to one dataset), and
the table's cells against scipy on each dataset's own scores."""
import pandas as pd

from iqa_bench.reports.across import DatasetRun, across_frame
from iqa_bench.reports.renderers import renderer


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
