"""The course on every Python it supports, each in a fresh venv.

- The pins: every package a fresh venv installs is pinned in constraints.txt, at
  its pin, and each pin's Requires-Python admits every patch release of Python
  its marker covers (the check that catches a pin too new for Debian's 3.11.2).
- The README's install command, in a fresh venv of each supported Python.
- The student side on each: the lossopt wheel with Jupyter's kernel, each
  released set run top to bottom with the reference answers, its slider figure
  moved to every value (``test_grading.run_completed_releases``).
- The instructor side on Debian's own python3: release, autograde (in the
  sandbox, with the venv's interpreter), feedback.  The default Python does
  the same in test_grading.py.

Venvs are kept under $LOSSOPT_VENVS (default _build/venvs), one per Python,
kind and hash of the pinning files, so a second run reuses them; a venv counts
only once its install finished.  How long each install took is written to
timings.txt there.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

import test_grading as grading
from test_grading import course  # noqa: F401  (the fixture: a released copy, default Python)

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
VENVS = Path(os.environ.get("LOSSOPT_VENVS") or ROOT / "_build" / "venvs")
INSTALL = ["-c", str(CONSTRAINTS), "-e", f"{ROOT}[all]"]   # the README's command
PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")

# label: (major, minor), and where such an interpreter lives on these machines.
# LOSSOPT_PYTHON_<label with _ for . and ->=/path/to/python points at another one.
SUPPORTED = {
    "debian-3.11": ((3, 11), ["/usr/bin/python3"]),
    "3.12": ((3, 12), [f"{PYENV}/versions/3.12.*/bin/python3.12", "/usr/bin/python3.12",
                       "/usr/local/bin/python3.12"]),
    "3.13": ((3, 13), [f"{PYENV}/versions/3.13.*/bin/python3.13", "/usr/bin/python3.13",
                       "/usr/local/bin/python3.13"]),
}
# What a venv brings by itself: checked against a pin only where one applies.
SEEDED = {"pip", "setuptools"}


def interpreter(label):
    """The interpreter of ``label``; fails (never skips) when the machine has none."""
    version, patterns = SUPPORTED[label]
    override = os.environ.get("LOSSOPT_PYTHON_" + label.replace(".", "_").replace("-", "_"))
    found = [override] if override else sorted(
        (p for pattern in patterns for p in glob.glob(pattern)), reverse=True)
    for path in found:
        done = subprocess.run([path, "-c", "import sys; print(*sys.version_info[:2])"],
                              capture_output=True, text=True)
        if done.returncode == 0 and tuple(map(int, done.stdout.split())) == version:
            return Path(path)
    pytest.fail(f"no Python {label} here (looked for {found or patterns}); install it "
                f"(Debian's python3: `make system-packages`) or set LOSSOPT_PYTHON_...",
                pytrace=False)


def pyproject_requires_python():
    return SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())
                        ["project"]["requires-python"])


def pins():
    """constraints.txt as {name: [Requirement, ...]}, one per marker range."""
    table = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            table.setdefault(canonicalize_name(req.name), []).append(req)
    return table


INSPECT = """
import importlib.metadata as md, json
from packaging.markers import default_environment
print(json.dumps({"env": default_environment(), "dists": [
    [d.metadata["Name"], d.version, d.metadata.get("Requires-Python")]
    for d in md.distributions()]}))
