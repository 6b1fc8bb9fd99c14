"""Step 1: prerequisites with this site's state, the features Internet clients will not get, and VPN as the alternative."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="confirm-decision",
    title="Confirm the decision to configure the site for Internet-based client management",
    condition=conditions.always("always included: every site confirms the decision and the prerequisites"),
)
