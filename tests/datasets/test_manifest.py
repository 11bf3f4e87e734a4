"""The custom dataset's manifest (issue 14): scores never attributed to the wrong item, duplicate ids, non-finite
or non-numeric targets, header cells, a root without a manifest."""
import numpy as np
import pandas as pd
import pytest

from fault_helpers import make_set, evaluate


def test_one_distorted_file_against_two_references_gets_two_items(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    with open(root / "manifest.csv", "a") as f:
        f.write("missing_ref.png,dist0.png,5\n")  # dist0 again, against a reference that does not exist
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1
    assert "missing_ref.png" in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert np.isfinite(scores.loc["dist0.png (ref ref0.png)", "psnr"])
    assert np.isnan(scores.loc["dist0.png (ref missing_ref.png)", "psnr"])  # never another pair's PSNR


def test_duplicate_item_ids_are_refused_naming_the_lines(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    (root / "manifest.csv").write_text("ref,dist,score,item\nref0.png,dist0.png,1,a\nref1.png,dist1.png,2,b\n"
                                       "ref2.png,dist2.png,3,a\n")
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 2 and "duplicate item" in result.output and "lines 2, 4" in result.output


def test_non_finite_scores_are_listed_and_left_out(tmp_path, caplog):
    root = make_set(tmp_path / "set", n=6)
    text = (root / "manifest.csv").read_text().replace(",10\n", ",nan\n").replace(",8\n", ",inf\n")
    (root / "manifest.csv").write_text(text)
    with caplog.at_level("WARNING"):
        result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 0, result.output
    assert "2 row(s) without a finite score" in caplog.text and "line 2" in caplog.text and "line 4" in caplog.text
    assert len(pd.read_csv(tmp_path / "res" / "custom" / "scores.csv")) == 4


@pytest.mark.parametrize("text, message", [
    ("", "the manifest is empty"),
    ("ref,dist,score\n", "no pairs (a header line only)"),
    ("ref,dist,score\nref0.png,dist0.png,abc\n", "line 2: score 'abc' is not a number"),
])
def test_empty_or_non_numeric_manifests_are_refused_naming_the_file(tmp_path, text, message):
    root = make_set(tmp_path / "set", n=1)
    (root / "manifest.csv").write_text(text)
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 2 and message in result.output and "manifest.csv" in result.output


def test_header_cells_with_spaces_are_read(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    (root / "manifest.csv").write_text((root / "manifest.csv").read_text().replace("ref,dist,score",
                                                                                   "ref, dist, score"))
    assert evaluate(root, tmp_path / "res").exit_code == 0


def test_custom_root_without_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = evaluate(tmp_path / "empty", tmp_path / "res")
    assert result.exit_code == 2 and "manifest.csv not found" in result.output
