"""The checklist: which steps a site's runbook has, why, and what each step's template shows."""

from generator.derive.checklist.catalog import IBCM_CHECKLIST
from generator.derive.checklist.core import Checklist, Decision, Step
from generator.derive.checklist.ids import STEP_IDS, StepId

__all__ = ["IBCM_CHECKLIST", "STEP_IDS", "Checklist", "Decision", "Step", "StepId"]
