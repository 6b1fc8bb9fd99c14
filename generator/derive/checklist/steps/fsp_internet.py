"""Step 13: each fallback status point with connections: both."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="fsp-internet",
    title="Configure a fallback status point for Internet-based client connections",
    condition=conditions.fsp_internet,
    serves=frozenset({"internet-fallback-status-point"}),
)
