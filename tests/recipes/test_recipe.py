"""Paper recipes as files (recipes/recipe.py): every published value printed in its paper, the recipes of the issues
present, caveats marking their rows, a bad recipe file named with its row."""
from __future__ import annotations

import re

import numpy as np
import pytest
import yaml

from iqa_bench.recipes.recipe import all_recipes, find_recipe, load_recipe

from conftest import SHARED_DATA, run_cli


PAPERS = SHARED_DATA.parent / "papers"


def _numbers(text: str) -> np.ndarray:
    return np.array([float(x) for x in re.findall(r"\d+\.\d+", text)])


@pytest.mark.skipif(not PAPERS.is_dir(), reason=f"paper texts not available: {PAPERS} is absent")
def test_every_published_value_is_printed_in_its_paper():
    """Each value typed into a recipe occurs as a number in the paper's text extraction."""
    checked = 0
    for recipe in all_recipes():
        printed = _numbers((PAPERS / recipe.paper).read_text())
        for row in recipe.rows:
            for key, value in row.published.items():
                if value is not None:
                    assert np.isclose(printed, value, rtol=0, atol=1e-9).any(), (recipe.name, row.labels, key, value)
                    checked += 1
    assert checked > 400


def test_recipes_cover_the_issue_tables():
    names = {r.name for r in all_recipes()}
    assert {f"csf-table1{k}" for k in "abcdef"} <= names
    assert {"pe-table1", "pe-table2", "pe-table3", "mdf-sec6", "afm-table1", "mdf-table3", "decloss-table1"} <= names
    csf = find_recipe("csf-table1d")
    assert [r.published["rmse"] for r in csf.rows] == [7.4194, 5.4533, 7.0756, 5.7946, 6.7050, 6.1821]
    assert csf.rows[1].metric == "lp_att:vgg16/relu1_1" and csf.sources[0].groups == {"distortion": ["jp2k"]}
    pe = find_recipe("pe-table1")
    assert [s.dataset for s in pe.sources] == ["live", "live_md"]
    assert [r.metric for r in pe.rows[:4]] == ["lp:vgg16/relu2_2@F", "lp:vgg16/relu2_2@H10", "lp:vgg16/relu2_2@L10",
                                              "lp:vgg16/relu2_2@L90"]


def test_caveats_mark_their_rows_and_a_caveat_matching_no_row_is_refused(tmp_path):
    body = {"title": "t", "kind": "regression", "columns": ["srocc"], "header": ["Network", "Layer"],
            "sources": [{"dataset": "sample"}],
            "rows": [{"labels": ["AlexNet", "relu1"], "metric": "psnr"}, {"labels": ["VGG", "relu1"], "metric": "ssim"}],
            "caveats": [{"label": "AlexNet", "text": "not the paper's AlexNet"}]}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(body))
    recipe = load_recipe(path)
    assert [r.caveat for r in recipe.rows] == ["a", None]
    body["caveats"] = [{"label": "GoogLeNet", "text": "x"}]
    path.write_text(yaml.safe_dump(body))
    with pytest.raises(ValueError, match="caveat 1: no row has the label 'GoogLeNet'"):
        load_recipe(path)


def test_bad_recipe_file_names_file_and_row(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"title": "t", "kind": "regression", "columns": ["lcc", "srocc"],
                                    "header": ["Metric"], "sources": [{"dataset": "sample"}],
                                    "rows": [{"labels": ["psnr"], "metric": "psnr", "published": [0.9]}]}))
    with pytest.raises(ValueError, match=r"bad.yaml, row 1: published has 1 values for 2 columns"):
        load_recipe(path)
    result = run_cli("paper", "no-such-table")
    assert result.returncode == 2 and "csf-table1a" in result.stderr
