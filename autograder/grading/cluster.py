"""Grading tasks on Dask distributed: one task per submission.

``python -m grading autograde ps4 --jobs N`` grades on a local Dask
cluster of N single-threaded worker processes (``LocalCluster``, each
under a nanny that starts it again if it dies); ``--scheduler ADDRESS``
sends the tasks to an existing Dask cluster instead.  Either way:

- **One task per submission** (:func:`grade_task`).  A worker loads the
  checked config once (:func:`worker_api`) and grades through nbgrader's
  API into the gradebook itself, so its results are in the gradebook when
  the task returns ``(student, problem, seconds, notes)``; the coordinator
  only counts them, shows one progress bar and writes the state file.
- **Its own sandbox uid.**  A worker named by a number k (or a name ending
  in ``-k``: LocalCluster names them 0..N-1, ``dask worker --name k``,
  dask-jobqueue's ``job-k``) runs student code as ``LOSSOPT_SANDBOX_UID - k``
  of the coordinator, as the worker processes of one machine always did.
- **Faults are the engine's.**  A worker that dies mid-task (killed, out of
  memory) has its task run again on another worker by the scheduler; a
  task that has killed :data:`ALLOWED_FAILURES` + 1 workers is given up
  (Dask's ``KilledWorker``), its submission reported as not graded and
  its autograded scores set to 0 (never a stale score).  A
  task that finished is never run again, so each submission gets exactly
  one result.  The scheduler of a ``--scheduler`` cluster reads its limit
  from ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES`` when it starts.
- **SQLite only on one machine.**  Workers on other machines would all
  write one SQLite file over a shared filesystem, whose locks are not
  reliable (nbgrader's FAQ warns against SQLite with several graders):
  ``--scheduler`` refuses a SQLite gradebook (:func:`check_shareable`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from pathlib import Path

ALLOWED_FAILURES = 2     # a task that kills 3 workers is given up
KILLED = (f"the grading of it stopped {ALLOWED_FAILURES + 1} grader workers "
          "(killed, out of memory or a crash); not graded")


class UnsharedGradebook(ValueError):
    """A gradebook that workers on other machines cannot share."""


def check_shareable(db_url):
    """Raise :class:`UnsharedGradebook` if ``db_url`` is a SQLite gradebook."""
    from sqlalchemy.engine import make_url

    if make_url(db_url).get_backend_name() == "sqlite":
        raise UnsharedGradebook(
            f"refusing --scheduler with the SQLite gradebook {db_url}: workers on other "
            "machines would all write one SQLite file over a shared filesystem, whose locks "
            "are not reliable (nbgrader's FAQ warns against SQLite with several graders). "
            "Give a PostgreSQL gradebook: --db postgresql+psycopg://user@host/db "
            "(or c.CourseDirectory.db_url in nbgrader_config.py)")


def check_db_url(text):
    """``text`` as a gradebook URL; ValueError naming the problem if it is not one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(text)
    except ArgumentError as error:
        raise ValueError(f"--db {text!r} is not a database URL ({error}); e.g. "
                         "postgresql+psycopg://grader@127.0.0.1:5432/lossopt "
                         "or sqlite:////path/to/gradebook.db") from None
    return text


def worker_offset(name):
    """k of a worker named k or ``...-k``; 0 for any other name."""
    found = re.search(r"(?:^|-)(\d+)$", str(name))
    return int(found.group(1)) if found else 0


_APIS = {}      # in each worker process: (root, db_url) -> nbgrader's API


def worker_api(root, db_url, scratch):
    """This worker's nbgrader API on the checked config, loaded once per course."""
    from .config_check import checked_api

    key = (root, db_url)
    if key not in _APIS:
        intake = Path(scratch) / "lossopt-intake"
        intake.mkdir(parents=True, exist_ok=True)
        _APIS[key] = checked_api(root, intake=intake, db_url=db_url)
    return _APIS[key]


def grade_task(root, ps, student, db_url, base_uid):
    """Grade one submission on this Dask worker; ``(student, problem, seconds, notes)``."""
    from distributed import get_worker

    from . import parallel
    from .sandbox import UID_ENV

    worker = get_worker()
    uid = base_uid - worker_offset(worker.name)
    if uid < 1000:
        raise ValueError(f"worker {worker.name!r} would run student code as uid {uid} "
                         f"({UID_ENV}={base_uid} minus its number): name the workers "
                         f"0..{base_uid - 1000}")
    os.environ[UID_ENV] = str(uid)
    api = worker_api(root, db_url, worker.local_directory)
    start = time.monotonic()
    problem, notes = parallel.graded(api, root, ps, student)
    return student, problem, time.monotonic() - start, notes


#: Dask settings of the local cluster's workers.  Dask's statistical profiler samples every
#: thread's stack each 10 ms, holding the GIL the grading needs between the kernel's
#: messages: with it, 100 submissions took 177.0 s on a local cluster of 2 against the old
#: process pool's 163.6 s; without it 158.8 s against 159.5 s (benchmarks/cluster.md,
#: tools/cluster_benchmark.py, a quiet 2-CPU machine).  Workers of a cluster of one's own
#: take the same setting from ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` (README).
WORKER_SETTINGS = {"distributed.worker.profile.enabled": False}


@contextlib.contextmanager
def dask_client(jobs=None, scheduler=None, scratch=None):
    """A client of the cluster at ``scheduler``, or of a new local one of ``jobs`` workers."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          **WORKER_SETTINGS}), \
            LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=logging.ERROR,
                         local_directory=scratch) as local, \
            Client(local) as client:
        yield client


def grade_on_dask(root, ps, students, on_result, jobs=None, scheduler=None, db_url=None,
                  scratch=None):
    """Grade ``students`` as Dask tasks; call ``on_result(student, problem, seconds, notes)``.

    A config the workers refuse (:class:`~grading.config_check.UnsafeConfig`)
    stops the run; any other error of a task is that submission's problem.
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    from .config_check import UnsafeConfig
    from .integrity import zero_unfinished
    from .parallel import _retry_locked
    from .sandbox import sandbox_uid

    def failed(student, problem):
        # the dead worker may have left part of a grading: never a stale score
        _retry_locked(lambda: zero_unfinished(db_url, ps, student))
        on_result(student, problem, 0.0, [])

    base = sandbox_uid()
    with dask_client(jobs, scheduler, scratch) as client:
        futures = {client.submit(grade_task, str(root), ps, student, db_url, base,
                                 key=f"grade-{ps}-{student}-{time.time_ns()}"): student
                   for student in students}
        try:
            for future in as_completed(futures):
                student = futures[future]
                error = future.exception() if future.status == "error" else None
                if error is None:
                    on_result(*future.result())
                elif isinstance(error, UnsafeConfig):
                    raise error
                elif isinstance(error, KilledWorker):
                    failed(student, KILLED)
                else:
                    failed(student, f"{type(error).__name__}: {error}")
        finally:
            client.cancel(list(futures), force=True)
