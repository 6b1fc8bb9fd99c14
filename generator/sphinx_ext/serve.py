"""Live preview (``ibcm-runbook serve``, ``make serve``) and checks of what the commands pass on to Sphinx.

The preview runs sphinx-autobuild (the ``serve`` extra): it serves the HTML
build on 127.0.0.1, rebuilds it when a file under ``docs/``, the site inputs or
the templates changes, and reloads the browser.  Each rebuild is a new
``sphinx-build`` process with ``-D generator_preview=1``, which changes what the
extension does with invalid site inputs:

* normal builds stop with every diagnostic and write nothing (``make html``
  fails with exit status 1);
* preview builds go on: the diagnostics are logged (the terminal), the sources
  of the last valid inputs stay as they were, every page gets a box listing the
  diagnostics, and the build stamp says ``failed`` so that such a build is never
  published.  Every preview build rewrites every page, so the box goes away
  with the last error.

The preview builds into ``docs/_build/preview``, away from the HTML build that
``make publish`` publishes.
"""

from __future__ import annotations

import html
import importlib
import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sphinx.util import logging

from generator.diagnostics import Diagnostic

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)

PREVIEW_CONFIG = "generator_preview"
"""The config value that turns on preview mode (``-D generator_preview=1``)."""
PREVIEW_OUTPUT = Path("_build") / "preview"
"""Where the preview builds, relative to the docs folder."""
BANNER_CLASS = "ibcm-preview-errors"

_INVALID: WeakKeyDictionary[Sphinx, list[Diagnostic]] = WeakKeyDictionary()


# --- the extension's preview mode ---------------------------------------------------------------


def setup(app: Sphinx) -> None:
    """Register the preview hooks (they do nothing unless ``generator_preview`` is on)."""
    app.connect("env-get-updated", rewrite_every_page)
    app.connect("html-page-context", show_diagnostics)


def preview_mode(app: Sphinx) -> bool:
    return bool(getattr(app.config, PREVIEW_CONFIG, False))


def report_invalid_inputs(app: Sphinx, diagnostics: Sequence[Diagnostic]) -> None:
    """Preview mode, at ``builder-inited``: log the diagnostics and keep them for the pages."""
    _INVALID[app] = list(diagnostics)
    errors = sum(d.is_error for d in diagnostics)
    lines = "\n".join(d.format() for d in diagnostics)
    logger.warning(
        "%d error(s) in the site inputs; nothing was generated, and every page of the preview lists them:\n%s",
        errors,
        lines,
        type="ibcm",
        subtype="preview",
    )


