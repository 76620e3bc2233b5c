"""Grading on Dask: a scheduler and two workers as separate programs, a PostgreSQL gradebook.

One released copy of the course gets five ps2 submissions: the source
notebook, the blank release, a wrong answer, a hostile one (it imports the
reference by path) and "poison" (the source notebook again).  In order:

1. ``--jobs 1`` grades them in one process into SQLite: the reference scores.
2. A real PostgreSQL server (``tests/postgres.py``) and ``dask scheduler``
   with two ``dask worker`` programs on 127.0.0.1 (``tests/dask_programs.py``)
   grade them with ``--scheduler --db``: the same scores.
3. "complete" and "blank" swap notebooks and the cluster grades again with
   ``--force``; worker 0 is killed (SIGKILL) while it grades, after a first
   result: the scores follow the swapped notebooks (none stale), one each.
4. A local cluster of two workers (``--jobs 2``) whose grading of "poison"
   kills the worker (``tests/dask_poison.py``): "poison" is reported not
   graded after 3 tries, its old full marks zeroed; the others are graded.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from dask_programs import DaskPrograms
from grading_kit import (WRONG_PS2, edited, grading_cli, release_nb, released_copy, scores,
                         source_nb, submit)
from hostile import corpus
from postgres import postgres_url  # noqa: F401  (a fixture)

from grading import cluster

PS = "ps2"
BASE_UID = 63900          # worker k runs student code as 63900 - k
WRONG = "mse_summed"
STUDENTS = ["complete", "blank", WRONG, "hostile", "poison"]
ENV = {**os.environ, "LOSSOPT_SANDBOX_UID": str(BASE_UID)}
POISON_PRELOAD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dask_poison.py")


def cli(root, *args, env=None):
    return grading_cli(root, *args, env={**ENV, **(env or {})})


def all_scores(root, db_url=None, students=STUDENTS):
    return {s: scores(root, PS, s, db_url) for s in students}


def graded_count(address):
    """Tasks the scheduler holds finished (in memory)."""
    from distributed import Client

    with Client(address, timeout="30s") as client:
        return client.run_on_scheduler(
            lambda dask_scheduler: sum(ts.state == "memory"
                                       for ts in dask_scheduler.tasks.values()))


def busy_worker_names(address):
    from distributed import Client

    with Client(address, timeout="30s") as client:
        names = {addr: str(w["name"]) for addr, w in client.scheduler_info()["workers"].items()}
        return {names[addr] for addr, keys in client.processing().items() if keys and addr in names}


def kill_mid_batch(programs, run, k=0):
    """Once one result is in and worker ``k`` is grading, SIGKILL it; True if it was grading."""
    while run.poll() is None:
        if graded_count(programs.address) >= 1 and str(k) in busy_worker_names(programs.address):
            programs.kill_worker(k)
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def batch(tmp_path_factory, postgres_url):  # noqa: F811
    root = released_copy(tmp_path_factory.mktemp("repo"))
    source, release = source_nb(root, PS), release_nb(root, PS)
    submit(root, PS, "complete", source)
    submit(root, PS, "blank", release)
    submit(root, PS, WRONG, edited(source, WRONG_PS2[WRONG][1]))
    submit(root, PS, "hostile", corpus.HOSTILE["h_import_reference"](release, source))
    submit(root, PS, "poison", source)
    out = {"root": root, "db": postgres_url}

    out["sqlite"] = cli(root, "autograde", PS, "--jobs", "1")
    out["scores_sqlite"] = all_scores(root)
    out["refused"] = cli(root, "autograde", PS, "--scheduler", "tcp://127.0.0.1:9")

    out["release_pg"] = cli(root, "release", PS, "--db", postgres_url)
    assert out["release_pg"].returncode == 0, out["release_pg"].stderr[-3000:]
    scratch = tmp_path_factory.mktemp("dask")
    programs = DaskPrograms(root, scratch, workers=2, env={"LOSSOPT_SANDBOX_UID": str(BASE_UID)})
    try:
        out["cluster"] = cli(root, "autograde", PS, "--scheduler", programs.address,
                             "--db", postgres_url)
        out["scores_cluster"] = all_scores(root, postgres_url)

        submit(root, PS, "complete", release)          # the two swap their notebooks
        submit(root, PS, "blank", source)
        command = [sys.executable, "-m", "grading", "--root", str(root), "autograde", PS,
                   "--scheduler", programs.address, "--db", postgres_url, "--force"]
        with open(scratch / "killed-run.out", "w") as stdout, \
                open(scratch / "killed-run.err", "w") as stderr:
            run = subprocess.Popen(command, cwd=root, env=ENV, stdout=stdout, stderr=stderr)
            out["killed_while_grading"] = kill_mid_batch(programs, run)
            out["killed_rc"] = run.wait(timeout=600)
        out["killed_stdout"] = (scratch / "killed-run.out").read_text()
        out["killed_stderr"] = (scratch / "killed-run.err").read_text()
        out["scores_killed"] = all_scores(root, postgres_url)
    finally:
        programs.stop()
    from nbgrader.api import Gradebook

    with Gradebook(postgres_url) as gb:
        out["pg_submissions"] = sorted(s.student.id for s in gb.assignment_submissions(PS))
    out["feedback_pg"] = cli(root, "feedback", PS, "--db", postgres_url)
    out["export_pg"] = cli(root, "export", "--db", postgres_url, "--to", str(scratch / "pg.csv"))
    out["csv_pg"] = (scratch / "pg.csv").read_text() if (scratch / "pg.csv").exists() else ""
    out["state"] = json.loads((root / "autograded" / ".graded-hashes.json").read_text())

    poison_log = scratch / "poison.log"
    out["poison"] = cli(root, "autograde", PS, "--jobs", "2", "--force",
                        "--student", "complete", "--student", WRONG, "--student", "poison",
                        env={"DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([POISON_PRELOAD]),
                             "LOSSOPT_POISON_LOG": str(poison_log)})
    out["poison_kills"] = poison_log.read_text().splitlines() if poison_log.exists() else []
    out["scores_poison"] = all_scores(root, students=["complete", WRONG, "poison"])
    return out



@pytest.mark.slow
def test_one_local_worker_into_sqlite_grades_the_batch(batch):
    run, got = batch["sqlite"], batch["scores_sqlite"]
    assert run.returncode == 0, run.stderr
    assert "graded 5 of 5 submissions" in run.stdout
    assert set(got["complete"].values()) != {0.0}
    assert got["complete"] == got["poison"]
    assert got[WRONG]["mse_value"] == 0.0 and got[WRONG] != got["complete"]
    assert set(got["hostile"].values()) == {0.0}
    assert set(got["blank"].values()) == {0.0}


@pytest.mark.slow
def test_a_scheduler_and_two_worker_programs_grade_into_postgresql_the_same(batch):
    assert batch["release_pg"].returncode == 0, batch["release_pg"].stderr
    run = batch["cluster"]
    assert run.returncode == 0, run.stderr
    assert "graded 5 of 5 submissions" in run.stdout
    assert "Dask cluster at tcp://127.0.0.1:" in run.stderr       # its one progress bar
    assert batch["scores_cluster"] == batch["scores_sqlite"]


@pytest.mark.slow
def test_a_worker_killed_mid_batch_leaves_every_result_complete_correct_and_fresh(batch):
    assert batch["killed_while_grading"], "worker 0 was never seen grading"
    assert batch["killed_rc"] == 0, batch["killed_stderr"]
    assert "graded 5 of 5 submissions" in batch["killed_stdout"]
    got, before = batch["scores_killed"], batch["scores_sqlite"]
    assert got["complete"] == before["blank"]          # the swapped notebooks, not the old scores
    assert got["blank"] == before["complete"]
    assert {s: got[s] for s in (WRONG, "hostile", "poison")} == \
        {s: before[s] for s in (WRONG, "hostile", "poison")}
    assert batch["pg_submissions"] == sorted(STUDENTS)   # exactly one submission each


@pytest.mark.slow
def test_feedback_and_export_read_the_postgresql_gradebook(batch):
    import csv
    import io

    assert batch["feedback_pg"].returncode == 0, batch["feedback_pg"].stderr[-2000:]
    for student in STUDENTS:
        assert (batch["root"] / "feedback" / student / PS / f"{PS}.html").is_file(), student
    assert batch["export_pg"].returncode == 0, batch["export_pg"].stderr[-2000:]
    rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(io.StringIO(batch["csv_pg"]))
            if r["assignment"] == PS}
    got = batch["scores_killed"]
    assert rows == {s: sum(v or 0.0 for v in got[s].values()) for s in STUDENTS}


@pytest.mark.slow
def test_a_submission_that_kills_every_worker_fails_after_bounded_tries(batch):
    run, got, before = batch["poison"], batch["scores_poison"], batch["scores_sqlite"]
    assert run.returncode == 1, run.stderr
    assert len(batch["poison_kills"]) == cluster.ALLOWED_FAILURES + 1
    assert f"poison: not graded: {cluster.KILLED}" in run.stderr
    assert "graded 2 of 3 submissions" in run.stdout
    assert set(before["poison"].values()) != {0.0}
    autograded = {k for k, v in before["poison"].items() if v is not None}
    assert autograded                                  # a manual (markdown) cell stays None
    assert {got["poison"][k] for k in autograded} == {0.0}   # its old full marks are not kept
    # "complete" holds the blank release since step 3's swap
    assert got["complete"] == before["blank"] and got[WRONG] == before[WRONG]


@pytest.mark.slow
def test_sqlite_with_a_scheduler_is_refused_with_the_reason(batch):
    run = batch["refused"]
    assert run.returncode == 2, run.stderr
    assert "refusing --scheduler with the SQLite gradebook sqlite:///" in run.stderr
    assert "locks are not reliable" in run.stderr and "--db postgresql" in run.stderr


@pytest.mark.parametrize("name, k", [(0, 0), ("3", 3), ("SLURMCluster-12", 12),
                                     ("tcp://10.0.0.5:40123", 0), ("gpu-node", 0)])
def test_a_worker_is_numbered_by_its_name(name, k):
    assert cluster.worker_offset(name) == k


@pytest.mark.slow
def test_the_local_cluster_s_workers_run_without_dask_s_profiler(tmp_path):
    """Its sampling of every thread each 10 ms cost each grading 8 % (grading.cluster)."""
    import dask

    with cluster.dask_client(jobs=2, scratch=str(tmp_path)) as client:
        settings = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
    assert len(settings) == 2 and set(settings.values()) == {False}


def test_worker_programs_get_the_same_setting(tmp_path):
    from dask_programs import dask_env

    assert dask_env(tmp_path)["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] == "False"


@pytest.fixture(scope="module")
def interrupted(batch, tmp_path_factory):
    """``--jobs 2 --force`` on the batch's course, SIGINT once its first result is in."""
    root = batch["root"]
    scratch = tmp_path_factory.mktemp("interrupt")
    command = [sys.executable, "-m", "grading", "--root", str(root), "autograde", PS,
               "--jobs", "2", "--force"]
    with open(scratch / "out", "w") as stdout, open(scratch / "err", "w") as stderr:
        run = subprocess.Popen(command, cwd=root, env=ENV, stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + 300
        while f" 1/{len(STUDENTS)} " not in (scratch / "err").read_text():
            assert run.poll() is None and time.monotonic() < deadline, \
                (scratch / "err").read_text()
            time.sleep(0.1)
        run.send_signal(signal.SIGINT)
        start = time.monotonic()
        rc = run.wait(timeout=120)
    return {"rc": rc, "seconds": time.monotonic() - start,
            "stderr": (scratch / "err").read_text(),
            "state": json.loads((root / "autograded" / ".graded-hashes.json").read_text()),
            "left": processes_left_after(LINGER)}


# Seconds a process of the run may take to end after the run did: multiprocessing's resource
# tracker exits when it sees its parent's pipe close, a moment after (once seen still alive).
LINGER = 10


def processes_left_after(seconds):
    """The run's processes (:func:`run_processes`) still alive ``seconds`` after it ended."""
    deadline = time.monotonic() + seconds
    while (left := run_processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def run_processes():
    """Processes of a grading run of these tests (its TMPDIR, its sandbox uid) still alive."""
    import psutil

    left = []
    for proc in psutil.process_iter(["pid", "cmdline", "environ"]):
        environ = proc.info["environ"] or {}
        if "lossopt-run-" in environ.get("TMPDIR", "") and \
                environ.get("LOSSOPT_SANDBOX_UID") == str(BASE_UID):
            left.append((proc.info["pid"], proc.info["cmdline"]))
    return left


@pytest.mark.slow
def test_an_interrupted_local_cluster_run_stops_its_workers_and_marks_the_rest(interrupted):
    assert interrupted["rc"] == 130, interrupted["stderr"]
    assert interrupted["seconds"] < 60
    done = sorted(interrupted["state"][PS]["students"])
    assert 1 <= len(done) < len(STUDENTS)
    assert f"interrupted by SIGINT: graded {len(done)} of {len(STUDENTS)} submissions" \
        in interrupted["stderr"]
    assert interrupted["left"] == []          # no worker process of the run is left


@pytest.mark.parametrize("args, message", [
    (["autograde", PS, "--db", "not a url"], "--db 'not a url' is not a database URL"),
    (["autograde", PS, "--jobs", "2", "--scheduler", "tcp://127.0.0.1:9"],
     "--jobs sizes a local cluster; with --scheduler"),
])
def test_bad_cluster_options_are_refused_by_name(args, message, capsys):
    from grading.__main__ import main

    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
