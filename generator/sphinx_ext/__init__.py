"""Sphinx extension: load the site plans once when Sphinx starts and keep them for every later hook.

``sphinx-build`` (or ``ibcm-runbook build``) on ``docs/`` works as Sphinx users
expect.  The hooks, in the order Sphinx calls them:

* ``config-inited``, first: when the last build into the output folder did
  not end ``ok`` (killed, out of disk, failed), empty that folder and the
  doctrees, so that Sphinx starts with a fresh environment and writes every
  file again instead of trusting a half-written page or diagram;
* ``config-inited``: parse, validate and plan every site input once (the
  configured ``generator_site_inputs`` folder), plan the approved revision of
  each site whose ``change.baseline`` names one (read with git; a revision that
  cannot be read is noted in that runbook and logged, never fatal), and fill
  ``latex_documents`` with one document per site;
* ``builder-inited``: abort with every diagnostic when an input is invalid
  (before anything is stamped or written), stamp the build ``running``, then
  render the runbook sources of the plans into ``docs/_generated/`` (writing
  only changed files);
* ``build-finished``: write the PDF front matter after a LaTeX build, then stamp
  the build ``ok`` or ``failed`` with the hashes of the inputs and templates it
  read and, when ``ok``, of every output file.  An HTML
  build also gets the JSON Schema of the site input format at
  ``schema/site-input-1.json``, generated from the model (written only when it
  changed).

In preview mode (``generator_preview``, set by ``ibcm-runbook serve``) invalid
inputs do not stop the build: every page lists their diagnostics instead, and
the stamp says ``failed`` (see :mod:`generator.sphinx_ext.serve`).

Nothing after ``config-inited`` reads a site input again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sphinx.errors import SphinxError
from sphinx.util import logging

from generator import __version__
from generator.build.context import context_plans
from generator.diagnostics import Diagnostic
from generator.errors import GeneratorError, InputError
from generator.model.json_schema import SCHEMA_PATH, schema_text
from generator.output import stamp
from generator.output.site_cache import SiteCache
from generator.output.writer import write_if_changed
from generator.pipeline import Project, load_plans, plan_baselines, write_plans
from generator.plan import SitePlan
from generator.plan.diff import Baseline
from generator.sphinx_ext import admonitions, anchors, latex, reader, reference, search, serve, split, tasklist

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

logger = logging.getLogger(__name__)

CONFIG_VALUES: dict[str, tuple[str | bool, str]] = {
    "generator_site_inputs": ("../site_inputs", "site input folder, relative to conf.py"),
    "generator_templates": ("../templates", "Jinja2 template folder, relative to conf.py"),
    "generator_output": ("_generated", "folder for generated sources, relative to conf.py"),
    "generator_latex_documents": (True, "set latex_documents to one PDF per site"),
    split.SPLIT_CONFIG: (
        "",
        "split build: the context file of this project (set by ibcm-runbook build, never by hand)",
    ),
    serve.PREVIEW_CONFIG: (False, "live preview: show invalid inputs' diagnostics on every page instead of failing"),
}
"""Config values (name: (default, meaning)); all paths are relative to the conf.py folder."""


class SiteInputError(SphinxError):
    """Shown by Sphinx as "Site input error: ..."; ``ibcm-runbook build`` prints only the diagnostics."""

    category = "Site input error"

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class LoadedProject:
    """What one Sphinx application loaded at ``config-inited``, kept for its later hooks."""

    project: Project
    plans: list[SitePlan] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    error: SiteInputError | None = None
    baselines: dict[str, Baseline] = field(default_factory=dict)
    """Site code -> the changes since its ``change.baseline``, planned once at ``config-inited``."""
    generated: bool = True
    """False in a split build's projects: the build wrote the sources before starting them."""

    @property
    def input_hashes(self) -> dict[str, str] | None:
        """File name -> SHA-256 of the inputs the plans were made from (None when loading failed)."""
        if self.error is not None:
            return None
        return {Path(plan.site.source).name: plan.source_sha256 for plan in self.plans}


_LOADED: WeakKeyDictionary[Sphinx, LoadedProject] = WeakKeyDictionary()


