"""The tools of a behaviour-preserving redesign (issue 28): the layering picture (tools/import_graph.py)
on a package whose circles are known, and the byte-for-byte comparison of two recordings of every
output (tools/record_outputs.py)."""
import importlib.util
import json
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _tool(name="import_graph"):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_circles_through_a_package_init_and_a_function_body_are_found(tmp_path):
    tool = _tool()
    package = _package(tmp_path, {
        "__init__.py": "",
        "store.py": "import json\n",
        "metrics/__init__.py": "from . import learned\n",
        "metrics/learned.py": "from ..weights import digest\n",
        "metrics/registry.py": "def parse(): pass\n",
        "weights.py": "def digest():\n    from .metrics.registry import parse  # runs metrics/__init__ first\n",
        "api.py": "from . import store\nfrom .report import render\n",
        "report.py": "def render():\n    from .api import run\n",
    })
    edges = tool.graph(package)
    assert edges["pkg.weights"] == {"pkg.metrics.registry", "pkg.metrics"}
    assert edges["pkg.metrics"] == {"pkg.metrics.learned"}
    assert tool.circles(edges) == [["pkg.api", "pkg.report"],
                                  ["pkg.metrics", "pkg.metrics.learned", "pkg.weights"]]
    assert tool.one_cycle(["pkg.api", "pkg.report"], edges) == ["pkg.api", "pkg.report", "pkg.api"]
    floors = [["pkg.store", "pkg.metrics", "pkg.weights"], ["pkg.report"], ["pkg.api"]]
    assert tool.upward(edges, floors) == [("pkg.report", "pkg.api")]
    assert tool.main([str(package)]) == 1


def test_a_layered_package_passes(tmp_path):
    tool = _tool()
    package = _package(tmp_path, {"__init__.py": "", "low.py": "import os\n", "high.py": "from .low import os\n"})
    assert tool.circles(tool.graph(package)) == []
    floors = tmp_path / "floors.txt"
    floors.write_text("# lowest first\npkg.low\npkg.high\n")
    assert tool.main([str(package), "--floors", str(floors)]) == 0


def _recording(folder: Path, checkout: str, table: str) -> Path:
    tool = _tool("record_outputs")
    files = {"sample/run.json": json.dumps({"results": f"{folder}/sample", "code": f"{checkout}/iqa_bench"}),
             "sample/stderr.txt": "scored in 12.5 s\n", "sample/table.md": table}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    manifest = {"recording": str(folder), "checkout": checkout,
                "files": {name: tool._digest(folder / name) for name in files}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_two_recordings_of_one_behaviour_compare_equal_and_a_changed_table_is_named(tmp_path):
    tool = _tool("record_outputs")
    before = _recording(tmp_path / "one", "/work/old", "| PSNR | 0.832 |\n")
    same = _recording(tmp_path / "two", "/work/new", "| PSNR | 0.832 |\n")
    assert tool.compare(before, same) == []  # folders and times masked
    changed = _recording(tmp_path / "three", "/work/new", "| PSNR | 0.833 |\n")
    assert tool.compare(before, changed) == ["differs: sample/table.md (first at line 1)"]
    (changed / "sample" / "extra.csv").write_text("x")
    manifest = json.loads((changed / "manifest.json").read_text())
    manifest["files"]["sample/extra.csv"] = tool._digest(changed / "sample" / "extra.csv")
    (changed / "manifest.json").write_text(json.dumps(manifest))
    assert "only after: sample/extra.csv" in tool.compare(before, changed)
    assert tool.main(["compare", str(before), str(changed)]) == 1


def test_one_registry_rule_for_metrics_datasets_models_and_backbones():
    """Every registry refuses a name registered twice (an alias too), naming the kind and the name."""
    from iqa_bench.backbones.registry import BACKBONES
    from iqa_bench.datasets.registry import DATASETS, register_dataset
    from iqa_bench.metrics.registry import FAMILIES, MetricFamily, register
    from iqa_bench.registry import Registry
    from iqa_bench.training.models import MODELS, register_model

    for registry in (BACKBONES, DATASETS, FAMILIES, MODELS):
        assert isinstance(registry, Registry) and len(registry) > 1
    with pytest.raises(ValueError, match="dataset 'sample' registered twice"):
        register_dataset(DATASETS["sample"])
    with pytest.raises(ValueError, match="model 'vdsr' registered twice"):
        register_model("vdsr")(lambda scale: None)
    with pytest.raises(ValueError, match="metric family 'ssim' registered twice"):
        register(FAMILIES["ssim"])
    family = FAMILIES["psnr"]
    with pytest.raises(ValueError, match="metric family 'psnr' registered twice"):  # an alias of a new family
        register(MetricFamily("psnr_new", family.factory, True, False, "", "", group=family.group,
                              aliases=("psnr",)))
    assert "psnr_new" not in FAMILIES
    with pytest.raises(ValueError, match="backbone 'vgg16' registered twice"):
        BACKBONES.register("vgg16", BACKBONES["vgg16"])


def test_the_package_has_no_import_circle_and_no_import_up_a_floor():
    """The layering of docs/contributing.md, held: tools/floors.txt lists the floors lowest
    first; ``python tools/import_graph.py --floors tools/floors.txt`` exits 0."""
    tool = _tool()
    assert tool.main(["--floors", str(TOOLS / "floors.txt")]) == 0
    folders = {p.parent for p in (TOOLS.parent / "iqa_bench").rglob("*.py")}
    assert all((folder / "__init__.py").is_file() for folder in folders)  # every folder is a package (installed)
