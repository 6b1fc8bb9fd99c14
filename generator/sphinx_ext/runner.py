"""Run Sphinx in this process, so that one build loads the configuration and the site inputs once.

``sphinx-build`` shows any extension error as a crash report with a traceback.
Running the application here lets ``ibcm-runbook build`` (and so ``make
html``) print only the ``file:line:col`` diagnostics of invalid inputs, and
read the plans the extension loaded (for their warnings) without loading them
again.  When the last build into the output folder did not end ``ok``, the
build starts from a fresh environment and writes every file (the extension also
empties that folder first): nothing half-written is trusted.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.cmd.build import get_parser
from sphinx.errors import SphinxError
from sphinx.util.docutils import docutils_namespace, patch_docutils

from generator.diagnostics import Diagnostic
from generator.errors import BuildError, InputError
from generator.output.stamp import needs_full_rebuild
from generator.sphinx_ext import SiteInputError, loaded_project


@dataclass(frozen=True)
class SphinxRun:
    """What a successful build reports back: the site warnings and the site codes it built."""

    warnings: list[Diagnostic]
    site_codes: list[str]


def run_sphinx(builder: str, docs: Path, output: Path, options: list[str]) -> SphinxRun:
    """Build ``docs`` with ``builder`` into ``output``; ``options`` are ``sphinx-build`` options.

    Raises :class:`InputError` with every diagnostic when a site input is
    invalid, and :class:`BuildError` when Sphinx fails otherwise.
    """
    args = get_parser().parse_args(["-b", builder, *options, str(docs), str(output)])
    confdir = args.confdir or args.sourcedir
    doctrees = args.doctreedir or str(Path(args.outputdir) / ".doctrees")
    overrides: dict[str, object] = {}
    for define in [*(args.define or []), *(f"html_context.{d}" for d in args.htmldefine or [])]:
        name, _, value = define.partition("=")
        overrides[name] = value
    if args.nitpicky:
        overrides["nitpicky"] = True
    fresh = needs_full_rebuild(Path(args.outputdir))
    try:
        with patch_docutils(confdir), docutils_namespace():
            app = Sphinx(
                srcdir=args.sourcedir,
                confdir=confdir,
                outdir=args.outputdir,
                doctreedir=doctrees,
                buildername=args.builder,
                confoverrides=overrides,
                status=None if args.quiet or args.really_quiet else sys.stdout,
                warning=None if args.really_quiet else sys.stderr,
                freshenv=args.freshenv or fresh,
                warningiserror=args.warningiserror,
                tags=args.tags,
                verbosity=args.verbosity,
                parallel=args.jobs,
            )
            app.build(args.force_all or fresh, [] if fresh else args.filenames)
    except SiteInputError as exc:
        if exc.diagnostics:
            raise InputError(diagnostics=exc.diagnostics) from None
        raise BuildError(f"sphinx-build -b {builder}: {exc}") from None
    except SphinxError as exc:
        raise BuildError(f"sphinx-build -b {builder} failed: {exc.category}: {exc}") from None
    if app.statuscode != 0:
        raise BuildError(f"sphinx-build -b {builder} failed with exit status {app.statuscode} (see the messages above)")
    loaded = loaded_project(app)
    return SphinxRun(warnings=loaded.warnings, site_codes=[plan.code for plan in loaded.plans])
