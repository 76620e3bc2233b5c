"""The lossopt wheel is public: it must hold the toolkit and nothing of solutions/."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                    "--outdir", str(out), str(ROOT)], check=True, capture_output=True)
    (path,) = out.glob("lossopt-*.whl")
    return path


def test_wheel_holds_the_toolkit_and_no_reference(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "lossopt/__init__.py" in names and "lossopt/surfaces.py" in names
    assert not [n for n in names if n.startswith("solutions") or "/solutions/" in n]
    for name in names:
        if name.endswith(".py"):
            text = zipfile.ZipFile(wheel).read(name).decode()
            assert "import solutions" not in text and "from solutions" not in text, name


def test_lossopt_imports_without_solutions(tmp_path, wheel):
    """Install the wheel into a fresh target dir and import it with the repository off the path."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True)
    code = ("import importlib.util, sys\n"
            "assert importlib.util.find_spec('solutions') is None, 'solutions is importable'\n"
            "import lossopt, lossopt.surfaces, lossopt.data, lossopt.trajectory, "
            "lossopt.plotting\n"
            "print(lossopt.__file__)\n")
    result = subprocess.run([sys.executable, "-I", "-c",
                             f"import sys; sys.path.insert(0, {str(target)!r})\n" + code],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(target))
