"""Step 7: the Internet FQDN of an Internet-based NLB software update point."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="nlb-sup-internet-fqdn",
    title="Specify the Internet FQDN of an Internet-based NLB software update point",
    condition=conditions.nlb_internet("software_update_point"),
)
