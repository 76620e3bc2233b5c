"""When nbgrader fails to grade a submission, the instructor reads why.

nbgrader's own error for every failed autograde is "Please see the above
traceback"; the cause is only in its captured log.  A course that was never
released fails in nbgrader for a reason nbgrader knows (no such assignment):
``parallel.failure_reason``, which ``python -m grading autograde`` prints per
student, must give that reason from the real result of nbgrader's API.
"""

import json
import shutil
import subprocess
import sys
import textwrap

import test_grading as grading

sys.path.insert(0, str(grading.COURSE))

from grading.parallel import failure_reason  # noqa: E402

PS = "ps2"
AUTOGRADE = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, os.getcwd())
    from grading.parallel import checked_api
    result = checked_api(os.getcwd()).autograde(sys.argv[1], sys.argv[2], force=True, create=True)
    print(json.dumps(result))
""")


def test_a_failed_grading_names_the_exception_that_stopped_it(tmp_path):
    root = tmp_path / "repo" / "autograder"
    shutil.copytree(grading.COURSE, root,
                    ignore=grading.course_ignore())
    (root.parent / "solutions").symlink_to(grading.ROOT / "solutions")
    grading.submit(root, PS, "alice", grading.source_nb(root, PS))   # never released
    done = subprocess.run([sys.executable, "-c", AUTOGRADE, PS, "alice"], cwd=root,
                          env=grading.clean_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert not result["success"]
    assert "see the the above traceback" in result["error"]      # all nbgrader says
    assert failure_reason(result) == ("nbgrader.converters.base.NbGraderException: "
                                      "No assignment with ID 'ps2' exists in the database")
