"""Compiler-style diagnostics: where a problem is, how bad it is, and its stable code."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    """How a diagnostic affects the run: errors stop it, warnings are rendered."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A 1-based position in an input file, printed as ``path:line:column``."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a site input, with a code that tests and users can rely on."""

    location: SourceLocation
    severity: Severity
    message: str
    code: str
    subject: str | None = field(default=None, compare=False)
    """The server, cluster, forest or feature the problem is about, when it is about one (for acknowledgements)."""

    def format(self) -> str:
        """Render as ``path:line:col: error: message [code]``."""
        return f"{self.location}: {self.severity.value}: {self.message} [{self.code}]"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True)
class Code:
    """One declared diagnostic code: its stable name, severity and what it means.

    Every code is declared once, next to the stage that emits it; the docs'
    code table and the tests are built from these declarations.
    """

    name: str
    severity: Severity
    description: str

    def at(self, location: SourceLocation, message: str, subject: str | None = None) -> Diagnostic:
        """A diagnostic of this code at ``location``, about ``subject`` when it names one."""
        return Diagnostic(location, self.severity, message, self.name, subject)


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Order diagnostics by file and position so output is stable run to run."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)
