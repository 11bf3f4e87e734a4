"""Judgement files read back (competition/judgements.py): the page's CSV and JSON, a file from another pair set
or damaged refused with the reason, rows naming no pair or no answer dropped and counted, a pair judged twice by
one observer counted once, a partial session used and said -- and no file's content ends in an exception."""
import json

import numpy as np
import pandas as pd
import pytest

from iqa_bench.competition.judgements import SET_FILE, JudgingSet, read_judgements, read_set

SET = JudgingSet("0123456789abcdef", "Which is better?", "gmad",
                 {f"m{d}|m{a}|{lv}": {"defender": f"m{d}", "attacker": f"m{a}", "level": str(lv)}
                  for d in range(3) for a in range(3) if a != d for lv in (1, 2)})
TRIALS = list(SET.trials)


def _csv(path, observer, answers, set_id=SET.set_id):
    rows = [{"set": set_id, "observer": observer, "trial": t, "position": k + 1, "left": "a", "choice": "left",
             "preferred": p, "ms": 800, "time": "2026-12-07T00:00:00Z"} for k, (t, p) in enumerate(answers)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _json(path, observer, answers, set_id=SET.set_id):
    path.write_text(json.dumps({"set": set_id, "title": "t", "observer": observer, "trials": len(TRIALS),
                                "judgements": [{"trial": t, "position": k + 1, "left": "b", "choice": "right",
                                                "preferred": p} for k, (t, p) in enumerate(answers)]}))
    return path


def test_the_set_description_round_trips_and_bad_ones_are_named(tmp_path):
    (tmp_path / SET_FILE).write_text(json.dumps(SET.record()))
    assert read_set(tmp_path) == SET
    with pytest.raises(ValueError, match="no pair set here"):
        read_set(tmp_path / "elsewhere")
    for damaged in ("{", json.dumps({"set": 1, "title": "t", "kind": "gmad", "trials": []}),
                    json.dumps({**SET.record(), "trials": [{"id": "x", "defender": "a"}]}), "\x00\xff"):
        (tmp_path / SET_FILE).write_text(damaged, encoding="latin-1")
        with pytest.raises(ValueError, match=str(tmp_path / SET_FILE)):
            read_set(tmp_path)


def test_csv_and_json_sessions_of_two_observers(tmp_path):
    answers = [(t, ("a", "same", "b")[k % 3]) for k, t in enumerate(TRIALS)]
    read = read_judgements([_csv(tmp_path / "ann.csv", "ann", answers), _json(tmp_path / "bob.json", "bob", answers)],
                           SET)
    assert read.refused == [] and read.notes == [] and read.observers == ["ann", "bob"]
    table = read.table.sort_values(["observer", "trial"])
    assert len(table) == 2 * len(TRIALS)
    expected = dict(answers)
    assert all(expected[t] == p for t, p in zip(table["trial"], table["preferred"]))


def test_other_sets_and_damaged_files_are_refused_with_the_reason(tmp_path):
    good = _csv(tmp_path / "ann.csv", "ann", [(t, "a") for t in TRIALS])
    other = _csv(tmp_path / "other.csv", "cy", [(t, "a") for t in TRIALS], set_id="feedfacefeedface")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)))
    (tmp_path / "cut.json").write_text('{"set": "0123456789abcdef", "judgements": [{"trial"')
    (tmp_path / "table.csv").write_text("name,value\nx,1\n")
    (tmp_path / "empty.csv").write_text("set,observer,trial,preferred\n")
    (tmp_path / "list.json").write_text("[1, 2]")
    files = [good, other, tmp_path / "binary.csv", tmp_path / "cut.json", tmp_path / "table.csv",
             tmp_path / "empty.csv", tmp_path / "list.json", tmp_path / "absent.csv", tmp_path]
    read = read_judgements(files, SET)
    reasons = dict(read.refused)
    assert len(read.table) == len(TRIALS) and read.observers == ["ann"]
    assert "from another pair set (set feedfacefeedface; this set is 0123456789abcdef)" in reasons[str(other)]
    assert reasons[str(tmp_path / "binary.csv")] == "not text (UTF-8)"
    assert reasons[str(tmp_path / "cut.json")].startswith("damaged JSON")
    assert "no column set, observer, trial, preferred" in reasons[str(tmp_path / "table.csv")]
    assert reasons[str(tmp_path / "empty.csv")] == "a CSV judgement file without a judgement"
    assert "no list of judgements" in reasons[str(tmp_path / "list.json")]
    assert reasons[str(tmp_path / "absent.csv")].startswith("cannot be read")
    assert reasons[str(tmp_path)].startswith("cannot be read")


def test_bad_rows_duplicates_and_partial_sessions_are_counted(tmp_path):
    half = TRIALS[:5]
    first = _csv(tmp_path / "ann.csv", "ann", [(t, "a") for t in half] + [("m9|m8|1", "a"), (TRIALS[6], "maybe")])
    again = _json(tmp_path / "ann-again.json", "ann", [(t, "b") for t in half[:3]])
    read = read_judgements([first, again], SET)
    assert len(read.table) == 5 and (read.table["preferred"] == "a").all()  # the first judgement of each pair kept
    assert read.notes == [f"{first}: 1 row(s) naming no pair of this set, left out",
                          f"{first}: 1 row(s) without an observer or a valid answer (a, same, b), left out",
                          "3 judgement(s) of a pair the same observer had already judged (a file given twice, or "
                          "two files of one session): the first kept",
                          f"observer ann: 5 of {len(TRIALS)} pairs judged (a partial session, used)"]


@pytest.mark.parametrize("seed", range(20))
def test_no_file_content_raises(tmp_path, seed):
    """Random bytes, truncations and mutations of a good file: refused or read, never an exception."""
    rng = np.random.default_rng(seed)
    good = _csv(tmp_path / "good.csv", "ann", [(t, "a") for t in TRIALS]).read_bytes()
    good_json = _json(tmp_path / "good.json", "ann", [(t, "same") for t in TRIALS]).read_bytes()
    source = good if seed % 2 else good_json
    data = bytearray(source[: rng.integers(0, len(source))] if seed % 3 == 0 else source)
    for _ in range(rng.integers(1, 20)):
        data[rng.integers(0, len(data))] = rng.integers(0, 256) if len(data) else 0
    path = tmp_path / ("mutated.csv" if seed % 2 else "mutated.json")
    path.write_bytes(bytes(data))
    read = read_judgements([path], SET)
    assert len(read.table) <= len(TRIALS) and (len(read.refused) == 1 or len(read.table) > 0 or read.notes)
    assert set(read.table["preferred"]) <= {"a", "same", "b"} and set(read.table["trial"]) <= set(TRIALS)
