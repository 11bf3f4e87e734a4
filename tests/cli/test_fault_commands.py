"""Issue 25: every command that reads a file, given a damaged one (an HTML error page under the file's
name, an empty file, a truncated file): exit code 1 or 2, one line naming the file, no traceback, and
the damaged file -- like everything stored before -- left exactly as it was (nothing lost). The table
of the closing note is this test's parameter list (``python -m pytest tests/cli/test_fault_commands.py -v``)."""
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from iqa_bench.cli import cli

from conftest import SHARED_DATA
from fault_helpers import FAST, make_set


HTML = b"<!DOCTYPE html><html><body>404 Not Found</body></html>\n"
CALIBRATION = SHARED_DATA / "iqa" / "tid2013"


def damage(path: Path, how: str) -> None:
    if how == "html":
        path.write_bytes(HTML)
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("run")
    root = make_set(base / "set", n=8)
    result = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "--results",
                                      str(base / "res"), *FAST])
    assert result.exit_code == 0, result.output
    return root, base / "res"


def _checkpoint(folder: Path) -> Path:
    folder.mkdir(parents=True)
    torch.save({"scale": 2, "model_name": "vdsr", "model": {}}, folder / "checkpoint.pt")
    return folder / "checkpoint.pt"


def _mdf_state(folder: Path) -> Path:
    folder.mkdir(parents=True)
    torch.save({"config": {}}, folder / "checkpoint.pt")
    return folder / "checkpoint.pt"


def _calibration(tmp: Path) -> Path:
    if not CALIBRATION.is_dir():
        pytest.skip(f"calibration pairs not available: {CALIBRATION} is absent")
    shutil.copytree(CALIBRATION, tmp / "cal", ignore=shutil.ignore_patterns("yy3948*", "*.csv", "*.txt"))
    return next((tmp / "cal").rglob("i01_01_5.bmp"))


# (command, the file it reads: made in TMP/RUN, the arguments)
CASES = {
    "report run.json": (lambda t, r: t / "run" / "run.json", ["report", "{run}"]),
    "report scores.csv": (lambda t, r: t / "run" / "scores.csv", ["report", "{run}"]),
    "across summary.csv": (lambda t, r: t / "run" / "summary.csv", ["across", "{run}"]),
    "across run.json": (lambda t, r: t / "run" / "run.json", ["across", "{run}"]),
    "store salvage": (lambda t, r: Path(shutil.copy(r / "scores.sqlite", t / "s.sqlite")),
                      ["store", "salvage", "{tmp}/s.sqlite", "--output", "{tmp}/new.sqlite"]),
    "check baseline": (lambda t, r: _write(t / "b.json", '{"runs": []}'), ["check", "--baseline", "{tmp}/b.json"]),
    "evaluate --config": (lambda t, r: _write(t / "c.yaml", "metrics: [psnr]\nbootstrap: 0\n"),
                          ["evaluate", "--config", "{tmp}/c.yaml"]),
    "evaluate --scores": (lambda t, r: _write(t / "v.csv", "item,value\n" + "".join(
        f"dist{k}.png,{k}\n" for k in range(8))), ["evaluate", "-d", "custom", "--root", "{root}", "--scores",
                                                   "v={tmp}/v.csv", "--results", "{tmp}/r", "--no-plots"]),
    "evaluate custom manifest": (lambda t, r: Path(shutil.copy(r.parent / "set" / "manifest.csv", t / "m.csv")),
                                 ["evaluate", "-d", "custom", "--root", "{root}", "-o", "manifest={tmp}/m.csv",
                                  "-m", "psnr", "--results", "{tmp}/r", "--no-plots"]),
    "paper --recipe-file": (lambda t, r: _write(t / "r.yaml", "title: x\nkind: iqa\n"),
                            ["paper", "--recipe-file", "{tmp}/r.yaml", "--out", "{tmp}/o"]),
    "train --config": (lambda t, r: _write(t / "c.yaml", "loss: l1\n"), ["train", "--config", "{tmp}/c.yaml"]),
    "train resume": (lambda t, r: _checkpoint(t / "out"),
                     ["train", "--train-dir", "{root}", "--output", "{tmp}/out", "--iters", "1", "--patch", "16",
                      "--batch-size", "1", "--model", "vdsr", "--no-progress"]),
    "sr-eval checkpoint": (lambda t, r: _checkpoint(t / "out"), ["sr-eval", "{tmp}/out/checkpoint.pt", "--testset",
                                                                 "{root}", "-o", "{tmp}/eval"]),
    "study config": (lambda t, r: _write(t / "s.yaml", "train: {}\nlosses: []\n"), ["study", "{tmp}/s.yaml"]),
    "mdf-train resume": (lambda t, r: _mdf_state(t / "m"), ["mdf-train", "--seed-image", "{root}/ref0.png",
                                                           "--scales", "1", "--output", "{tmp}/m", "--iters", "1"]),
    "calibrate image": (lambda t, r: _calibration(t), ["calibrate", "--root", "{tmp}/cal", "-m", "psnr"]),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("how", ["html", "empty", "truncated"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_damaged_input_file_is_one_line_never_a_traceback(tmp_path, finished_run, case, how):
    root, results = finished_run
    shutil.copytree(results / "custom", tmp_path / "run")
    make, args = CASES[case]
    path = make(tmp_path, results)
    if case == "evaluate --config" and how == "empty":
        pytest.skip("an empty YAML config is the defaults (no key): the default benchmark, not a fault")
    damage(path, how)
    before = path.read_bytes()
    stored = (results / "scores.sqlite").read_bytes()
    argv = [a.format(run=tmp_path / "run", tmp=tmp_path, root=root) for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "Aborted" not in result.output, result.output
    assert path.read_bytes() == before and (results / "scores.sqlite").read_bytes() == stored  # nothing lost
    if case == "store salvage" and how == "truncated":
        return  # the rows that survive are salvaged into a new file (none here): exit 0, said in one line
    if case == "train --config" and how == "empty":  # an empty config is the defaults: train_dir is missing
        assert result.exit_code == 2 and "train_dir (--train-dir) is required" in result.output
        return
    if case == "evaluate --scores" and how == "truncated":
        assert result.exit_code == 2 and "missing" in result.output, result.output
        return
    assert result.exit_code in (1, 2), result.output
    assert path.name in result.output or str(path.parent) in result.output, result.output


def test_weights_verify_names_a_damaged_cached_file(tmp_path, monkeypatch):
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "alexnet-owt-7be5be79.pth").write_bytes(HTML)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    result = CliRunner().invoke(cli, ["weights", "--verify", "lpips"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "alexnet-owt-7be5be79.pth: MISMATCH" in result.output
    assert (checkpoints / "alexnet-owt-7be5be79.pth").read_bytes() == HTML  # reported, not deleted
