"""Step 4: the DNS records, public first."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="register-dns",
    title="Register the Internet FQDNs of site systems and NLB clusters in public DNS",
    condition=conditions.always("always included: Internet clients find the site systems through public DNS"),
)
