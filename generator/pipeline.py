"""The pipeline, one function per stage: load → validate → derive → plan → review → render → write.

It is the one entry point shared by the CLI and the Sphinx extension.  Every
site input is read and parsed once per run; rendering happens in memory and
files are written only after every site rendered, so a failed run leaves the
previous output untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from generator.derive.checklist import IBCM_CHECKLIST, Checklist
from generator.diagnostics import Diagnostic, Severity, sorted_diagnostics
from generator.errors import InputError
from generator.load.codes import DUPLICATE_SITE_CODE
from generator.load.loader import discover_inputs, display_path, parse_site_text, read_site_file
from generator.load.revision import RevisionError, read_revision
from generator.output.site_cache import SiteCache, templates_fingerprint
from generator.output.writer import MANIFEST_NAME, SyncReport, sync_tree
from generator.plan import SitePlan, build_site_plan
from generator.plan.acknowledgements import acknowledge
from generator.plan.diff import Baseline, diff_plans
from generator.plan.review import review_plan
from generator.render.pages import render_site, site_summary
from generator.render.templates import create_environment, render_template
from generator.validate import ValidSite, validate_site


@dataclass(frozen=True)
class Project:
    """Where a run reads from and writes to."""

    site_inputs: Path
    templates: Path
    output: Path
    root: Path | None = None
    """Folder the inputs are named relative to in diagnostics and pages (default: the working folder)."""


@dataclass
class GenerationResult:
    """The plans that were rendered, their warnings, and what changed on disk."""

    plans: list[SitePlan]
    warnings: list[Diagnostic]
    report: SyncReport


def plan_site_text(
    text: str, shown: str, checklist: Checklist = IBCM_CHECKLIST
) -> tuple[SitePlan | None, list[Diagnostic]]:
    """Parse, validate, plan and review one site input; the plan is None when anything is an error."""
    parsed, diagnostics = parse_site_text(text, shown, salvage=True)  # a salvaged site still reports its rules
    if parsed is None:
        return None, diagnostics
    site, found = validate_site(parsed)
    diagnostics = sorted_diagnostics([*diagnostics, *found])  # keep load errors that did not stop parsing
    if site is None or any(d.is_error for d in diagnostics):
        return None, diagnostics
    plan = build_site_plan(site, checklist)
    review = review_plan(plan)
    if any(d.severity is Severity.ERROR for d in review):
        return None, sorted_diagnostics([*diagnostics, *review])
    accepted, stale = acknowledge(site, [*site.warnings, *review])
    review = [*review, *stale]
    if not review and not accepted:
        return plan, diagnostics
    return replace(plan, review=tuple(review), accepted=accepted), sorted_diagnostics([*diagnostics, *review])


def plan_site_file(
    path: Path,
    checklist: Checklist = IBCM_CHECKLIST,
    *,
    shown_as: str | None = None,
    cache: SiteCache | None = None,
) -> tuple[SitePlan | None, list[Diagnostic]]:
    """:func:`plan_site_text` for one file, read once; the plan records the file's SHA-256.

    With ``cache``, an input planned before (same bytes, shown path and generator) is not parsed or planned again.
    """
    source, diagnostics = read_site_file(path, shown_as=shown_as)
    if source is None:
        return None, diagnostics
    text = source

    def plan_text() -> tuple[SitePlan | None, list[Diagnostic]]:
        plan, diagnostics = plan_site_text(text.text, text.shown, checklist)
        return (replace(plan, source_sha256=text.sha256) if plan else None), diagnostics

    return plan_text() if cache is None else cache.planned(source, checklist, plan_text)


def plan_sites(
    paths: list[Path],
    checklist: Checklist = IBCM_CHECKLIST,
    *,
    root: Path | None = None,
    cache: SiteCache | None = None,
) -> tuple[list[SitePlan], list[Diagnostic]]:
    """Plan every site under ``paths`` (sorted by site code) with every diagnostic of every file.

    Files are shown relative to ``root`` (default: the working folder).  Also
    reports a site code used by two files.  With ``cache``, unchanged inputs
    are not planned again and, when ``paths`` are all folders, the entries of
    inputs no longer there are pruned.
    """
    plans: list[SitePlan] = []
    diagnostics: list[Diagnostic] = []
    for path in discover_inputs(paths):
        plan, found = plan_site_file(path, checklist, shown_as=display_path(path, root), cache=cache)
        diagnostics += found
        if plan is not None:
            plans.append(plan)
    if cache is not None and checklist is IBCM_CHECKLIST and all(path.is_dir() for path in paths):
        cache.prune("plan")  # every input of these folders was looked up just now
    codes: dict[str, SitePlan] = {}
    for plan in plans:
        if plan.code in codes:
            diagnostics.append(duplicate_site_code(plan, codes[plan.code].site.source))
        codes.setdefault(plan.code, plan)
    return sorted(plans, key=lambda p: p.code), sorted_diagnostics(diagnostics)


def duplicate_site_code(plan: SitePlan, used_by: str) -> Diagnostic:
    """The error at ``plan``'s ``site.code``: another input (shown as ``used_by``) has that code already."""
    return DUPLICATE_SITE_CODE.at(
        plan.site.document.locate(("site", "code")), f"site.code: {plan.code} is already used by {used_by}"
    )


