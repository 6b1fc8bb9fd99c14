"""Second stage: the semantic rules of the site input format, run on a parsed site.

:func:`validate_site` turns a :class:`~generator.load.loader.ParsedSite` into a
:class:`ValidSite` (model, topology and warnings) or reports every error it
finds, each located at ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.diagnostics import Diagnostic, Severity, sorted_diagnostics
from generator.load.loader import ParsedSite
from generator.load.yaml_source import LocatedDocument
from generator.model.schema import SiteInput
from generator.model.topology import Topology
from generator.validate.registry import Finding
from generator.validate.rules import run_checks


@dataclass
class ValidSite:
    """A site that passed every rule: its model, derived topology, and the warnings it raised."""

    source: str
    """Path of the input file as shown in diagnostics."""
    model: SiteInput
    topology: Topology
    document: LocatedDocument
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.model.site.code


def locate(document: LocatedDocument, findings: list[Finding]) -> list[Diagnostic]:
    """Turn findings (input paths) into diagnostics at ``file:line:column``."""
    return [f.code.at(document.locate(f.path, key=f.at_key), f.message) for f in findings]


def validate_site(parsed: ParsedSite) -> tuple[ValidSite | None, list[Diagnostic]]:
    """Run every rule; returns (the valid site or None when any rule found an error, its diagnostics)."""
    topology = Topology(parsed.model)
    diagnostics = sorted_diagnostics(locate(parsed.document, run_checks(topology)))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None, diagnostics
    return ValidSite(parsed.source, parsed.model, topology, parsed.document, diagnostics), diagnostics
