"""Reader furniture of the HTML runbooks: the "on this page" list, named checkboxes and the build line's values.

* The "on this page" list (Furo's right sidebar) of a runbook keeps the
  page's sections down to its steps (title, parts, phases, steps, gates) and,
  below a step, only the way to each firewall's table (the ``Firewall rules``
  heading and one entry per firewall of the network-infrastructure step).  The
  dozens of "Verification", "Evidence" and "Rollback" subheadings stay in the
  page, not in the list.  The firewalls are named by the site plan, not by the
  headings' wording, so the list is the same for the same plan.
* Task-list checkboxes (``- [ ]``) are labelled by their item's text, for screen readers.
* The build line: ``_static/ibcm-build.js`` holds the build time and source
  commit, the same values as the build stamp (``generator.output.stamp``), and
  ``_static/ibcm-reader.js`` (docs/_static) writes them into every page's
  build line.  The pages themselves never hold them, so a new commit or a
  rebuild changes one small file, not every page, and pages stay byte for byte
  the same for the same inputs.  The file is written before the stamp hashes
  the output, so ``publish`` checks it like any page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.environment.adapters.toctree import document_toc

from generator import __version__
from generator.derive.checklist import StepId
from generator.output import stamp
from generator.output.writer import write_if_changed
from generator.render.myst import label
from generator.sphinx_ext.anchors import runbook_site_code

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders.html import StandaloneHTMLBuilder

BUILD_SCRIPT = "_static/ibcm-build.js"
"""The build's values, read by every page (its path under the HTML output folder)."""

TOC_DEPTH = 3
"""Levels of a runbook's "on this page" list kept whole: the title, its parts and phases, the steps and gates."""

FIREWALL_STEP: StepId = "network-infrastructure"
"""The step whose firewall subsections the list keeps below :data:`TOC_DEPTH`."""


# --- "on this page" -----------------------------------------------------------------------------------------


def firewall_sections(doctree: nodes.Node, step_anchor: str, firewalls: Iterable[str]) -> list[nodes.section]:
    """The sections titled by a firewall's name inside the section ``step_anchor`` (in document order)."""
    names = set(firewalls)
    for step in doctree.findall(nodes.section):
        if step_anchor in step["ids"]:
            return [
                section
                for section in step.findall(nodes.section)
                if section is not step and isinstance(section[0], nodes.title) and section[0].astext() in names
            ]
    return []


def kept_anchors(sections: Iterable[nodes.section]) -> set[str]:
    """``#id`` of every section from each of ``sections`` up to the page title: the path the list keeps."""
    anchors: set[str] = set()
    for section in sections:
        node: nodes.Node | None = section
        while node is not None:
            if isinstance(node, nodes.section):
                anchors.update(f"#{anchor}" for anchor in node["ids"])
            node = node.parent
    return anchors


def prune_toc(toc: nodes.Node, keep: set[str], depth: int = TOC_DEPTH) -> None:
    """Remove from ``toc`` (Sphinx's local toc, nested bullet lists) the entries deeper than ``depth`` whose anchor
    is not in ``keep``."""

    def visit(bullets: nodes.Element, level: int) -> None:
        for item in list(bullets.children):
            if not isinstance(item, nodes.list_item):
                continue
            reference = next(item.findall(nodes.reference), None)
            anchor = str(reference.get("anchorname") or reference.get("refuri") or "") if reference else ""
            if level > depth and anchor not in keep:
                bullets.remove(item)
                continue
            for child in item.children:
                if isinstance(child, nodes.bullet_list):
                    visit(child, level + 1)
            for child in list(item.children):
                if isinstance(child, nodes.bullet_list) and not child.children:
                    item.remove(child)

    for bullets in [toc] if isinstance(toc, nodes.bullet_list) else list(toc.findall(nodes.bullet_list))[:1]:
        visit(bullets, 1)