def load_plans(
    site_inputs: Path,
    checklist: Checklist = IBCM_CHECKLIST,
    *,
    root: Path | None = None,
    cache: SiteCache | None = None,
) -> tuple[list[SitePlan], list[Diagnostic]]:
    """Plan every site of a folder; raises :class:`InputError` when anything is an error."""
    plans, diagnostics = plan_sites([site_inputs], checklist, root=root, cache=cache)
    if any(d.is_error for d in diagnostics):
        raise InputError(diagnostics=diagnostics)
    return plans, diagnostics


def load_site_text(text: str, shown: str) -> tuple[ValidSite | None, list[Diagnostic]]:
    """The valid site of one input text (None on any error, the plan review included)."""
    plan, diagnostics = plan_site_text(text, shown)
    return (plan.site if plan else None), diagnostics


def load_sites(paths: list[Path]) -> tuple[list[ValidSite], list[Diagnostic]]:
    """The valid sites under ``paths`` and every diagnostic."""
    plans, diagnostics = plan_sites(paths)
    return [p.site for p in plans], diagnostics


def plan_site_revision(
    path: Path, revision: str, checklist: Checklist = IBCM_CHECKLIST
) -> tuple[SitePlan | None, list[Diagnostic]]:
    """:func:`plan_site_text` for ``path`` as it was at git ``revision`` (shown as ``REV:path``).

    Raises :class:`~generator.load.revision.RevisionError` when that text cannot be read.
    """
    source = read_revision(path, revision)
    return plan_site_text(source.text, source.shown, checklist)


def input_path(plan: SitePlan, root: Path | None = None) -> Path:
    """The file a plan was read from: its shown path, relative to ``root`` (default: the working folder)."""
    shown = Path(plan.site.source)
    if shown.is_absolute():
        return shown
    under_root = (root or Path.cwd()) / shown
    return under_root if under_root.exists() or not shown.exists() else shown


def plan_baseline(plan: SitePlan, *, root: Path | None = None) -> Baseline | None:
    """The changes since the approved revision ``change.baseline`` names (None without one).

    Reads that revision with git and plans it; when either fails, the
    :class:`Baseline` says why instead of raising, so a build never stops for it.
    """
    change = plan.site.model.change
    if change is None or change.baseline is None:
        return None
    revision = change.baseline
    try:
        old, diagnostics = plan_site_revision(input_path(plan, root), revision, plan.checklist)
    except RevisionError as exc:
        return Baseline(revision, None, str(exc))
    if old is None:
        errors = [d for d in diagnostics if d.is_error]
        first = f"; the first: {errors[0].format()}" if errors else ""
        return Baseline(revision, None, f"it is not a valid site input ({len(errors)} error(s){first})")
    return Baseline(revision, diff_plans(old, plan))


