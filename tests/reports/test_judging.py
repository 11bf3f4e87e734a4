"""The judging page (reports/judging.py) driven in headless Chromium by a simulated observer who looks at the
pixels and prefers the brighter image (the better one by construction): a whole session by keys, a reload
mid-session losing nothing, undo, the judgements exported; an observer id that is markup shown as text."""
import json
import re

import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from iqa_bench.reports.judging import Trial, judging_page, mad_trials

from browser import browser_or_skip, console_errors

N = 12
BRIGHTNESS = """const mean = (img) => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
  c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data; let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i];
  return s / (d.length / 4); };
return [mean(document.getElementById('left')), mean(document.getElementById('right'))];"""


def _page(tmp_path):
    paths = []
    for k in range(2 * N):
        path = tmp_path / f"img{k}.png"
        Image.fromarray(np.full((24, 32, 3), 8 * k + 20, np.uint8)).save(path)
        paths.append(path)
    trials = [Trial(f"t{k}", paths[2 * k + 1], paths[2 * k]) for k in range(N)]  # a: the brighter, the better
    page = tmp_path / "judging.html"
    page.write_text(judging_page(trials, "Which is better?"))
    return page


def _press(driver, key):
    ActionChains(driver).send_keys(key).perform()


def _progress(driver):
    return driver.execute_script("return document.getElementById('progress').textContent")


def _judge(driver, count):
    for _ in range(count):
        left, right = driver.execute_script(BRIGHTNESS)
        _press(driver, Keys.ARROW_LEFT if left > right else Keys.ARROW_RIGHT)


def _begin(driver, observer=None):
    if observer is not None:
        field = driver.find_element("id", "observer")
        field.clear()
        field.send_keys(observer)
    driver.find_element("id", "begin").click()


def test_a_simulated_observer_judges_a_whole_session_by_keys(tmp_path):
    page = _page(tmp_path)
    driver = browser_or_skip()
    try:
        driver.get(page.resolve().as_uri())
        _begin(driver, "observer 1")
        _judge(driver, 5)
        assert _progress(driver) == f"5 of {N} judged"
        driver.refresh()  # a reload loses nothing: the observer id is offered again, the session goes on
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return document.readyState === 'complete' && !!window.judging"))
        assert driver.execute_script("return document.getElementById('observer').value") == "observer 1"
        _begin(driver)
        assert _progress(driver) == f"5 of {N} judged"
        _press(driver, "u")  # undo the fifth
        assert _progress(driver) == f"4 of {N} judged"
        _judge(driver, N - 4)
        assert _progress(driver) == f"{N} of {N} judged"
        assert driver.find_element("id", "finished").is_displayed()
        exported = driver.execute_script("return window.judging.exported()")
        csv_text = driver.execute_script("return window.judging.csv()")
        assert [e for e in console_errors(driver) if e.get("level") == "SEVERE"] == []
    finally:
        driver.quit()
    judgements = exported["judgements"]
    assert exported["observer"] == "observer 1" and re.fullmatch(r"[0-9a-f]{16}", exported["set"])
    assert sorted(j["trial"] for j in judgements) == sorted(f"t{k}" for k in range(N))  # each pair once
    assert all(j["preferred"] == "a" for j in judgements)  # the brighter image, wherever it was shown
    assert {j["left"] for j in judgements} == {"a", "b"}  # the sides drawn at random
    assert [j["position"] for j in judgements] == list(range(1, N + 1))
    rows = csv_text.strip().splitlines()
    assert rows[0] == "set,observer,trial,position,left,choice,preferred,ms,time" and len(rows) == N + 1


def test_a_random_observer_agrees_with_the_order_by_chance_only(tmp_path):
    """The check above can fail: an observer answering at random prefers ``a`` about half the time."""
    page = _page(tmp_path)
    driver = browser_or_skip()
    rng = np.random.default_rng(1)
    try:
        driver.get(page.resolve().as_uri())
        _begin(driver, "random")
        for _ in range(N):
            _press(driver, Keys.ARROW_LEFT if rng.random() < 0.5 else Keys.ARROW_RIGHT)
        judgements = driver.execute_script("return window.judging.exported()")["judgements"]
    finally:
        driver.quit()
    assert len(judgements) == N and not all(j["preferred"] == "a" for j in judgements)


def test_an_observer_id_that_is_markup_is_text(tmp_path):
    page = _page(tmp_path)
    driver = browser_or_skip()
    try:
        driver.get(page.resolve().as_uri())
        _begin(driver, "<img src=x onerror=document.body.classList.add('pwned')>")
        assert not driver.execute_script("return document.body.classList.contains('pwned')")
        assert "<img" in driver.execute_script("return document.getElementById('who').textContent")
    finally:
        driver.quit()


def test_the_page_holds_its_images_and_fetches_nothing(tmp_path):
    html = _page(tmp_path).read_text()
    assert "src=\"http" not in html and "href=\"http" not in html
    data = json.loads(re.search(r'<script type="application/json" id="judging-data">(.*?)</script>', html,
                                re.S).group(1).replace("<\\/", "</"))
    assert len(data["trials"]) == N and len(data["images"]) == 2 * N
    assert all(uri.startswith("data:image/png;base64,") for uri in data["images"].values())


def test_mad_pairs_and_bad_images(tmp_path):
    for name in ("reference", "best_B_A_fixed", "worst_B_A_fixed", "best_A_B_fixed", "worst_A_B_fixed"):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / f"{name}.png")
    trials = mad_trials(tmp_path)
    assert [t.trial for t in trials] == ["B moved, A fixed", "A moved, B fixed"]
    html = judging_page(trials, "MAD")
    data = json.loads(re.search(r'id="judging-data">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))
    refs = [t["ref"] for t in data["trials"]]
    assert refs[0] == refs[1] and refs[0] in data["images"]  # the reference both images of a MAD pair share
    (tmp_path / "worst_A_B_fixed.png").write_text("<html>error page</html>")
    with pytest.raises(ValueError, match="worst_A_B_fixed.png is not a readable image"):
        judging_page(trials, "MAD")
    with pytest.raises(ValueError, match="no pair to judge"):
        judging_page([], "empty")
