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
from . import language as language_module
from .language import tr
from .verdict import problem_text


def _cell_text(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def _points(value):
    return f"{value:g}" if value is not None else "0"


def rows(nb, manual_pending=frozenset(), language="en"):
    """(what, points, cases passed, diagnosis, section) of every graded cell of ``nb``."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not utils.is_grade(cell):
            continue
        grade_id = meta["grade_id"]
        maximum = meta.get("points", 0)
        score = meta.get("score")
        of_max = tr(language, "{score} / {maximum}").format(score=_points(score),
                                                            maximum=_points(maximum))
        if cell.cell_type == "markdown" or grade_id not in cases_module.TASKS:
            if grade_id in manual_pending:
                points = tr(language, "awaiting manual grading (of {maximum})").format(
                    maximum=_points(maximum))
            else:
                points = of_max
            out.append((tr(language, "written answer"), points, "", "", ""))
            continue
        task = cases_module.TASKS[grade_id]
        record = cell.metadata.get("lossopt")
        section = "[{}]({})".format(tr(language, "section"),
                                    confusions.link(grade_id, language=language))
        if record is None:     # the verdict writes a record for every failing cell
            n = len(task.cases())
            out.append((task.label, of_max, tr(language, "{passed} of {cases}").format(
                passed=n, cases=n), "", section))
            continue
        found = record.get("diagnosis") or {}
        text = found.get("text", "")
        known = confusions.CATALOGUE.get(found.get("confusion"))
        if known is not None:    # the sentence alone; its section is the last column
            text = known.text_in(language)
            section = "[{}]({})".format(tr(language, "section"), known.link_in(language))
        if record.get("problem"):
            text = tr(language, "The run of your code did not finish ({problem}).").format(
                problem=problem_text(record["problem"], language)) + " " + text
        out.append((task.label, of_max, tr(language, "{passed} of {cases}").format(
            passed=record["passed"], cases=record["cases"]), text, section))
    return out


def table(summary_rows, language="en"):
    lines = [tr(language, "## Your results at a glance"), "",
             tr(language, "| graded | points | cases passed | what went wrong | explained in |"),
             "| --- | --- | --- | --- | --- |"]
    for row in summary_rows:
        lines.append("| " + " | ".join(_cell_text(v) for v in row) + " |")
    lines += ["", tr(language, "Details follow, cell by cell. Cases passed count the checks "
                               "shown in the notebook and the cases the grader ran that you "
                               "do not see.")]
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
        language = language_module.of(nb)
        summary = table(rows(nb, self._manual_pending(nb, resources), language), language)
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(summary))
        return nb, resources