def plan_baselines(plans: list[SitePlan], *, root: Path | None = None) -> dict[str, Baseline]:
    """Site code -> its :class:`Baseline`, for the sites whose ``change.baseline`` names one (git runs once each)."""
    found = {plan.code: plan_baseline(plan, root=root) for plan in plans}
    return {code: baseline for code, baseline in found.items() if baseline is not None}


def render_plans(
    project: Project,
    plans: list[SitePlan],
    baselines: Mapping[str, Baseline] | None = None,
    *,
    cache: SiteCache | None = None,
) -> dict[str, str | bytes]:
    """Every generated file of every site, plus the landing page's site table, in memory.

    ``baselines`` (site code -> :class:`Baseline`, from :func:`plan_baselines`)
    are planned here when not given.  With ``cache``, a site whose plan the
    cache made and whose templates did not change is not rendered again (one
    with a baseline always is), and the entries ``plans`` did not use are
    pruned: ``plans`` are the whole output.
    """
    if baselines is None:
        baselines = plan_baselines(plans, root=project.root)
    env = create_environment(project.templates)
    templates = templates_fingerprint(project.templates) if cache is not None else ""
    files: dict[str, str | bytes] = {}
    for plan in plans:
        baseline = baselines.get(plan.code)
        if cache is None or baseline is not None:
            files.update(render_site(env, plan, baseline))
        else:
            files.update(cache.rendered(plan, templates, partial(render_site, env, plan)))
    if cache is not None:
        cache.prune("files")
    files["site-index.md"] = render_template(env, "pages/site-index.md.j2", {"sites": [site_summary(p) for p in plans]})
    return files


def write_plans(
    project: Project,
    plans: list[SitePlan],
    warnings: list[Diagnostic],
    baselines: Mapping[str, Baseline] | None = None,
    *,
    cache: SiteCache | None = None,
) -> GenerationResult:
    """Render ``plans`` and write what changed into ``project.output``; nothing is written if rendering fails."""
    files = render_plans(project, plans, baselines, cache=cache)
    codes = [plan.code for plan in plans]
    report = write_index(project.output, files["site-index.md"], codes)
    for code in codes:
        merge_reports(report, write_site_files(project.output, code, files))
    return GenerationResult(plans, warnings, report)


def write_index(output: Path, site_index: str | bytes, codes: Sequence[str]) -> SyncReport:
    """The landing page's site table, and no folder of a site that is gone.

    Each site's files are synced in a folder of its own (:func:`write_site_files`),
    so a build can write one site at a time; the output folder's own manifest
    lists only ``site-index.md``.  Run it before the sites: a manifest that still
    lists site files (a build before that layout) then removes them once.
    """
    report = sync_tree(output, {"site-index.md": site_index})
    keep = set(codes)
    for folder in sorted(output.iterdir()):
        if folder.is_dir() and folder.name not in keep and (folder / MANIFEST_NAME).is_file():
            shutil.rmtree(folder)
            report.removed.append(f"{folder.name}/")
    return report


def write_site_files(output: Path, code: str, files: Mapping[str, str | bytes]) -> SyncReport:
    """The files of site ``code`` (keys ``<code>/...`` of ``files``) in ``output/<code>/``, only what differs."""
    prefix = f"{code}/"
    report = sync_tree(output / code, {k.removeprefix(prefix): v for k, v in files.items() if k.startswith(prefix)})
    return SyncReport(
        written=[prefix + name for name in report.written],
        unchanged=[prefix + name for name in report.unchanged],
        removed=[prefix + name for name in report.removed],
    )


def merge_reports(into: SyncReport, report: SyncReport) -> SyncReport:
    into.written += report.written
    into.unchanged += report.unchanged
    into.removed += report.removed
    return into


def generate(
    project: Project, checklist: Checklist = IBCM_CHECKLIST, *, cache: SiteCache | None = None
) -> GenerationResult:
    """Load, plan, render and write every site of ``project``."""
    plans, diagnostics = load_plans(project.site_inputs, checklist, root=project.root, cache=cache)
    return write_plans(project, plans, diagnostics, cache=cache)
