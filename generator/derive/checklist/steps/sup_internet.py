"""Step 14: the software update points that accept Internet connections."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="sup-internet",
    title="Configure a software update point for Internet-based client connections",
    condition=conditions.role_internet("software_update_point", "software update point"),
    serves=frozenset({"internet-software-update-point"}),
)
