"""The method tables a run writes (run/method_outputs.py): P.1401, Krasula and held-out tables in every format,
compiled; the training-data mark in every table; no table in MOS units under fit none."""
import pandas as pd
import pytest

from dataset_trees import build_tid2013_metadata


def test_a_flagged_metric_is_marked_in_every_table_and_in_summary_csv(tmp_path):
    import shutil

    from click.testing import CliRunner

    from iqa_bench.cli import cli

    import dataset_trees as trees

    trees.build_bapps_tree(tmp_path / "val", {"traditional": 12}, real=False)  # no ../shared needed
    root = tmp_path / "bapps"
    (root / "2afc").mkdir(parents=True)
    shutil.copytree(tmp_path / "val" / "2afc" / "val", root / "2afc" / "train")
    out = CliRunner().invoke(cli, ["evaluate", "-d", "bapps", "--root", str(root), "--split", "train", "--subsets",
                                   "traditional", "--metrics", "psnr,lpips:alex:random", "--bootstrap", "0",
                                   "--no-progress", "--results", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    run = tmp_path / "res" / "bapps"
    summary = pd.read_csv(run / "summary.csv")
    flagged = summary[summary["metric"] == "lpips:alex:random"]
    assert flagged["trained_on"].str.contains("BAPPS 2AFC train split").all()
    assert summary.loc[summary["metric"] == "psnr", "trained_on"].isna().all()
    assert "LPIPS (AlexNet, random) §" in (run / "table.md").read_text()
    assert "§ evaluated on data its weights were trained on" in (run / "table.md").read_text()
    tex = (run / "table.tex").read_text()
    assert r"\S{}" in tex and "evaluated on data its weights were trained on" in tex
    assert "§" in (run / "report.html").read_text()


@pytest.mark.slow
def test_a_run_with_score_spreads_writes_every_method_table_and_they_compile(tmp_path):
    from click.testing import CliRunner

    from iqa_bench.cli import cli

    from latex_helpers import compile_if_available

    root = build_tid2013_metadata(tmp_path / "tid")
    out = CliRunner().invoke(cli, ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir",
                                   str(root / "metrics_values"), "--bootstrap", "50", "--no-progress", "--no-plots",
                                   "--mapping", "held-out", "--correct", "bh", "--results", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    run = tmp_path / "res" / "tid2013"
    for stem in ("p1401", "krasula", "mapping"):
        assert all((run / f"{stem}{suffix}").is_file() for suffix in (".md", ".tex", ".csv")), stem
    summary = pd.read_csv(run / "summary.csv")
    overall = summary[summary["group"] == "all"].set_index("metric")
    assert overall.loc["GOOD", "rmse_star"] < overall.loc["POOR", "rmse_star"]
    assert overall.loc["GOOD", "auc_bw"] > overall.loc["POOR", "auc_bw"]
    assert summary[summary["group"] != "all"]["rmse_star"].isna().all()  # the rows of all items only
    scores = pd.read_csv(run / "scores.csv")
    assert "score_se" in scores.columns and scores["score_se"].between(0.05, 0.31).all()
    assert "Benjamini–Hochberg" in (run / "significance.md").read_text()
    assert "Benjamini–Hochberg" in (run / "p1401.md").read_text()
    page = (run / "report.html").read_text()
    assert 'id="p1401"' in page and 'id="krasula"' in page and 'id="mapping"' in page
    tex = [run / f"{stem}.tex" for stem in ("p1401", "krasula", "mapping", "significance")]
    for path in tex:
        body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("%"))
        assert body.isascii(), (path.name, sorted({c for c in body if not c.isascii()}))
    compile_if_available(tmp_path, [p.read_text() for p in tex], body_size=True)


def test_fit_none_writes_no_table_in_mos_units_and_says_why(tmp_path):
    """Issue 42, item 3: under --fit none there is no mapping to the MOS scale -- no P.1401 (nor held-out
    mapping) table, one line saying why; a stale one from an earlier run is removed; Krasula (fit-free) stays."""
    from click.testing import CliRunner

    from iqa_bench.cli import cli

    root = build_tid2013_metadata(tmp_path / "tid")
    common = ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir", str(root / "metrics_values"),
              "--bootstrap", "0", "--no-progress", "--no-plots", "--mapping", "held-out", "--results",
              str(tmp_path / "res")]
    assert CliRunner().invoke(cli, common).exit_code == 0
    run = tmp_path / "res" / "tid2013"
    assert (run / "p1401.md").is_file()
    out = CliRunner().invoke(cli, common + ["--fit", "none"])
    assert out.exit_code == 0, out.output
    lines = [line for line in out.output.splitlines() if "no P.1401 table" in line]
    assert len(lines) == 1 and "--fit none" in lines[0]
    assert not any((run / f"{stem}{suffix}").exists() for stem in ("p1401", "mapping")
                   for suffix in (".md", ".tex", ".csv"))
    assert (run / "krasula.md").is_file()
    assert "rmse_dof" not in pd.read_csv(run / "summary.csv").columns
