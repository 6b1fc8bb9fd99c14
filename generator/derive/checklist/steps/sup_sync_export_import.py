"""Step 10: WSUSutil export on the active SUP, import on the Internet-based SUP."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="sup-sync-export-import",
    title="Synchronise the Internet-based software update point by export and import",
    condition=conditions.sup_sync("export_import"),
)
