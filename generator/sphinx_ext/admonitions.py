"""Admonitions of the runbooks: the "To confirm" type, and admonitions that look their kind in the PDF.

``{to-confirm}`` is the box of ``templates/partials/to-confirm.md.j2``: a fact
this tool could not verify, worded as something to confirm.  It is a generic
admonition node with the fixed title :data:`TO_CONFIRM_TITLE` and the class
:data:`TO_CONFIRM_CLASS`, so every HTML theme draws it as an admonition
(``div.admonition.to-confirm``, styled in ``docs/_static/runbook.css``) and no
template can give it another title.

Sphinx's LaTeX writer draws every generic (titled) admonition as a note.  The
runbooks title their warnings (``{admonition} <what the warning is>`` with
``:class: warning``) and their to-confirm boxes, so for LaTeX a generic
admonition takes the ``sphinxadmonition`` type its class names
(:data:`LATEX_TYPES`): a warning is framed like a warning, a to-confirm box like
a caution; any other generic admonition stays a note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.latex import LaTeXTranslator

TO_CONFIRM_TITLE = "To confirm"
TO_CONFIRM_CLASS = "to-confirm"

LATEX_TYPES: dict[str, str] = {
    TO_CONFIRM_CLASS: "caution",
    "warning": "warning",
    "important": "important",
    "note": "note",
}
"""Class of a generic admonition -> the ``sphinxadmonition`` type (the LaTeX style) it is drawn with; the first
class of the node that is listed here wins."""


class ToConfirm(SphinxDirective):
    """``{to-confirm}``: an admonition titled "To confirm" holding the note as its body (no argument)."""

    has_content = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "class": directives.class_option,
        "name": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        self.assert_has_content()
        classes = [TO_CONFIRM_CLASS, *self.options.get("class", [])]
        node = nodes.admonition("\n".join(self.content), classes=classes)
        self.set_source_info(node)
        self.add_name(node)
        title = nodes.title(TO_CONFIRM_TITLE, TO_CONFIRM_TITLE)
        self.set_source_info(title)
        node += title
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def latex_type(node: nodes.Element) -> str:
    """The ``sphinxadmonition`` type of a generic admonition: the first of its classes in :data:`LATEX_TYPES`."""
    return next((LATEX_TYPES[c] for c in node["classes"] if c in LATEX_TYPES), "note")


def visit_admonition_latex(self: LaTeXTranslator, node: nodes.Element) -> None:
    """Sphinx's ``visit_admonition`` for LaTeX, with the type taken from the node's class (its title follows)."""
    self.body.append(f"\n\\begin{{sphinxadmonition}}{{{latex_type(node)}}}")
    self.no_latex_floats += 1


def depart_admonition_latex(self: LaTeXTranslator, node: nodes.Element) -> None:
    del node
    self.body.append("\\end{sphinxadmonition}\n")
    self.no_latex_floats -= 1


def setup(app: Sphinx) -> None:
    """Register ``{to-confirm}`` and the LaTeX drawing of generic admonitions."""
    app.add_directive("to-confirm", ToConfirm)
    app.add_node(nodes.admonition, override=True, latex=(visit_admonition_latex, depart_admonition_latex))
