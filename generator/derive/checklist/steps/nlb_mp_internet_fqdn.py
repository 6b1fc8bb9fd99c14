"""Step 6: the Internet FQDN of an Internet-based NLB management point."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="nlb-mp-internet-fqdn",
    title="Specify the Internet FQDN of an Internet-based NLB management point",
    condition=conditions.nlb_internet("management_point"),
)
