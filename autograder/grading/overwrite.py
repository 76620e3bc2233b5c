"""nbgrader's OverwriteCells, warning only when a student really changed a read-only cell.

Before grading, nbgrader puts every locked cell of a submission back from
the gradebook's source copy and compares checksums.  A test cell's source
copy holds its hidden-test region, which the release leaves out, so the
checksum of every untouched test cell differs and nbgrader 0.9.6 logs
"Attribute 'checksum' for cell ... has changed!" for all of them, in every
submission (nbgrader issue #1961): honest work looks tampered with.

:class:`ReleasedCellsOverwrite` compares a locked cell with what the
student was given, the source cell without its hidden tests (as
``ClearHiddenTests`` makes the release).  It still restores every locked
cell from the source; it warns only when the submitted cell differs from
the released one, naming the cell.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class ReleasedCellsOverwrite(OverwriteCells):
    """OverwriteCells whose checksum warning means the student edited a read-only cell."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._as_released = self._matches_release(cell)
        return super().preprocess_cell(cell, resources, cell_index)

    def _matches_release(self, cell) -> bool:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            return False
        try:
            source = self.gradebook.find_source_cell(grade_id, self.notebook_id,
                                                     self.assignment_id)
        except Exception:           # a cell the gradebook lacks: nbgrader reports it
            return False
        released = NotebookNode(cell_type=source.cell_type, source=source.source, metadata={})
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        return cell.source == released.source

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._as_released:
            return              # only the hidden tests differ: the student changed nothing
        super().report_change(name, attr, old, new)
