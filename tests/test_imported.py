"""Imported metric values (--scores): TID2013's own metrics_values/*.txt on its 3000 images without the
images (metadata-only), CSV import by item name, and every kind of bad score file refused by name."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqa_bench import evaluate

from conftest import SHARED_DATA, run_cli
from dataset_trees import build_tid2013_metadata


TID = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"
needs_tid = pytest.mark.skipif(not (TID / "metrics_values" / "FSIM.txt").is_file(),
                               reason=f"TID2013 metrics_values not present ({TID}: ../shared/data is absent)")
QUICK = {"bootstrap": 0, "plots": False, "progress": False, "by": ""}


def _official(name):
    """(values, MOS) read straight from the distribution's files, in mos_with_names.txt order."""
    values = np.loadtxt(TID / "metrics_values" / f"{name}.txt")
    mos = np.array([float(line.split()[0]) for line in (TID / "mos_with_names.txt").read_text().splitlines()
                    if line.strip()])
    names = [line.split()[1] for line in (TID / "mos_with_names.txt").read_text().splitlines() if line.strip()]
    return values, mos, names


@pytest.fixture(scope="module")
def tid_run(tmp_path_factory):
    if not (TID / "metrics_values" / "FSIM.txt").is_file():
        pytest.skip(f"TID2013 metrics_values not present ({TID})")
    results = tmp_path_factory.mktemp("imported")
    scores = {"FSIM": str(TID / "metrics_values" / "FSIM.txt"), "PSNR:higher": str(TID / "metrics_values" / "PSNR.txt")}
    return evaluate("tid2013", root=str(TID), scores=scores, results=str(results), **QUICK)


@needs_tid
def test_tid2013_official_values_give_scipys_rank_correlations(tid_run):
    overall = tid_run.summary.set_index("metric")
    for name in ("FSIM", "PSNR"):
        values, mos, _ = _official(name)
        assert overall.loc[name, "n"] == 3000
        assert overall.loc[name, "srocc"] == pytest.approx(stats.spearmanr(values, mos)[0], abs=1e-12)
        assert overall.loc[name, "krocc"] == pytest.approx(stats.kendalltau(values, mos)[0], abs=1e-12)
    # the TID2013 paper's FSIM (Ponomarenko et al. 2015, Tables 4-5): SROCC 0.8007, KROCC 0.6300
    assert round(overall.loc["FSIM", "srocc"], 4) == 0.8007 and round(overall.loc["FSIM", "krocc"], 4) == 0.6300
    assert tid_run.computed == 0 and not tid_run.failures            # metadata only: nothing to compute
    assert any(n.startswith("FSIM: direction inferred from the data: higher = better") for n in tid_run.notes)
    assert not any(n.startswith("PSNR: direction") for n in tid_run.notes)  # declared, not inferred
    placeholder = [n for n in tid_run.notes if n.startswith("PSNR: ")]  # the distribution's 100000 (issue 42)
    assert len(placeholder) == 1 and "PSNR.txt: 111 value(s) of 100000 taken as a placeholder" in placeholder[0]
    meta = json.loads((tid_run.run_dir / "run.json").read_text())
    assert meta["imported"]["FSIM"]["digest"].startswith("imported-") and meta["imported"]["FSIM"]["inferred"]
    assert meta["higher_is_better"] == {"FSIM": True, "PSNR": True}


@needs_tid
def test_a_csv_in_another_order_with_other_case_gives_the_same_values(tid_run, tmp_path):
    values, _, names = _official("FSIM")
    order = np.random.default_rng(0).permutation(len(names))
    frame = pd.DataFrame({"item": [names[i].upper() for i in order], "value": values[order]})
    frame.to_csv(tmp_path / "fsim.csv", index=False)
    result = evaluate("tid2013", root=str(TID), scores={"FSIM:higher": str(tmp_path / "fsim.csv")},
                      results=str(tmp_path / "r"), **QUICK)
    ours = result.scores.set_index("item")["FSIM"]
    np.testing.assert_array_equal(ours.loc[[n.lower() for n in names]].to_numpy(), values)
    a = result.summary.set_index("metric").loc["FSIM"]
    b = tid_run.summary.set_index("metric").loc["FSIM"]
    assert (a["srocc"], a["krocc"], a["plcc"]) == (b["srocc"], b["krocc"], b["plcc"])


