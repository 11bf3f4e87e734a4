"""Paper recipes (`iqa-bench paper`): typed-in values against the papers' text, rendering without data,
LaTeX that compiles, and recomputation through the pipeline on official-layout trees."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image
from scipy import stats

from iqa_bench.recipes.paper import _with_weights, parse_roots, run_recipe, write_outputs
from iqa_bench.recipes.recipe import all_recipes, find_recipe, load_recipe
from iqa_bench.reports.paper_columns import column
from iqa_bench.reports.renderers import RENDERERS
from iqa_bench.stats.evaluated_run import StatisticsSettings
from iqa_bench.stats.regression import MetricRegression

from conftest import SHARED_DATA, run_cli
from dataset_trees import build_live_md_tree, build_live_tree, needs_shared
from latex_helpers import compile_if_available


def test_weights_override_and_roots():
    assert _with_weights("lp:vgg16/relu2_2@H10", "random") == "lp:vgg16:random/relu2_2@H10"
    assert _with_weights("psnr", "random") == "psnr"
    assert _with_weights("lp:vgg16:random3/relu2_2", "random") == "lp:vgg16:random3/relu2_2"
    named, bare = parse_roots(["live=/a", "live_md=/b"])
    assert named == {"live": Path("/a"), "live_md": Path("/b")} and bare is None
    assert parse_roots(["/data/x"]) == ({}, Path("/data/x"))
    with pytest.raises(ValueError, match="NAME=PATH"):
        parse_roots(["/a", "/b"])


def _structure_ok(tex: str) -> None:
    assert tex.count(r"\begin{table*}") == tex.count(r"\end{table*}") == 1  # both columns of a paper
    assert "-{}--" not in tex and "Published values from ;" not in tex
    spec = re.search(r"\\begin\{tabular\}\{([lr]+)\}", tex).group(1)
    body = tex.split(r"\midrule", 1)[1].split(r"\bottomrule")[0]
    for line in body.splitlines():
        if line.strip() and line.strip() != r"\midrule":
            assert line.count("&") == len(spec) - 1, line


@pytest.mark.slow
def test_every_recipe_renders_without_data_and_its_latex_compiles(tmp_path):
    """No roots given: every table renders with the published values, one line per missing input, and
    the LaTeX compiles (pdflatex when installed — .ci/run installs it — and a structural check always)."""
    out = tmp_path / "reports"
    result = run_cli("paper", "all", "--out", out, "--results", tmp_path / "results", "--no-plots", cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]          # nothing at all could be computed
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"0 of {len(all_recipes())} tables computed; missing: ")
    assert "live images (csf-table1b, csf-table1c" in summary and "bapps images (pe-table2)" in summary
    fragments = []
    for recipe in all_recipes():
        md = (out / f"{recipe.name}.md").read_text()
        published = [(k, v) for r in recipe.rows for k, v in r.published.items() if v is not None]
        if published:
            key, value = published[0]
            assert f"| {value:.{column(key).decimals}f} |" in md
        else:  # mdf-sec6: the paper gives Fig. 9 only
            assert "no value is printed" in md
        if recipe.kind == "restoration":
            assert "no study folder given" in md and f"iqa-bench paper {recipe.name} --study-config" in md
        else:
            for source in recipe.sources:
                assert f"missing data: {source.dataset} images — pass --root {source.dataset}=PATH" in md
        tex = (out / f"{recipe.name}.tex").read_text()
        _structure_ok(tex)
        fragments.append(tex)
        long = pd.read_csv(out / f"{recipe.name}.csv")
        assert len(long) == len(recipe.rows) * len(recipe.columns) and long["ours"].isna().all()
    assert "ShuffleNet-v2 only" in (out / "pe-table1.md").read_text()
    pe1 = (out / "pe-table1.md").read_text()
    assert "| AlexNet | ReLU1 | F [a] |" in pe1 and "- **[a]:** AlexNet here is torchvision's" in pe1
    assert "| VGG-16 | ReLU2_2 | F |" in pe1                      # rows without the caveat stay unmarked
    assert "BVLC GoogLeNet" in (out / "pe-table3.md").read_text()
    assert "RaGAN" in (out / "decloss-table1.md").read_text()
    compile_if_available(tmp_path, fragments)
    # issue 43, item 15: in the two-column 10 pt article, at the body size, every table fits (no overfull line)
    (tmp_path / "article").mkdir()
    compile_if_available(tmp_path / "article", fragments, body_size=True)


def test_study_config_template_is_a_valid_study():
    result = run_cli("paper", "afm-table1", "--study-config")
    assert result.returncode == 0, result.stderr
    study = yaml.safe_load(result.stdout)
    assert [e["name"] for e in study["losses"]] == ["bicubic", "M_p", "M_pva", "M_pca", "M_pcsa", "M_pcsva"]
    assert set(study["testsets"]) == {"Set5", "Set14", "BSD100", "Urban100"}
    assert run_cli("paper", "csf-table1a", "--study-config").returncode == 2


@pytest.fixture(scope="module")
def live_trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("trees")
    build_live_tree(root / "live")
    build_live_md_tree(root / "live_md", images=True)
    return root


@needs_shared
@pytest.mark.slow
def test_csf_recipe_recomputes_through_the_pipeline(live_trees, tmp_path):
    """csf-table1b on a LIVE tree (random SqueezeNet): ours equals a direct fit on the run's gblur
    items, the difference is ours − paper, a second run reuses the store, and both figures exist."""
    recipe = find_recipe("csf-table1b")
    result = run_recipe(recipe, [f"live={live_trees / 'live'}"], results=tmp_path / "results",
                        settings=StatisticsSettings(bootstrap=200), weights="random", device="cpu")
    assert not [n for n in result.notes if "missing" in n], result.notes
    scores = pd.read_csv(tmp_path / "results" / "csf-table1b-live" / "scores.csv")
    gblur = scores[scores["group:distortion"] == "gblur"]
    assert len(gblur) == 145 and "145 items" in result.data[0]
    for index, row in enumerate(recipe.rows):
        spec = _with_weights(row.metric, "random")
        direct = MetricRegression(n_boot=0).fit(gblur[spec], gblur["score"]).report()
        value = result.values[index]
        assert value["lcc"].ours == pytest.approx(abs(direct["plcc"]), abs=1e-9)
        assert value["srocc"].ours == pytest.approx(abs(stats.spearmanr(gblur[spec], gblur["score"])[0]), abs=1e-9)
        assert value["rmse"].ours == pytest.approx(direct["rmse"], abs=1e-9)
        assert value["lcc"].lo <= value["lcc"].ours <= value["lcc"].hi
        assert result.difference(index, "lcc") == pytest.approx(value["lcc"].ours - row.published["lcc"])
    written = write_outputs(result, tmp_path / "reports")
    for key in ("scatter", "bars"):
        assert Image.open(written[key]).size[0] > 300
    md = written["md"].read_text()
    assert "random weights (a pipeline check" in md and f"{result.values[0]['lcc'].ours:.4f}" in md
    for text in (md, written["tex"].read_text()):  # the run folder by its name: no machine path in a table
        assert str(tmp_path) not in text and "run folder csf-table1b-live of the results folder" in text.replace("\\", "")
    again = run_cli("paper", "csf-table1b", "--root", f"live={live_trees / 'live'}", "--weights", "random",
                    "--results", tmp_path / "results", "--out", tmp_path / "cli", "--bootstrap", "200",
                    "--device", "cpu")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stderr.strip().splitlines()[-1] == "1 of 1 table computed"
    assert " 0 computed" in (tmp_path / "cli" / "csf-table1b.md").read_text()
    assert (tmp_path / "cli" / "csf-table1b.md").read_text().split("\n- ")[0] == md.split("\n- ")[0]


@needs_shared
@pytest.mark.slow
def test_pooled_sources_fit_one_regression(live_trees, tmp_path):
    """A recipe pooling LIVE (four types) and LIVE-MD fits once on the union, as PE Tables 1/3 need."""
    path = tmp_path / "pooled.yaml"
    path.write_text(yaml.safe_dump({
        "title": "pooled", "kind": "regression", "columns": ["rmse", "lcc", "srocc"], "header": ["Metric"],
        "sources": [{"dataset": "live", "groups": {"distortion": ["gblur", "jpeg", "jp2k", "wn"]}},
                    {"dataset": "live_md"}],
        "rows": [{"labels": ["PSNR"], "metric": "psnr", "published": [9.0, 0.8, 0.8]}]}))
    recipe = load_recipe(path)
    result = run_recipe(recipe, [f"live={live_trees / 'live'}", f"live_md={live_trees / 'live_md'}"],
                        results=tmp_path / "results", settings=StatisticsSettings(bootstrap=0))
    live = pd.read_csv(tmp_path / "results" / "pooled-live" / "scores.csv")
    md = pd.read_csv(tmp_path / "results" / "pooled-live_md" / "scores.csv")
    live = live[live["group:distortion"] != "fastfading"]
    pooled = pd.concat([live, md])
    assert len(result.scores) == len(pooled) == 779 - 145 + 450
    expected = abs(stats.spearmanr(pooled["psnr"], pooled["score"])[0])
    assert result.values[0]["srocc"].ours == pytest.approx(expected, abs=1e-9)
    # each dataset also fitted alone (their DMOS scales are not aligned): equal to scipy / a direct fit
    assert list(result.per_source) == ["live", "live_md"]
    for name, frame in (("live", live), ("live_md", md)):
        alone = result.per_source[name][0]
        assert alone["srocc"].ours == pytest.approx(abs(stats.spearmanr(frame["psnr"], frame["score"])[0]), abs=1e-9)
        direct = MetricRegression(n_boot=0).fit(frame["psnr"], frame["score"]).report()
        assert alone["rmse"].ours == pytest.approx(direct["rmse"], abs=1e-9)
    assert result.per_source["live"][0]["srocc"].ours != pytest.approx(expected, abs=1e-6)
    written = write_outputs(result, tmp_path / "reports", plots=False)
    assert "One fit per dataset" in written["md"].read_text()
    per_dataset = pd.read_csv(written["per_dataset"])
    assert set(per_dataset["fit"]) == {"live", "live_md"} and len(per_dataset) == 2 * 3
    tex = written["tex"].read_text()
    _structure_ok(tex)
    second = tex.split("One fit per dataset")[1]
    spec = re.search(r"\\begin\{tabular\}\{([lr]+)\}", second).group(1)
    row = second.split(r"\midrule", 1)[1].split(r"\bottomrule")[0].strip()
    assert spec == "l" + "r" * 6 and row.count("&") == 6
    only_live = run_recipe(recipe, [f"live={live_trees / 'live'}"], results=tmp_path / "results",
                           settings=StatisticsSettings(bootstrap=0))
    assert np.isnan(only_live.values[0]["srocc"].ours)
    assert any("live_md" in n and "--root live_md=PATH" in n for n in only_live.notes)
    compile_if_available(tmp_path, [tex])


@pytest.mark.slow
def test_restoration_recipe_reads_a_study(tmp_path, sample_items):
    """A study with a Set5-named test set, the bicubic baseline and M_p fills those rows of AFM Table I;
    the rows it did not train are listed as missing runs."""
    images = tmp_path / "hr"
    images.mkdir()
    for path in sorted({it.ref_path for it in sample_items})[:2]:
        Image.open(path).resize((96, 72)).save(images / path.name)
    config = {"train": {"model": "edsr_baseline", "scale": 4, "train_dir": str(images), "patch": 16,
                        "batch_size": 2, "iters": 3, "lr": 1e-3, "checkpoint_every": 3, "log_every": 1},
              "testsets": {"Set5": str(images), "Set14": str(images)},
              "losses": [{"name": "bicubic", "baseline": "bicubic"}, {"name": "M_p", "loss": "huber"}],
              "perception": "lp:efficientnet_lite0/block1_expand_relu", "output": str(tmp_path / "study")}
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    trained = run_cli("study", tmp_path / "study.yaml", "--device", "cpu")
    assert trained.returncode == 0, trained.stderr[-3000:]
    runs = pd.read_csv(tmp_path / "study" / "restoration.csv")
    assert runs[["name", "testset"]].values.tolist() == [["bicubic", "Set5"], ["bicubic", "Set14"],
                                                         ["M_p", "Set5"], ["M_p", "Set14"]]
    assert not (tmp_path / "study" / "runs" / "bicubic" / "checkpoint.pt").exists()
    recipe = find_recipe("afm-table1")
    result = run_recipe(recipe, [str(tmp_path / "study")])
    by_labels = {tuple(r.labels): k for k, r in enumerate(recipe.rows)}
    for model, run in (("Bi-cubic", "bicubic"), ("M_p", "M_p")):
        k = by_labels[("Set5", model)]
        row = runs[(runs["name"] == run) & (runs["testset"] == "Set5")].iloc[0]
        for key in ("psnr_y", "ssim_y", "vif"):
            assert result.values[k][key].ours == pytest.approx(row[key])
            assert result.difference(k, key) == pytest.approx(row[key] - recipe.rows[k].published[key])
    assert np.isnan(result.values[by_labels[("BSD100", "M_p")]]["psnr_y"].ours)
    missing = next(n for n in result.notes if n.startswith("missing runs"))
    assert "M_pva on Set5" in missing and "bicubic on Urban100" in missing and "M_p on Set5" not in missing
    _structure_ok(RENDERERS["latex"].paper(result))


@needs_shared
def test_custom_manifest_reads_renamed_columns_of_the_real_tid2013_pairs():
    """The `custom` adapter reads subset_pairs.csv through a column mapping (the CI check's real-data run)."""
    from iqa_bench.datasets import create_dataset

    root = SHARED_DATA / "iqa" / "tid2013"
    ds = create_dataset("custom", root=root, manifest="subset_pairs.csv",
                        columns="ref=ref_path,dist=dist_path,score=mos,item=tid2013_name")
    items = ds.items()
    table = pd.read_csv(root / "subset_pairs.csv")
    assert [it.item_id for it in items] == table["tid2013_name"].tolist()
    assert [it.score for it in items] == pytest.approx(table["mos"].tolist())
    assert all(it.dist_path.exists() and it.ref_path.exists() for it in items)
    assert ds.key.endswith(":subset_pairs.csv")
    with pytest.raises(ValueError, match="OURS=THEIRS"):
        create_dataset("custom", root=root, columns="mos")


def test_paper_writes_under_results_by_default_not_into_reports(tmp_path):
    """Issue 27: `paper` without --out wrote its tables into the repository's own reports/."""
    result = run_cli("paper", "pe-table1", "--no-plots", cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]  # no data: the published values only, said
    assert (tmp_path / "results" / "paper" / "tables" / "pe-table1.md").is_file()
    assert not (tmp_path / "reports").exists()
