"""The extension's side of the split build (:mod:`generator.build`): one Sphinx project of many, one tree in the end.

With ``generator_split`` naming a :class:`~generator.build.context.SplitContext`,
the project is either the *hub* (``docs/`` without the runbooks) or a *group*
(a few runbooks under a root page of its own).  Their pages are assembled into
one HTML tree, so each must link to pages the other projects build:

* the hub resolves the landing page's runbook links (``{ref}`CEN <cen-runbook>```)
  to the runbook's URL, which another project writes;
* every page's sidebar shows the same navigation, "All sites" and the tool
  documentation (the hub writes the list, the groups read it): a sidebar that
  listed every site would make each page grow with the number of sites;
* runbook pages get no "previous"/"next" links: in a group these would point
  at whichever sites share the group.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from docutils import nodes

from generator.build.context import NavLink, SplitContext, read_context, write_nav

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

SPLIT_CONFIG = "generator_split"
HUB_EXCLUDES = ["_generated/**"]
GENERATED_GLOB = "_generated/*/index"
"""The hub builds no runbook (the landing page includes ``_generated/site-index.md`` by path)."""

_CONTEXTS: WeakKeyDictionary[Sphinx, SplitContext] = WeakKeyDictionary()


def split_context(app: Sphinx) -> SplitContext | None:
    """The split build's context of ``app`` (None for a plain one-project build)."""
    return _CONTEXTS.get(app)


def load_context(app: Sphinx, config: Config) -> SplitContext | None:
    """``config-inited``: read the context; the hub leaves the runbooks out and accepts the glob that finds none."""
    value = getattr(config, SPLIT_CONFIG, "")
    if not value:
        return None
    context = read_context(Path(value))
    _CONTEXTS[app] = context
    if context.role == "hub":
        config.exclude_patterns = [*config.exclude_patterns, *HUB_EXCLUDES]
        _TOCTREE_LOGGER.addFilter(_drop_runbook_glob_warning)
    return context


_TOCTREE_LOGGER = logging.getLogger("sphinx.sphinx.directives.other")
"""Where Sphinx warns about a toctree glob that matches nothing (``sphinx.util.logging`` prefixes ``sphinx.``)."""


def _drop_runbook_glob_warning(record: logging.LogRecord) -> bool:
    """The hub's landing page lists the runbooks with a glob that only the groups' pages match.

    Sphinx gives that warning no type, so ``suppress_warnings`` cannot name it:
    this filter drops exactly that warning for exactly that pattern.
    """
    return not (
        record.msg == "toctree glob pattern %r didn't match any documents" and record.args == (f"{GENERATED_GLOB}",)
    )


def resolve_runbook_link(
    app: Sphinx, _env: BuildEnvironment, node: nodes.Element, contnode: nodes.Element
) -> nodes.reference | None:
    """``missing-reference`` in the hub: a runbook label becomes a link to the page a group builds."""
    context = split_context(app)
    if context is None or node.get("reftype") != "ref":
        return None
    docname = context.runbooks.get(node.get("reftarget", ""))
    if docname is None:
        return None
    uri = app.builder.get_relative_uri(node["refdoc"], docname)
    reference = nodes.reference("", "", internal=True, refuri=uri)
    reference += contnode
    return reference


def tool_doc_links(app: Sphinx) -> list[NavLink]:
    """The pages the root page's toctrees include, in order, with their titles (the hub's navigation)."""
    env = app.env
    links = []
    for docname in env.toctree_includes.get(app.config.root_doc, []):
        title = env.titles.get(docname)
        links.append(NavLink(docname, title.astext() if title is not None else docname))
    return links


def page_navigation(app: Sphinx, _pagename: str, _template: str, context: dict[str, Any], _doctree: Any) -> None:
    """``html-page-context``: the navigation every split page shows, and no previous/next between runbooks."""
    split = split_context(app)
    if split is None:
        return
    context["ibcm_nav"] = [{"docname": link.docname, "title": link.title} for link in nav_links(app, split)]
    if split.role == "group":
        context["prev"] = None
        context["next"] = None


def nav_links(app: Sphinx, split: SplitContext) -> list[NavLink]:
    return tool_doc_links(app) if split.role == "hub" else list(split.nav)


def write_hub_nav(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished`` in the hub: the navigation file the groups read."""
    split = split_context(app)
    if exception is None and split is not None and split.role == "hub" and split.nav_file:
        write_nav(Path(split.nav_file), tool_doc_links(app))


def setup(app: Sphinx) -> None:
    app.connect("missing-reference", resolve_runbook_link)
    app.connect("html-page-context", page_navigation)
    app.connect("build-finished", write_hub_nav)
