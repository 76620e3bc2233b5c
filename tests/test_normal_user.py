"""The whole instructor workflow as a normal user, with the sandbox on.

An instructor on a JupyterHub or a laptop is not root.  This test makes a
throwaway user (``useradd``), a venv of Debian's ``/usr/bin/python3`` owned
by it with the course's wheel, and a copy of the course in a folder it owns,
then runs everything as that user: release, nbgrader's exchange
(release_assignment, fetch_assignment, submit, collect, release_feedback,
fetch_feedback, in an exchange folder of the copy), autograde in the user
namespace sandbox, feedback and export.  A correct student gets full marks, a
wrong one loses exactly one function's points, and a hostile one (reads
course files, uses the network, forks) is contained.  With no sandbox
possible (bwrap off the PATH) autograde refuses and the gradebook stays
byte for byte the same.

The test runs as root (it creates the user and switches to it with runuser).
"""

import csv
import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

import test_grading as grading
import test_pythons as pythons
from hostile import corpus

pytestmark = pytest.mark.slow      # a whole instructor workflow as another user

USER = "lossopt-instructor"
PS = "ps2"
COURSE_ID = "lossopt"
MARKER = "lossopt-normal-user-escaped"
REPORT = "HOSTILE-REPORT "
WRONG = "mse_summed"            # test_grading's wrong answer: loses mse_value only


def normal_user():
    """The throwaway user's passwd entry, created when missing."""
    if os.geteuid() != 0:
        pytest.fail("this test creates a user and runs as it: run it as root", pytrace=False)
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", USER],
                       check=True, capture_output=True)
        return pwd.getpwnam(USER)


def give(path, user):
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, f) for f in dirs + files)]:
            os.lchown(name, user.pw_uid, user.pw_gid)


def as_user(argv, *, cwd, venv, home, env=None, timeout=900):
    """Run ``argv`` as USER with a clean environment of its own."""
    full = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "USER": USER, "LOGNAME": USER}
    full.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})
    full.update(env or {})
    return subprocess.run(["runuser", "-u", USER, "--", "/usr/bin/env", "-i",
                           *(f"{k}={v}" for k, v in full.items()), *map(str, argv)],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)


def make_user_venv(wheel):
    """``cached_venv``'s maker: a venv owned by USER with the wheel's grading extra."""
    def make(venv, python):
        user = normal_user()
        venv.mkdir(parents=True)
        os.chown(venv, user.pw_uid, user.pw_gid)
        staged = venv / wheel.name        # the user cannot read the root-owned build folder
        shutil.copy(wheel, staged)
        os.chown(staged, user.pw_uid, user.pw_gid)
        for argv in ([python, "-m", "venv", venv],
                     [venv / "bin" / "python", "-m", "pip", "install", "--quiet",
                      "-c", pythons.CONSTRAINTS, f"{staged}[grade]", "ipykernel"]):
            done = as_user(argv, cwd=venv, venv=venv, home=venv)
            assert done.returncode == 0, done.stderr[-3000:]
        staged.unlink()
    return make