def loaded_project(app: Sphinx) -> LoadedProject:
    """The plans ``app`` loaded at ``config-inited`` (for later hooks and for ``ibcm-runbook build``)."""
    return _LOADED[app]


def project_from_config(app: Sphinx) -> Project:
    """Resolve the generator paths from conf.py values."""
    confdir = Path(app.confdir)
    return Project(
        site_inputs=(confdir / app.config.generator_site_inputs).resolve(),
        templates=(confdir / app.config.generator_templates).resolve(),
        output=(confdir / app.config.generator_output).resolve(),
        # Inputs are named relative to the project folder (the one holding docs/), whatever the working folder.
        root=confdir.resolve().parent,
    )


def site_cache(app: Sphinx) -> SiteCache:
    """The site cache beside the output folder (``docs/_build/.ibcm-cache``): unchanged sites are not planned again."""
    return SiteCache(Path(app.outdir).parent / ".ibcm-cache")


def load_site_plans(app: Sphinx, config: Config) -> None:
    """``config-inited``: parse, validate and plan every site once; errors are raised at ``builder-inited``.

    In a split build (:mod:`generator.sphinx_ext.split`) the plans come from
    the build's context instead: the inputs were planned, and the sources
    written, once for all its projects.
    """
    project = project_from_config(app)
    loaded = LoadedProject(project)
    context = split.load_context(app, config)
    if context is not None:
        loaded.plans, loaded.generated = context_plans(context), False
        _LOADED[app] = loaded
        if config.generator_latex_documents:
            config.latex_documents = latex.latex_documents(
                [p.site.model for p in loaded.plans], config.generator_output
            )
        return
    try:
        loaded.plans, loaded.warnings = load_plans(project.site_inputs, root=project.root, cache=site_cache(app))
    except InputError as exc:
        lines = "\n".join(d.format() for d in exc.diagnostics)
        loaded.error = SiteInputError(f"{exc}; nothing was generated\n{lines}", exc.diagnostics)
    loaded.baselines = plan_baselines(loaded.plans, root=project.root)
    for code, baseline in sorted(loaded.baselines.items()):
        if baseline.problem is not None:
            # Noted in the runbook's "Changes since the approved revision"; not a build failure.
            logger.info(
                "[ibcm-runbook] %s: the approved revision %s could not be read: %s",
                code,
                baseline.revision,
                baseline.problem,
            )
    _LOADED[app] = loaded
    if config.generator_latex_documents:
        config.latex_documents = latex.latex_documents([p.site.model for p in loaded.plans], config.generator_output)


def abort_on_invalid_inputs(app: Sphinx) -> None:
    """``builder-inited``, first: stop before anything is stamped or written when an input is invalid."""
    loaded = loaded_project(app)
    if loaded.error is not None:
        if serve.preview_mode(app):
            serve.report_invalid_inputs(app, loaded.error.diagnostics)
            return
        raise loaded.error


def generate_sources(app: Sphinx) -> None:
    """``builder-inited``: render the loaded plans into the generated sources (only changed files are written)."""
    loaded = loaded_project(app)
    if loaded.error is not None or not loaded.generated:
        return  # preview mode: the sources of the last valid inputs stay; split build: written already
    try:
        result = write_plans(loaded.project, loaded.plans, loaded.warnings, loaded.baselines, cache=site_cache(app))
    except GeneratorError as exc:
        raise SiteInputError(str(exc)) from None
    for diagnostic in result.warnings:
        # Site warnings are content (rendered in each runbook), not build problems:
        # they must not fail a `sphinx-build -W` run.
        logger.info(diagnostic.format())
    report = result.report
    logger.info(
        "[ibcm-runbook] %d site(s): %d file(s) written, %d unchanged, %d removed",
        len(result.plans),
        len(report.written),
        len(report.unchanged),
        len(report.removed),
    )


