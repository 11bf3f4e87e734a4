"""Damaged official score files (issue 25, item 3): every adapter refuses an empty file, an HTML error
page saved under the file's name, a truncated file and one without its variable / column with one line
naming the file and what was expected -- a ValueError (exit 2 on the command line), never a traceback.
The files are built here in each dataset's official format (scipy.io.savemat, the release's text and
CSV layouts), so the test needs no shared data."""
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.datasets import create_dataset
from iqa_bench.datasets.common import DamagedFileError
from iqa_bench.datasets.live import TOTAL

HTML = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"


def _cell(names):
    cell = np.empty((1, len(names)), dtype=object)
    for k, name in enumerate(names):
        cell[0, k] = name
    return cell


def live_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(str(root / "dmos_realigned.mat"),
                     {"dmos_new": np.linspace(1, 90, TOTAL)[None], "orgs": np.zeros((1, TOTAL), np.uint8)})
    scipy.io.savemat(str(root / "dmos.mat"), {"dmos": np.linspace(1, 90, TOTAL)[None],
                                              "orgs": np.zeros((1, TOTAL), np.uint8)})
    scipy.io.savemat(str(root / "refnames_all.mat"), {"refnames_all": _cell([f"r{k % 29}.bmp" for k in range(TOTAL)])})


def live_md_tree(root: Path) -> None:
    base = root / "Part 1"
    base.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(str(base / "Imagelists.mat"), {"distimgs": _cell([f"d{k}.bmp" for k in range(225)]).T,
                                                    "refimgs": _cell([f"r{k}.bmp" for k in range(15)]).T,
                                                    "ref4dist": (np.arange(225) % 15 + 1)[:, None]})
    scipy.io.savemat(str(base / "Scores.mat"), {"DMOSscores": np.linspace(0, 80, 225)[None]})


def tid_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    names = [f"i{r:02d}_{t:02d}_{lv}.bmp" for r in (1, 2) for t in (1, 2) for lv in range(1, 6)]
    (root / "mos_with_names.txt").write_text("".join(f"{5 + k / 10:.4f} {n}\n" for k, n in enumerate(names)))
    (root / "mos_std.txt").write_text("".join("0.5\n" for _ in names))


def csiq_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    rows = [f"img{k},{k},noise,{k % 5 + 1},0.1,{k / 20:.3f}" for k in range(20)]
    (root / "csiq.DMOS.csv").write_text("image,dst_idx,dst_type,dst_lev,dmos_std,dmos\n" + "\n".join(rows) + "\n")


def kadid_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    rows = [f"I01_{t:02d}_{lv:02d}.png,I01.png,{1 + t / 10 + lv / 7:.3f},0.2" for t in range(1, 5) for lv in range(1, 6)]
    (root / "dmos.csv").write_text("dist_img,ref_img,dmos,var\n" + "\n".join(rows) + "\n")


def bapps_tree(root: Path) -> None:
    base = root / "2afc" / "val" / "traditional" / "judge"
    base.mkdir(parents=True, exist_ok=True)
    for k in range(3):
        np.save(base / f"{k:06d}.npy", np.array([0.25 * (k + 1)]))


def custom_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.csv").write_text("ref,dist,score\nr.png,d.png,1\n")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _without_variable(path: Path, keep: str) -> None:
    scipy.io.savemat(str(path), {keep: np.zeros((1, 3))})


def _without_column(path: Path, header: str) -> None:
    path.write_text(header + "\n" + "\n".join(",".join(["1"] * len(header.split(","))) for _ in range(3)) + "\n")


# (dataset, builder, options, damaged file, what its "missing variable/column" version holds)
CASES = [
    ("live", live_tree, {}, "dmos_realigned.mat", lambda p: _without_variable(p, "dmos_std")),
    ("live", live_tree, {}, "refnames_all.mat", lambda p: _without_variable(p, "names")),
    ("live", live_tree, {"dmos": "original"}, "dmos.mat", lambda p: _without_variable(p, "orgs")),
    ("live_md", live_md_tree, {"part": "1"}, "Part 1/Imagelists.mat", lambda p: _without_variable(p, "distimgs")),
    ("live_md", live_md_tree, {"part": "1"}, "Part 1/Scores.mat", lambda p: _without_variable(p, "scores")),
    ("tid2013", tid_tree, {}, "mos_with_names.txt", lambda p: p.write_text("5.1\n5.2\n")),
    ("tid2013", tid_tree, {}, "mos_std.txt", lambda p: p.write_bytes(b"\xff\xfe\x00\x81" * 40)),
    ("csiq", csiq_tree, {}, "csiq.DMOS.csv", lambda p: _without_column(p, "image,dst_type,dst_lev")),
    ("kadid10k", kadid_tree, {}, "dmos.csv", lambda p: _without_column(p, "dist_img,ref_img")),
    ("bapps", bapps_tree, {"subsets": "traditional"}, "2afc/val/traditional/judge/000001.npy",
     lambda p: p.write_bytes(b"\x80\x04K\x01.")),  # a raw pickle, refused without being unpickled
    ("custom", custom_tree, {}, "manifest.csv", lambda p: _without_column(p, "ref,dist")),
]
DAMAGES = {"html": lambda p, other: p.write_bytes(HTML), "empty": lambda p, other: p.write_bytes(b""),
           "truncated": lambda p, other: _truncate(p), "missing": lambda p, other: other(p)}


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{Path(c[3]).name}")
def test_every_adapter_refuses_a_damaged_official_file_naming_it(tmp_path, case, damage):
    name, build, options, relative, without = case
    root = tmp_path / name
    build(root)
    create_dataset(name, root=root, **options).items()  # the undamaged tree parses
    path = root / relative
    DAMAGES[damage](path, without)
    if damage == "truncated" and path.suffix in (".txt", ".csv"):
        pytest.skip("a text file cut between lines is a shorter valid file: its count is checked elsewhere")
    with pytest.raises(ValueError) as caught:
        create_dataset(name, root=root, **options).items()
    message = str(caught.value)
    assert str(path) in message or path.name in message, message
    if damage in ("html", "empty"):
        assert isinstance(caught.value, DamagedFileError)
        assert ("HTML page" if damage == "html" else "empty (0 bytes)") in message, message
    if name != "custom":
        assert "expected" in message or "official release" in message, message


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[5], CASES[7], CASES[8], CASES[9]],
                         ids=lambda c: c[0])
def test_damaged_file_on_the_command_line_is_one_line_exit_2(tmp_path, case):
    name, build, options, relative, _without = case
    root = tmp_path / name
    build(root)
    (root / relative).write_bytes(HTML)
    flags = [arg for key, value in options.items() for arg in ("-o", f"{key}={value}")]
    for args in (["evaluate", "-d", name, "--root", str(root), "-m", "psnr", "--results", str(tmp_path / "r"),
                  "--no-plots", "--no-progress", *flags], ["datasets", "check", name, "--root", str(root), *flags]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "HTML page" in result.output and (root / relative).name in result.output, result.output


def test_live_info_txt_damaged_is_a_check_problem(tmp_path):
    root = tmp_path / "live"
    live_tree(root)
    (root / "jp2k").mkdir()
    (root / "jp2k" / "info.txt").write_bytes(HTML)
    result = CliRunner().invoke(cli, ["datasets", "check", "live", "--root", str(root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{root / 'jp2k' / 'info.txt'} is an HTML page" in result.output
