"""gMAD on a dataset (recipes/gmad.py): the pool's stored scores read and nothing computed again, every pair's
defender values equal within the tolerance on either scale (recomputed here), the command's bad input named."""
import json

import pandas as pd
import pytest

from iqa_bench.competition.gmad import GmadSettings, on_common_scale
from iqa_bench.stats.evaluated_run import EvaluatedRun


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["rank", "mos"])
def test_gmad_on_the_sample_reads_the_stored_scores_and_computes_nothing(tmp_path, monkeypatch, scale):
    """Five metrics scored once; ``gmad`` then calls no metric (the engine is never asked for a batch) and
    every pair's defender values are equal within the tolerance on the chosen scale."""
    from iqa_bench import engine
    from iqa_bench.recipes.gmad import run_gmad

    specs = ["psnr", "ssim", "gmsd", "mse", "vifp"]
    first = run_gmad("sample", specs, GmadSettings(scale=scale), results=str(tmp_path), run="pool", progress=False)
    assert first.computed == 150 * 5
    batches = []
    real = engine.Engine._score_batch
    monkeypatch.setattr(engine.Engine, "_score_batch", lambda self, *a, **k: batches.append(1) or real(self, *a, **k))
    settings = GmadSettings(levels=4, tolerance=0.05, scale=scale)
    again = run_gmad("sample", specs, settings, results=str(tmp_path), run="pool", progress=False)
    assert batches == [] and again.computed == 0 and again.reused == 150 * 5
    pairs = again.pairs
    assert len(pairs) == 5 * 4 * 4 and set(pairs["defender"]) == set(specs)
    chosen = pairs[pairs["better"] != ""]
    assert len(chosen) >= 0.9 * len(pairs)
    stored = pd.read_csv(again.run_dir / "pairs.csv", keep_default_na=False)
    assert stored["better_image"].str.endswith(".png").sum() == len(chosen)
    scores = pd.read_csv(again.run_dir / "scores.csv")
    directions = json.loads((again.run_dir / "run.json").read_text())["higher_is_better"]
    if scale == "rank":
        scaled = on_common_scale(scores, specs, directions)
    else:
        run = EvaluatedRun.of(scores, specs, directions, False)  # the sample's severity: higher = worse
        scaled = pd.DataFrame({s: -run.mapped(s).prediction for s in specs})
    scaled.index = scores["item"]
    for _, row in chosen.iterrows():  # the defender's two values, recomputed: equal within the tolerance
        d = scaled[row["defender"]]
        assert abs(d[row["better"]] - d[row["worse"]]) <= settings.tolerance * (d.max() - d.min()) + 1e-9
        a = scaled[row["attacker"]]
        assert a[row["better"]] == pytest.approx(row["attacker_better"]) and a[row["better"]] >= a[row["worse"]]


def test_the_command_needs_two_metrics_and_names_a_bad_option(tmp_path):
    from click.testing import CliRunner

    from iqa_bench.cli import cli

    one = CliRunner().invoke(cli, ["gmad", "-m", "psnr", "--results", str(tmp_path)])
    assert one.exit_code == 2 and "gmad needs at least two metrics (imported scores included), got 1" in one.output
    bad = CliRunner().invoke(cli, ["gmad", "-m", "psnr,ssim", "--scale", "zscore", "--results", str(tmp_path)])
    assert bad.exit_code == 2 and "'zscore' is not one of 'rank', 'mos'" in bad.output


def test_new_pairs_remove_the_page_and_analysis_of_the_old_ones(tmp_path):
    from iqa_bench.recipes.gmad import run_gmad

    first = run_gmad("sample", ["psnr", "ssim"], GmadSettings(levels=3, tolerance=0.05), results=str(tmp_path),
                     progress=False)
    for name in ("judging.html", "judging-set.json", "gmad_analysis.md", "gmad_analysis.json"):
        (first.run_dir / name).write_text("of these pairs")
    same = run_gmad("sample", ["psnr", "ssim"], GmadSettings(levels=3, tolerance=0.05), results=str(tmp_path),
                    progress=False)
    assert same.notes == [] and (same.run_dir / "gmad_analysis.json").read_text() == "of these pairs"  # kept
    other = run_gmad("sample", ["psnr", "ssim"], GmadSettings(levels=4, tolerance=0.05), results=str(tmp_path),
                     progress=False)
    assert other.notes == ["the pairs changed: the judging page and analysis of the earlier pairs are not kept "
                           "(judging.html, judging-set.json, gmad_analysis.md, gmad_analysis.json)"]
    assert not (other.run_dir / "judging-set.json").exists() and not (other.run_dir / "gmad_analysis.json").exists()
