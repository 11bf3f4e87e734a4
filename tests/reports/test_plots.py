"""Issue 43, item 16: in a run's figures, no name runs into another -- the default set's four deep-metric
names ("LP-att (EfficientNet-Lite0, block4_expand_relu)", ...) included. The text extents are matplotlib's
own (its renderer's window extents of each tick label, as drawn into the saved figure)."""
import itertools

import numpy as np
import pandas as pd
import pytest

from iqa_bench.engine import Failure
from iqa_bench.reports import plots
from iqa_bench.reports.labels import metric_label
from iqa_bench.run.config import DEFAULT_METRICS
from iqa_bench.stats.evaluated_run import StatisticsSettings
from iqa_bench.stats.summaries import summarize, with_reasons

from stats_helpers import dmos_scores


@pytest.fixture
def drawn(monkeypatch):
    """Every figure saved while the test runs, kept open (drawn) for its texts to be measured."""
    figures = []
    save = plots.save_figure

    def keep(fig, path, pdf=False):
        fig.canvas.draw()
        figures.append((path.name, fig, fig.canvas.get_renderer()))
        monkeypatch.setattr(plots.plt, "close", lambda *_: None)  # measured after saving
        return save(fig, path, pdf)

    monkeypatch.setattr(plots, "save_figure", keep)
    return figures


def _overlapping(texts, renderer):
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text()]
    return [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]


def _default_scores(n=60, seed=0):
    gen = np.random.default_rng(seed)
    score = np.linspace(0, 100, n)
    frame = pd.DataFrame({"item": [f"i{k}" for k in range(n)], "score": score,
                          "group:distortion": ["blur", "noise"] * (n // 2)})
    for k, spec in enumerate(DEFAULT_METRICS):
        frame[spec] = -score + gen.normal(0, 5 + 2 * k, n)
    return frame


def test_the_srocc_overview_gives_every_name_its_own_row(tmp_path, drawn):
    from iqa_bench.reports.plots import _overview_srocc

    names = [metric_label(spec) for spec in DEFAULT_METRICS]
    rows = [(name, 0.9 - 0.01 * k, 0.85 - 0.01 * k, 0.95 - 0.01 * k) for k, name in enumerate(names)]
    rows[12], rows[13] = rows[13], rows[12]  # CX and CX-att (two and three lines) side by side, as on the sample
    _overview_srocc(rows, tmp_path)
    (name, fig, renderer), = drawn
    ticks = fig.axes[0].get_yticklabels()
    assert any("\n" in t.get_text() for t in ticks)  # the deep names do wrap ...
    assert _overlapping(ticks, renderer) == []        # ... within their own rows


def test_the_significance_heat_map_numbers_its_columns_and_names_its_rows_apart(tmp_path, drawn):
    from iqa_bench.reports.significance import plot_significance
    from iqa_bench.run.outputs import significance_of
    from iqa_bench.stats.evaluated_run import EvaluatedRun

    result = significance_of(EvaluatedRun.of(_default_scores(), DEFAULT_METRICS, {s: False for s in DEFAULT_METRICS},
                                             True, bootstrap=0))
    plot_significance(result, tmp_path / "significance_f.png", title="F-test")
    (name, fig, renderer), = drawn
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(k) for k in range(1, 18)]
    assert ax.get_yticklabels()[14].get_text().replace("\n", " ") == \
        "15  LP-att (EfficientNet-Lite0, block4_expand_relu)"
    assert _overlapping(ax.get_xticklabels(), renderer) == []
    assert _overlapping(ax.get_yticklabels(), renderer) == []


def test_the_overlap_check_sees_names_that_run_into_each_other(tmp_path, drawn):
    """The check above can fail: the deep names under the columns, rotated as the figure had them."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 5.8))
    names = [metric_label(spec) for spec in DEFAULT_METRICS]
    ax.set_xticks(range(len(names)), [plots._wrapped(n, 28) for n in names], rotation=60, ha="right",
                  rotation_mode="anchor", fontsize=6)
    plots.save_figure(fig, tmp_path / "bad.png")
    (_, fig, renderer), = drawn
    assert _overlapping(fig.axes[0].get_xticklabels(), renderer)


def test_the_overview_grid_labels_the_subjective_score_once(tmp_path, drawn):
    scores = _default_scores()
    specs = ["psnr", "ssim", "mse", "l1", "gmsd"]
    plots.overview_figures(plots.ScatterFigures(scores, specs, "MOS (0-9, higher = better quality; from 971 observers)",
                                                summary=pd.DataFrame(columns=["metric", "group"])), tmp_path)
    scatter = next(fig for name, fig, _ in drawn if name == "overview_scatter.png")
    assert [ax.get_ylabel() for ax in scatter.axes] == [""] * len(scatter.axes)
    assert scatter._supylabel.get_text() == "MOS (0-9, higher = better quality; from 971 observers)"


def test_figures_for_a_paper(tmp_path):
    """Per computed metric a 200-dpi PNG and a PDF with the metric as title; nothing for a metric without
    values; the overview grid and the sorted |SROCC| bar chart."""
    from PIL import Image

    from iqa_bench.reports.plots import ScatterFigures, overview_figures, scatter_plots

    scores = dmos_scores()
    scores["never"] = np.nan
    summary = with_reasons(summarize(scores, ["good", "poor"], StatisticsSettings(bootstrap=50)),
                           ["good", "poor", "never"], [Failure("(all items)", "never", "weights absent")])
    figures = ScatterFigures(scores, ["good", "poor", "never"], "severity (synthetic severity, not human opinion)",
                             summary=summary)
    written = scatter_plots(figures, tmp_path)
    assert set(written) == {"good", "poor"}
    for path in written.values():
        assert path.with_suffix(".pdf").stat().st_size > 1000
        assert round(Image.open(path).info["dpi"][0]) == 200
    overview = overview_figures(ScatterFigures(scores, ["good", "poor", "never"], "severity", summary=summary),
                                tmp_path)
    assert overview["scatter"].exists() and overview["srocc"].with_suffix(".pdf").exists()
    # a negative SROCC whose interval crosses zero (the six real TID2013 pairs' PSNR): drawn, not an error
    scores["weak"] = np.random.default_rng(2).normal(0, 1, len(scores)) - 0.01 * scores["score"]
    weak = summarize(scores, ["weak"], StatisticsSettings(bootstrap=200))
    row = weak[weak["group"] == "all"].iloc[0]
    assert row["srocc"] < 0 and row["srocc_lo"] < 0 < row["srocc_hi"]
    weak_figures = ScatterFigures(scores, ["weak"], "severity", summary=weak)
    assert overview_figures(weak_figures, tmp_path / "weak")["srocc"].exists()
    width, height = Image.open(overview["srocc"]).size
    assert width <= 3.6 * 200 and height > 200  # drawn one column wide (3.5 in at 200 dpi): fonts at print size