def hostile_code(targets, port):
    return f"""
import json as _json, os as _os, socket as _socket, time as _time

_seen = {{}}
for _path in {targets!r}:
    try:
        open(_path, 'rb').read(1)
        _seen[_path] = 'read'
    except OSError as _error:
        _seen[_path] = type(_error).__name__
try:
    _socket.create_connection(('127.0.0.1', {port}), timeout=2).close()
    _seen['network'] = 'connected'
except OSError as _error:
    _seen['network'] = type(_error).__name__
_kids = []
for _ in range(400):
    try:
        _pid = _os.fork()
    except OSError:
        break
    if _pid == 0:
        _time.sleep(30)
        _os._exit(0)
    _kids.append(_pid)
_seen['forks'] = len(_kids)
for _kid in _kids:
    _os.kill(_kid, 9)
    _os.waitpid(_kid, 0)
try:
    open('/tmp/{MARKER}', 'w').write('escaped')
except OSError:
    pass
print({REPORT!r} + _json.dumps(_seen))
"""


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    user = normal_user()
    wheel = grading.build_wheel(tmp_path_factory.mktemp("wheel"))
    venv = pythons.cached_venv("debian-3.11", "instructor-user", make_user_venv(wheel))
    staged = venv / wheel.name          # this tree's wheel goes in every time
    shutil.copy(wheel, staged)
    os.chown(staged, user.pw_uid, user.pw_gid)
    done = as_user([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--force-reinstall", staged], cwd=venv, venv=venv, home=venv)
    staged.unlink()
    assert done.returncode == 0, done.stderr[-2000:]

    base = Path(tempfile.mkdtemp(prefix="lossopt-normal-user-"))
    repo = base / "repo"
    shutil.copytree(grading.COURSE, repo / "autograder",
                    ignore=grading.course_ignore())
    shutil.copytree(grading.ROOT / "solutions", repo / "solutions",
                    ignore=shutil.ignore_patterns("__pycache__"))
    root = repo / "autograder"
    exchange = base / "exchange"
    for folder in [exchange, base / "home", *(base / "students" / s for s in
                                              ("alice", "bob", "mallory"))]:
        folder.mkdir(parents=True)
    (base / "home" / ".bashrc").write_text("# the instructor's own file\n")
    give(base, user)
    listener = socket.create_server(("127.0.0.1", 0))
    out = {"root": root, "base": base, "runs": {}}
    exchange_args = [f"--Exchange.root={exchange}", f"--CourseDirectory.course_id={COURSE_ID}"]

    def instructor(name, *argv):
        done = as_user(argv, cwd=root, venv=venv, home=base / "home")
        out["runs"][name] = done
        assert done.returncode == 0, (name, done.stdout[-2000:], done.stderr[-3000:])
        return done

    def student(who, name, *argv):
        folder = base / "students" / who
        done = as_user([venv / "bin" / "nbgrader", *argv, *exchange_args, f"--student={who}"],
                       cwd=folder, venv=venv, home=folder)
        out["runs"][f"{who} {name}"] = done
        assert done.returncode == 0, (who, name, done.stderr[-3000:])
        return done

    try:
        instructor("release", "python", "-m", "grading", "release", PS)
        instructor("release_assignment", "nbgrader", "release_assignment", PS, *exchange_args)
        source = grading.source_nb(root, PS)
        targets = [str(root / "gradebook.db"), str(root / "source" / PS / f"{PS}.ipynb"),
                   str(repo / "solutions" / "losses.py"),
                   str(root / "submitted" / "alice" / PS / f"{PS}.ipynb"),
                   str(base / "home" / ".bashrc")]
        answers = {
            "alice": source,
            "bob": grading.edited(source, grading.WRONG_PS2[WRONG][1]),
            "mallory": None,
        }
        for who, nb in answers.items():
            student(who, "fetch", "fetch_assignment", PS)
            fetched = base / "students" / who / PS / f"{PS}.ipynb"
            if nb is None:
                nb = corpus.attack(hostile_code(targets, listener.getsockname()[1]))(
                    nbformat.read(str(fetched), as_version=4), None)
            nbformat.write(nb, str(fetched))
            give(fetched.parent, user)
            student(who, "submit", "submit", PS)
        instructor("collect", "nbgrader", "collect", PS, *exchange_args)
        out["autograde"] = instructor("autograde", "python", "-m", "grading", "autograde", PS)
        out["scores"] = {s: grading.scores(root, PS, s) for s in answers}
        out["state"] = json.loads((root / "autograded" / ".graded-hashes.json").read_text())
        out["mallory"] = nbformat.read(str(root / "autograded" / "mallory" / PS / f"{PS}.ipynb"),
                                       as_version=4)
        instructor("feedback", "python", "-m", "grading", "feedback", PS)
        instructor("release_feedback", "nbgrader", "release_feedback", PS, *exchange_args)
        student("alice", "fetch_feedback", "fetch_feedback", PS)
        out["fetched_feedback"] = sorted((base / "students" / "alice" / PS / "feedback")
                                         .glob(f"*/{PS}.html"))
        instructor("export", "python", "-m", "grading", "export", "--to", "grades.csv")
        with open(root / "grades.csv") as handle:
            out["grades"] = {row["student_id"]: row for row in csv.DictReader(handle)
                             if row["assignment"] == PS}

        # no sandbox possible: bwrap is not on the PATH
        before = hashlib.sha256((root / "gradebook.db").read_bytes()).hexdigest()
        listing = sorted((str(p), p.stat().st_mtime_ns) for p in (root / "autograded").rglob("*"))
        out["refused"] = as_user(["python", "-m", "grading", "autograde", PS, "--force"],
                                 cwd=root, venv=venv, home=base / "home",
                                 env={"PATH": str(venv / "bin")})
        out["gradebook_kept"] = before == hashlib.sha256(
            (root / "gradebook.db").read_bytes()).hexdigest()
        out["autograded_kept"] = listing == sorted(
            (str(p), p.stat().st_mtime_ns) for p in (root / "autograded").rglob("*"))
        out["marker_on_disk"] = [str(p) for p in [Path("/tmp") / MARKER, *base.rglob(MARKER)]
                                 if p.exists()]
        yield out
    finally:
        listener.close()
        shutil.rmtree(base, ignore_errors=True)


def test_autograde_says_it_grades_in_a_user_namespace_and_what_that_lacks(workflow):
    mode, *rest = workflow["autograde"].stdout.splitlines()
    assert mode == ("sandbox: bubblewrap in a user namespace (you are not root); holds: "
                    "no network, course files hidden, other students hidden, memory (RLIMIT_AS), "
                    "CPU time, file size, processes; not: uid separation, "
                    "cgroups (no systemd user session)"), mode
    root = workflow["root"]
    summary, details = rest
    assert summary == f"{PS}: graded 3 of 3 submissions", rest
    log = Path(details.removeprefix(f"{PS}: details in "))
    assert log.parent == root / "logs" and log.is_file(), details
    assert log.stat().st_uid == pwd.getpwnam(USER).pw_uid
    bar = [p for p in workflow["autograde"].stderr.replace("\r", "\n").splitlines() if p.strip()]
    assert bar and all(p.startswith(f"autograde {PS} (") for p in bar), bar[-5:]


def test_scores_are_right_as_a_normal_user(workflow):
    root, scores = workflow["root"], workflow["scores"]
    points = grading.autograded_points(root, PS)
    auto = {s: {k: scores[s][k] for k in points} for s in scores}
    assert auto["alice"] == points
    assert auto["bob"] == dict(points, **{grading.WRONG_PS2[WRONG][0]: 0.0})
    assert auto["mallory"] == dict.fromkeys(points, 0.0)
    grades = workflow["grades"]
    assert float(grades["alice"]["raw_score"]) == sum(points.values())
    assert float(grades["bob"]["raw_score"]) < sum(points.values())
    assert float(grades["mallory"]["raw_score"]) == 0.0


def test_the_hostile_submission_is_contained_in_the_user_namespace(workflow):
    cell = next(c for c in workflow["mallory"].cells if corpus.is_solution(c))   # the attack's
    (line,) = [line for o in cell.outputs for line in str(o.get("text", "")).splitlines()
               if line.startswith(REPORT)]
    seen = json.loads(line[len(REPORT):])
    forks = seen.pop("forks")
    assert seen.pop("network") != "connected"
    assert seen and all(result != "read" for result in seen.values()), seen
    assert 0 <= forks < 128, forks            # the kernel's process limit, counted in its namespace
    assert workflow["marker_on_disk"] == []


def test_feedback_reaches_the_student_through_the_exchange(workflow):
    (page,) = workflow["fetched_feedback"]
    html = page.read_text()
    assert "HIDDEN TESTS" not in html
    assert str(workflow["root"]) not in html


def test_with_no_sandbox_possible_autograde_refuses_and_the_gradebook_is_untouched(workflow):
    refused = workflow["refused"]
    assert refused.returncode == 2, (refused.stdout, refused.stderr[-2000:])
    assert "refusing to grade: bwrap, prlimit not found" in refused.stderr
    assert "LOSSOPT_UNSANDBOXED=1" in refused.stderr
    assert workflow["gradebook_kept"] and workflow["autograded_kept"]


def test_a_submission_takes_seconds_in_the_user_namespace(workflow):
    seconds = workflow["state"][PS]["seconds"]
    print("seconds per submission as a normal user:", seconds)
    assert set(seconds) == {"alice", "bob", "mallory"}
    assert all(0 < s < 120 for s in seconds.values()), seconds
