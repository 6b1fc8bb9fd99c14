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
from generator.plan import SitePlan

PLAN_SCHEMA = 1


def plan_to_json(plan: SitePlan) -> dict[str, Any]:
    """The JSON plan: site, steps (included and excluded, with reasons), flows, DNS, certificates, warnings."""
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
        "dns_records": [dns_json(r) for r in network.dns_records],
        "certificates": [certificate_json(c) for c in network.certificates],
        "warnings": [{"code": w.code, "message": w.message, "location": str(w.location)} for w in plan.warnings],
    }


def dump_json(data: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def flow_json(flow: Flow, step: str) -> dict[str, Any]:
    """A flow in the JSON plan shape (with the ``step`` that opens it), plus ``kind`` and ``note``."""
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
    """A certificate request in the JSON plan shape, plus purpose, EKU, binding and note."""
    return {
        "holder": cert.holder,
        "kind": cert.kind,
        "names": list(cert.names),
        "purpose": cert.purpose,
        "eku": cert.eku,
        "bound_to": cert.bound_to,
        "note": cert.note,
    }
