"""A whole gMAD study from the command line, with simulated observers standing in for people: ``gmad`` selects
pairs from the sample under four metrics imported by name (the sample's known severity with little, some, much
noise, and pure noise), ``judging-page`` writes the page, headless Chromium drives a whole session per observer
by keys and saves the file through the page's own button, and ``gmad analyse`` reads the files back: the
observers who see the severity (with noise) rank the metrics in the order their noise implies, significantly;
an observer answering at random gives no significant ranking. Bad judgement files are refused, never a
traceback."""
import hashlib
import json
import re
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from selenium.webdriver.common.action_chains import ActionChains

from iqa_bench.cli import cli

from browser import browser_or_skip

#: The imported metrics: the sample's severity with this much noise (in levels), and one of pure noise.
NOISE = {"oracle": 0.2, "fair": 1.0, "poor": 3.0}
IMPLIED = ["oracle", "fair", "poor", "random"]
#: In the browser: which image key the left and right images show (the page's own data, parsed once).
SHOWN = """const D = window.__data || (window.__data = JSON.parse(document.getElementById('judging-data').textContent));
const key = (id) => Object.keys(D.images).find((k) => D.images[k] === document.getElementById(id).src);
return document.getElementById('trial').hidden ? null : [key('left'), key('right')];"""


def _draw(*parts) -> float:
    """A standard normal draw fixed by ``parts`` (the observer and the pair): the same whatever order the page
    shows the pairs in."""
    seed = int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:12], 16)
    return float(np.random.default_rng(seed).normal())


def _scores(folder, items):
    severity = np.array([it.score / 20 for it in items])  # the sample's level, 1 (mildest) to 5
    ids = [it.item_id for it in items]
    files = {}
    for name, sigma in {**NOISE, "random": None}.items():
        noise = np.array([_draw(name, i) for i in ids])
        values = noise if sigma is None else -severity + sigma * noise
        files[name] = folder / f"{name}.csv"
        pd.DataFrame({"item": ids, "value": values}).to_csv(files[name], index=False)
    return files


def _session(page, observer, answer_of, downloads):
    """One observer's whole session by keys in a browser of its own (Chromium asks before a page's second
    download); the CSV saved by the page's button, returned once downloaded."""
    driver = browser_or_skip()
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        return _judged_and_saved(driver, page, observer, answer_of, downloads)
    finally:
        driver.quit()


def _judged_and_saved(driver, page, observer, answer_of, downloads):
    driver.get(page.resolve().as_uri())
    driver.find_element("id", "observer").send_keys(observer)
    driver.find_element("id", "begin").click()
    while True:
        shown = driver.execute_script(SHOWN)
        if shown is None:
            break
        ActionChains(driver).send_keys({"left": "1", "right": "2", "same": "0"}[answer_of(*shown)]).perform()
    driver.find_element("id", "save-csv-end").click()
    for _ in range(100):
        saved = [p for p in downloads.glob(f"judgements-*-{observer}.csv")]
        if saved and saved[0].stat().st_size:
            return saved[0]
        time.sleep(0.1)
    raise AssertionError(f"the page saved no file for {observer}")


def _analysed(run, files):
    result = CliRunner().invoke(cli, ["gmad", "analyse", *map(str, files), "--run", str(run)])
    assert result.exit_code == 0, result.output
    return result, pd.read_csv(run / "gmad_analysis.csv")