def rewrite_every_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``, preview mode: write every page, so the diagnostics box appears and goes on all."""
    return sorted(env.found_docs) if preview_mode(app) else []


def show_diagnostics(
    app: Sphinx,
    pagename: str,  # noqa: ARG001 (Sphinx's signature)
    templatename: str,  # noqa: ARG001
    context: dict[str, Any],
    doctree: nodes.document | None,  # noqa: ARG001
) -> None:
    """``html-page-context``, preview mode with invalid inputs: put the diagnostics box above the page body."""
    diagnostics = _INVALID.get(app)
    if diagnostics and preview_mode(app):
        context["body"] = diagnostics_html(diagnostics) + str(context.get("body", ""))


def diagnostics_html(diagnostics: Sequence[Diagnostic]) -> str:
    """The box that lists the errors among ``diagnostics`` (every value escaped)."""
    errors = [d for d in diagnostics if d.is_error] or list(diagnostics)
    items = "".join(f"<li><code>{html.escape(d.format())}</code></li>\n" for d in errors)
    return (
        f'<div class="admonition error {BANNER_CLASS}" role="alert">\n'
        f'<p class="admonition-title">{len(errors)} error(s) in the site inputs</p>\n'
        "<p>Nothing was generated from them: the pages show the last valid inputs until the errors are fixed. "
        "This page reloads when a file is saved.</p>\n"
        f"<ul>\n{items}</ul>\n</div>\n"
    )


# --- the preview server -------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewServer:
    """What ``ibcm-runbook serve`` runs: the docs project, where it builds and where it listens."""

    docs: Path
    host: str = "127.0.0.1"
    port: int = 8000
    sphinx_options: tuple[str, ...] = ()
    output: Path | None = None

    @property
    def outdir(self) -> Path:
        return self.output or self.docs / PREVIEW_OUTPUT

    def watched(self) -> list[Path]:
        """The site inputs and templates of the project (as its conf.py names them), watched besides docs/."""
        values = project_folders(self.docs)
        return [path for path in (values["generator_site_inputs"], values["generator_templates"]) if path.is_dir()]

    def ignored(self) -> list[Path]:
        """What a build writes under docs/ (watching it would rebuild for ever)."""
        return [project_folders(self.docs)["generator_output"], (self.docs / "_build").resolve(), self.outdir.resolve()]

    def arguments(self) -> list[str]:
        """The sphinx-autobuild command line."""
        args = [str(self.docs), str(self.outdir), "--host", self.host, "--port", str(self.port)]
        for path in self.watched():
            args += ["--watch", str(path)]
        for path in self.ignored():
            args += ["--ignore", str(path)]
        return [*args, "-D", f"{PREVIEW_CONFIG}=1", *self.sphinx_options]

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C)."""
        require_autobuild()
        from sphinx_autobuild.__main__ import main

        main(self.arguments())


def require_autobuild() -> None:
    """Raise a :class:`GeneratorError` that says how to install sphinx-autobuild when it is missing."""
    try:
        import sphinx_autobuild.__main__  # noqa: F401
    except ImportError:
        from generator.errors import GeneratorError

        raise GeneratorError(
            "the live preview needs sphinx-autobuild: run `make serve`, or `.venv/bin/pip install -e '.[serve]'`"
        ) from None


def project_folders(docs: Path) -> dict[str, Path]:
    """The generator's folders as ``docs/conf.py`` sets them (the extension's defaults where it does not)."""
    from sphinx.config import eval_config_file
    from sphinx.util.tags import Tags

    from generator.sphinx_ext import CONFIG_VALUES

    try:
        namespace = eval_config_file(docs / "conf.py", Tags())
    except Exception:  # noqa: BLE001 (the build reports a broken conf.py; here the defaults will do)
        namespace = {}
    names = ("generator_site_inputs", "generator_templates", "generator_output")
    return {name: (docs / str(namespace.get(name, CONFIG_VALUES[name][0]))).resolve() for name in names}


# --- what the commands pass on to Sphinx --------------------------------------------------------


def rejected_build_options(options: Sequence[str]) -> str | None:
    """Why ``sphinx-build`` would reject ``options`` (the message of its parser), or None."""
    from sphinx.cmd.build import get_parser

    class Rejected(Exception):
        pass

    def reject(message: str) -> None:
        raise Rejected(message)

    parser = get_parser()
    parser.error = reject  # type: ignore[method-assign,assignment]
    try:
        parser.parse_args([*options, "SOURCEDIR", "OUTPUTDIR"])
    except Rejected as exc:
        return str(exc)
    except SystemExit:  # --help or --version: printed and done
        return "--help and --version are not build options"
    return None


def builder_names() -> list[str]:
    """The Sphinx builders available without configuration: Sphinx's own and those of installed packages."""
    from sphinx.application import builtin_extensions
    from sphinx.builders import Builder

    names = {entry.name for entry in entry_points(group="sphinx.builders")}
    for module_name in builtin_extensions:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for _name, value in inspect.getmembers(module, inspect.isclass):
            name = getattr(value, "name", None)
            if issubclass(value, Builder) and value.__module__ == module.__name__ and isinstance(name, str) and name:
                names.add(name)
    return sorted(names)
