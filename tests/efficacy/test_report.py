"""The efficacy command's outputs (efficacy/report.py): the per-channel CSV and the tuning plots."""
import pandas as pd
import pytest

from conftest import run_cli


@pytest.mark.slow
def test_efficacy_cli_writes_csv_and_plots(tmp_path):
    result = run_cli("efficacy", "--backbone", "efficientnet_lite0", "--layer", "block1_expand_relu",
                     "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "out" / "channels.csv")
    assert list(table.columns) == ["channel", "mu1", "mu2", "pe", "rank"] and len(table) == 96
    assert table["rank"].tolist() == list(range(1, 97)) and table["pe"].is_monotonic_decreasing
    assert (tmp_path / "out" / "frequency_tuning.png").stat().st_size > 10000
    assert (tmp_path / "out" / "orientation_tuning.png").stat().st_size > 10000
