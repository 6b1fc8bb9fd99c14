"""Plan and write the sites one at a time, keeping of each only what the build needs later.

A build of 1,000 sites must not hold 1,000 plans (about 1 MB each) at once.
So the orchestrator goes through the inputs twice, through the site cache:

1. plan every input and keep a :class:`SiteEntry` (code, file, hash, its row
   of the landing page's table): every diagnostic of every file is known
   before anything is written, and an invalid input stops the build here;
2. for each site: its plan again (a cache hit), its baseline, its files
   (rendered or from the cache), written into ``docs/_generated/<CODE>/``;
   then the plan is dropped.

The parts' Sphinx projects read their sites' plans from the cache the same way
(:meth:`SiteEntry.plan`).  If a site input fails to render in step 2, the sites
before it were written already; the HTML is untouched (nothing is built), and
the next build rewrites whatever differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import Environment

from generator.diagnostics import Diagnostic, sorted_diagnostics
from generator.errors import InputError
from generator.load.loader import discover_inputs, display_path
from generator.output.site_cache import SiteCache, templates_fingerprint
from generator.output.writer import SyncReport
from generator.pipeline import (
    Project,
    duplicate_site_code,
    merge_reports,
    plan_baseline,
    plan_site_file,
    write_index,
    write_site_files,
)
from generator.plan import SitePlan
from generator.render.pages import render_site, site_summary
from generator.render.templates import create_environment, render_template


@dataclass(frozen=True)
class SiteEntry:
    """What the build keeps of a site between planning it and building it."""

    code: str
    file: Path
    shown: str
    sha256: str
    summary: dict[str, Any] = field(compare=False)
    """Its row of the landing page's site table."""
    files_key: str | None = None
    """Its plan's site cache key when its files can come from the cache (none with ``change.baseline``)."""

    @property
    def input_name(self) -> str:
        return Path(self.shown).name

    def plan(self, cache: SiteCache | None) -> SitePlan:
        """The site's plan again: from the cache when it holds it, else planned from the file."""
        plan, _diagnostics = plan_site_file(self.file, shown_as=self.shown, cache=cache)
        if plan is None:  # the file changed since it was checked: stop rather than build something else
            raise InputError(diagnostics=_diagnostics)
        return plan


@dataclass
class PlannedSites:
    entries: list[SiteEntry]
    warnings: list[Diagnostic]
    report: SyncReport


def plan_all(project: Project, cache: SiteCache | None) -> tuple[list[SiteEntry], list[Diagnostic]]:
    """Step 1: every input planned and checked; raises :class:`InputError` with every diagnostic on any error."""
    entries: list[SiteEntry] = []
    diagnostics: list[Diagnostic] = []
    seen: dict[str, SiteEntry] = {}
    for path in discover_inputs([project.site_inputs]):
        shown = display_path(path, project.root)
        plan, found = plan_site_file(path, shown_as=shown, cache=cache)
        diagnostics += found
        if plan is None:
            continue
        files_key = cache.key_of(plan) if cache is not None else None
        entry = SiteEntry(plan.code, path, shown, plan.source_sha256, site_summary(plan), files_key)
        if plan.code in seen:
            diagnostics.append(duplicate_site_code(plan, seen[plan.code].shown))
        seen.setdefault(plan.code, entry)
        entries.append(entry)
    if cache is not None:
        cache.prune("plan")
    diagnostics = sorted_diagnostics(diagnostics)
    if any(d.is_error for d in diagnostics):
        raise InputError(diagnostics=diagnostics)
    return sorted(entries, key=lambda e: e.code), diagnostics


def plan_and_write(project: Project, cache: SiteCache | None) -> PlannedSites:
    """Steps 1 and 2 of the module docstring: the entries, the warnings and what was written."""
    entries, warnings = plan_all(project, cache)
    env = create_environment(project.templates)
    site_index = render_template(env, "pages/site-index.md.j2", {"sites": [e.summary for e in entries]})
    report = write_index(project.output, site_index, [e.code for e in entries])
    templates = templates_fingerprint(project.templates) if cache is not None else ""
    for entry in entries:
        if cache is not None and entry.files_key is not None:
            # Its plan is loaded only when its files are not in the cache.
            files = cache.rendered_for(entry.files_key, templates, partial(_render, env, entry, cache, project))
        else:
            files = _render(env, entry, cache, project)
        merge_reports(report, write_site_files(project.output, entry.code, files))
    if cache is not None:
        cache.prune("files")
    return PlannedSites(entries, warnings, report)


def _render(env: Environment, entry: SiteEntry, cache: SiteCache | None, project: Project) -> dict[str, str | bytes]:
    plan = entry.plan(cache)
    return render_site(env, plan, plan_baseline(plan, root=project.root))


def input_hashes(entries: Sequence[SiteEntry]) -> dict[str, str]:
    """Input file name -> SHA-256, as the build stamp records them."""
    return {entry.input_name: entry.sha256 for entry in entries}


def plans_of(entries: Sequence[SiteEntry], cache: SiteCache | None) -> list[SitePlan]:
    """The plans of a few sites (a group's), from the cache."""
    return [entry.plan(cache) for entry in entries]
