"""The run's outputs on disk (iqa_bench.run.outputs, issues 14 and 16.1): an unwritable results folder is one
line; when no requested metric can run, the reason is shown and the exit is 1."""
from pathlib import Path

import torch

from fault_helpers import make_set, evaluate


def test_unwritable_results_folder_is_one_line(tmp_path, monkeypatch):
    root = make_set(tmp_path / "set", n=3)
    original = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if "readonly" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    result = evaluate(root, tmp_path / "readonly")
    assert result.exit_code == 1 and "readonly" in result.output and "Permission denied" in result.output
    assert "Traceback" not in result.output


def test_when_no_requested_metric_can_run_the_reason_is_shown_and_the_exit_is_1(tmp_path, monkeypatch):
    """Offline, LPIPS / VGG weights absent: the pre-fetch line and exit 1, never a traceback (issue 16.1)."""
    import urllib.error

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    root = make_set(tmp_path / "set", n=3)
    result = evaluate(root, tmp_path / "res", options=["-m", "lp:vgg16/relu2_2", "--no-plots", "--bootstrap", "0"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Pre-fetch" in result.output and "VGG16_Weights" in result.output and "Downloading" not in result.output
    assert "no metric was computed" in (tmp_path / "res" / "custom" / "table.md").read_text()
