"""The gradebook as CSV, where a set never handed in is not a zero.

nbgrader's ``CsvExportPlugin`` writes 0.0 for a problem set a student never
submitted, the same as a real zero, and joins fields with bare commas (a
name with a comma shifts every column after it).  :class:`CourseCsvExport`
writes the same columns plus ``status``: ``submitted``, or ``missing`` with
the score columns left empty; fields are quoted by the ``csv`` module.
"""

from __future__ import annotations

import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
           "email", "status", "raw_score", "late_submission_penalty", "score", "max_score"]


def _text(value) -> str:
    return "" if value is None else str(value)


class CourseCsvExport(ExportPlugin):
    """nbgrader's CSV export with a ``status`` column and no invented zeros."""

    def rows(self, gradebook):
        """One dict per (problem set, student), in the gradebook's order."""
        assignments = {str(a) for a in self.assignment}
        students = {str(s) for s in self.student}
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                if students and student.id not in students:
                    continue
                row = dict(assignment=assignment.name, duedate=assignment.duedate,
                           student_id=student.id, last_name=student.last_name,
                           first_name=student.first_name, email=student.email,
                           max_score=assignment.max_score)
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row.update(status="missing", timestamp="", raw_score="",
                               late_submission_penalty="", score="")
                else:
                    penalty = submission.late_submission_penalty or 0.0
                    row.update(status="submitted", timestamp=submission.timestamp,
                               raw_score=submission.score, late_submission_penalty=penalty,
                               score=max(0.0, submission.score - penalty))
                yield {key: _text(row[key]) for key in COLUMNS}

    def export(self, gradebook) -> None:
        with open(self.to or "grades.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows(gradebook))
