"""Run one untrusted command in its own process: the only door to student code.

The grader (``grading.verdict``) calls :func:`run_isolated` once per
submission notebook (and again per task if that first run fails), with
``argv = [sys.executable, "-I", "harness.py"]`` and ``cwd`` a fresh
temporary folder that holds everything the run may read: the trusted
harness script, the student's cells (``cells.json``), the task list
(``tasks.json``) and the hidden inputs (``inputs.npz``).  The harness
writes ``results.npz`` into ``cwd``; the grader reads it back with
``allow_pickle=False`` after this function returns, and trusts nothing
else the process did (its exit code and output are only used to say
"the run failed").

Contract, kept stable for the grader:

    run_isolated(argv, *, cwd, timeout, stdin_bytes=b"") -> subprocess.CompletedProcess

- ``argv``: list of str; ``argv[0]`` is an absolute interpreter path.
- ``cwd``: the working folder (str or Path), writable by the process;
  nothing outside it needs to be visible.
- ``timeout``: seconds of wall time; when it passes the whole process
  group is killed and the result has ``returncode == -9`` and
  ``b"timeout"`` in ``stderr``.  Never raises ``TimeoutExpired``.
- ``stdin_bytes``: fed to the process's stdin.
- Returns a ``CompletedProcess`` with ``stdout``/``stderr`` as bytes
  (possibly truncated to a few hundred kB).

This first version is a plain subprocess with a timeout and a clean
environment.  The sandbox (issue 6, ``grading/sandbox.py``) owns this
file from now on and makes it a bubblewrap sandbox; keep the signature.
"""

from __future__ import annotations

import os
import signal
import subprocess

_OUTPUT_LIMIT = 256 * 1024

_ENV = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def run_isolated(argv, *, cwd, timeout, stdin_bytes=b""):
    """Run ``argv`` in ``cwd`` with a clean environment; never wait longer than ``timeout``."""
    env = dict(_ENV, PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=str(cwd))
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(stdin_bytes, timeout=timeout)
        returncode = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        returncode = -signal.SIGKILL
        stderr = stderr + b"\ntimeout: killed after %.1f s" % timeout
    return subprocess.CompletedProcess(
        list(argv), returncode, stdout[-_OUTPUT_LIMIT:], stderr[-_OUTPUT_LIMIT:])
