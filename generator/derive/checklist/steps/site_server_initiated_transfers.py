"""Step 8: "Allow only site server initiated data transfers" on each affected server."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="site-server-initiated-transfers",
    title="Configure Internet-based site systems in another forest to accept data retrieval from the site server",
    condition=conditions.site_server_initiated,
)
