"""The documentation's examples cannot rot: every fenced ``bash`` or ``python`` block of ``docs/*.md`` and of
README.md that follows a ``<!-- runnable -->`` comment (``<!-- runnable: slow -->`` for the slow ones) runs
here, on the embedded sample, in a fresh folder, as a reader would paste it; a failing command fails the
test. A collector of our own rather than pytest-markdown-docs, sybil or mktestdocs: the same rule for shell
and Python blocks, the marker invisible on the site, no further dependency, and the slow mark by block."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^<!-- runnable(: slow)? -->\s*$")
FENCE = re.compile(r"^```(bash|python)\s*$")
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def runnable_blocks(path: Path):
    """(language, code, line, slow) of every marked block of ``path``; a marker not followed by a bash or
    python fence is an error (a typo would otherwise leave an example untested)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for k, line in enumerate(lines):
        marker = MARKER.match(line)
        if not marker:
            continue
        fence = FENCE.match(lines[k + 1]) if k + 1 < len(lines) else None
        if fence is None:
            raise ValueError(f"{path.name}:{k + 1}: a runnable marker not followed by a bash or python fence")
        end = next(j for j in range(k + 2, len(lines)) if lines[j].startswith("```"))
        blocks.append((fence.group(1), "\n".join(lines[k + 2:end]) + "\n", k + 1, bool(marker.group(1))))
    return blocks


def _cases():
    for page in PAGES:
        for language, code, line, slow in runnable_blocks(page):
            marks = [pytest.mark.slow] if slow else []
            yield pytest.param(language, code, id=f"{page.name}:{line}", marks=marks)


def run_block(language: str, code: str, folder: Path) -> subprocess.CompletedProcess:
    """The block run as a reader would: shell with errexit and pipefail, Python as a script, in ``folder``."""
    command = ["bash", "-euo", "pipefail", "-c", code] if language == "bash" else [sys.executable, "-c", code]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "MPLBACKEND": "Agg"})


@pytest.mark.parametrize("language,code", list(_cases()))
def test_the_example_runs(language, code, tmp_path):
    done = run_block(language, code, tmp_path)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def test_the_pages_have_runnable_examples_and_a_broken_one_fails(tmp_path):
    """The collector finds the examples (a marker that lost its block is an error), and a block broken on
    purpose fails as a test would."""
    assert len(list(_cases())) >= 8
    broken = tmp_path / "page.md"
    broken.write_text("<!-- runnable -->\n```bash\niqa-bench evaluate -m no_such_metric\n```\n"
                      "<!-- runnable -->\ntext\n")
    with pytest.raises(ValueError, match="page.md:5: a runnable marker not followed"):
        runnable_blocks(broken)
    language, code, _, _ = runnable_blocks(_one(tmp_path))[0]
    done = run_block(language, code, tmp_path)
    assert done.returncode == 2 and "unknown metric 'no_such_metric'" in done.stderr


def _one(folder: Path) -> Path:
    page = folder / "one.md"
    page.write_text("<!-- runnable -->\n```bash\niqa-bench evaluate -m no_such_metric\n```\n")
    return page
