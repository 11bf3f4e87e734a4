"""The PE tables (efficacy/tables.py) on the sample."""
import pandas as pd
import pytest

from conftest import run_cli


@pytest.mark.slow
def test_efficacy_table_on_the_sample(tmp_path):
    result = run_cli("efficacy-table", "--layer", "efficientnet_lite0/block1_expand_relu:10", "--results",
                     tmp_path, "--bootstrap", "0", "--format", "latex")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "sample-efficacy" / "efficacy_table.csv")
    assert table["Feature set"].tolist() == ["F", "H-10", "L-10", "L-90"]
    assert table[["RMSE", "LCC", "SROCC"]].notna().all().all()
    assert r"\toprule" in result.stdout
