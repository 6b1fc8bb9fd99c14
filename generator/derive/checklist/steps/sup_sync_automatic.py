"""Step 9: the Internet-based SUP synchronises with the active SUP over the network."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="sup-sync-automatic",
    title="Synchronise the Internet-based software update point automatically",
    condition=conditions.sup_sync("automatic"),
    serves=frozenset({"sup-synchronisation"}),
)
