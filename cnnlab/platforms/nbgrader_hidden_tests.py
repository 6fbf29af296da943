"""nbgrader's ``OverwriteCells`` without its false checksum warning for hidden tests.

nbgrader 0.9.5 keeps a test cell's checksum in its gradebook from *before* it removes the
hidden tests for the students (jupyter/nbgrader#1961), so ``nbgrader autograde`` warns
"Attribute 'checksum' for cell test_conv2d has changed!" for every test cell with hidden tests
of every hand-in, even an untouched one, and puts the hidden tests back. Every test cell of the
exercise notebook has hidden tests: 22 warnings per hand-in that hide a real one.

``OverwriteHiddenTestCells`` first compares the handed-in cell with the cell as the student
got it (the gradebook's source with its hidden tests removed, as ``generate_assignment`` did):
when they are the same, it puts the hidden tests back itself, and nbgrader's own check then
finds the cell unchanged. A cell the student did change still gets nbgrader's warning and its
source back. The course made by ``cnnlab nbgrader init`` uses it
(``c.Autograde.sanitize_preprocessors``); this module is imported only by nbgrader's config.
"""

from __future__ import annotations

import copy

from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class OverwriteHiddenTestCells(OverwriteCells):
    """``OverwriteCells`` that takes an untouched test cell with hidden tests for untouched."""

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_grade(cell):
            try:
                source = self.gradebook.find_source_cell(grade_id, self.notebook_id,
                                                         self.assignment_id)
            except MissingEntry:
                pass  # nbgrader says so below
            else:
                given = copy.deepcopy(cell)
                given.source = source.source
                ClearHiddenTests(parent=self)._remove_hidden_test_region(given)
                if cell.source == given.source:
                    cell.source = source.source  # the hidden tests, as nbgrader restores them
        return super().preprocess_cell(cell, resources, cell_index)


def sanitize_preprocessors() -> list[type]:
    """``Autograde``'s sanitizing preprocessors with ``OverwriteHiddenTestCells`` in place of
    ``OverwriteCells``."""
    default = Autograde.class_traits()["sanitize_preprocessors"].default()
    return [OverwriteHiddenTestCells if kind is OverwriteCells else kind for kind in default]
