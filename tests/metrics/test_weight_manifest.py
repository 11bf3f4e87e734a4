"""The weights manifest (metrics/weight_manifest.py): the files each spec needs, the recorded hashes agree with
their sources."""
import re

from iqa_bench.metrics import weight_manifest as manifest

from conftest import SHARED_DATA


def test_files_for_specs():
    def keys(spec):
        return [f.key for f in manifest.files_for_spec(spec)]
    assert keys("psnr") == [] and keys("lp:vgg16:random/relu2_2") == [] and keys("pyiqa:dists") == []
    assert keys("lpips:vgg") == ["vgg16", "lpips-heads-vgg"] and keys("lpips") == ["alexnet", "lpips-heads-alex"]
    assert keys("dists") == ["vgg16", "dists"] and keys("content:vgg19/relu4_2") == ["vgg19"]
    assert keys("mdf:jpeg") == ["mdf-jpeg"] and keys("mdf") == ["mdf-sisr"]
    assert keys("lp:efficientnet_lite0/block4") == ["efficientnet_lite0"]


def test_recorded_hashes_agree_with_their_sources():
    files = manifest.by_key()
    lite = files["efficientnet_lite0"]
    assert lite.sha256.startswith(lite.hash_prefix) and lite.hash_prefix == "57934424"  # the package's file name
    source = (SHARED_DATA / "mdf" / "SOURCE.md")
    if source.is_file():  # the authors' repository's hashes as the shared data lists them
        text = source.read_text()
        for key in ("mdf-sisr", "mdf-jpeg"):
            assert re.search(rf"\| {files[key].name} \|[^\n]*\| {files[key].sha256} \|", text)
