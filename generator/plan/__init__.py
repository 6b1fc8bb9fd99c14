"""Fourth stage: the site plan, the one list of decisions, step views and flows that every view renders.

:func:`build_site_plan` takes the checklist as an argument: it decides each
step, builds the view of every included step, derives the network plan and
maps each flow's need to the step that opens it.  Nothing after this stage
decides anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generator.derive.checklist import Checklist, Decision, StepId
from generator.derive.network.flows import Flow
from generator.derive.network.plan import NetworkPlan, build_network_plan
from generator.diagnostics import Diagnostic, sorted_diagnostics
from generator.validate import ValidSite


@dataclass(frozen=True)
class PlannedStep:
    """An included step: its decision, its number in this runbook and the view its template words."""

    decision: Decision
    number: int
    view: Any

    @property
    def id(self) -> StepId:
        return self.decision.id

    @property
    def title(self) -> str:
        return self.decision.title

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.decision.reasons

    @property
    def template(self) -> str:
        return self.decision.step.template


@dataclass(frozen=True)
class SitePlan:
    """Everything the runbook of one site says, derived once from its validated model."""

    site: ValidSite
    checklist: Checklist
    decisions: tuple[Decision, ...]
    steps: tuple[PlannedStep, ...]
    """The included steps, in runbook order, with their views."""
    network: NetworkPlan
    flow_steps: Mapping[str, StepId]
    """Flow id -> the step of this runbook that opens the flow."""
    review: tuple[Diagnostic, ...] = field(default=())
    """Warnings found by the design review of the plan (:mod:`generator.plan.review`)."""
    source_sha256: str = ""
    """SHA-256 of the input file the plan was made from (for the build stamp), when read from a file."""

    @property
    def code(self) -> str:
        return self.site.code

    @cached_property
    def included(self) -> list[Decision]:
        return [d for d in self.decisions if d.included]

    @cached_property
    def excluded(self) -> list[Decision]:
        return [d for d in self.decisions if not d.included]

    @cached_property
    def warnings(self) -> list[Diagnostic]:
        return sorted_diagnostics([*self.site.warnings, *self.review]) if self.review else self.site.warnings

    def includes(self, step_id: StepId) -> bool:
        return any(d.id == step_id for d in self.included)

    def step_of(self, flow: Flow) -> StepId:
        """The step that opens ``flow`` in this runbook."""
        return self.flow_steps[flow.id]


def build_site_plan(site: ValidSite, checklist: Checklist) -> SitePlan:
    """Decide the steps of ``checklist``, build their views and derive the network plan for a valid site."""
    topo = site.topology
    decisions = checklist.decide(topo)
    included = [d for d in decisions if d.included]
    network = build_network_plan(topo)
    steps = tuple(
        PlannedStep(decision, number, decision.step.view(topo, network))
        for number, decision in enumerate(included, start=1)
    )
    included_ids = {d.id for d in included}
    flow_steps = {flow.id: checklist.step_for(flow.need, included_ids) for flow in network.flows}
    return SitePlan(site, checklist, decisions, steps, network, flow_steps)
