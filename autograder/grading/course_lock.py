"""One grading command at a time on a course: ``<course>/.grading.lock``.

``autograde`` writes the gradebook and ``autograded/``; ``release``
rewrites the gradebook's copy of each problem set; ``feedback`` and
``export`` read the gradebook while such a run may be changing it.  Each
of them holds an exclusive ``fcntl.flock`` on the lock file for the whole
command.  The lock is taken without waiting: a second command refuses at
once (:class:`CourseLocked`, exit code 3 in ``__main__``), naming the
holder that the lock file records (user, pid, command, start time).

The kernel drops a flock when its holder's file is closed, so however a
run ends (an error, Ctrl-C, a kill) the lock ends with the process: there
is never a stale lock to remove by hand.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import getpass
import os
from pathlib import Path

LOCK_NAME = ".grading.lock"


class CourseLocked(RuntimeError):
    """Another grading command holds the course's lock."""


def _holder_line(command) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    start = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"user {user}, pid {os.getpid()}, command {command!r}, started {start}"


@contextlib.contextmanager
def course_lock(root, command):
    """Hold the lock of the course at ``root`` while ``command`` runs."""
    path = Path(root) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 1000, 0).decode(errors="replace").strip() or "unknown"
            raise CourseLocked(f"another grading command is running on {root} "
                               f"({holder}); nothing was changed, try again when it ends") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_holder_line(command) + "\n").encode(), 0)
        yield
    finally:
        os.close(fd)
