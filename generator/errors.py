"""The exception hierarchy: every failure the user can cause has a class and an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.diagnostics import Diagnostic


class GeneratorError(Exception):
    """Base class; the CLI turns any of these into a message without a traceback."""

    exit_code = 1


class InputError(GeneratorError):
    """One or more site inputs are invalid; carries every diagnostic from every file."""

    def __init__(self, *, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = sum(1 for d in diagnostics if d.is_error)
        super().__init__(f"{errors} error(s) in site inputs")


class TemplateError(GeneratorError):
    """A step template failed to render; names the template and line."""

    def __init__(self, *, template: str, line: int | None, message: str) -> None:
        self.template = template
        self.line = line
        where = f"{template}:{line}" if line else template
        super().__init__(f"{where}: template error: {message}")


class BuildError(GeneratorError):
    """An external build step (Sphinx, LaTeX, publishing) failed."""

    exit_code = 3
