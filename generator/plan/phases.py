"""The phases of the change: the ordered steps grouped into five phases, each closed by a go/no-go gate.

A gate lists what must hold before the next phase starts, written for this
site by the steps of the phase (:attr:`StepWork.gate`), plus the sign-off of
every step.  Phase times are planned from the change window's start by adding
the steps' estimates, so the change board sees whether the work fits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.derive.checklist.work import PHASE_TITLES, Phase

if TYPE_CHECKING:
    from generator.plan import PlannedStep


@dataclass(frozen=True)
class PhasePlan:
    """One phase: its steps in runbook order, its gate and its place in the window."""

    number: Phase
    title: str
    steps: tuple[PlannedStep, ...]
    gate: tuple[str, ...]
    minutes: int
    """The sum of its steps' estimates."""
    start: dt.datetime | None
    """Planned start (None without a window): phase 1 prepares before the window opens, so it ends at the window's
    start; the later phases follow one another from the window's start."""

    @property
    def end(self) -> dt.datetime | None:
        return self.start + dt.timedelta(minutes=self.minutes) if self.start else None


def plan_phases(steps: Sequence[PlannedStep], window_start: dt.datetime | None) -> tuple[PhasePlan, ...]:
    """The phases that have steps, in order, with gates and planned times."""
    phases = []
    offset = 0
    for number, title in PHASE_TITLES.items():
        members = tuple(s for s in steps if s.phase == number)
        if not members:
            continue
        gate = [criterion for s in members for criterion in s.work.gate]
        gate.append(f"Every step of phase {number} is signed off, its checks passed and its evidence filed.")
        minutes = sum(s.work.minutes for s in members)
        start = None
        if window_start is not None:
            start = (
                window_start - dt.timedelta(minutes=minutes)
                if number == 1
                else window_start + dt.timedelta(minutes=offset)
            )
        phases.append(PhasePlan(number, title, members, tuple(dict.fromkeys(gate)), minutes, start))
        if number != 1:
            offset += minutes
    return tuple(phases)
