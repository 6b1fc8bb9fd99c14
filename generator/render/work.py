"""The change-plan parts of a step as MyST: its checks, evidence and rollback, and the phase gates.

Instructions are values of the plan (:class:`~generator.derive.checklist.work.Instruction`);
here they become list items whose command sits in its own code block, so a
reader copies it whole and no user text can end the list or the block.
"""

from __future__ import annotations

from generator.derive.checklist.work import Instruction
from generator.render.escape import Myst, escape_myst, myst_fence
from generator.render.myst import indent_block


def instruction_item(instruction: Instruction, marker: str) -> Myst:
    """One list item (``- [ ]``, ``-`` or ``1.``): the sentence, then where and the command in a code block."""
    text = escape_myst(instruction.text)
    if instruction.command is None:
        return Myst(f"{marker} {text}")
    where = f" On {escape_myst(instruction.where)}:" if instruction.where else ""
    head = f"{marker} {text}{where}"
    content_indent = len(marker.split()[0]) + 1  # "- [ ]" items are "- " list items whose text starts with "[ ]"
    return Myst(f"{head}\n\n{indent_block(myst_fence(instruction.command), content_indent)}\n")


def task_list(instructions: tuple[Instruction, ...]) -> Myst:
    """Checks as a MyST task list (``- [ ]``): printed as boxes to tick."""
    return Myst("\n".join(instruction_item(i, "- [ ]") for i in instructions))


def numbered_list(instructions: tuple[Instruction, ...]) -> Myst:
    """Rollback actions in the order to carry them out."""
    return Myst("\n".join(instruction_item(i, f"{n}.") for n, i in enumerate(instructions, start=1)))


def criteria_list(criteria: tuple[str, ...]) -> Myst:
    """Go/no-go criteria as a task list."""
    return Myst("\n".join(f"- [ ] {escape_myst(c)}" for c in criteria))
