"""A finished run read back (run/result.py): directions that are not a mapping refused, a damaged run.json named
with its field, a scores table with an item twice refused."""
import json

import pytest

from conftest import run_cli
from fault_helpers import copied


def test_report_refuses_directions_that_are_not_a_mapping(finished, tmp_path):
    run = copied(finished, tmp_path)
    meta = json.loads((run / "run.json").read_text())
    meta["higher_is_better"] = [1, 2]
    (run / "run.json").write_text(json.dumps(meta))
    result = run_cli("report", run)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "run.json: 'higher_is_better' must map each metric to true or false" in result.stderr


@pytest.mark.parametrize("field, value, message", [
    ("items", "abc", "'items' must be a count, got 'abc'"),
    ("score_higher_is_better", "abc", "'score_higher_is_better' must be true, false or null"),
    ("protocol", "abc", "'protocol' must be one of regression, 2afc"),
    ("digests", 3, "'digests' must be a mapping of metric to its code's digest"),
    ("labels", [1], "'labels' must be a mapping of metric to text"),
    ("config.seed", "abc", "config: key 'seed' must be an integer, got 'abc' (str)"),
    ("config.fit", 5, "config: key 'fit' must be one of logistic5, logistic4, cubic, none, all, got 5 (int)"),
    ("config.by", ["x"], "config: key 'by' must be a string"),
    ("config.correct", "x", "config: key 'correct' must be one of none, holm, bh"),
    ("config.labels", [1], "config: key 'labels' must map metric specs to texts"),
])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_names_the_file_and_field_of_a_damaged_run_json(finished, tmp_path, field, value, message, fmt):
    """Item 10: every run.json field that `report` reads is checked where it is read, naming the file (a
    string where a direction belongs used to flip the metric's direction without a word)."""
    run = copied(finished, tmp_path)
    meta = json.loads((run / "run.json").read_text())
    *parents, name = field.split(".")
    target = meta
    for part in parents:
        target = target[part]
    target[name] = value
    (run / "run.json").write_text(json.dumps(meta))
    result = run_cli("report", run, "--format", fmt, "-o", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-1500:]
    assert f"{run / 'run.json'}: {message}" in result.stderr


def test_report_refuses_a_scores_table_with_an_item_twice(finished, tmp_path):
    """The last row a copy of the first: as many rows as run.json says, one item twice and one missing."""
    run = copied(finished, tmp_path)
    lines = (run / "scores.csv").read_text().splitlines(keepends=True)
    (run / "scores.csv").write_text("".join(lines[:-1] + [lines[1]]))
    result = run_cli("report", run)
    assert result.returncode == 2 and "scores.csv: the item" in result.stderr and "appears more than once" in \
        result.stderr
