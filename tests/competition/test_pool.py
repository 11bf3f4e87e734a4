"""A gMAD pool from pristine images (competition/pool.py): every image under each distortion at its five
levels, seeded (the same pool twice), read back by the custom adapter; bad folders and names said."""
import hashlib

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from iqa_bench.competition.pool import generate_pool
from iqa_bench.datasets import create_dataset


def _pristine(folder, n=2):
    folder.mkdir()
    for k in range(n):
        rng = np.random.default_rng(k)
        Image.fromarray((rng.uniform(0, 255, (40, 48, 3))).astype(np.uint8)).save(folder / f"photo{k}.png")
    return folder


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.png"))}


def test_every_image_under_each_distortion_at_five_levels_read_back_as_a_custom_set(tmp_path):
    pristine = _pristine(tmp_path / "pristine")
    manifest = generate_pool(pristine, tmp_path / "pool", ["wn", "gblur"], size=32)
    table = pd.read_csv(manifest)
    assert len(table) == 2 * 2 * 5 and set(table["distortion"]) == {"wn", "gblur"}
    assert sorted(table["level"].unique()) == [1, 2, 3, 4, 5] and table["score"].max() == 100.0
    assert Image.open(tmp_path / "pool" / table["dist"][0]).size == (32, 32)
    items = create_dataset("custom", root=tmp_path / "pool", higher_is_better="false").items()
    assert len(items) == 20 and {it.groups["distortion"] for it in items} == {"wn", "gblur"}
    generate_pool(pristine, tmp_path / "again", ["wn", "gblur"], size=32)
    assert _digests(tmp_path / "pool") == _digests(tmp_path / "again")  # seeded by each item's name


def test_bad_folders_and_names_are_said(tmp_path):
    with pytest.raises(ValueError, match="unknown distortion 'salt'; valid: jp2k, jpeg, wn, gblur, fastfading"):
        generate_pool(_pristine(tmp_path / "p"), tmp_path / "out", ["salt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no images"):
        generate_pool(tmp_path / "empty", tmp_path / "out")
    (tmp_path / "p" / "broken.png").write_text("<html>not an image</html>")
    with pytest.raises(ValueError, match="broken.png is not a readable image"):
        generate_pool(tmp_path / "p", tmp_path / "out", ["wn"])


def test_the_command_writes_the_pool_and_says_what_next(tmp_path):
    from click.testing import CliRunner

    from iqa_bench.cli import cli

    pristine = _pristine(tmp_path / "pristine", n=1)
    done = CliRunner().invoke(cli, ["gmad-pool", str(pristine), "--out", str(tmp_path / "pool"), "--distortions",
                                    "jpeg", "--size", "32"])
    assert done.exit_code == 0, done.output
    assert "(5 distorted images); next: iqa-bench gmad -m A,B -d custom --root" in done.output
    bad = CliRunner().invoke(cli, ["gmad-pool", str(pristine), "--out", str(tmp_path / "x"), "--distortions", "salt"])
    assert bad.exit_code == 2 and "unknown distortion 'salt'" in bad.output