def runbook_firewalls(app: Sphinx, docname: str) -> tuple[str, list[str]] | None:
    """(site code, firewall names) when ``docname`` is a site's runbook page; None for any other page."""
    from generator.sphinx_ext import loaded_project  # the package imports this module

    code = runbook_site_code(docname, app.config.generator_output)
    for plan in loaded_project(app).plans if code is not None else ():
        if plan.code == code:
            return plan.code, [fw.name for fw in plan.network.firewall_infos]
    return None


def runbook_toc(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: nodes.Node | None
) -> None:
    """``html-page-context``: a runbook's "on this page" list, pruned to steps and firewall tables."""
    del templatename
    if doctree is None or "toc" not in context:
        return
    found = runbook_firewalls(app, pagename)
    if found is None:
        return
    code, firewalls = found
    keep = kept_anchors(firewall_sections(doctree, label(code, FIREWALL_STEP), firewalls))
    builder: StandaloneHTMLBuilder = app.builder  # type: ignore[assignment]
    toc = document_toc(app.env, pagename, builder.tags)
    prune_toc(toc, keep)
    context["toc"] = builder.render_partial(toc)["fragment"]


# --- task lists -------------------------------------------------------------------------------------------


TASK_CHECKBOX = "task-list-item-checkbox"
"""The class of the checkbox MyST's ``tasklist`` writes (as raw HTML) at the start of a ``- [ ]`` item."""


def label_task_checkboxes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved`` (HTML builders): each task-list checkbox is labelled by its item's text.

    MyST writes a bare ``<input type="checkbox">`` before the item's text, a form control without a name
    (axe-core: label, critical).  Wrapping the paragraph's text in a ``<label>`` with it names the box by
    the check it stands for, as a screen reader should read it.
    """
    del docname
    if app.builder.format != "html":
        return
    for item in doctree.findall(nodes.list_item):
        if "task-list-item" not in item["classes"] or not item.children:
            continue
        paragraph = item.children[0]
        if not isinstance(paragraph, nodes.paragraph) or not paragraph.children:
            continue
        box = paragraph.children[0]
        if isinstance(box, nodes.raw) and TASK_CHECKBOX in box.astext() and "<label" not in box.astext():
            paragraph.insert(0, nodes.raw("", '<label class="task-list-item-label">', format="html"))
            paragraph.append(nodes.raw("", "</label>", format="html"))


# --- the build line -----------------------------------------------------------------------------------------


def build_values(source_dir: Path) -> dict[str, str]:
    """The build line's values, as the stamp records them: source commit, generator version and, only when
    ``SOURCE_DATE_EPOCH`` asks for one, the build time; a build without it leaves the same bytes every time
    (the time part of the line stays hidden)."""
    commit, dirty = stamp.source_commit(source_dir)
    shown = "unknown" if commit is None else commit[:12] + (" with uncommitted changes" if dirty else "")
    values = {"source_commit": commit or "", "commit": shown, "generator_version": __version__}
    if stamp.source_date_epoch() is not None:
        built_at = stamp.format_time(stamp.build_time())
        values |= {"built_at": built_at, "built": built_at[:16].replace("T", " ") + " UTC"}
    return values


def build_script(values: dict[str, str]) -> str:
    """The content of ``_static/ibcm-build.js``: one assignment, keys sorted (deterministic)."""
    return (
        "/* Written by ibcm-runbook (generator/sphinx_ext/reader.py) at each HTML build: the values of the build "
        "stamp. */\nwindow.ibcmBuild = " + json.dumps(values, sort_keys=True, ensure_ascii=True) + ";\n"
    )


def write_build_script(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished`` (HTML builders), before the stamp hashes the output: write ``_static/ibcm-build.js``."""
    if exception is not None or app.builder.format != "html":
        return
    content = build_script(build_values(Path(app.confdir)))
    write_if_changed(Path(app.outdir) / BUILD_SCRIPT, content.encode("utf-8"))


def setup(app: Sphinx) -> None:
    """Prune the runbooks' "on this page" lists and write the build's values for the build line."""
    app.connect("html-page-context", runbook_toc)
    app.connect("doctree-resolved", label_task_checkboxes)
    app.connect("build-finished", write_build_script, priority=500)
