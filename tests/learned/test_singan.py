"""The MDF authors' SinGAN discriminators (learned/singan.py): the official files load into the documented
architecture through the restricted unpickler, which refuses other globals; the own format round-trips."""
import pickle

import pytest
import torch

from iqa_bench.learned.singan import WDiscriminator, load_discriminators, save_discriminators

from dataset_trees import MDF_DATA, needs_mdf


@needs_mdf
def test_official_files_load_into_the_documented_architecture():
    sisr = load_discriminators(MDF_DATA / "Ds_SISR.pth")
    jpeg = load_discriminators(MDF_DATA / "Ds_JPEG.pth")
    assert [d.head.conv.out_channels for d in sisr] == [32] * 4 + [64] * 4 + [128]
    assert len(jpeg) == 8
    for d in sisr:
        assert isinstance(d, WDiscriminator) and not d.training
        assert [name for name, _ in d.body.named_children()] == ["block1", "block2", "block3"]
        assert d.head.conv.kernel_size == (3, 3) and d.head.conv.padding == (0, 0) and d.tail.out_channels == 1
        assert d.head.norm.eps == 1e-5 and d.head.LeakyRelu.negative_slope == 0.2
    # every tensor of the file is used: the unpickled modules' state equals ours key for key
    import iqa_bench.learned.singan as singan

    raw = torch.load(MDF_DATA / "Ds_SISR.pth", map_location="cpu", pickle_module=singan.restricted_pickle,
                     weights_only=False)
    for original, ours in zip(raw, sisr):
        a, b = original.state_dict(), ours.state_dict()
        assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_restricted_unpickler_refuses_other_globals(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pth"
    torch.save([Evil()], path, _use_new_zipfile_serialization=False, pickle_module=pickle)
    with pytest.raises(ValueError, match=r"refusing to load (__builtin__|builtins)\.print"):
        load_discriminators(path)


def test_own_format_round_trip(tmp_path):
    torch.manual_seed(0)
    discs = [WDiscriminator(32).eval(), WDiscriminator(64).eval()]
    path = save_discriminators(discs, tmp_path / "d.pth")
    back = load_discriminators(path)
    x = torch.rand(1, 3, 24, 24)
    for a, b in zip(discs, back):
        torch.testing.assert_close(a(x), b(x))
