"""Weights files: no code runs from them (issue 14) -- the restricted unpickler of iqa_bench.safe_loading as the
MDF loader uses it, and the test that shows the check can fail."""
import os
import pickle
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.learned import singan
from iqa_bench.learned.singan import load_discriminators



class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _malicious_files(folder: Path, marker: Path):
    legacy, zipped, header = folder / "legacy.pth", folder / "zip.pth", folder / "header.pth"
    torch.save([_Payload(marker)], legacy, _use_new_zipfile_serialization=False)
    torch.save([_Payload(marker)], zipped)
    # the legacy format's first record (the magic number) is read with pickle_module.load directly
    header.write_bytes(pickle.dumps(_Payload(marker), protocol=2) + legacy.read_bytes())
    return legacy, zipped, header


def test_malicious_weight_files_run_nothing_and_name_the_file_and_global(tmp_path):
    marker = tmp_path / "marker"
    for path in _malicious_files(tmp_path, marker):
        with pytest.raises(ValueError) as info:
            load_discriminators(path)
        assert str(path) in str(info.value) and "refusing to load posix.system" in str(info.value)
        assert not marker.exists()
    result = CliRunner().invoke(cli, ["evaluate", "-m", f"mdf:{tmp_path / 'header.pth'}", "--no-plots"])
    assert result.exit_code == 2 and "header.pth" in result.output and not marker.exists()


def test_the_malicious_file_test_can_fail(tmp_path, monkeypatch):
    """With the old loader (plain pickle.load for torch's legacy header records) the payload runs."""
    marker = tmp_path / "marker"
    _, _, header = _malicious_files(tmp_path, marker)
    monkeypatch.setattr(singan.restricted_pickle, "load", pickle.load)
    with pytest.raises(Exception):
        load_discriminators(header)
    assert marker.exists()


def test_missing_mdf_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "-m", f"mdf:{tmp_path / 'nope.pth'}", "--no-plots"])
    assert result.exit_code == 2 and "nope.pth" in result.output
