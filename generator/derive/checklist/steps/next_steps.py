"""Step 17: install or reconfigure clients for the Internet MP, and verify."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="next-steps",
    title="Next steps: deploy or reconfigure clients for the Internet and verify",
    condition=conditions.always("always included: clients must be installed or reconfigured for the Internet MP"),
)