"""


def inspect(python):
    done = subprocess.run([str(python), "-I", "-c", INSPECT], capture_output=True, text=True,
                          env=grading.clean_env(), check=True)
    return json.loads(done.stdout)


def pin_problems(report, strict=True):
    """What is wrong with the pins, seen from one environment's installed packages.

    strict: every installed package must be pinned and at its pin (a fresh
    venv); otherwise only the pins installed at their version are checked.
    """
    table, env = pins(), report["env"]
    wanted = pyproject_requires_python()
    major, minor = env["python_version"].split(".")
    problems = []
    for name, version, requires_python in report["dists"]:
        key = canonicalize_name(name)
        if key == "lossopt":
            continue
        applies = [r for r in table.get(key, []) if r.marker is None or r.marker.evaluate(env)]
        if len(applies) > 1:
            problems.append(f"{name}: {len(applies)} pins apply on {env['python_full_version']}")
            continue
        if not applies:
            if strict and key not in SEEDED:
                problems.append(f"{name}=={version} is installed but not pinned")
            continue
        (pin,) = applies
        if str(pin.specifier) != f"=={version}":
            if strict:
                problems.append(f"{name}=={version} is installed, pinned {pin}")
            continue
        admitted = SpecifierSet(requires_python or "")
        for patch in range(40):
            full = f"{major}.{minor}.{patch}"
            covered = pin.marker is None or pin.marker.evaluate(
                dict(env, python_full_version=full))
            if full in wanted and covered and full not in admitted:
                problems.append(f"{pin} is pinned for Python {full}, which pyproject.toml "
                                f"admits, but it requires Python {requires_python}")
                break
    return problems


# ------------------------------------------------------------------ venvs

TIMINGS = {}


def venv_dir(label, kind, python):
    key = hashlib.sha256()
    for part in [CONSTRAINTS.read_bytes(), (ROOT / "pyproject.toml").read_bytes(),
                 kind.encode(), str(python.resolve()).encode(), " ".join(INSTALL).encode()]:
        key.update(part)
    return VENVS / f"{label}-{kind}-{key.hexdigest()[:12]}"


def cached_venv(label, kind, make):
    """``make(venv, python)`` once per label, kind and pinning files; the venv after it."""
    python = interpreter(label)
    venv = venv_dir(label, kind, python)
    stamp = venv / "installed"
    if not stamp.is_file():
        for old in VENVS.glob(f"{label}-{kind}-*"):   # made for other pins: stale
            shutil.rmtree(old, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        make(venv, python)
        seconds = time.monotonic() - start
        stamp.write_text(f"{seconds:.1f}\n")
        TIMINGS[f"{label} {kind}"] = seconds
        with open(VENVS / "timings.txt", "a") as log:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {label} ({python}) {kind}: "
                      f"installed in {seconds:.1f} s\n")
    return venv


def make_course_venv(venv, python):
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, env=grading.clean_env())
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           *INSTALL], capture_output=True, text=True, cwd=ROOT,
                          env=grading.clean_env(), timeout=1800)
    assert done.returncode == 0, f"{python}: pip install {' '.join(INSTALL)}\n" + "\n".join(
        line for line in done.stderr.splitlines() if "is ignored: it is neither" not in line)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    return grading.build_wheel(tmp_path_factory.mktemp("wheel"))


def student_venv(label, wheel):
    venv = cached_venv(label, "student",
                       lambda venv, python: grading.make_student_venv(venv, python, wheel))
    # The pins decide the venv; the wheel is this tree's, so it goes in every time.
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "--no-deps", "--no-index", "--force-reinstall", str(wheel)],
                          capture_output=True, text=True, env=grading.clean_env())
    assert done.returncode == 0, done.stderr[-2000:]
    return venv


# ------------------------------------------------------------------ tests


def test_the_pins_installed_here_admit_every_python_they_are_pinned_for():
    assert pin_problems(inspect(sys.executable), strict=False) == []


def test_every_pin_is_exact_and_its_markers_do_not_overlap():
    wanted = pyproject_requires_python()
    for name, reqs in pins().items():
        for req in reqs:
            assert str(req.specifier).startswith("==") and "," not in str(req.specifier), req
        for full in [f"3.{minor}.{patch}" for minor in range(11, 16) for patch in range(40)]:
            if full not in wanted:
                continue
            env = {"python_full_version": full, "python_version": full.rsplit(".", 1)[0]}
            applies = [r for r in reqs if r.marker is None or r.marker.evaluate(env)]
            assert len(applies) <= 1, (name, full, [str(r) for r in applies])


@pytest.mark.slow
@pytest.mark.parametrize("label", SUPPORTED)
def test_the_readme_install_command_installs_exactly_the_pins(label):
    venv = cached_venv(label, "course", make_course_venv)
    python = venv / "bin" / "python"
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True,
                           env=grading.clean_env())
    assert check.returncode == 0, check.stdout + check.stderr
    report = inspect(python)
    assert report["env"]["python_version"] == ".".join(map(str, SUPPORTED[label][0]))
    assert pin_problems(report) == []


@pytest.mark.slow
@pytest.mark.parametrize("label", SUPPORTED)
def test_the_released_sets_run_and_their_figures_redraw_on(label, course, wheel,  # noqa: F811
                                                           tmp_path):
    venv = student_venv(label, wheel)
    assert pin_problems(inspect(venv / "bin" / "python")) == []
    grading.student_kernel(tmp_path, venv / "bin" / "python")
    out = grading.run_completed_releases(course, tmp_path, venv)
    assert out.count("slider(s)") == len(grading.PROBLEM_SETS), out


SANDBOX_PROBE = """
import subprocess, sys, tempfile
sys.path.insert(0, sys.argv[1])
from grading import sandbox
work = tempfile.mkdtemp()
argv = sandbox.wrap([sys.executable, "-c", "import sys, os, numpy, lossopt, ipykernel;"
                     "print(sys.prefix, os.getuid())"], work)
