"""Step 15: BITS, HTTP and HTTPS on each Internet-based distribution point."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="dp-bits",
    title="Configure distribution points to transfer content using BITS, HTTP and HTTPS",
    condition=conditions.role_internet("distribution_point", "distribution point"),
)
