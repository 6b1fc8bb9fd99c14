"""Step 12: each distribution point that accepts Internet connections."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="dp-internet",
    title="Configure a distribution point for Internet-based client connections",
    condition=conditions.role_internet("distribution_point", "distribution point"),
    serves=frozenset({"internet-distribution-point"}),
)
