"""Step ids: the typed vocabulary of the checklist (a public interface, see docs/steps.md).

Every step id that code, templates or tests name is one of these literals, so
mypy rejects a misspelt id wherever it is written in Python.
"""

from __future__ import annotations

from typing import Literal, get_args

StepId = Literal[
    "confirm-decision",
    "server-placement",
    "backup",
    "accounts",
    "certificates",
    "network-infrastructure",
    "register-dns",
    "server-prerequisites",
    "install-site-systems",
    "nlb-mp-internet-fqdn",
    "nlb-sup-internet-fqdn",
    "site-server-initiated-transfers",
    "sup-sync-automatic",
    "sup-sync-export-import",
    "mp-internet",
    "dp-internet",
    "fsp-internet",
    "sup-internet",
    "dp-bits",
    "sql-replica",
    "next-steps",
]

STEP_IDS: tuple[StepId, ...] = get_args(StepId)
"""All step ids, in catalog order: the order of the Microsoft checklist, with the added steps where they fit."""
