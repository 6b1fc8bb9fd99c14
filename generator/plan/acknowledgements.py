"""Warnings the change board accepted (the site input's ``acknowledged_warnings``).

An acknowledgement matches the warnings of its ``code`` (only the one about
its ``subject`` when it names one); a matched warning is shown as an accepted
risk with the reason and who accepted it, no longer as an open warning.  An
acknowledgement that matches nothing is stale, e.g. after the design changed,
and is itself a warning, so an old acceptance never hides a new risk silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.diagnostics import Code, Diagnostic, Severity
from generator.model.schema import AcknowledgedWarning
from generator.validate import ValidSite, locate
from generator.validate.registry import Finding

STALE_ACKNOWLEDGEMENT = Code(
    "stale-acknowledgement",
    Severity.WARNING,
    "an accepted warning of the site input matches no warning of the site any more (a stale acknowledgement)",
)

ACKNOWLEDGEMENT_CODES = (STALE_ACKNOWLEDGEMENT,)


@dataclass(frozen=True)
class AcceptedRisk:
    """A warning the change board accepted, with the reason and who accepted it."""

    warning: Diagnostic
    reason: str
    by: str


def _matches(ack: AcknowledgedWarning, warning: Diagnostic) -> bool:
    if ack.code != warning.code:
        return False
    return ack.subject is None or (warning.subject or "").lower() == ack.subject.lower()


def acknowledge(
    site: ValidSite, warnings: Sequence[Diagnostic]
) -> tuple[tuple[AcceptedRisk, ...], tuple[Diagnostic, ...]]:
    """(the accepted risks among ``warnings``, the stale-acknowledgement warnings located in the input)."""
    acks = site.model.acknowledged_warnings
    accepted: list[AcceptedRisk] = []
    findings: list[Finding] = []
    specific_first = sorted(acks, key=lambda a: a.subject is None)  # an entry about the subject wins
    for warning in warnings:
        ack = next((a for a in specific_first if _matches(a, warning)), None)
        if ack is not None:
            accepted.append(AcceptedRisk(warning, ack.reason, ack.by))
    for index, ack in enumerate(acks):
        if any(_matches(ack, w) for w in warnings):
            continue
        about = f" about {ack.subject!r}" if ack.subject else ""
        codes = sorted({w.code for w in warnings})
        known = f" (this site's warnings: {', '.join(codes)})" if codes else " (this site has no warnings)"
        findings.append(
            Finding(
                STALE_ACKNOWLEDGEMENT,
                ("acknowledged_warnings", index),
                f"acknowledged_warnings[{index}]: no warning {ack.code!r}{about} remains to accept{known}; "
                "remove the acknowledgement or correct it",
            )
        )
    return tuple(accepted), tuple(locate(site.document, findings))
