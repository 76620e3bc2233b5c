"""Grading round trips on a temporary copy of the course (never the real autograder/ folder).

One module-scoped copy is released once; each problem set is then autograded
once for a batch of students whose notebooks are built here: the source
notebooks (every solution filled in), the unmodified release, and plausible
wrong answers that must lose exactly their own function's points.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pytest

from grading_kit import (  # noqa: F401  (the neighbours import them from here too)
    ROOT, COURSE, PROBLEM_SETS, GENERATED, course_ignore, grading_cli, released_copy, source_nb, release_nb,
    cell_by_id, edited, submit, scores, autograded_points, WRONG_PS2, WRONG_PS4, CHEAT_CELL)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released copy of the course: <tmp>/repo/autograder, with solutions/ beside it."""
    return released_copy(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def graded(course):
    """Autograde every problem set once, for every student built here."""
    root = course
    runs = {}
    for ps in PROBLEM_SETS:
        submit(root, ps, "complete", source_nb(root, ps))
        submit(root, ps, "blank", release_nb(root, ps))
    for student, (_, edits) in WRONG_PS2.items():
        submit(root, "ps2", student, edited(source_nb(root, "ps2"), edits))
    submit(root, "ps2", "warns", edited(source_nb(root, "ps2"), {"mse_solution": (
        "    ### BEGIN SOLUTION\n",
        "    ### BEGIN SOLUTION\n    import warnings\n"
        "    warnings.warn('mse: averaging, as asked')\n")}))
    submit(root, "ps2", "not_a_notebook", b"%PDF-1.4 this is a scan, not a notebook\n")
    for student, (_, edits) in WRONG_PS4.items():
        submit(root, "ps4", student, edited(source_nb(root, "ps4"), edits))
    cheat = release_nb(root, "ps4")
    cell_by_id(cheat, "momentum_init_solution").source = CHEAT_CELL
    submit(root, "ps4", "cheat", cheat)
    for ps in PROBLEM_SETS:
        runs[ps] = grading_cli(root, "autograde", ps)
    return root, runs


# ------------------------------------------------------------- tests


@pytest.mark.slow
def test_release_holds_no_solution_no_hidden_test_no_reference(course):
    for ps in PROBLEM_SETS:
        assert sorted(p.name for p in (course / "release" / ps).iterdir()) == [f"{ps}.ipynb"]
        text = (course / "release" / ps / f"{ps}.ipynb").read_text()
        for banned in ["BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS",
                       "outside this notebook", "solutions"]:
            assert banned not in text, (ps, banned)
        released = release_nb(course, ps)
        for cell in source_nb(course, ps).cells:
            if cell.cell_type != "code" or not cell.metadata["nbgrader"].get("solution"):
                continue
            inside = cell.source.split("### BEGIN SOLUTION")[1:]
            body = [line.strip() for part in inside
                    for line in part.split("### END SOLUTION")[0].splitlines()]
            outside = "".join(part.split("### END SOLUTION")[-1] for part in inside)
            outside += cell.source.split("### BEGIN SOLUTION")[0]
            stub = cell_by_id(released, cell.metadata["nbgrader"]["grade_id"]).source
            assert "raise NotImplementedError()" in stub
            leaked = [line for line in body
                      if len(line) > 12 and line in stub and line not in outside]
            assert not leaked, (ps, leaked)


@pytest.mark.slow
def test_source_notebooks_score_full_marks(graded):
    root, runs = graded
    for ps in PROBLEM_SETS:
        points = autograded_points(root, ps)
        got = scores(root, ps, "complete")
        assert {k: got[k] for k in points} == points, ps


@pytest.mark.slow
def test_unmodified_release_scores_zero_and_grades_without_error(graded):
    root, runs = graded
    for ps in ["ps1", "ps3", "ps4"]:
        assert runs[ps].returncode == 0, runs[ps].stderr
    for ps in PROBLEM_SETS:
        assert "blank: not graded" not in runs[ps].stderr
        got = scores(root, ps, "blank")
        assert {k: got[k] for k in autograded_points(root, ps)} == dict.fromkeys(
            autograded_points(root, ps), 0.0), ps


@pytest.mark.slow
@pytest.mark.parametrize("ps, student, loses", [
    ("ps2", s, g) for s, (g, _) in WRONG_PS2.items()] + [
    ("ps4", s, g) for s, (g, _) in WRONG_PS4.items()])
def test_a_wrong_answer_loses_exactly_its_own_points(graded, ps, student, loses):
    root, _ = graded
    points = autograded_points(root, ps)
    expected = dict(points, **{loses: 0.0})
    got = scores(root, ps, student)
    assert {k: got[k] for k in points} == expected


@pytest.mark.slow
def test_passing_visible_checks_by_replacing_allclose_earns_nothing(graded):
    root, _ = graded
    kernel_nb = nbformat.read(str(root / "autograded" / "cheat" / "ps4" / "ps4.ipynb"), 4)
    (error,) = cell_by_id(kernel_nb, "momentum_update").outputs
    assert error.evalue.startswith("momentum_init/momentum_step: 2 of 2 visible cases and")
    assert scores(root, "ps4", "cheat")["momentum_update"] == 0.0


@pytest.mark.slow
def test_a_correct_answer_that_warns_keeps_its_points(graded):
    root, _ = graded
    kernel_nb = nbformat.read(str(root / "autograded" / "warns" / "ps2" / "ps2.ipynb"), 4)
    assert cell_by_id(kernel_nb, "mse_value").outputs == []
    points = autograded_points(root, "ps2")
    got = scores(root, "ps2", "warns")
    assert {k: got[k] for k in points} == points


@pytest.mark.slow
def test_a_file_that_is_not_a_notebook_is_named_and_the_rest_is_graded(graded):
    root, runs = graded
    run = runs["ps2"]
    assert run.returncode == 1
    assert "not_a_notebook: not graded: ps2.ipynb (" in run.stderr
    assert "graded 5 of 6 submissions" in run.stdout
    assert scores(root, "ps2", "complete")["mse_value"] == 1.0


@pytest.mark.slow
def test_feedback_names_failed_functions_but_never_hidden_material(graded):
    root, _ = graded
    done = grading_cli(root, "feedback", "ps4")
    assert done.returncode == 0, done.stderr
    html = (root / "feedback" / "adam_no_bias" / "ps4" / "ps4.html").read_text()
    assert "adam_init/adam_step: 2 of 2 visible cases and" in html
    assert "hidden cases failed" in html
    assert "Diagnosis: Every failed case is what you get when: m and v are not bias" in html
    for student in ["adam_no_bias", "blank", "cheat"]:
        html = (root / "feedback" / student / "ps4" / "ps4.html").read_text()
        for banned in ["HIDDEN TESTS", "outside this notebook", "solutions", str(ROOT),
                       "cases.py", "reference"]:
            assert banned not in html, (student, banned)


@pytest.mark.slow
def test_export_writes_one_row_per_student_and_problem_set(graded, tmp_path):
    root, _ = graded
    done = grading_cli(root, "export", "--to", str(tmp_path / "grades.csv"))
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "grades.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert "assignment" in header and "student_id" in header and "score" in header
    complete_ps4 = [r for r in rows if r.startswith("ps4,") and ",complete," in r]
    assert len(complete_ps4) == 1
    import csv

    with open(tmp_path / "grades.csv", newline="") as handle:
        table = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(handle)}
    never = table[("ps4", "mse_summed")]         # handed in ps2 only
    assert (never["status"], never["raw_score"], never["score"]) == ("missing", "", "")
    blank = table[("ps4", "blank")]              # handed in the blank release: a real zero
    assert (blank["status"], float(blank["score"])) == ("submitted", 0.0)


