"""Print MyST task lists as boxes to tick in the PDF.

The ``tasklist`` extension of MyST turns ``- [ ]`` items into HTML checkboxes,
which the LaTeX writer drops; a printed checklist needs the box, so for LaTeX
each task-list item starts with a ballot box (U+2610, in FreeFont).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

BALLOT_BOX = "\u2610\u00a0"


class LatexTaskBoxes(SphinxPostTransform):
    """Prefix every task-list item's first paragraph with a ballot box, for the LaTeX builder only."""

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        del kwargs
        for item in self.document.findall(nodes.list_item):
            if "task-list-item" not in item["classes"]:
                continue
            paragraph = next(iter(item.findall(nodes.paragraph)), None)
            if paragraph is not None:
                paragraph.insert(0, nodes.Text(BALLOT_BOX))


def setup(app: Sphinx) -> None:
    app.add_post_transform(LatexTaskBoxes)