@pytest.mark.slow
def test_simulated_observers_rank_the_metrics_as_their_severity_implies(tmp_path, sample_items):
    files = _scores(tmp_path, sample_items)
    severity = {it.item_id: it.score / 20 for it in sample_items}
    results = tmp_path / "results"
    chosen = CliRunner().invoke(cli, ["gmad", "--levels", "4", "--tolerance", "0.05", "--results", str(results),
                                      "--no-progress"] + [f"--scores={n}:higher={f}" for n, f in files.items()])
    assert chosen.exit_code == 0, chosen.output
    run = results / "gmad"
    assert CliRunner().invoke(cli, ["judging-page", str(run)]).exit_code == 0
    pairs = pd.read_csv(run / "pairs.csv", keep_default_na=False)
    pairs = pairs[pairs["better"] != ""]
    page = (run / "judging.html").read_text()
    data = json.loads(re.search(r'id="judging-data">(.*?)</script>', page, re.S).group(1).replace("<\\/", "</"))
    item_of = {}  # image key -> item id, through each trial's a (the attacker's better) and b
    for trial, (_, row) in zip(data["trials"], pairs.iterrows()):
        assert trial["id"] == f"{row['defender']}|{row['attacker']}|{row['level']}"
        item_of[trial["a"]], item_of[trial["b"]] = row["better"], row["worse"]

    def seeing(observer):
        def answer(left, right):  # the same answer whichever side the page shows each image on
            first, second = sorted((left, right))
            difference = severity[item_of[second]] - severity[item_of[first]] + 0.4 * _draw(observer, first, second)
            if abs(difference) < 0.5:
                return "same"
            return "left" if (first if difference > 0 else second) == left else "right"
        return answer

    def guessing(left, right):  # a fixed random answer per pair, whatever the sides
        first, second = sorted((left, right))
        pick = int(hashlib.sha256(f"{first}/{second}".encode()).hexdigest(), 16) % 3
        return "same" if pick == 2 else ("left" if (first, second)[pick] == left else "right")

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    saved = [_session(run / "judging.html", observer, seeing(observer), downloads) for observer in ("ann", "bob")]
    guessed = _session(run / "judging.html", "guess", guessing, downloads)
    output, table = _analysed(run, saved)
    assert list(table["model"]) == IMPLIED and table["lr_p"].iloc[0] < 0.001
    assert table["observers"].iloc[0] == 2 and table["alpha"].iloc[0] > 0.4
    assert "likelihood-ratio statistic" in output.output and "gmad-analysis" in (run / "report.html").read_text()
    _, random = _analysed(run, [guessed])
    assert random["lr_p"].iloc[0] > 0.05  # no significant ranking
    assert np.isnan(random["alpha"].iloc[0])  # one observer: no agreement to measure


def test_bad_judgement_files_are_refused_in_one_line_each(tmp_path):
    from iqa_bench.competition.judgements import SET_FILE, JudgingSet

    judging = JudgingSet("0123456789abcdef", "t", "gmad", {"x|y|1": {"defender": "x", "attacker": "y", "level": "1"},
                                                          "y|x|1": {"defender": "y", "attacker": "x", "level": "1"}})
    (tmp_path / SET_FILE).write_text(json.dumps(judging.record()))
    good = tmp_path / "good.csv"
    good.write_text("set,observer,trial,preferred\n0123456789abcdef,ann,x|y|1,a\n")
    (tmp_path / "other.json").write_text(json.dumps({"set": "ffffffffffffffff", "observer": "b",
                                                     "judgements": [{"trial": "x|y|1", "preferred": "a"}]}))
    (tmp_path / "damaged.json").write_bytes(b"\x89PNG\r\n")
    used = CliRunner().invoke(cli, ["gmad", "analyse", str(good), str(tmp_path / "other.json"),
                                    str(tmp_path / "damaged.json"), "--run", str(tmp_path)])
    assert used.exit_code == 0 and "Traceback" not in used.output
    assert "refused: " + str(tmp_path / "other.json") + ": from another pair set" in used.output
    assert "refused: " + str(tmp_path / "damaged.json") + ": not text (UTF-8)" in used.output
    assert "observer ann: 1 of 2 pairs judged (a partial session, used)" in used.output
    assert "report.html not written again" in used.output  # the folder is a pair set, not a whole run
    none = CliRunner().invoke(cli, ["gmad", "analyse", str(tmp_path / "damaged.json"), "--run", str(tmp_path)])
    assert none.exit_code == 2 and "no usable judgement" in none.output and "Traceback" not in none.output
    no_set = CliRunner().invoke(cli, ["gmad", "analyse", str(good), "--run", str(tmp_path / "..")])
    assert no_set.exit_code == 2 and "no pair set here" in no_set.output
