"""What ``iqa-bench mad`` writes (reports/mad.py): every image as PNG at its size and value, the trace with the
two metrics named, the figure in PNG and PDF."""
import numpy as np
import pandas as pd
import torch
from PIL import Image

from iqa_bench.competition.mad import EXTREMES, MadImage, MadResult
from iqa_bench.reports.mad import trace_table, write_mad


def _result():
    ref = torch.linspace(0, 1, 3 * 20 * 24).reshape(1, 3, 20, 24)
    images = [MadImage(name, (ref * (k + 1) / 5).clamp(0, 1),
                       [{"iteration": i, "a": 0.01 * (k + 1), "b": 0.5 + 0.01 * i, "step": 0.01} for i in range(3)])
              for k, (name, _, _, _) in enumerate(EXTREMES)]
    return MadResult("mse", "ssim", ref, (ref * 0.9).clamp(0, 1), {"a": 0.02, "b": 0.5}, images)


def test_the_trace_names_both_metrics_one_row_per_image_and_iteration():
    table = trace_table(_result())
    assert list(table.columns) == ["image", "iteration", "mse", "ssim", "step"] and len(table) == 12
    assert table.groupby("image")["iteration"].apply(list).tolist() == [[0, 1, 2]] * 4


def test_every_image_is_written_as_it_is(tmp_path):
    result = _result()
    written = write_mad(result, tmp_path)
    stored = np.asarray(Image.open(written["best B, A fixed"]))
    expected = (result.images[0].image[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(stored, expected)
    assert stored.shape == (20, 24, 3)
    assert written["figure"].is_file() and written["figure"].with_suffix(".pdf").is_file()
    pd.testing.assert_frame_equal(pd.read_csv(written["trace"]), trace_table(result), check_dtype=False)
