"""The per-site plan: decisions plus the network plan, as one object and as JSON.

This is the single list of decisions and flows that every view (steps, tables,
diagram, CSV, JSON) is rendered from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from generator.derive.checklist.conditions import Decision, decide
from generator.diagnostics import Diagnostic
from generator.load.loader import LoadedSite
from generator.derive.network.plan import NetworkPlan, build_network_plan

PLAN_SCHEMA = 1


@dataclass(frozen=True)
class SitePlan:
    """Everything the runbook of one site says, derived once from its model."""

    site: LoadedSite
    decisions: tuple[Decision, ...]
    network: NetworkPlan

    @property
    def code(self) -> str:
        return self.site.code

    @cached_property
    def included(self) -> list[Decision]:
        return [d for d in self.decisions if d.included]

    @cached_property
    def excluded(self) -> list[Decision]:
        return [d for d in self.decisions if not d.included]

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.site.warnings

    def includes(self, step_id: str) -> bool:
        return any(d.id == step_id for d in self.included)


def build_site_plan(site: LoadedSite) -> SitePlan:
    """Decide the steps and derive the network plan for a validated site."""
    decisions = tuple(decide(site.topology))
    included = [d.id for d in decisions if d.included]
    return SitePlan(site, decisions, build_network_plan(site.topology, included))


def plan_to_json(plan: SitePlan) -> dict[str, Any]:
    """The JSON plan of network-plan.md (keys sorted on output, lists in stable order)."""
    site = plan.site.model.site

    def step(decision: Decision) -> dict[str, Any]:
        return {"id": decision.id, "title": decision.title, "reasons": list(decision.reasons)}

    return {
        "schema": PLAN_SCHEMA,
        "site": {"code": site.code, "name": site.name},
        "steps": [step(d) for d in plan.included],
        "excluded_steps": [step(d) for d in plan.excluded],
        **plan.network.to_json(),
        "warnings": [{"code": w.code, "message": w.message, "location": str(w.location)} for w in plan.warnings],
    }


def dump_json(data: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
