"""The first thing a student reads in feedback: one row per graded function.

:class:`FeedbackSummary` is a ``GenerateFeedback`` preprocessor that runs
after ``GetGrades`` (which puts each grade cell's score in its metadata).
It puts a table at the top of the feedback page: for each graded function
its points, how many cases passed, the diagnosis (``diagnosis.py``, kept
in the failing cell's metadata by the verdict) and the chapter section;
for each written answer, its points or "awaiting manual grading".  It shows
no input and no expected value.
"""

from __future__ import annotations

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from . import cases as cases_module
from . import confusions


def _cell_text(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def _points(value):
    return f"{value:g}" if value is not None else "0"


def rows(nb, manual_pending=frozenset()):
    """(what, points, cases passed, diagnosis, section) of every graded cell of ``nb``."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not utils.is_grade(cell):
            continue
        grade_id = meta["grade_id"]
        maximum = meta.get("points", 0)
        score = meta.get("score")
        if cell.cell_type == "markdown" or grade_id not in cases_module.TASKS:
            if grade_id in manual_pending:
                points = f"awaiting manual grading (of {_points(maximum)})"
            else:
                points = f"{_points(score)} / {_points(maximum)}"
            out.append(("written answer", points, "", "", ""))
            continue
        task = cases_module.TASKS[grade_id]
        record = cell.metadata.get("lossopt")
        section = f"[section]({confusions.link(grade_id)})"
        if record is None:     # the verdict writes a record for every failing cell
            n = len(task.cases())
            out.append((task.label, f"{_points(score)} / {_points(maximum)}",
                        f"{n} of {n}", "", section))
            continue
        found = record.get("diagnosis") or {}
        text = found.get("text", "")
        known = confusions.CATALOGUE.get(found.get("confusion"))
        if known is not None:    # the sentence alone; its section is the last column
            text = known.text
            section = f"[section]({known.link})"
        if record.get("problem"):
            text = f"The run of your code did not finish ({record['problem']}). " + text
        out.append((task.label, f"{_points(score)} / {_points(maximum)}",
                    f"{record['passed']} of {record['cases']}", text, section))
    return out


def table(summary_rows):
    lines = ["## Your results at a glance", "",
             "| graded | points | cases passed | what went wrong | explained in |",
             "| --- | --- | --- | --- | --- |"]
    for row in summary_rows:
        lines.append("| " + " | ".join(_cell_text(v) for v in row) + " |")
    lines += ["", "Details follow, cell by cell. Cases passed count the checks shown "
                  "in the notebook and the cases the grader ran that you do not see."]
    return "\n".join(lines)


class FeedbackSummary(NbGraderPreprocessor):
    """Insert the summary table as the first cell of the feedback notebook."""

    def _manual_pending(self, nb, resources):
        """grade_ids of written answers nobody has graded by hand yet."""
        info = resources.get("nbgrader", {})
        pending = set()
        try:
            with Gradebook(info["db_url"]) as gb:
                for cell in nb.cells:
                    if not (utils.is_grade(cell) and cell.cell_type == "markdown"):
                        continue
                    grade = gb.find_grade(cell.metadata.nbgrader["grade_id"], info["notebook"],
                                          info["assignment"], info["student"])
                    if grade.manual_score is None and grade.needs_manual_grade:
                        pending.add(grade.name)
        except Exception as error:   # no gradebook: show scores as they are
            self.log.warning("feedback summary: no manual-grading state (%s)", error)
        return frozenset(pending)

    def preprocess(self, nb, resources):
        summary = table(rows(nb, self._manual_pending(nb, resources)))
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(summary))
        return nb, resources
