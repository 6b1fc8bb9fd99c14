"""Step 11: each management point that accepts Internet connections."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="mp-internet",
    title="Configure a management point for Internet-based client connections",
    condition=conditions.role_internet("management_point", "management point"),
    serves=frozenset({"internet-management-point"}),
)
