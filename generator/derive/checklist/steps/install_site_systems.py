"""Step 5: per Internet-based site system, its FQDNs, installation account and certificates."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="install-site-systems",
    title="Install the site systems and configure their Internet FQDN",
    condition=conditions.always("always included: each Internet-based site system needs its Internet FQDN and certificate"),
    serves=frozenset({"site-system-installation", "site-system-status"}),
)
