"""What the split build tells each of its Sphinx projects (the ``generator_split`` config value names the file).

The orchestrator (:mod:`generator.build.run`) plans every site once and
writes the sources; each Sphinx project it starts then only builds pages.  It
gets a :class:`SplitContext` (pickled next to the project) instead of loading
the site inputs again:

* the *hub* (landing page, tool documentation): the runbook labels of every
  site, so the landing page's links resolve to pages another project builds,
  and where to write the navigation the groups show;
* a *group*: its sites (whose plans it reads from the site cache, for the
  extension's plan-driven transforms and LaTeX documents) and the navigation
  written by the hub.

This module imports nothing from Sphinx: the orchestrator stays light.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from generator.build.sites import SiteEntry, plans_of
from generator.output.site_cache import SiteCache
from generator.output.writer import write_atomic, write_if_changed
from generator.plan import SitePlan

CONTEXT_NAME = "split-context.pickle"
NAV_NAME = "nav.json"

Role = Literal["hub", "group"]


@dataclass(frozen=True)
class NavLink:
    """One entry of the tool documentation's navigation: a docname and its title."""

    docname: str
    title: str


@dataclass(frozen=True)
class SplitContext:
    role: Role
    sites: tuple[SiteEntry, ...] = ()
    """A group's sites (empty for the hub); their plans come from the site cache (:meth:`plans`)."""
    cache: str | None = None
    """The site cache's folder (None: plan the sites from their files)."""
    runbooks: Mapping[str, str] = field(default_factory=dict)
    """Label (``cen-runbook``) -> docname of every site's runbook: how the hub links to pages it does not build."""
    nav: tuple[NavLink, ...] = ()
    """The tool documentation's pages, in the landing page's order (for a group's sidebar)."""
    nav_file: str | None = None
    """Where the hub writes :data:`NAV_NAME` (None for a group)."""


def context_plans(context: SplitContext) -> list[SitePlan]:
    """The plans of a group's sites, read from the site cache the build filled (planned again on a miss)."""
    return plans_of(context.sites, SiteCache(Path(context.cache)) if context.cache else None)


def write_context(folder: Path, context: SplitContext) -> Path:
    path = folder / CONTEXT_NAME
    write_atomic(path, pickle.dumps(context, protocol=pickle.HIGHEST_PROTOCOL))
    return path


def read_context(path: Path) -> SplitContext:
    """The context a split build wrote (a file this tool wrote itself, in its own build folder)."""
    context = pickle.loads(path.read_bytes())
    if not isinstance(context, SplitContext):
        raise TypeError(f"{path} does not hold a split build context")
    return context


def write_nav(path: Path, links: list[NavLink]) -> bool:
    data = [{"docname": link.docname, "title": link.title} for link in links]
    return write_if_changed(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def read_nav(path: Path) -> tuple[NavLink, ...]:
    return tuple(NavLink(item["docname"], item["title"]) for item in json.loads(path.read_text(encoding="utf-8")))
