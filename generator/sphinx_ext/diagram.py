"""The placement diagram in HTML: a link under it opens the SVG at full size.

``sphinx.ext.graphviz`` writes an SVG diagram as ``<object data="../../_images/graphviz-<hash>.svg">``, under a
name that only exists once the diagram is rendered, so a template cannot link it.  For a graphviz directive with
the class :data:`FULL_SIZE_CLASS` (the placement diagram of ``templates/steps/server-placement.md.j2``), this
extension writes, right after the diagram, a paragraph with the same relative link: it works wherever the site is
published.  Every SVG diagram's ``<object>`` gets ``role="img"`` and an accessible name (its ``:alt:``, else its
caption), which screen readers announce instead of the drawing.  Other builders (LaTeX) are untouched.

``sphinx.ext.graphviz`` runs ``dot`` without a time limit, so a hung ``dot`` would hang the build.  This extension
runs every ``dot`` of the build (HTML and LaTeX) under ``graphviz_dot_timeout`` seconds and stops the build with
:class:`DotTimeoutError`, which names the tool and the site.
"""

from __future__ import annotations

import html
import re
import subprocess
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.errors import SphinxError
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

_SVG = re.compile(r'<object [^>]*?data="([^"]+\.svg)"')

DOT_TIMEOUT = 60
"""Default of ``graphviz_dot_timeout``: seconds one ``dot`` run may take (the placement diagram takes well under
one); ``docs/conf.py`` sets it, tests lower it."""
_SITE_DOC = re.compile(r"(?:^|/)_generated/([^/]+)/")


class DotTimeoutError(SphinxError):
    """``dot`` did not finish in time: the build stops, naming the tool and the site (not a warning, which
    ``sphinx.ext.graphviz`` would make of its own ``GraphvizError`` and leave a page without its diagram)."""

    category = "Graphviz dot timed out"


@dataclass(frozen=True)
class _DotRun:
    """The document and limit of the ``dot`` run under way."""

    docname: str
    seconds: float


_RUN: ContextVar[_DotRun | None] = ContextVar("ibcm_dot_run", default=None)


def _where(docname: str) -> str:
    found = _SITE_DOC.search(docname)
    return f"site {found.group(1)} ({docname})" if found else docname


class _TimedSubprocess:
    """``subprocess`` as ``sphinx.ext.graphviz`` sees it: ``run`` gets the time limit of the ``dot`` run under way."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def run(self, args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        limit = _RUN.get()
        if limit is None:
            return subprocess.run(args, **kwargs)  # noqa: PLW1510 - check is in kwargs, as graphviz passes it
        try:
            return subprocess.run(args, timeout=limit.seconds, **kwargs)  # noqa: PLW1510
        except subprocess.TimeoutExpired:
            raise DotTimeoutError(
                f"dot (Graphviz) did not finish within {limit.seconds:g} s drawing the diagram of "
                f"{_where(limit.docname)}: {args[0]} (graphviz_dot; graphviz_dot_timeout sets the limit)"
            ) from None


_render_dot = sphinx_graphviz.render_dot


def render_dot(self: Any, code: str, options: dict[str, Any], format: str, *args: Any, **kwargs: Any) -> Any:
    """``sphinx.ext.graphviz.render_dot`` with the limit of ``graphviz_dot_timeout`` on its ``dot``."""
    docname = str(options.get("docname") or getattr(self.builder, "current_docname", None) or "index")
    token = _RUN.set(_DotRun(docname, float(self.builder.config.graphviz_dot_timeout)))
    try:
        return _render_dot(self, code, options, format, *args, **kwargs)
    finally:
        _RUN.reset(token)


def accessible_name(node: sphinx_graphviz.graphviz) -> str:
    """What a screen reader announces for a diagram: its ``:alt:``, else its caption, else that it is a diagram."""
    alt = str(node.get("alt") or "").strip()
    if alt:
        return alt
    figure = node.parent
    if isinstance(figure, nodes.figure):
        caption = next(iter(figure.findall(nodes.caption)), None)
        if caption is not None and caption.astext().strip():
            return " ".join(caption.astext().split())
    return "Diagram"


DESCRIPTION_CLASS = "diagram-description"
"""Class of the container holding a diagram's text alternative (``templates/steps/server-placement.md.j2``)."""


def description_id(document: nodes.document) -> str | None:
    """The id of the page's diagram text alternative, which the diagram points ``aria-describedby`` at."""
    for container in document.findall(nodes.container):
        if DESCRIPTION_CLASS in container["classes"] and container["ids"]:
            return str(container["ids"][0])
    return None


def label_object(body: list[str], start: int, name: str, described_by: str | None = None) -> None:
    """Give the SVG ``<object>`` written from ``body[start]`` on the role of an image and an accessible name
    (axe-core's object-alt): the SVG inside is not read out, the name and the text alternative on the page
    (``aria-describedby``) are."""
    for index in range(start, len(body)):
        if "<object " in body[index]:
            attributes = f'<object role="img" aria-label="{html.escape(name, quote=True)}" '
            if described_by is not None:
                attributes += f'aria-describedby="{html.escape(described_by, quote=True)}" '
            body[index] = body[index].replace("<object ", attributes, 1)
            return


def visit_graphviz_html(self: HTML5Translator, node: sphinx_graphviz.graphviz) -> None:
    """Render the diagram as ``sphinx.ext.graphviz`` does, give it an accessible name, then add the link for the
    diagrams that ask for it."""
    start = len(self.body)
    try:
        sphinx_graphviz.html_visit_graphviz(self, node)
    except nodes.SkipNode:
        full_size = FULL_SIZE_CLASS in node.get("classes", [])
        label_object(self.body, start, accessible_name(node), description_id(self.document) if full_size else None)
        if full_size:
            found = _SVG.search("".join(self.body[start:]))
            if found is not None:
                self.body.append(
                    f'<p class="{LINK_CLASS}"><a class="reference internal" href="{found.group(1)}">'
                    f"{LINK_TEXT}</a></p>\n"
                )
        raise


def setup(app: Sphinx) -> dict[str, Any]:
    """Replace the HTML visitor of graphviz nodes (after ``sphinx.ext.graphviz`` registered them) and put every
    ``dot`` run under ``graphviz_dot_timeout``."""
    app.setup_extension("sphinx.ext.graphviz")
    app.add_config_value("graphviz_dot_timeout", DOT_TIMEOUT, "env", types=(int, float))
    sphinx_graphviz.render_dot = render_dot
    sphinx_graphviz.subprocess = _TimedSubprocess()  # type: ignore[attr-defined,assignment]
    app.add_node(sphinx_graphviz.graphviz, override=True, html=(visit_graphviz_html, None))
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
