"""Fourth stage: the site plan, the one list of decisions, step views, work and flows that every view renders.

:func:`build_site_plan` takes the checklist as an argument: it decides each
step, derives the network plan, builds the view and the work of every included
step, orders the steps by the resources they require and provide, groups them
into phases and maps each flow's need to the step that opens it.  Nothing after
this stage decides anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generator.derive.accounts import AccountNeed, account_needs
from generator.derive.checklist import Checklist, Decision, StepId
from generator.derive.checklist.order import Unordered, order_steps
from generator.derive.checklist.work import Phase, StepWork
from generator.derive.network.flows import Flow
from generator.derive.network.plan import NetworkPlan, build_network_plan
from generator.diagnostics import Diagnostic, sorted_diagnostics
from generator.plan.acknowledgements import AcceptedRisk
from generator.plan.phases import PhasePlan, plan_phases
from generator.validate import ValidSite

WARNING_STEPS: Mapping[str, tuple[StepId, ...]] = {
    "intranet-server-internet-facing": ("server-placement",),
    "crl-not-published": ("confirm-decision",),
    "fsp-not-dedicated": ("fsp-internet", "server-placement"),
    "internet-sup-sync-automatic-perimeter": ("sup-sync-automatic", "sup-internet"),
    "feature-unsupported-on-internet": ("confirm-decision",),
    "perimeter-server-initiates": ("site-server-initiated-transfers", "install-site-systems"),
    "webdav-manual": ("server-prerequisites",),
    "internet-sup-without-internet-dp": ("sup-internet",),
    "os-needs-newer-version": ("server-prerequisites",),
    "other-forest-without-intranet-fqdn": ("install-site-systems",),
    "mp-other-forest-site-database": ("mp-internet", "network-infrastructure"),
    "intranet-internet-sup-export-import": ("sup-sync-export-import", "sup-internet"),
    "public-name-ipv6-only": ("register-dns",),
    "perimeter-crl-check": ("network-infrastructure",),
    "stale-acknowledgement": (),
}
"""Warning code -> the steps whose work it concerns, best first: a warning belongs to the first of them that the
runbook includes (:meth:`SitePlan.warning_step`).  A code with no step (a stale acknowledgement) concerns the site
input only.  ``tests/test_admonitions.py`` checks that every warning code is listed."""


@dataclass(frozen=True)
class PlannedStep:
    """An included step: its decision, its number in this runbook, the view its template words and its work."""

    decision: Decision
    number: int
    view: Any
    work: StepWork
    owner: str
    """The team that carries it out, as the site input's ``teams`` names it."""

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

    @property
    def phase(self) -> Phase:
        return self.decision.step.phase

    @property
    def seed_item(self) -> int | None:
        return self.decision.step.seed_item

    @property
    def changes(self) -> bool:
        return self.decision.step.changes


@dataclass(frozen=True)
class SitePlan:
    """Everything the runbook of one site says, derived once from its validated model."""

    site: ValidSite
    checklist: Checklist
    decisions: tuple[Decision, ...]
    steps: tuple[PlannedStep, ...]
    """The included steps, in runbook order (by their resources), with their views and work."""
    phases: tuple[PhasePlan, ...]
    """The phases of the change that have steps, each with its gate."""
    accounts: tuple[AccountNeed, ...]
    """The service accounts the change needs."""
    network: NetworkPlan
    flow_steps: Mapping[str, StepId]
    """Flow id -> the step of this runbook that opens the flow."""
    review: tuple[Diagnostic, ...] = field(default=())
    """Warnings found by the design review of the plan (:mod:`generator.plan.review`) and stale acknowledgements."""
    accepted: tuple[AcceptedRisk, ...] = field(default=())
    """Warnings the change board accepted (:mod:`generator.plan.acknowledgements`)."""
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

    @cached_property
    def open_warnings(self) -> list[Diagnostic]:
        """The warnings nobody accepted."""
        accepted = [risk.warning for risk in self.accepted]
        return [w for w in self.warnings if w not in accepted]

    def includes(self, step_id: StepId) -> bool:
        return any(d.id == step_id for d in self.included)

    def warning_step(self, warning: Diagnostic) -> StepId | None:
        """The step of this runbook that ``warning`` concerns (:data:`WARNING_STEPS`), or None."""
        return next((step for step in WARNING_STEPS.get(warning.code, ()) if self.includes(step)), None)

    def step_of(self, flow: Flow) -> StepId:
        """The step that opens ``flow`` in this runbook."""
        return self.flow_steps[flow.id]


def build_site_plan(site: ValidSite, checklist: Checklist) -> SitePlan:
    """Decide the steps of ``checklist``, build their views and derive the network plan for a valid site."""
    topo = site.topology
    decisions = checklist.decide(topo)
    included = [d for d in decisions if d.included]
    network = build_network_plan(topo)
    unordered = []
    views = {}
    for position, decision in enumerate(included):
        view = decision.step.view(topo, network)
        views[decision.id] = view
        unordered.append(Unordered(decision.step, position, decision.step.work(topo, network, view)))
    by_id = {d.id: d for d in included}
    teams = site.model.teams
    steps = tuple(
        PlannedStep(by_id[item.step.id], number, views[item.step.id], item.work, getattr(teams, item.step.owner))
        for number, item in enumerate(order_steps(unordered), start=1)
    )
    window = site.model.change.window if site.model.change else None
    included_ids = set(by_id)
    flow_steps = {flow.id: checklist.step_for(flow.need, included_ids) for flow in network.flows}
    return SitePlan(
        site,
        checklist,
        decisions,
        steps,
        plan_phases(steps, window.start if window else None),
        account_needs(topo),
        network,
        flow_steps,
    )
