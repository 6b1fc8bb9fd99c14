"""The placement diagram in HTML: a link under it opens the SVG at full size.

``sphinx.ext.graphviz`` writes an SVG diagram as ``<object data="../../_images/graphviz-<hash>.svg">``, under a
name that only exists once the diagram is rendered, so a template cannot link it.  For a graphviz directive with
the class :data:`FULL_SIZE_CLASS` (the placement diagram of ``templates/steps/server-placement.md.j2``), this
extension writes, right after the diagram, a paragraph with the same relative link: it works wherever the site is
published.  Other builders (LaTeX) and other graphviz directives are untouched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.ext import graphviz as sphinx_graphviz

from generator import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator

FULL_SIZE_CLASS = "placement-diagram"
"""Class of the graphviz directives that get the link (``:class: placement-diagram``)."""
LINK_CLASS = "diagram-full-size"
"""Class of the paragraph holding the link (styled in docs/_static/runbook.css)."""
LINK_TEXT = "Open the diagram at full size"

_SVG = re.compile(r'<object data="([^"]+\.svg)"')


def visit_graphviz_html(self: HTML5Translator, node: sphinx_graphviz.graphviz) -> None:
    """Render the diagram as ``sphinx.ext.graphviz`` does, then add the link for the diagrams that ask for it."""
    start = len(self.body)
    try:
        sphinx_graphviz.html_visit_graphviz(self, node)
    except nodes.SkipNode:
        if FULL_SIZE_CLASS in node.get("classes", []):
            found = _SVG.search("".join(self.body[start:]))
            if found is not None:
                self.body.append(
                    f'<p class="{LINK_CLASS}"><a class="reference internal" href="{found.group(1)}">'
                    f"{LINK_TEXT}</a></p>\n"
                )
        raise


def setup(app: Sphinx) -> dict[str, Any]:
    """Replace the HTML visitor of graphviz nodes (after ``sphinx.ext.graphviz`` registered them)."""
    app.setup_extension("sphinx.ext.graphviz")
    app.add_node(sphinx_graphviz.graphviz, override=True, html=(visit_graphviz_html, None))
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