def test_source_notebooks_are_up_to_date():
    done = subprocess.run([sys.executable, str(COURSE / "make_source.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_loss_and_optimizer_solution_cells_hold_no_input_checks():
    """ps2's and ps4's solution cells hold what a student writes: the reference's input
    checks (its decorators and their ValueErrors) stay in solutions/."""
    for ps in ["ps2", "ps4"]:
        for cell in source_nb(COURSE, ps).cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                assert "raise ValueError" not in cell.source, (ps, cell.source)
                assert "_checked" not in cell.source, (ps, cell.source)


def test_visible_checks_agree_with_the_reference():
    from grading import cases
    from solutions import losses, optimizers, residuals, training
    ns = {"np": np}
    for module in (residuals, losses, optimizers, training):
        ns.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    for ps in PROBLEM_SETS:   # the notebook's own check() and CONFUSIONS
        exec(cell_by_id(source_nb(COURSE, ps), "helpers").source, ns)
    for task in cases.TASKS.values():
        assert len(task.cases()) - len(task.checks) >= 20, task.grade_id
        for check in task.checks:
            exec(cases.visible_code(task, check), dict(ns))
            assert check.case.visible
            for view in check.views:    # the value worked out by hand in the comment
                if view.stated is not None:
                    assert np.allclose(check.expected(task, view), view.stated), check.why


def test_close_demands_matching_inf_and_never_passes_nan():
    from grading.verdict import close
    a = np.array([1.0, np.inf])
    assert close(a, np.array([1.0 + 1e-9, np.inf]), rtol=1e-6, atol=1e-9)
    assert not close(a, np.array([1.0, -np.inf]), rtol=1e-6, atol=1e-9)
    assert not close(a, np.array([1.0, 1e308]), rtol=1e-6, atol=1e-9)
    assert not close(np.array([np.nan]), np.array([np.nan]), rtol=1e-6, atol=1e-9)
    assert not close(np.zeros(2), np.zeros(3), rtol=1e-6, atol=1e-9)


# ---------------------------------------------- the student's environment


def build_wheel(tmp):
    """The lossopt wheel, built from a copy of the distribution's files (the tree stays clean)."""
    project = tmp / "project"
    project.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "lossopt", project / "lossopt",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                    "--outdir", str(tmp / "dist"), str(project)],
                   check=True, capture_output=True)
    (wheel,) = (tmp / "dist").glob("lossopt-*.whl")
    return wheel


def student_kernel(tmp, python):
    """A kernel spec ``lossopt-student`` under <tmp>/jupyter that runs ``python``."""
    kernels = tmp / "jupyter" / "kernels" / "lossopt-student"
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "student", "language": "python"}))