def write_pdf_front_matter(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished`` (LaTeX only): each site's cover and change record, from the loaded plans."""
    if exception is not None or app.builder.name != "latex":
        return
    loaded = loaded_project(app)
    models = [plan.site.model for plan in loaded.plans]
    latex.write_front_matter(Path(app.outdir), loaded.project.templates, models, latex.build_date())


def publish_schema(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished`` (HTML builders): the site input JSON Schema at ``<html>/schema/site-input-1.json``.

    Generated from the model like ``ibcm-runbook schema``, never copied from a
    file, and written only when its content changed.
    """
    if exception is None and app.builder.format == "html":
        write_if_changed(Path(app.outdir) / SCHEMA_PATH, schema_text().encode("utf-8"))


def _stamp(app: Sphinx, status: str, reason: str | None = None) -> None:
    loaded = _LOADED.get(app)
    project = loaded.project if loaded else project_from_config(app)
    outdir = Path(app.outdir)
    content = stamp.make_stamp(
        status,
        builder=app.builder.name,
        site_inputs=project.site_inputs,
        source_dir=Path(app.confdir),
        reason=reason,
        input_hashes=loaded.input_hashes if loaded else None,
        templates=project.templates,
        # Hashed only once the build ended well: what publish will compare the folder with.
        files=stamp.output_files(outdir) if status == stamp.STATUS_OK else None,
    )
    stamp.write_stamp(outdir, content)


def discard_unfinished_build(app: Sphinx, _config: Config) -> None:
    """``config-inited``, first: empty an output folder whose last build did not end ``ok``.

    Sphinx decides what to write from modification times, and Graphviz skips an
    image that exists: after a killed build a truncated page or a 0-byte diagram
    would look up to date and be stamped ``ok``.  Emptying the folder and the
    doctrees (before Sphinx loads its environment) makes this build write
    everything.  Only a folder holding a build stamp is touched.
    """
    outdir, doctrees = Path(app.outdir), Path(app.doctreedir)
    if not stamp.needs_full_rebuild(outdir) or (outdir / "conf.py").exists():
        return
    logger.info("[ibcm-runbook] the last build in %s did not finish: rebuilding everything", outdir)
    for folder in (doctrees, outdir):
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()


def mark_running(app: Sphinx) -> None:
    """``builder-inited``, before the sources are generated: no ``ok`` stamp survives a new build's start."""
    _stamp(app, stamp.STATUS_RUNNING)


def failure_reason(app: Sphinx, exception: BaseException | None) -> str | None:
    """Why the build counts as failed, or None when it succeeded."""
    if exception is not None:
        return f"{type(exception).__name__}: {exception}"
    loaded = _LOADED.get(app)
    if loaded is not None and loaded.error is not None:
        return stamp.PREVIEW_FAILURE
    # Sphinx emits build-finished with no exception even when -W turns warnings into a
    # failing exit status (set only after the event): count those here.
    warnings = int(getattr(app, "_warncount", 0) or 0)
    if warnings and (getattr(app, "_fail_on_warnings", False) or getattr(app, "warningiserror", False)):
        return f"{warnings} warning(s) treated as errors"
    if getattr(app, "statuscode", 0):
        return f"build finished with status {app.statuscode}"
    return None


def record_result(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``, after every other handler: stamp ``ok`` on success only, ``failed`` otherwise."""
    reason = failure_reason(app, exception)
    _stamp(app, stamp.STATUS_OK if reason is None else stamp.STATUS_FAILED, reason)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the config values, the hooks and the reference directives."""
    for name, (default, _meaning) in CONFIG_VALUES.items():
        app.add_config_value(name, default, "env", types=frozenset({type(default)}))
    app.connect("config-inited", discard_unfinished_build, priority=100)
    app.connect("config-inited", load_site_plans)
    app.connect("builder-inited", abort_on_invalid_inputs, priority=50)
    app.connect("builder-inited", mark_running, priority=100)
    app.connect("builder-inited", generate_sources)
    app.connect("build-finished", write_pdf_front_matter)
    app.connect("build-finished", publish_schema)
    app.connect("build-finished", record_result, priority=900)
    reference.setup(app)
    serve.setup(app)
    tasklist.setup(app)
    latex.setup(app)
    anchors.setup(app)
    search.setup(app)
    reader.setup(app)
    admonitions.setup(app)
    split.setup(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