@needs_tid
def test_bad_score_files_are_refused_naming_file_and_problem(tmp_path):
    lines = (TID / "metrics_values" / "FSIM.txt").read_text().splitlines()
    cases = {
        "truncated.txt": ("\n".join(lines[:-1]), "2999 values, but the dataset has 3000 items"),
        "word.txt": ("\n".join(lines[:5] + ["n/a"] + lines[6:]), "line 6: 'n/a' is not a number"),
        "shuffled.txt": ("\n".join(np.random.default_rng(1).permutation(lines)),
                         "most likely in another item order"),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text + "\n")
        with pytest.raises(ValueError) as info:
            evaluate("tid2013", root=str(TID), scores={"X": str(tmp_path / name)}, results=str(tmp_path / "r"),
                     **QUICK)
        assert str(tmp_path / name) in str(info.value) and expected in str(info.value), str(info.value)
    values, _, names = _official("FSIM")
    frame = pd.DataFrame({"item": names, "value": values})
    broken = pd.concat([frame.iloc[2:], frame.iloc[[5]], pd.DataFrame({"item": ["i99_01_1.bmp"], "value": [1.0]})])
    broken.to_csv(tmp_path / "broken.csv", index=False)
    with pytest.raises(ValueError) as info:
        evaluate("tid2013", root=str(TID), scores={"X": str(tmp_path / "broken.csv")}, results=str(tmp_path / "r"),
                 **QUICK)
    message = str(info.value)
    assert "1 item(s) not in the dataset: i99_01_1.bmp" in message
    assert f"1 item(s) given more than once: {names[5]}" in message
    assert f"2 of the dataset's 3000 item(s) missing: {names[0].lower()}, {names[1].lower()}" in message
    frame.rename(columns={"value": "score"}).to_csv(tmp_path / "columns.csv", index=False)
    with pytest.raises(ValueError, match="needs the columns 'item' and 'value'"):
        evaluate("tid2013", root=str(TID), scores={"X": str(tmp_path / "columns.csv")}, results=str(tmp_path / "r"),
                 **QUICK)


@needs_tid
def test_command_line_scores_dir_and_image_metrics_without_images(tmp_path):
    folder = tmp_path / "values"
    folder.mkdir()
    for name in ("SSIM", "MSSIM"):
        shutil.copy(TID / "metrics_values" / f"{name}.txt", folder)
    result = run_cli("evaluate", "-d", "tid2013", "--root", TID, "--scores-dir", folder, "-m", "psnr,ssim",
                     "--scores", "PSNR:higher=" + str(TID / "metrics_values" / "PSNR.txt"), "--bootstrap", "0",
                     "--no-plots", "--no-progress", "--by", "none", "--results", tmp_path / "r")
    assert result.returncode == 1  # the requested image metrics could not run
    assert "psnr, ssim: the images of tid2013 are not under" in result.stderr
    assert result.stderr.count("are not under") == 1 and "Traceback" not in result.stderr
    table = result.stdout
    for name in ("| MSSIM | 3000 |", "| SSIM | 3000 |", "| PSNR | 3000 |", "| PSNR [psnr] | 0 | not computed"):
        assert name in table, table
    overall = run_cli("report", tmp_path / "r" / "tid2013", "--by", "none", "--bootstrap", "0")
    assert overall.returncode == 0 and "| MSSIM | 3000 |" in overall.stdout and "SROCC per" not in overall.stdout
    bad = run_cli("evaluate", "-d", "tid2013", "--root", TID, "--scores", "PSNR:upper=x.txt")
    assert bad.returncode == 2 and "must be 'higher' or 'lower'" in bad.stderr
    clash = run_cli("evaluate", "-d", "tid2013", "--root", TID, "-m", "psnr", "--scores",
                    "psnr=" + str(TID / "metrics_values" / "PSNR.txt"))
    assert clash.returncode == 2 and "psnr is also a requested metric" in clash.stderr


