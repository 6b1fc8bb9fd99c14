"""Step 2: where each server sits, the placement scenarios this site matches, and the diagram."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="server-placement",
    title="Decide on server placement",
    condition=conditions.always("always included: every site documents where its servers sit"),
    serves=frozenset({"site-database"}),
)
