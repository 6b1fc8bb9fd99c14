"""The JSON plan of a site (docs/usage.md "JSON plan"): a view of the site plan, like the pages.

Keys are sorted on output and lists keep the plan's stable order, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from generator.derive.accounts import AccountNeed
from generator.derive.checklist import Decision
from generator.derive.network.certificates import CertificateRequest
from generator.derive.network.dns import DnsRecord
from generator.derive.network.flows import Flow
from generator.derive.network.rules import FirewallRule
from generator.diagnostics import Diagnostic
from generator.plan import PlannedStep, SitePlan
from generator.plan.acknowledgements import AcceptedRisk
from generator.plan.phases import PhasePlan

PLAN_SCHEMA = 1


def plan_to_json(plan: SitePlan) -> dict[str, Any]:
    """The JSON plan: site, steps (included in runbook order with their work, and excluded, with reasons), phases,
    accounts, flows, grouped firewall rules, DNS, certificates, warnings."""
    site = plan.site.model.site

    def step(decision: Decision) -> dict[str, Any]:
        return {"id": decision.id, "title": decision.title, "reasons": list(decision.reasons)}

    network = plan.network
    accepted = {risk.warning: risk for risk in plan.accepted}
    return {
        "schema": PLAN_SCHEMA,
        "site": {"code": site.code, "name": site.name},
        "steps": [planned_step_json(s) for s in plan.steps],
        "excluded_steps": [step(d) for d in plan.excluded],
        "phases": [phase_json(p) for p in plan.phases],
        "accounts": [account_json(a) for a in plan.accounts],
        "flows": [flow_json(f, plan.step_of(f)) for f in network.flows],
        "firewall_rules": [firewall_rule_json(r) for r in network.grouped_rules],
        "dns_records": [dns_json(r) for r in network.dns_records],
        "certificates": [certificate_json(c) for c in network.certificates],
        "warnings": [warning_json(w, accepted.get(w)) for w in plan.warnings],
    }


def warning_json(warning: Diagnostic, accepted: AcceptedRisk | None) -> dict[str, Any]:
    """A warning: its code, message and location, plus ``accepted`` (``{reason, by}``, null while open)."""
    return {
        "code": warning.code,
        "message": warning.message,
        "location": str(warning.location),
        "accepted": {"reason": accepted.reason, "by": accepted.by} if accepted else None,
    }


def planned_step_json(step: PlannedStep) -> dict[str, Any]:
    """An included step, in runbook order: the spec's keys, plus ``number``, ``minutes`` and ``evidence``."""
    work = step.work
    return {
        "id": step.id,
        "title": step.title,
        "reasons": list(step.reasons),
        "number": step.number,
        "owner": step.owner,
        "phase": step.phase,
        "seed_item": step.seed_item,
        "requires": sorted(work.requires),
        "provides": sorted(work.provides),
        "minutes": work.minutes,
        "verification": [i.plain() for i in work.verification],
        "evidence": list(work.evidence),
        "rollback": [i.plain() for i in work.rollback],
    }


def phase_json(phase: PhasePlan) -> dict[str, Any]:
    """A phase: its number, title, step ids in order and gate criteria, plus its estimate and planned start."""
    return {
        "number": phase.number,
        "title": phase.title,
        "steps": [s.id for s in phase.steps],
        "gate": list(phase.gate),
        "minutes": phase.minutes,
        "start": phase.start.isoformat() if phase.start else None,
    }


def account_json(account: AccountNeed) -> dict[str, Any]:
    """An account the change needs; ``name`` is null while it is still to be named."""
    return {"kind": account.kind, "name": account.name, "reason": account.reason, "holders": list(account.holders)}


def dump_json(data: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def flow_json(flow: Flow, step: str) -> dict[str, Any]:
    """A flow in the JSON plan shape (with the ``step`` that opens it, its addresses and NAT), plus ``kind`` and
    ``note``; an unknown address is null, and ``nat`` is null unless the front firewall translates."""
    return {
        "step": step,
        "id": flow.id,
        "kind": flow.kind,
        "source": flow.source,
        "source_zone": flow.source_zone,
        "destination": flow.destination,
        "destination_zone": flow.destination_zone,
        "protocol": flow.protocol,
        "port": flow.port,
        "purpose": flow.purpose,
        "firewalls": list(flow.firewalls),
        "note": flow.note,
        "source_address": flow.source_address,
        "destination_address": flow.destination_address,
        "nat": {"public": flow.nat.public, "private": flow.nat.private} if flow.nat else None,
    }


def firewall_rule_json(rule: FirewallRule) -> dict[str, Any]:
    """A grouped firewall rule: the spec's keys, plus the object group names, zones and direction."""
    return {
        "firewall": rule.firewall,
        "number": rule.number,
        "sources": [e.name for e in rule.sources],
        "destinations": [e.name for e in rule.destinations],
        "services": rule.service_texts,
        "purpose": rule.purpose,
        "flow_ids": list(rule.flow_ids),
        "source_group": rule.source_group,
        "destination_group": rule.destination_group,
        "source_zone": rule.source_zone,
        "destination_zone": rule.destination_zone,
        "direction": rule.direction,
    }


def dns_json(record: DnsRecord) -> dict[str, Any]:
    """A DNS record in the JSON plan shape; ``value`` is null while unassigned."""
    return {
        "scope": record.scope,
        "name": record.name,
        "type": record.type,
        "value": record.value,
        "holder": record.holder,
        "purpose": record.purpose,
        "note": record.note,
    }


def certificate_json(cert: CertificateRequest) -> dict[str, Any]:
    """A certificate in the JSON plan shape, plus purpose, EKU, binding, note and status (``new``: this change
    requests it; ``existing``: it must already be in place and is only verified)."""
    return {
        "holder": cert.holder,
        "kind": cert.kind,
        "status": cert.status,
        "names": list(cert.names),
        "purpose": cert.purpose,
        "eku": cert.eku,
        "bound_to": cert.bound_to,
        "note": cert.note,
    }
