"""formgrader's Autograde button, without a browser.

formgrader's handler calls ``NbGraderAPI.autograde(assignment, student)`` in
the Jupyter server's own process, with the config the server loaded from the
course folder and nbgrader reading ``submitted/`` itself (no intake, no
``python -m grading``).  ``FORMGRADER`` does exactly that in a fresh process
started in the course folder, as the server would be.

The course copy here carries its own ``lossopt`` beside ``solutions/`` while the
interpreter's installed toolkit is another copy (the editable install of the
main checkout): the figure cell must still import ``lossopt`` in the sandbox,
and every autograded file must belong to the grader, not the sandbox uid.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

import test_grading as grading

pytestmark = pytest.mark.slow      # a whole autograde run

PS = "ps2"

FORMGRADER = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, os.getcwd())
    from grading.config_check import load_config
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config, errors = load_config(os.getcwd())
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    result = api.autograde(sys.argv[1], sys.argv[2])     # formgrader's AutogradeHandler
    print(json.dumps({"success": result["success"], "errors": errors,
                      "log": result.get("log", "")[-3000:]}))
""")


def test_formgrader_autograde_runs_the_figure_and_leaves_files_to_the_grader(tmp_path):
    repo = tmp_path / "repo"
    root = grading.released_copy(repo, env=grading.clean_env())
    (repo / "solutions").unlink()
    shutil.copytree(grading.ROOT / "solutions", repo / "solutions")
    shutil.copytree(grading.ROOT / "lossopt", repo / "lossopt",
                    ignore=shutil.ignore_patterns("__pycache__"))
    grading.submit(root, PS, "alice", grading.source_nb(root, PS))
    done = subprocess.run([sys.executable, "-c", FORMGRADER, PS, "alice"], cwd=root,
                          env=grading.clean_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["success"] and not result["errors"], result

    autograded = root / "autograded" / "alice" / PS
    nb = nbformat.read(str(autograded / f"{PS}.ipynb"), as_version=4)
    errors = [(c.metadata.get("nbgrader", {}).get("grade_id"), o.get("ename"), o.get("evalue"))
              for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert errors == []
    (figure,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "figure"]
    assert any("image/png" in o.get("data", {}) for o in figure.outputs), figure.outputs
    points = grading.autograded_points(root, PS)
    assert {k: grading.scores(root, PS, "alice")[k] for k in points} == points

    owners = {path: path.lstat().st_uid
              for path in [root / "autograded", *(root / "autograded").rglob("*")]}
    assert set(owners.values()) == {os.getuid()}, owners
