"""Trainer: loss decreases, exact resume, two stages, adversarial terms, 2-process gloo run."""
import csv
import math
import os
import subprocess
import sys

import pytest
import torch
import yaml
from PIL import Image

from iqa_bench.training.trainer import Trainer, load_model, load_train_config


@pytest.fixture(scope="module")
def hr_dir(tmp_path_factory, sample_items):
    folder = tmp_path_factory.mktemp("hr")
    for path in sorted({it.ref_path for it in sample_items})[:3]:
        Image.open(path).resize((64, 48)).save(folder / path.name)
    return folder


def _config(hr_dir, output, **overrides):
    values = dict(train_dir=str(hr_dir), model="edsr_baseline", patch=16, batch_size=2, iters=8, lr=1e-3,
                  checkpoint_every=4, log_every=1, output=str(output), device="cpu", progress=False, loss="l1")
    values.update(overrides)
    return load_train_config(None, **values)


def _log(output):
    with open(output / "log.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_training_loss_decreases(hr_dir, tmp_path):
    Trainer(_config(hr_dir, tmp_path, iters=30)).train()
    losses = [float(row["loss"]) for row in _log(tmp_path)]
    assert len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5


def test_resume_equals_an_uninterrupted_run(hr_dir, tmp_path):
    straight = Trainer(_config(hr_dir, tmp_path / "a")).train()
    Trainer(_config(hr_dir, tmp_path / "b", iters=4)).train()        # "killed" after the checkpoint at 4
    said = []
    resumed = Trainer(_config(hr_dir, tmp_path / "b")).train(say=said.append)   # continues from iteration 4
    assert said == [f"resuming {tmp_path / 'b'} from its checkpoint at iteration 4 of 8"]
    a, b = load_model(straight).state_dict(), load_model(resumed).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["loss"] for r in _log(tmp_path / "a")] == [r["loss"] for r in _log(tmp_path / "b")]
    with pytest.raises(ValueError, match="other settings"):
        Trainer(_config(hr_dir, tmp_path / "b", lr=5e-4)).train()


def test_two_stage_config_and_adversarial_terms(hr_dir, tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text(yaml.safe_dump({
        "train_dir": str(hr_dir), "model": "srresnet", "patch": 32, "batch_size": 2, "output": str(tmp_path / "r"),
        "device": "cpu", "progress": False, "log_every": 1, "checkpoint_every": 100,
        "stages": [{"loss": "l1", "iters": 2, "lr": 1e-3, "schedule": "cosine"},
                   {"loss": "1*huber + 0.005*adv + 1*afm", "iters": 2, "lr": 1e-4}]}))
    trainer = Trainer(load_train_config(config_file))
    before = {k: v.clone() for k, v in trainer.discriminator.state_dict().items()}
    trainer.train()
    rows = _log(tmp_path / "r")
    assert [r["stage"] for r in rows] == ["1", "1", "2", "2"] and "afm" in rows[-1] and "adv" in rows[-1]
    assert float(rows[0]["lr"]) == pytest.approx(1e-3 * (1 + math.cos(math.pi / 2)) / 2)  # cosine, half-way
    after = trainer.discriminator.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before if "weight" in k)


@pytest.mark.slow
def test_two_process_gloo_run(hr_dir, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533",
         "-m", "iqa_bench", "train", "--train-dir", str(hr_dir), "--model", "edsr_baseline", "--loss", "l1",
         "--iters", "3", "--patch", "16", "--batch-size", "2", "--device", "cpu", "--output",
         str(tmp_path / "ddp"), "--no-progress"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    model = load_model(tmp_path / "ddp" / "checkpoint.pt")
    assert model(torch.rand(1, 3, 4, 4)).shape == (1, 3, 16, 16)
