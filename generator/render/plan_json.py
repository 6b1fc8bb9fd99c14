"""The JSON plan of a site (docs/usage.md "JSON plan"): a view of the site plan, like the pages.

Keys are sorted on output and lists keep the plan's stable order, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from generator.derive.checklist import Decision
from generator.derive.network.certificates import CertificateRequest
from generator.derive.network.dns import DnsRecord
from generator.derive.network.flows import Flow
from generator.derive.network.rules import FirewallRule
from generator.plan import SitePlan

PLAN_SCHEMA = 1


def plan_to_json(plan: SitePlan) -> dict[str, Any]:
    """The JSON plan: site, steps (included and excluded, with reasons), flows, grouped firewall rules, DNS,
    certificates, warnings."""
    site = plan.site.model.site

    def step(decision: Decision) -> dict[str, Any]:
        return {"id": decision.id, "title": decision.title, "reasons": list(decision.reasons)}

    network = plan.network
    return {
        "schema": PLAN_SCHEMA,
        "site": {"code": site.code, "name": site.name},
        "steps": [step(d) for d in plan.included],
        "excluded_steps": [step(d) for d in plan.excluded],
        "flows": [flow_json(f, plan.step_of(f)) for f in network.flows],
        "firewall_rules": [firewall_rule_json(r) for r in network.grouped_rules],
        "dns_records": [dns_json(r) for r in network.dns_records],
        "certificates": [certificate_json(c) for c in network.certificates],
        "warnings": [{"code": w.code, "message": w.message, "location": str(w.location)} for w in plan.warnings],
    }


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
