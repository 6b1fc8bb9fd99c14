"""Step 3: firewall rules per firewall, the connectivity matrix, reverse and forward proxy requirements."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="network-infrastructure",
    title="Change the network infrastructure: firewalls and proxy servers",
    condition=conditions.always("always included: Internet clients reach the site systems through the firewalls"),
    serves=frozenset({"crl", "microsoft-update"}),
)
