"""A grading round trip of ps4 (nbgrader on a temporary copy of the course): the feedback
names each submitted confusion, a correct submission gets no diagnosis, the summary table
comes first, and the class report counts the batch exactly."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from grading_kit import course_ignore
from grading import confusions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"


EPS_ADAM = ("adam_init_solution", "return theta - lr * m_hat / np.sqrt(v_hat + eps)",
            "return theta - lr * m_hat / (np.sqrt(v_hat) + eps)")
#: student -> (edits of the source notebook, the confusion keys the feedback must name)
BATCH = {
    "complete": ([], []),
    "adam_eps_1": ([EPS_ADAM], ["adam:eps_outside"]),
    "adam_eps_2": ([EPS_ADAM], ["adam:eps_outside"]),
    "adam_no_bias": ([("adam_init_solution",
                       "m_hat = m / (1.0 - beta1**t)\n    v_hat = v / (1.0 - beta2**t)",
                       "m_hat = m\n    v_hat = v")], ["adam:no_bias_correction"]),
    "two_mistakes": ([("adagrad_init_solution", "np.sqrt(G + eps)", "(np.sqrt(G) + eps)"),
                      ("nag_init_solution", "g = np.asarray(grad_fn(look_ahead), dtype=float)",
                       "g = np.asarray(grad_fn(theta), dtype=float)")],
                     ["adagrad:eps_outside", "nag:at_theta"]),
}


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "grading", "--root", str(root), *args],
                          cwd=root, capture_output=True, text=True, timeout=900)


def cell(nb, grade_id):
    (found,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(COURSE, repo / "autograder", ignore=course_ignore())
    (repo / "solutions").symlink_to(ROOT / "solutions")
    root = repo / "autograder"
    assert cli(root, "release", "ps4").returncode == 0
    source = nbformat.read(str(root / "source" / "ps4" / "ps4.ipynb"), as_version=4)
    for student, (edits, _) in BATCH.items():
        nb = nbformat.reads(nbformat.writes(source), as_version=4)
        for grade_id, old, new in edits:
            target = cell(nb, grade_id)
            assert old in target.source, (grade_id, old)
            target.source = target.source.replace(old, new)
        folder = root / "submitted" / student / "ps4"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / "ps4.ipynb"))
    done = cli(root, "autograde", "ps4")
    assert done.returncode == 0, done.stderr[-3000:]
    done = cli(root, "feedback", "ps4")
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def feedback(root, student):
    return (root / "feedback" / student / "ps4" / "ps4.html").read_text()


@pytest.mark.parametrize("student", [s for s, (_, keys) in BATCH.items() if keys])
def test_feedback_names_each_submitted_confusion(graded, student):
    html = feedback(graded, student)
    for key in BATCH[student][1]:
        conf = confusions.CATALOGUE[key]
        assert conf.link in html
        assert conf.text.split(":")[0].replace("'", "&#39;") in html, key


def test_a_correct_submission_gets_no_diagnosis_and_a_full_summary(graded):
    html = feedback(graded, "complete")
    assert "Your results at a glance" in html
    assert "Every failed case" not in html and "No known mistake" not in html
    assert "awaiting manual grading" in html       # the written answer, not a 0


def test_the_summary_comes_first_and_shows_no_hidden_material(graded):
    nb_html = feedback(graded, "adam_no_bias")
    first = nb_html.index("Your results at a glance")
    assert first < nb_html.index("Problem set 4")
    assert "adam_init/adam_step" in nb_html[first:nb_html.index("Problem set 4")]
    for banned in ["HIDDEN TESTS", "outside this notebook", "solutions", str(ROOT), "cases.py"]:
        assert banned not in nb_html


def test_the_class_report_counts_the_batch_exactly(graded):
    done = cli(graded, "report", "ps4")
    assert done.returncode == 0, done.stderr
    table = (graded / "reports" / "ps4-confusions.md").read_text()
    assert (graded / "reports" / "ps4-confusions.png").stat().st_size > 1000
    rows = {line.split("|")[4].strip().split(": ")[0]: line.split("|")
            for line in table.splitlines() if line.startswith("|") and ":" in line}
    assert rows["adam:eps_outside"][5].strip() == "2"
    assert rows["adam:no_bias_correction"][5].strip() == "1"
    assert rows["adagrad:eps_outside"][5].strip() == "1"
    assert rows["nag:at_theta"][5].strip() == "1"
    assert rows["momentum:flipped"][5].strip() == "0"
    head = [line for line in table.splitlines() if line.startswith("| adam_init/adam_step")]
    assert head[0].split("|")[2:4] == [" 5 ", " 2 "]      # 5 students, 2 passed
