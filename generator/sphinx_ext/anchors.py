"""Stable, explicit anchors for every heading of a runbook (site code + step id + subsection).

Docutils names a heading's section after its title, or ``id1``, ``id2``… when
the title repeats (every step has a "Verification"), so a deep link to
``#id17`` points at another step as soon as a step is added before it.  This
transform gives every section of a runbook page (``<generator_output>/<CODE>/index``)
an id derived from the section tree only:

* a section with an explicit label (``(cen-mp-internet)=``, the steps, phases,
  gates, summary and appendices) keeps that label as its one id;
* any other section gets its parent's anchor + ``-`` + the slug of its title:
  ``cen-mp-internet-verification``,
  ``cen-network-infrastructure-firewall-rules-fw-edge``; a section right under
  the page title hangs off the site code (``cen-…``);
* any other element that docutils numbered (``idN``: captioned tables,
  figures, footnotes) gets its section's anchor + its kind + its rank in that
  section: ``cen-certificates-table-2``.

Ids are made unique in document order (``-2``, ``-3``…), and every reference to a
replaced id (``refid``, ``backrefs``, ``document.ids``/``nameids``) follows.  The
transform runs before Sphinx's ``doctree-read`` (priority 880), so the "on this
page" toc, the labels of the standard domain and the LaTeX ``\\label``s (PDF
destinations) all see the new ids.  Templates keep only their wording.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

AUTO_ID = re.compile(r"id\d+")
"""The ids docutils numbers when it has no better name (and those the site code must replace)."""

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by ``-`` (``FW\\-EDGE`` → ``fw-edge``); ``section`` when none is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _NON_SLUG.sub("-", ascii_text).strip("-") or "section"


def runbook_site_code(docname: str, output: str) -> str | None:
    """The site code of a runbook page's docname (``_generated/CEN/index`` → ``CEN``), None for other pages."""
    parts = PurePosixPath(docname).parts
    prefix = PurePosixPath(Path(output).as_posix()).parts
    if len(parts) == len(prefix) + 2 and parts[: len(prefix)] == prefix and parts[-1] == "index":
        code = parts[-2]
        return code if re.fullmatch(r"[A-Za-z0-9]+", code) else None
    return None


class _Allocator:
    """Hands out ids that no other element of the document has, in the order they are asked for."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)

    def claim(self, wanted: str) -> str:
        candidate, number = wanted, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{wanted}-{number}"
        self.taken.add(candidate)
        return candidate


def _title_text(section: nodes.section) -> str:
    title = next((child for child in section.children if isinstance(child, nodes.title)), None)
    return title.astext() if title is not None else ""


def _explicit_ids(document: nodes.document) -> set[str]:
    """Ids that an explicit target (``(label)=``, ``:name:``) put there: they are referenced, and stay."""
    return {
        str(document.nameids[name])
        for name, explicit in document.nametypes.items()
        if explicit and document.nameids.get(name)
    }


def assign_anchors(document: nodes.document, site_code: str) -> dict[str, str]:
    """Give every section and numbered element of a runbook doctree its stable id; returns old id -> new id."""
    explicit = _explicit_ids(document)
    prefix = site_code.lower()
    sections = list(document.findall(nodes.section))
    replaced = {i for section in sections for i in section["ids"] if i not in explicit}
    numbered = [
        node
        for node in document.findall(nodes.Element)
        if not isinstance(node, nodes.section) and any(AUTO_ID.fullmatch(i) for i in node["ids"])
    ]
    replaced |= {i for node in numbered for i in node["ids"] if AUTO_ID.fullmatch(i)}
    allocator = _Allocator(set(document.ids) - replaced)
    renamed: dict[str, str] = {}
    anchors: dict[int, str] = {}  # id(section) -> its anchor
    children: dict[int | None, list[nodes.section]] = {}
    for section in sections:  # document order
        parent = _nearest_section(section)
        children.setdefault(None if parent is None else id(parent), []).append(section)

    tops = children.get(None, [])
    page_title = tops[0] if len(tops) == 1 else None  # Sphinx keeps the page title as the one top section

    def visit(section: nodes.section, base: str) -> None:
        kept = [i for i in section["ids"] if i in explicit]
        anchor = kept[0] if kept else allocator.claim(f"{base}-{slug(_title_text(section))}")
        renamed.update((old, anchor) for old in section["ids"] if old not in explicit)
        section["ids"] = kept or [anchor]
        anchors[id(section)] = anchor
        for child in children.get(id(section), []):
            # Sections right under the page title hang off the site code, not the title's label.
            visit(child, prefix if section is page_title else anchor)

    for section in tops:
        visit(section, prefix)
    ranks: Counter[tuple[str, str]] = Counter()
    for node in numbered:
        home = _nearest_section(node)
        base = anchors.get(id(home), prefix) if home is not None else prefix
        ranks[(base, node.tagname)] += 1
        new = allocator.claim(f"{base}-{node.tagname}-{ranks[(base, node.tagname)]}")
        for old in node["ids"]:
            if AUTO_ID.fullmatch(old):
                renamed[old] = new
        node["ids"] = [i for i in node["ids"] if not AUTO_ID.fullmatch(i)] + [new]
    _follow_renames(document, renamed)
    return renamed


def _nearest_section(node: nodes.Node) -> nodes.section | None:
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    return parent


def _follow_renames(document: nodes.document, renamed: dict[str, str]) -> None:
    """Point ``document.ids``, ``nameids`` and every ``refid``/``backrefs`` at the new ids."""
    for old in renamed:
        document.ids.pop(old, None)
    for node in document.findall(nodes.Element):
        for new in node["ids"]:
            document.ids.setdefault(new, node)
        refid = node.get("refid")
        if isinstance(refid, str) and refid in renamed:
            node["refid"] = renamed[refid]
        if node.get("backrefs"):
            node["backrefs"] = [renamed.get(ref, ref) for ref in node["backrefs"]]
    for name, target in list(document.nameids.items()):
        if target in renamed:
            document.nameids[name] = renamed[target]


class RunbookAnchors(SphinxTransform):
    """Stable ids for the sections of runbook pages (see the module docstring)."""

    # After every docutils/Sphinx id assignment (footnotes 620, dangling references 850), before
    # MyST's ResolveAnchorIds (879) and Sphinx's doctree-read (880: toc, standard-domain labels).
    default_priority = 870

    def apply(self, **kwargs: Any) -> None:
        del kwargs
        code = runbook_site_code(self.env.docname, self.config.generator_output)
        if code is not None:
            assign_anchors(self.document, code)


class UnwrapTableIds(SphinxPostTransform):
    """Leave a table's id on the table only, not also on the ``table-wrapper`` box Furo puts around it.

    Furo's wrapper copies every attribute of the table, ids included, so each
    captioned table's anchor appeared twice in the page (invalid HTML, and an
    ambiguous link target).  The table keeps it: Furo highlights
    ``table:target > caption``.
    """

    formats = ("html",)
    default_priority = 501  # just after Furo's WrapTableAndMathInAContainerTransform (500)

    def run(self, **kwargs: Any) -> None:
        del kwargs
        for box in self.document.findall(nodes.container):
            inner = box.children[0] if len(box.children) == 1 else None
            if isinstance(inner, nodes.Element) and box["ids"] and box["ids"] == inner["ids"]:
                box["ids"] = []


def setup(app: Sphinx) -> None:
    """Register the transforms."""
    app.add_transform(RunbookAnchors)
    app.add_post_transform(UnwrapTableIds)
