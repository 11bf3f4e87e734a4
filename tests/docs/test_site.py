"""The documentation site builds with warnings as errors (``mkdocs build --strict``), and the build fails on a
broken internal link and on an API object that does not exist, injected into a copy of the pages."""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _site_copy(folder: Path) -> Path:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocs_click") is None:
        reason = "the documentation tooling is not installed (pip install -e '.[docs]'; .ci/run does)"
        if os.environ.get("IQA_BENCH_REQUIRE_DOCS"):
            pytest.fail(reason)
        pytest.skip(reason)
    shutil.copytree(ROOT / "docs", folder / "docs")
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    (folder / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "mkdocs_hooks.py", folder / "tools" / "mkdocs_hooks.py")
    return folder


def _build(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder / "site")],
                          cwd=folder, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


@pytest.mark.slow
def test_the_site_builds_strict_and_fails_on_a_broken_link_or_a_missing_api_object(tmp_path):
    folder = _site_copy(tmp_path)
    built = _build(folder)
    assert built.returncode == 0, built.stderr[-3000:]
    page = (folder / "site" / "cli" / "index.html").read_text()
    assert "gmad analyse" in page and "--bootstrap" in page  # the command line, generated from click
    api_page = (folder / "site" / "api" / "index.html").read_text()
    assert "where_it_stands" in api_page and "<code>AcrossResult</code>" in api_page  # a Sphinx role, as code
    assert ":class:<code>" not in api_page
    statistics = folder / "docs" / "statistics.md"
    text = statistics.read_text()
    statistics.write_text(text + "\nSee [the old page](no-such-page.md).\n")
    broken = _build(folder)
    assert broken.returncode != 0 and "no-such-page.md" in broken.stderr
    statistics.write_text(text)
    api = folder / "docs" / "api.md"
    api.write_text(api.read_text() + "\n::: iqa_bench.api.no_such_function\n")
    missing = _build(folder)
    assert missing.returncode != 0 and "no_such_function" in missing.stderr
