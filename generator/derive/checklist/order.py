"""The order of work: a topological order of the included steps over the resources they require and provide.

Microsoft's checklist is a list of topics, not an order of work: it points a
management point at a replica that a later item builds.  Here a step comes
after every step that provides something it requires; among steps that are
free to go, the earlier phase and then the checklist's own order go first, so
a site whose steps do not depend on each other keeps the familiar order.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork


class OrderError(ValueError):
    """The steps cannot be ordered (a cycle, or a dependency that runs against the phases): a catalog bug."""


@dataclass(frozen=True)
class Unordered:
    """A step to order: the step, its position in the checklist (the tie-break) and its work."""

    step: Step
    position: int
    work: StepWork


def order_steps(items: Sequence[Unordered]) -> list[Unordered]:
    """``items`` in an order where no step requires what a later step provides (ties: phase, then checklist order).

    Raises :class:`OrderError` on a cycle or when a step would have to follow a step of a later phase.
    """
    providers: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        for resource in item.work.provides:
            providers.setdefault(resource, []).append(index)
    after: list[set[int]] = [set() for _ in items]
    """after[i]: the steps that must come before step i."""
    for index, item in enumerate(items):
        for resource in item.work.requires:
            after[index] |= {p for p in providers.get(resource, []) if p != index}
    for index, item in enumerate(items):
        for before in after[index]:
            if items[before].step.phase > item.step.phase:
                raise OrderError(
                    f"step {item.step.id!r} (phase {item.step.phase}) requires what {items[before].step.id!r} "
                    f"(phase {items[before].step.phase}) provides"
                )
    waiting = [len(deps) for deps in after]
    followers: list[list[int]] = [[] for _ in items]
    for index, deps in enumerate(after):
        for before in deps:
            followers[before].append(index)
    ready = [(items[i].step.phase, items[i].position, i) for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    ordered: list[Unordered] = []
    while ready:
        _, _, index = heapq.heappop(ready)
        ordered.append(items[index])
        for follower in followers[index]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                heapq.heappush(ready, (items[follower].step.phase, items[follower].position, follower))
    if len(ordered) != len(items):
        stuck = sorted(items[i].step.id for i, count in enumerate(waiting) if count)
        raise OrderError(f"the steps {', '.join(stuck)} require each other (a cycle)")
    return ordered


def violations(ordered: Sequence[Unordered]) -> list[str]:
    """Each pair (as text) where a step requires what a later step provides: empty for a good order."""
    found = []
    for index, item in enumerate(ordered):
        for later in ordered[index + 1 :]:
            shared = sorted(item.work.requires & later.work.provides)
            if shared:
                found.append(f"{item.step.id} requires {', '.join(shared)}, provided later by {later.step.id}")
    return found


def unprovided(ordered: Sequence[Unordered]) -> list[str]:
    """Each requirement (as text) that no step of ``ordered`` provides: empty for a complete catalog.

    Every resource a step requires is made by a step of the same runbook; one that nobody provides would let its
    step float free of the order, so the tests hold every example and variation to this.
    """
    provided = {resource for item in ordered for resource in item.work.provides}
    return [
        f"{item.step.id} requires {resource}, which no step of this runbook provides"
        for item in ordered
        for resource in sorted(item.work.requires - provided)
    ]
