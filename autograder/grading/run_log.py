"""What an autograde run prints, and where the rest of its output goes.

The terminal gets the sandbox line, one progress bar, one line per
problem and the summary (:meth:`RunLog.say`).  Everything else written to
file descriptors 1 and 2 while the run lasts (nbgrader's log of each
student, SQLAlchemy and ipykernel warnings, the workers' output: they
inherit these descriptors) goes to ``<course>/logs/autograde-<ps>-<UTC
time>.log``, whose path the summary names.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

LOG_FOLDER = "logs"


class RunLog:
    """A context: fds 1 and 2 into the log file; ``say`` and ``bar_file`` reach the terminal."""

    def __init__(self, root, ps):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.path = Path(root) / LOG_FOLDER / f"autograde-{ps}-{stamp}.log"
        self._saved = {}

    def __enter__(self):
        self.path.parent.mkdir(exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        for target in (1, 2):
            self._saved[target] = os.dup(target)
            os.dup2(fd, target)
        os.close(fd)
        self.out = open(os.dup(self._saved[1]), "w", buffering=1)
        self.bar_file = open(os.dup(self._saved[2]), "w", buffering=1)
        return self

    def say(self, line, error=False):
        """Print ``line`` on the terminal (stderr if ``error``) and in the log."""
        (self.bar_file if error else self.out).write(line + "\n")
        print(line, flush=True)

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        self.out.close()
        self.bar_file.close()
        for target, saved in self._saved.items():
            os.dup2(saved, target)
            os.close(saved)
        return False