def clean_env():
    """This process's environment without what would point a child at this repository."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LOSSOPT_STATIC_FIGURES")}


STUDENT_PACKAGES = ["nbclient", "ipykernel"]


def make_student_venv(venv, python, wheel):
    """A fresh venv of ``python`` with the wheel and Jupyter's kernel, at their pins.

    Fresh, not --system-site-packages: an editable install of lossopt in the base
    interpreter is a meta-path finder, which would win over the venv's wheel.
    """
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, env=clean_env())
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "-c", str(ROOT / "constraints.txt"), str(wheel), *STUDENT_PACKAGES],
                          capture_output=True, text=True, env=clean_env(), timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


@pytest.fixture(scope="module")
def student_env(tmp_path_factory):
    """A venv with the lossopt wheel and Jupyter's kernel, where solutions is absent."""
    tmp = tmp_path_factory.mktemp("student")
    venv = make_student_venv(tmp / "venv", sys.executable, build_wheel(tmp))
    student_kernel(tmp, venv / "bin" / "python")
    return tmp, venv


RUNNER = textwrap.dedent("""
    import sys
    import nbformat
    from nbclient import NotebookClient

    VIEW = "application/vnd.jupyter.widget-view+json"
    for path in sys.argv[1:]:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, kernel_name="lossopt-student", timeout=120,
                       resources={"metadata": {"path": sys.argv[0].rsplit("/", 1)[0]}}).execute()
        # the probe (last cell) must have moved the sliders of the figure the set's own
        # figure cell (the one before it) shows, not some other widget
        shown = [o["data"][VIEW]["model_id"] for o in nb.cells[-2].outputs
                 if VIEW in o.get("data", {})]
        probed = nb.cells[-1].outputs[-1].text.strip()
        assert shown and probed.startswith(f"figure {shown[-1]}:"), (path, shown, probed)
        print("ran", path, probed)
""")