done = subprocess.run(argv, capture_output=True, text=True)
print(done.stdout.strip() or done.stderr)
"""


@pytest.fixture(scope="module")
def debian_course_venv():
    return cached_venv("debian-3.11", "course", make_course_venv)


def instructor_env():
    """No LOSSOPT_UNSANDBOXED: grading must go through the sandbox."""
    env = grading.clean_env()
    env.pop("LOSSOPT_UNSANDBOXED", None)
    return env


def autograded_scores(root, ps, student):
    return {k: grading.scores(root, ps, student)[k] for k in grading.autograded_points(root, ps)}


@pytest.mark.slow
def test_debian_pythons_venv_runs_inside_the_sandbox(debian_course_venv):
    python = debian_course_venv / "bin" / "python"
    done = subprocess.run([str(python), "-c", SANDBOX_PROBE, str(grading.COURSE)],
                          capture_output=True, text=True, env=instructor_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(debian_course_venv), "65534"], done.stdout


@pytest.mark.slow
def test_the_instructor_round_trip_on_debian_python3(debian_course_venv, tmp_path):
    python = debian_course_venv / "bin" / "python"
    env = instructor_env()
    root = grading.released_copy(tmp_path / "repo", python=python, env=env)
    grading.test_release_holds_no_solution_no_hidden_test_no_reference(root)
    for ps in grading.PROBLEM_SETS:
        grading.submit(root, ps, "complete", grading.source_nb(root, ps))
        grading.submit(root, ps, "blank", grading.release_nb(root, ps))
    loses, edits = grading.WRONG_PS4["adam_no_bias"]
    grading.submit(root, "ps4", "adam_no_bias", grading.edited(grading.source_nb(root, "ps4"),
                                                               edits))
    for ps in grading.PROBLEM_SETS:
        done = grading.grading_cli(root, "autograde", ps, python=python, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        points = grading.autograded_points(root, ps)
        assert autograded_scores(root, ps, "complete") == points, ps
        assert autograded_scores(root, ps, "blank") == dict.fromkeys(points, 0.0), ps
    assert autograded_scores(root, "ps4", "adam_no_bias") == dict(
        grading.autograded_points(root, "ps4"), **{loses: 0.0})
    done = grading.grading_cli(root, "feedback", "ps4", python=python, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (root / "feedback" / "adam_no_bias" / "ps4" / "ps4.html").read_text()
    assert "adam_init/adam_step: 2 of 2 visible cases and" in html
    for banned in ["HIDDEN TESTS", "outside this notebook", "solutions", "reference", str(ROOT)]:
        assert banned not in html, banned