@needs_tid
def test_fit_all_puts_the_protocols_side_by_side(tmp_path):
    """TID2013's PSNR.txt holds 100000 for the 111 identical pairs: kept as numbers (``sentinels: keep``),
    Pearson of the raw values (pyiqa's protocol) collapses to ≈ 0, a fitted mapping does not; the logistic-5
    column is the main table's. Recoded (the default), the raw Pearson is no longer ≈ 0."""
    result = evaluate("tid2013", root=str(TID), fit="all", bootstrap=0, plots=False, progress=False, by="",
                      results=str(tmp_path), scores={"PSNR:higher": str(TID / "metrics_values" / "PSNR.txt"),
                                                     "FSIMc:higher": str(TID / "metrics_values" / "FSIMc.txt")},
                      sentinels="keep")
    table = pd.read_csv(result.run_dir / "fit_protocols.csv").set_index("metric")
    for name in ("PSNR", "FSIMc"):
        values, mos, _ = _official(name)
        assert table.loc[name, "plcc_none"] == pytest.approx(abs(stats.pearsonr(values, mos)[0]), abs=1e-12)
        assert table.loc[name, "plcc_logistic5"] == pytest.approx(
            abs(result.summary.set_index("metric").loc[name, "plcc"]), abs=1e-12)
        assert np.isnan(table.loc[name, "rmse_none"]) and table.loc[name, "rmse_logistic4"] > 0
    assert table.loc["PSNR", "plcc_none"] < 0.05 and table.loc["PSNR", "plcc_logistic4"] > 0.6
    assert table.loc["PSNR", "plcc_spread"] > 0.6 and table.loc["FSIMc", "plcc_spread"] < 0.1
    assert "| PLCC no fit |" in (result.run_dir / "fit_protocols.md").read_text()
    assert r"\toprule" in (result.run_dir / "fit_protocols.tex").read_text()
    again = evaluate("tid2013", root=str(TID), bootstrap=0, plots=False, progress=False, by="",
                     results=str(tmp_path), scores={"PSNR:higher": str(TID / "metrics_values" / "PSNR.txt")})
    assert not (again.run_dir / "fit_protocols.csv").exists()  # a run without --fit all leaves none stale
    recoded = evaluate("tid2013", root=str(TID), fit="all", bootstrap=0, plots=False, progress=False, by="",
                       results=str(tmp_path / "recoded"), scores={"PSNR:higher": str(TID / "metrics_values" / "PSNR.txt")})
    table = pd.read_csv(recoded.run_dir / "fit_protocols.csv").set_index("metric")
    values, mos, _ = _official("PSNR")
    values[values == 100000] = values[values != 100000].max() + 0.01 * np.ptp(values[values != 100000])
    assert table.loc["PSNR", "plcc_none"] == pytest.approx(abs(stats.pearsonr(values, mos)[0]), abs=1e-12)
    assert table.loc["PSNR", "plcc_none"] > 0.2


def test_published_table_puts_the_papers_values_beside_ours_at_their_precision():
    from iqa_bench.recipes.tid2013_official import published_table

    summary = pd.DataFrame([
        {"metric": "FSIM", "group": "all", "srocc": 0.80071, "srocc_lo": 0.78, "srocc_hi": 0.82, "krocc": 0.62998,
         "krocc_lo": 0.61, "krocc_hi": 0.65},
        {"metric": "SSIM", "group": "all", "srocc": 0.6449, "srocc_lo": 0.62, "srocc_hi": 0.66, "krocc": 0.4641,
         "krocc_lo": 0.44, "krocc_hi": 0.48},
        {"metric": "NQM", "group": "all", "srocc": 0.63, "srocc_lo": 0.6, "srocc_hi": 0.66, "krocc": 0.46,
         "krocc_lo": 0.44, "krocc_hi": 0.48}])
    lines = {line.split(" | ")[0][2:]: line for line in published_table(summary).splitlines() if line.startswith("| ")}
    # the TID2013 readme's Tables III-IV, three digits: FSIM 0.801 / 0.630, SSIM 0.637 / 0.464, NQM 0.635 / 0.466
    assert lines["FSIM"].endswith("| 0.801 | 0.6300 [0.610, 0.650] | 0.630 | yes |")
    assert lines["SSIM"].endswith("| 0.637 | 0.4641 [0.440, 0.480] | 0.464 | NO |")  # 0.645 ≠ 0.637
    assert lines["NQM"].endswith("| 0.635 | 0.4600 [0.440, 0.480] | 0.466 | NO |")
    assert "Tables III-IV" in published_table(summary)


def test_every_metric_of_the_distribution_has_its_published_values():
    from iqa_bench.recipes.tid2013_official import PUBLISHED

    assert sorted(PUBLISHED) == sorted(["FSIM", "FSIMc", "MSSIM", "NQM", "PSNR", "PSNRHA", "PSNRHMA", "PSNRHVS",
                                        "PSNRHVSM", "PSNRc", "SSIM", "VIFP", "VSNR", "WSNR"])