# Appended to each set: its last cell drew a slider figure (the newest figure widget).
# Every slider is moved to every value; each move must redraw a new image, with no error.
FIGURE_PROBE = textwrap.dedent("""
    import ipywidgets as _w
    from ipywidgets.widgets.widget import _instances
    # the figure cell displays its box (with a still image as fallback): the newest one
    _boxes = [w for w in list(_instances.values())
              if isinstance(w, _w.Box) and "lossopt-figure" in w._dom_classes]
    assert _boxes, "the last cell drew no interactive figure"
    _box = _boxes[-1]
    _image = next(c for c in _box.children if isinstance(c, _w.Image))
    _errors = _box.children[-1]
    _sliders = [c for c in _box.children if isinstance(c, _w.SelectionSlider)]
    _seen = {bytes(_image.value)}
    _combos = {tuple(s.value for s in _sliders)}
    for _s in _sliders:
        for _label, _value in _s.options:
            _s.value = _value
            assert not _errors.outputs, _errors.outputs
            _seen.add(bytes(_image.value))
            _combos.add(tuple(s.value for s in _sliders))
    assert all(png.startswith(b"\\x89PNG") for png in _seen)
    assert len(_combos) > 1 and len(_seen) == len(_combos), (len(_seen), len(_combos))
    print(f"figure {_box.model_id}: {len(_sliders)} slider(s), {len(_seen)} images")
""")


def run_completed_releases(course, tmp, venv, lang="en"):
    """Run each released set, its solution cells filled in, in ``venv``'s kernel (no solutions).

    ``lang``: the sets in that language (``release_ko/`` for Korean).
    Return the runner's output: one line per set, with what the figure probe printed.
    """
    from grading import language

    work = tmp / ("work" if lang == "en" else f"work-{lang}")
    work.mkdir()
    probe = nbformat.v4.new_code_cell(textwrap.dedent(f"""
        import importlib.util, lossopt
        assert importlib.util.find_spec("solutions") is None, "solutions is importable"
        assert lossopt.__file__.startswith({str(venv)!r}), lossopt.__file__
    """))
    paths = []
    for ps in PROBLEM_SETS:
        nb = nbformat.read(str(course / language.release_folder(lang) / ps / f"{ps}.ipynb"),
                           as_version=4)
        source = nbformat.read(str(language.source_path(lang, ps, course)), as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                cell.source = cell_by_id(source, meta["grade_id"]).source
        (*_, last) = [c for c in nb.cells if c.cell_type == "code"]
        assert "interactive_figure(" in last.source, ps
        nb.cells.insert(0, probe)
        nb.cells.append(nbformat.v4.new_code_cell(FIGURE_PROBE))
        nbformat.write(nb, str(work / f"{ps}.ipynb"))
        paths.append(str(work / f"{ps}.ipynb"))
    (work / "run.py").write_text(RUNNER)
    env = clean_env()
    env["JUPYTER_PATH"] = str(tmp / "jupyter")
    done = subprocess.run([str(venv / "bin" / "python"), str(work / "run.py"), *paths],
                          cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("ran ") == 4 and done.stdout.count(" images") == 4, done.stdout
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_completed_release_runs_top_to_bottom_without_solutions(course, student_env, lang):
    run_completed_releases(course, *student_env, lang=lang)
