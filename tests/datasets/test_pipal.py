"""The PIPAL adapter (datasets/pipal.py) on layouts built from PIPAL's two real score tables (pyiqa's meta
file and icbcbicc's table, 23,200 rows each): the tables agree with each other, the adapter reads every item
with the tables' score, finds the images in Train_Dis/ or the download's Distortion_1..4/ parts, a whole
evaluation and an imported-scores run work, and damaged label files are named."""
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from iqa_bench.datasets import create_dataset
from iqa_bench.datasets.common import DamagedFileError

import dataset_trees as trees
from dataset_trees import needs_shared


def _pyiqa_table() -> pd.DataFrame:
    return pd.read_csv(trees.PIPAL_PYIQA, dtype={"elo_score": str})


def _label_folder(root, table):
    """Train_Label/ as the release has it: one .txt per reference, "name,Elo" lines (the table's text kept)."""
    folder = root / "Train_Label"
    folder.mkdir(parents=True)
    for reference, rows in table.groupby("hq_name", sort=True):
        (folder / f"{reference[:-4]}.txt").write_text("".join(f"{n},{s}\n" for n, s in zip(rows["dist_name"],
                                                                                           rows["elo_score"])))


@needs_shared
def test_the_two_real_tables_agree_and_the_adapter_reads_every_score(tmp_path):
    table = _pyiqa_table()
    other = pd.read_csv(trees.PIPAL_ICBCBICC)
    assert len(table) == len(other) == 23200
    theirs = dict(zip(other["dis_img_path"].str.split("/").str[-1], other["score"]))
    ours = dict(zip(table["dist_name"], table["elo_score"].astype(float)))
    assert theirs.keys() == ours.keys() and all(abs(theirs[k] - ours[k]) < 1e-9 for k in ours)
    assert set(table["hq_name"]) == set(other["ref_img_path"].str.split("/").str[-1])
    _label_folder(tmp_path / "pipal", table)
    dataset = create_dataset("pipal", root=tmp_path / "pipal")
    items = dataset.items()
    assert len(items) == 23200 and dataset.counts(items) == {"distorted": 23200, "references": 200}
    assert {it.item_id: it.score for it in items} == ours
    assert all(it.ref_path.name == it.item_id[:5] + ".bmp" for it in items)
    assert len({it.groups["distortion"] for it in items}) == 7 and len({it.groups["reference"] for it in items}) == 200
    assert dataset.score.higher_is_better
    from iqa_bench.datasets.check import check_dataset
    report = check_dataset(dataset)  # the counts agree with the release; the images are not there
    assert "distorted: 23200 (official: 23200)" in report.info and "references: 200 (official: 200)" in report.info
    assert any(line.startswith("23200 missing files in") and "Train_Dis" in line for line in report.problems)


def test_the_datasets_listing_says_where_to_get_it():
    from click.testing import CliRunner

    from iqa_bench.cli import cli

    listed = CliRunner().invoke(cli, ["datasets"]).output
    assert "pipal: PIPAL" in listed and "jasongt.com/projectpages/pipal.html" in listed and "Train_Label" in listed


def _images(root, items, folder_of):
    for item in items:
        shade = int(item.score) % 200
        for path, value in ((item.ref_path, 120), (root / folder_of(item) / item.item_id, shade)):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(path)


@needs_shared
@pytest.mark.parametrize("parts", [False, True])
def test_evaluate_on_three_references_with_the_images_where_the_release_puts_them(tmp_path, parts):
    from iqa_bench.run.evaluate import evaluate

    table = _pyiqa_table()
    table = table[table["hq_name"].isin(["A0001.bmp", "A0002.bmp", "A0003.bmp"])]
    root = tmp_path / "pipal"
    _label_folder(root, table)
    items = create_dataset("pipal", root=root).items()
    part_of = {it.item_id: f"Distortion_{1 + k % 4}" for k, it in enumerate(items)}
    _images(root, items, (lambda it: part_of[it.item_id]) if parts else (lambda it: "Train_Dis"))
    dataset = create_dataset("pipal", root=root)
    assert all(it.dist_path.is_file() for it in dataset.items())
    result = evaluate(dataset, ["psnr"], bootstrap=0, plots=False, results=str(tmp_path / "results"), progress=False)
    assert result.computed == 348 and len(result.scores) == 348
    assert result.scores.set_index("item")["score"].to_dict() == pytest.approx(
        dict(zip(table["dist_name"], table["elo_score"].astype(float))))


@needs_shared
def test_imported_scores_on_the_whole_table_need_no_image(tmp_path):
    from iqa_bench.run.evaluate import evaluate

    table = _pyiqa_table()
    root = tmp_path / "pipal"
    _label_folder(root, table)
    elo = table["elo_score"].astype(float).to_numpy()
    rng = np.random.default_rng(0)
    scores = tmp_path / "guess.csv"
    pd.DataFrame({"item": table["dist_name"], "value": elo + rng.normal(0, 60, len(elo))}).to_csv(scores, index=False)
    result = evaluate(create_dataset("pipal", root=root), [], scores={"guess:higher": str(scores)}, bootstrap=0,
                      plots=False, results=str(tmp_path / "results"), progress=False)
    assert result.computed == 0 and len(result.scores) == 23200
    summary = pd.read_csv(result.run_dir / "summary.csv")
    overall = summary[(summary["metric"] == "guess") & (summary["group"] == "all")].iloc[0]
    from scipy import stats
    assert overall["srocc"] == pytest.approx(stats.spearmanr(elo, pd.read_csv(scores)["value"])[0], abs=1e-9)


@pytest.mark.parametrize("text,message", [("A0001_00_00.bmp;1520\n", "on line 1"),
                                          ("A0001_00_00.bmp,1520\nnot a name,3\n", "on line 2"),
                                          ("A0001_00_00.bmp,nan\n", "on line 1"),
                                          ("", "is empty"),
                                          ("<html><body>error</body></html>", "is an HTML page")])
def test_a_damaged_label_file_is_named(tmp_path, text, message):
    (tmp_path / "Train_Label").mkdir()
    (tmp_path / "Train_Label" / "A0001.txt").write_text(text)
    with pytest.raises(DamagedFileError, match=message) as caught:
        create_dataset("pipal", root=tmp_path).items()
    assert "A0001.txt" in str(caught.value)


def test_missing_labels_and_a_bad_split_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing folder .*Train_Label"):
        create_dataset("pipal", root=tmp_path).items()
    (tmp_path / "Val_Label").mkdir()
    with pytest.raises(FileNotFoundError, match="no .txt label file"):
        create_dataset("pipal", root=tmp_path, split="val").items()
    with pytest.raises(ValueError, match="valid: train, val, test"):
        create_dataset("pipal", root=tmp_path, split="dev")
