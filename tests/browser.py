"""Headless Chromium for the report tests: Debian's ``chromium`` driven by Selenium through Debian's
``chromium-driver`` (``.ci/run`` installs both), the page's network blocked, the console read back."""
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: As the machine's own probe starts it: without the background-networking flags Chromium's own
#: connections are refused by the closed network and logged.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--window-size=1400,2400")


def _missing(reason: str):
    """Skip, or fail where the browser must be there (``IQA_BENCH_REQUIRE_BROWSER``, set by .ci/run once it
    has installed Chromium)."""
    if os.environ.get("IQA_BENCH_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def browser_or_skip():
    """A Selenium driver of the system Chromium; pytest.skip naming what is missing otherwise."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists():
            _missing(f"{path} not found: install Debian's {package} (apt-get install chromium chromium-driver; "
                     f".ci/run does)")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*",
                                                               "ftp://*"]})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                "downloadThroughput": -1, "uploadThroughput": -1})
    return driver


def open_page(driver, path: Path, ready: str = "return window.Plotly !== undefined", timeout: float = 60) -> float:
    """Load ``path`` and wait until ``ready`` is true; the seconds it took."""
    start = time.time()
    driver.get(Path(path).resolve().as_uri())
    while not driver.execute_script(ready):
        if time.time() - start > timeout:
            raise TimeoutError(f"{path}: not ready after {timeout} s")
        time.sleep(0.05)
    return time.time() - start


def console_errors(driver) -> list:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
