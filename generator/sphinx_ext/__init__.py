"""Sphinx extension: run the generator when the build starts.

``make html`` inside ``docs/`` works as Sphinx users expect: the extension
validates ``site_inputs/``, renders each site's runbook into
``docs/_generated/`` (writing only changed files) and lets Sphinx build them.
Invalid inputs abort the build before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import SphinxError
from sphinx.util import logging

from generator import __version__
from generator.errors import GeneratorError, InputError
from generator.output import stamp as build_stamp
from generator.pipeline import Project, generate
from generator.sphinx_ext import latex

if TYPE_CHECKING:
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)

CONFIG_VALUES: dict[str, tuple[str, str]] = {
    "generator_site_inputs": ("../site_inputs", "site input folder, relative to conf.py"),
    "generator_templates": ("../templates", "Jinja2 template folder, relative to conf.py"),
    "generator_output": ("_generated", "folder for generated sources, relative to conf.py"),
}
"""Config values (name: (default, meaning)); all paths are relative to the conf.py folder."""


class SiteInputError(SphinxError):
    """Shown by Sphinx as "Site input error: ..." without a traceback."""

    category = "Site input error"


def project_from_config(app: Sphinx) -> Project:
    """Resolve the generator paths from conf.py values."""
    confdir = Path(app.confdir)
    return Project(
        site_inputs=(confdir / app.config.generator_site_inputs).resolve(),
        templates=(confdir / app.config.generator_templates).resolve(),
        output=(confdir / app.config.generator_output).resolve(),
    )


def run_generator(app: Sphinx) -> None:
    """``builder-inited`` handler: generate the sources or abort the build."""
    project = project_from_config(app)
    try:
        result = generate(project)
    except InputError as exc:
        lines = "\n".join(d.format() for d in exc.diagnostics)
        raise SiteInputError(f"{exc}; nothing was generated\n{lines}") from None
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


def setup(app: Sphinx) -> dict[str, Any]:
    """Register config values and the generator hook."""
    for name, (default, _meaning) in CONFIG_VALUES.items():
        app.add_config_value(name, default, "env", types=frozenset({str}))
    app.connect("builder-inited", run_generator)
    latex.setup(app)
    build_stamp.setup(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
