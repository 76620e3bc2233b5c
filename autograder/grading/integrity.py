"""Keep the gradebook honest when a submission cannot be graded.

nbgrader keeps the scores of an earlier run when a re-run with
``--force`` fails (a file that is not a notebook, a crash of the run):
the gradebook would then show a stale score for work that was replaced.
:func:`zero_unfinished` sets every autograded score of that student's
submission to 0 (manual scores are kept, and flagged for review), so
the gradebook always shows this run's result.
"""

from __future__ import annotations

from nbgrader.api import Gradebook


def zero_unfinished(db_url: str, assignment: str, student: str) -> int:
    """Score 0 on every autograded cell of one submission; return how many."""
    if not assignment or not student:
        raise ValueError("zero_unfinished needs an assignment and a student")
    count = 0
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell.cell_type == "code":   # autograded test cells
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = grade.manual_score is not None
                    count += 1
        gb.db.commit()
    return count