def test_yaml_scores_mapping_and_list_and_bad_values(tmp_path):
    from iqa_bench.run.config import load_config

    config = tmp_path / "run.yaml"
    config.write_text("dataset: tid2013\nscores:\n  FSIM:higher: values/FSIM.txt\n  SSIM: values/SSIM.csv\n")
    loaded = load_config(config)
    assert loaded.scores == {"FSIM:higher": "values/FSIM.txt", "SSIM": "values/SSIM.csv"} and loaded.metrics == []
    config.write_text("dataset: tid2013\nmetrics: [psnr]\nscores: ['PSNR:lower=p.txt']\n")
    loaded = load_config(config)
    assert loaded.scores == {"PSNR:lower": "p.txt"} and loaded.metrics == ["psnr"]
    config.write_text("dataset: tid2013\nscores: 3\n")
    with pytest.raises(ValueError, match="key 'scores' must be a mapping of score names to files"):
        load_config(config)


TID_DATA = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"


def test_placeholder_values_of_an_imported_file_are_found_said_and_recoded(tmp_path):
    """Issue 42, item 4: a power of ten far beyond the rest (TID2013's 100000 for an infinite PSNR) is named in
    one line with its file and count, recoded just beyond the other values (ranks kept), noted in the table."""
    from click.testing import CliRunner
    from iqa_bench.cli import cli

    root = build_tid2013_metadata(tmp_path / "tid")
    path = root / "metrics_values" / "GOOD.txt"
    values = [float(v) for v in path.read_text().split()]
    top = np.argsort(values)[-4:]  # the four best images: "identical", the distribution's placeholder
    for k in top:
        values[k] = 100000.0
    path.write_text("".join(f"{v:.6f}\n" for v in values))
    others = [v for v in values if v != 100000.0]
    args = ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir", str(root / "metrics_values"),
            "--bootstrap", "0", "--no-progress", "--no-plots", "--results", str(tmp_path / "res")]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    said = [line for line in out.output.splitlines() if f"{path}: " in line]  # the table's note is the other mention
    assert len(said) == 1 and "4 value(s) of 100000 taken as a placeholder" in said[0], out.output
    scores = pd.read_csv(tmp_path / "res" / "tid2013" / "scores.csv")
    expected = max(others) + 0.01 * (max(others) - min(others))
    assert scores["GOOD"].iloc[top].to_numpy() == pytest.approx([expected] * 4)
    assert scores["GOOD"].max() == pytest.approx(expected)
    assert "GOOD: 4 value(s) of 100000 taken as a placeholder" in (tmp_path / "res" / "tid2013" / "table.md").read_text()
    out = CliRunner().invoke(cli, args + ["--sentinels", "exclude"])
    assert out.exit_code == 0, out.output
    scores = pd.read_csv(tmp_path / "res" / "tid2013" / "scores.csv")
    assert scores["GOOD"].iloc[top].isna().all() and scores["GOOD"].notna().sum() == len(values) - 4


def test_only_a_far_power_of_ten_is_a_placeholder():
    from iqa_bench.imported import find_sentinel

    rng = np.random.default_rng(0)
    body = {f"i{k}": float(v) for k, v in enumerate(rng.uniform(10, 50, 200))}
    assert find_sentinel(body) is None
    assert find_sentinel({**body, "a": 100000.0, "b": 100000.0}) == (100000.0, 2)
    assert find_sentinel({**body, "a": -1000.0}) == (-1000.0, 1)
    assert find_sentinel({**body, "a": 99999.0}) is None          # not a power of ten
    assert find_sentinel({**body, "a": 100.0}) is None            # a power of ten, but below 1000
    near = {f"i{k}": float(v) for k, v in enumerate(rng.uniform(500, 5000, 200))}
    assert find_sentinel({**near, "a": 1000.0}) is None           # a power of ten among the values


@pytest.mark.skipif(not (TID_DATA / "metrics_values").is_dir(), reason=f"{TID_DATA}/metrics_values is absent")
def test_the_tid2013_distributions_placeholders_are_found_in_the_five_files():
    from iqa_bench.imported import ImportedScores, apply_sentinel_rule, read_values

    ids = [line.split()[1] for line in (TID_DATA / "mos_with_names.txt").read_text().splitlines()]
    found = {}
    for path in sorted((TID_DATA / "metrics_values").glob("*.txt")):
        source = ImportedScores(path.stem, path)
        values, sentinel = apply_sentinel_rule(source, read_values(source, ids), "recode")
        if sentinel:
            found[path.stem] = (sentinel.value, sentinel.count)
            assert max(values.values()) < 1000 if path.stem != "VSNR" else max(values.values()) < 1500
    assert found == {name: (100000.0, 111) for name in ("NQM", "PSNR", "PSNRHVS", "PSNRHVSM", "WSNR")} | \
        {"VSNR": (100000.0, 1)}
