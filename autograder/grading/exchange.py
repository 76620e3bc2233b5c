"""nbgrader's exchange, collecting without following links.

``nbgrader collect`` copies each student's folder out of the exchange's
inbound folder, where the student wrote it, with ``shutil.copytree``,
which follows symbolic links: a link there to the gradebook or to
``solutions/`` would come back as a regular file in ``submitted/``.
:class:`CheckedCollect` copies through ``grading.intake`` instead: only
regular files and folders within bounds, the rest named in the log.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect

from . import intake


class CheckedCollect(ExchangeCollect):
    def do_copy(self, src, dest, log=None):
        if Path(dest).exists():
            shutil.rmtree(dest)
        report = intake.copy_checked(src, dest)
        for problem in report.problems():
            self.log.warning("collect %s: %s", intake.printable(Path(src).name), problem)
