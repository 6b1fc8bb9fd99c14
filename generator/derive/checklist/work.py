"""What a step asks of the people who carry it out: resources, duration, checks, evidence and rollback.

A change board approves a plan, not a list of topics.  Each step's ``work``
builder turns the site into a :class:`StepWork`: the resources the step
*requires* and *provides* (which order the runbook, see
:mod:`generator.derive.checklist.order`), an estimate of its duration, the
concrete checks that prove it worked (with this site's names and commands), the
evidence to keep for the change record, how to undo it, and what it adds to its
phase's go/no-go gate.  Every view (runbook, PDF, JSON plan) renders these
values; none of them is worded twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Phase = Literal[1, 2, 3, 4, 5]
"""The five phases of a change (docs/steps.md, steps-phases)."""

PHASE_TITLES: dict[Phase, str] = {
    1: "Prepare",
    2: "Network and names",
    3: "Servers",
    4: "Roles for Internet clients",
    5: "Pilot and rollout",
}

Team = Literal["configmgr", "firewall", "dns", "pki", "database", "directory"]
"""The kinds of owner a step can have; the site input's ``teams`` names them."""

TEAMS: tuple[Team, ...] = get_args(Team)

Resource = str
"""A name for something a step makes true, e.g. ``certificate:DMZMP01`` (see :mod:`.resources`)."""


@dataclass(frozen=True)
class Instruction:
    """One check or one undo action: a plain sentence, and the command to run where there is one."""

    text: str
    """What to do or look at, as a plain sentence with this site's names."""
    command: str | None = None
    """The command to run, shown in a code block (copyable); None when the check is done in a console."""
    where: str | None = None
    """Where to run the command: a server name, or e.g. "a computer on the Internet"."""

    def plain(self) -> str:
        """The instruction as one line of text (the JSON plan's ``verification`` and ``rollback`` items)."""
        if self.command is None:
            return self.text
        where = f" (on {self.where})" if self.where else ""
        return f"{self.text.rstrip(':.')}{where}: {self.command}"


@dataclass(frozen=True)
class StepWork:
    """Everything about carrying out one included step besides its wording."""

    requires: frozenset[Resource] = frozenset()
    """Resources that must exist before the step starts (provided by earlier steps or already in place)."""
    provides: frozenset[Resource] = frozenset()
    """Resources the step makes exist."""
    minutes: int = 15
    """Estimated duration, for the phase plan against the change window."""
    verification: tuple[Instruction, ...] = ()
    """Concrete checks that the step worked."""
    evidence: tuple[str, ...] = ()
    """What to keep for the change record."""
    rollback: tuple[Instruction, ...] = ()
    """How to undo the step for this site, in the order to do it."""
    gate: tuple[str, ...] = ()
    """Go/no-go criteria the step adds to its phase's gate."""
