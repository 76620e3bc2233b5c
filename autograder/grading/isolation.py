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

    run_isolated(argv, *, cwd, timeout, stdin_bytes=b"", files=None,
                 outputs=None) -> Isolated

- ``argv``: list of str; ``argv[0]`` is an absolute interpreter path.
- ``cwd``: the grader's folder (str or Path) that holds the run's files.
- ``files``, ``outputs``: names of files in ``cwd``.  When given, the
  sandboxed process works in an empty memory-backed folder of its own
  (``sandbox.SCRATCH``) where ``files`` appear read-only and ``outputs``
  writable, and it can create nothing on the disk; ``cwd`` itself stays
  the grader's.  Without them, ``cwd`` is the process's writable
  working folder.
- ``timeout``: seconds of wall time; when it passes the whole sandbox
  is killed and the result has ``timed_out`` set (and ``returncode ==
  -9``).  Never raises ``TimeoutExpired``.
- ``stdin_bytes``: fed to the process's stdin.
- Returns an :class:`Isolated`: ``returncode``, ``timed_out``, and
  ``stdout``/``stderr`` as bytes, each cut to its last 256 kB (read as it
  comes, so megabytes of output cost the grader no memory).  Those bytes
  are the student's: whether the run timed out is known from here, never
  read from them.

The process runs in the bubblewrap sandbox of :mod:`grading.sandbox`:
no network, uid 65534, its own PID namespace, limits on memory, CPU
time, processes and file size, only ``cwd`` writable, and nothing of
the course, the gradebook, ``solutions/`` or /root visible.  Without
bwrap it refuses (``SandboxUnavailable``) unless LOSSOPT_UNSANDBOXED=1.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import NamedTuple

from . import sandbox

_OUTPUT_LIMIT = 256 * 1024

# An isolated run computes a few hundred small arrays: it needs far
# less than a kernel.  CPU time is set from the timeout per call.
ISOLATED_LIMITS = dict(
    memory_bytes=2 * 1024**3,
    processes=32,
    file_bytes=16 * 1024**2,
    open_files=128,
    tmp_bytes=32 * 1024**2,
)


class Isolated(NamedTuple):
    """How one isolated run ended; ``stdout`` and ``stderr`` are the student's to write."""

    args: list
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool


def _drain(pipe, keep: collections.deque) -> None:
    """Read a pipe to its end, keeping only its last _OUTPUT_LIMIT bytes."""
    size = 0
    for chunk in iter(lambda: pipe.read1(65536), b""):
        keep.append(chunk)
        size += len(chunk)
        while size - len(keep[0]) >= _OUTPUT_LIMIT:
            size -= len(keep.popleft())
    pipe.close()


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def run_isolated(argv, *, cwd, timeout, stdin_bytes=b"", files=None, outputs=None):
    """Run ``argv`` confined to ``cwd``; never wait longer than ``timeout``."""
    argv = [str(a) for a in argv]
    if not argv:
        raise ValueError("run_isolated: argv is empty")
    if not timeout or timeout <= 0:
        raise ValueError(f"run_isolated: timeout must be > 0, got {timeout!r}")
    limits = sandbox.Limits(cpu_seconds=int(timeout) + 1, **ISOLATED_LIMITS)
    confined = sandbox.check_available()
    if confined and (files or outputs):
        for name in outputs or ():
            (Path(cwd) / name).touch()
        command = sandbox.wrap(
            argv, None, limits=limits, sandbox=True,
            scratch_files={name: Path(cwd) / name for name in files or ()},
            scratch_outputs={name: Path(cwd) / name for name in outputs or ()})
    else:
        command = sandbox.wrap(argv, cwd, limits=limits, sandbox=confined)
    proc = subprocess.Popen(
        command, cwd=cwd, env={"PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )
    outs = (collections.deque(), collections.deque())
    threads = [
        threading.Thread(target=_drain, args=(proc.stdout, outs[0]), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, outs[1]), daemon=True),
        threading.Thread(target=_feed, args=(proc.stdin, stdin_bytes or b""),
                         daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        returncode = -signal.SIGKILL
    for thread in threads:
        # the pipes close when the sandbox is gone (PID namespace)
        thread.join(timeout=5)
    return Isolated(argv, returncode, b"".join(outs[0])[-_OUTPUT_LIMIT:],
                    b"".join(outs[1])[-_OUTPUT_LIMIT:], timed_out)
