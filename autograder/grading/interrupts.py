"""Ending an autograde run cleanly on Ctrl-C or a signal, and its one scratch folder.

- **Signals.**  SIGINT (Ctrl-C reaches the whole process group; ``kill
  -INT`` the main process alone) and SIGTERM set a flag and raise
  ``KeyboardInterrupt`` once.  nbgrader's API catches broad exceptions
  inside its own calls and returns a failed result instead, so the
  grader calls :func:`check` after each nbgrader call.  On a Dask cluster
  (``grading.cluster``) the coordinator then cancels every task not
  finished; a local cluster is closed, its worker processes ended by their
  nannies, and each kernel's sandbox dies with its worker (bubblewrap's
  ``--die-with-parent``).  A task already running on a ``--scheduler``
  cluster's worker finishes there (Dask cannot stop a running task); its
  submission stays marked to grade again.
- **Nothing stale.**  Before a run grades anything, every submission it
  will grade is marked "grade again" in the state file; a submission is
  marked done only once its results are written.  So an interrupted run
  leaves each submission graded by this run or marked to grade again,
  and the next run (without ``--force``) grades the rest.  A submission
  it began but did not finish loses its half-done autograded folder and
  its old score (``parallel.clear_unfinished``).
- **One scratch folder.**  :func:`run_scratch` makes one
  ``$TMPDIR/lossopt-run-*`` folder and points ``TMPDIR`` (and
  ``tempfile``) at it, so every temporary folder of the run, in this
  process and in the workers it starts (intake copies, kernel sockets,
  verdict inputs), lives inside it.  It is removed however the run ends.
  Where ``$TMPDIR`` is too long for the kernels' Unix sockets, it is made
  in ``/tmp`` instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 130
# A Unix socket's path holds at most 107 bytes, and the kernels' sockets live at
# <run folder>/lossopt-kernel-XXXXXXXX/ipc/kernel-N: a longer TMPDIR gives way to /tmp.
SOCKET_PATH_MAX = 107
SOCKET_ROOM = len("/lossopt-run-XXXXXXXX/lossopt-kernel-XXXXXXXX/ipc/kernel-65535")

_received: list[str] = []


def requested() -> str | None:
    """The name of the first signal received, or None."""
    return _received[0] if _received else None


def _on_signal(number, frame):
    first = not _received
    _received.append(signal.Signals(number).name)
    if first:
        raise KeyboardInterrupt


def check() -> None:
    """Raise KeyboardInterrupt again if a signal came while nbgrader swallowed it."""
    if _received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def handled():
    """SIGINT and SIGTERM end the work in hand (see module doc), then the old handlers return."""
    old = {number: signal.signal(number, _on_signal) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in old.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def run_scratch():
    """One ``$TMPDIR/lossopt-run-*`` folder holding every temporary folder of the run."""
    base = tempfile.gettempdir()
    if len(os.fsencode(base)) + SOCKET_ROOM > SOCKET_PATH_MAX:
        base = "/tmp"
    folder = tempfile.mkdtemp(prefix="lossopt-run-", dir=base)
    old_env, old_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        shutil.rmtree(folder, ignore_errors=True)
