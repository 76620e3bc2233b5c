"""Make what a student controls inert wherever a page shows it.

A submission's outputs and markdown are the student's to write: a
``<script>``, an ``onerror=`` handler, an SVG with a script or a
``display(Javascript(...))`` would run in the browser of whoever opens
the page: the student's feedback, or formgrader, where a teaching
assistant is signed in.  :class:`InertOutputs` is nbconvert's
``SanitizeHTML`` (bleach, with its safe list of tags and attributes):
HTML and markdown outputs are cleaned, every other kind of output but
plain text, LaTeX, JSON, PNG and JPEG is dropped, and markdown and raw
cells are cleaned, except the instructor's own cells (those whose text
is a cell of the source notebook: bleach would garble their code spans).

It runs in autograding (so the autograded notebook that formgrader shows
is already inert) and again in feedback.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.coursedir import CourseDirectory
from traitlets import Bool


class InertOutputs(SanitizeHTML):
    """SanitizeHTML for everything but the source notebook's own cells."""

    # nbconvert's preprocessors are off unless enabled; this one must always run
    enabled = Bool(True)

    def _instructor_text(self, resources):
        try:
            coursedir = CourseDirectory(parent=self)
            assignment = resources["nbgrader"]["assignment"]
            notebook = resources["nbgrader"]["notebook"]
            path = Path(coursedir.format_path(coursedir.source_directory, ".", assignment),
                        f"{notebook}.ipynb")
            source = nbformat.read(str(path), as_version=4)
        except Exception:        # no source to compare with: clean every cell
            return set()
        return {c.source for c in source.cells if c.cell_type != "code"}

    def preprocess(self, nb, resources):
        self._trusted = self._instructor_text(resources)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" and cell.source in self._trusted:
            return cell, resources
        cell.pop("attachments", None) if cell.cell_type != "markdown" else None
        return super().preprocess_cell(cell, resources, index)
