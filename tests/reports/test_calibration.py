"""The calibration table (reports/calibration.py) in every format holds the same rows."""
import pytest

from iqa_bench import calibration

from dataset_trees import TID_ROOT


@pytest.fixture(scope="module")
def rows():
    if not (TID_ROOT / "chaofengc+IQA-PyTorch").is_dir():
        pytest.skip(f"calibration pairs not present ({TID_ROOT})")
    found, missing = calibration.calibrate(TID_ROOT)
    assert missing == []
    return {(r.metric, r.pair): r for r in found}


def test_the_calibration_table_in_every_format_holds_the_same_rows(tmp_path):
    """One renderer per format: the LaTeX table compiles (where pdflatex is installed) and holds the rows
    the Markdown and CSV tables hold, the known deviation's note included."""
    import csv
    import io

    from iqa_bench.reports.renderers import RENDERERS

    from latex_helpers import compile_if_available

    rows = [calibration.CalibrationRow("ssim", "i01_01_5", 0.9123456, 0.9123457, 1e-7, 1e-4, "1e-04", "yes",
                                       "pyiqa"),
            calibration.CalibrationRow("fsim_c", "i03_08_2", 0.8, 0.81, 0.01, 1e-3, "1e-03", "known deviation",
                                       "pyiqa", "phase congruency's noise estimate")]
    texts = {name: r.calibration(rows) for name, r in RENDERERS.items()}
    parsed = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert [(r["metric"], r["pair"], r["within"]) for r in parsed] == [("ssim", "i01_01_5", "yes"),
                                                                       ("fsim_c", "i03_08_2", "no")]
    assert "| ssim | i01_01_5 | 0.912346 | 0.912346 | 1e-07 | 1e-04 | yes | pyiqa |" in texts["md"]
    assert r"ssim & i01\_01\_5 & 0.912346 & 0.912346 & 1e-07 & 1e-04 & yes & pyiqa \\" in texts["latex"]
    for text in (texts["md"], texts["latex"]):
        assert "phase congruency's noise estimate" in text
    compile_if_available(tmp_path, [texts["latex"]])
