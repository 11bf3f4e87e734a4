"""The table FR-IQA papers print (metrics × overall statistics + SROCC per distortion), compiled; reasons
instead of "fit failed"; one failure line per (metric, reason); no absolute paths in captions."""
import re

import pytest

from iqa_bench.engine import Failure, failure_lines
from iqa_bench.reports.renderers import render_table, renderer
from iqa_bench.reports.tables import display_name, render_ci_table
from iqa_bench.stats.evaluated_run import StatisticsSettings
from iqa_bench.stats.summaries import summarize, with_reasons

from latex_helpers import compile_if_available
from stats_helpers import dmos_scores


def test_paper_layout_has_metric_rows_overall_statistics_and_srocc_per_group(tmp_path):
    scores = dmos_scores()
    summary = summarize(scores, ["good", "poor"], StatisticsSettings(by="distortion", bootstrap=50),
                        directions={"good": True, "poor": True}, score_higher_is_better=False)
    md = render_table(summary, "md", "toy", "DMOS")
    header = md.splitlines()[2]
    assert header == ("| metric | n | RMSE | PLCC | SROCC | KROCC | SROCC blur | SROCC jpeg | SROCC noise |")
    good = [c.strip() for c in md.split("| good |")[1].split("\n")[0].split("|")[:-1]]
    assert good[0] == "36" and all(c.startswith("**") for c in good[1:])   # best everywhere: bold
    assert "[" in good[1]                                                  # overall statistics with CIs
    expected = abs(summary[(summary.metric == "good") & (summary.group == "jpeg")]["srocc"].iloc[0])
    assert good[6] == f"**{expected:.3f}**"
    assert "| good |" in md and md.count("| poor |") == 1 and len(md.split("\n\n")) >= 2
    groups_md = render_table(summary, "md", "toy", "DMOS", layout="groups")
    assert groups_md.count("**toy — ") == 4                                # all items + 3 groups
    tex = render_table(summary, "latex", "toy", "DMOS")
    assert tex.count(r"\begin{table*}") == 2 and r"\resizebox" not in tex and r"\toprule" in tex
    overall, groups = tex.split(r"\end{table*}")[:2]
    assert r"\multicolumn{3}{c}{SROCC per group}" in groups and "SROCC per group" not in overall
    good_row = next(line for line in overall.splitlines() if line.startswith("good &"))
    assert good_row.endswith("% good") and "[" not in good_row       # CIs below, in a smaller font
    below = overall.splitlines()[overall.splitlines().index(good_row) + 1]
    assert below.startswith(" &  & {\\scriptsize [") and below.endswith(r"\\[2pt]")
    assert "% provenance: toy: target DMOS; fit logistic5" in tex
    caption = re.search(r"\\caption\{(.*)\}", overall).group(1)
    assert caption == "toy: correlation of each metric with DMOS; best value of each column in bold."
    inline = render_table(summary, "latex", "toy", "DMOS", ci="inline")
    assert re.search(r"^good & 36 & \\textbf\{[0-9.]+ \[[0-9.]+, [0-9.]+\]\}", inline, re.M)
    separate = render_table(summary, "latex", "toy", "DMOS", ci="separate")
    assert "[" not in separate.split(r"\end{table*}")[0].split(r"\midrule")[1]
    ci_table = render_ci_table(summary, "toy", "DMOS")
    assert re.search(r"^good & \[[0-9.]+, [0-9.]+\] & ", ci_table, re.M)
    compile_if_available(tmp_path, [tex, inline, separate, ci_table], body_size=True)


def test_ties_are_all_bold_and_skipped_fits_say_why():
    scores = dmos_scores(n_per_group=6, groups=("blur",))
    scores["twin"] = scores["good"]
    summary = summarize(scores, ["good", "twin"], StatisticsSettings(bootstrap=0))
    md = render_table(summary, "md", "toy", "DMOS")
    for metric in ("good", "twin"):
        row = md.split(f"| {metric} |")[1].split("\n")[0]
        assert "n = 6 < 8" in row and "fit failed" not in row and "**1.000**" in row


def test_a_metric_that_could_not_run_is_a_row_with_its_reason():
    summary = summarize(dmos_scores(), ["good"], StatisticsSettings(bootstrap=0))
    failures = [Failure("(all items)", "ms_ssim", "needs images of at least 161×161 pixels")]
    summary = with_reasons(summary, ["good", "ms_ssim"], failures)
    md = renderer("md").summary("regression", summary, "custom:/tmp/some/where/set", "MOS")
    assert "| MS-SSIM | 0 | not computed | not computed |" in md
    assert "- MS-SSIM not computed: needs images of at least 161×161 pixels" in md
    tex = renderer("latex").summary("regression", summary, "custom:/tmp/some/where/set", "MOS")
    assert "/tmp" not in md and "/tmp" not in tex and "custom (set)" in tex
    # LaTeX: the row and its name in the footnote; the reason (it can hold a path or an exception's
    # text) stays in failures.txt and the Markdown
    assert r"MS-SSIM & 0 & not computed & not computed" in tex and "161" not in tex
    assert "Not computed (reasons in the run's failures.txt): MS-SSIM." in tex
    assert display_name("custom:/data/tid/x:renamed.csv") == "custom (x, renamed.csv)"
    assert display_name("live:realigned") == "live:realigned"


def test_failures_are_one_line_per_metric_and_reason():
    failures = [Failure(f"img{k}", "ms_ssim", "images must be at least 161×161 pixels, got 128×192") for k in range(18)]
    failures += [Failure("(all items)", "lpips", "weights are not in the cache; pre-fetch them"),
                 Failure("img3", None, "undecodable file img3.png"),
                 Failure("(all items)", "lp:vgg16/relu2_2", "weights are not in the cache; pre-fetch them")]
    lines = failure_lines(failures)
    assert lines == ["ms_ssim: images must be at least 161×161 pixels, got 128×192 (18 items, e.g. img0)",
                     "lpips, lp:vgg16/relu2_2: weights are not in the cache; pre-fetch them",
                     "-: undecodable file img3.png (1 item, e.g. img3)"]


def test_captions_say_what_the_bootstrap_resampled_and_loro_ranges_are_given():
    scores = dmos_scores()
    scores["group:reference"] = [f"r{k % 4}" for k in range(len(scores))]
    items = summarize(scores, ["good"], StatisticsSettings(bootstrap=50))
    clusters = summarize(scores, ["good"], StatisticsSettings(bootstrap=50, resample="references"))
    assert "95% bootstrap CI in brackets (items resampled)" in render_table(items, "md", "d", "DMOS")
    for layout in ("paper", "groups"):
        assert "(reference images resampled: cluster bootstrap)" in render_table(clusters, "latex", "d", "DMOS",
                                                                              layout=layout)
    overall = items.set_index("metric").loc["good"]
    expected = [stats_spearman(scores[scores["group:reference"] != r]) for r in ("r0", "r1", "r2", "r3")]
    assert (overall["srocc_loro_min"], overall["srocc_loro_max"]) == pytest.approx((min(expected), max(expected)))
    with pytest.raises(ValueError, match="needs a reference grouping"):
        summarize(dmos_scores(), ["good"], StatisticsSettings(bootstrap=10, resample="references"))


def stats_spearman(part):
    from scipy import stats

    return stats.spearmanr(part["good"], part["score"])[0]
