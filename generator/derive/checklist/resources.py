"""Resource names: what steps require and provide, spelt one way (docs/steps.md, steps-order).

A resource is a string such as ``site-system:DMZSUP01`` so that the JSON plan
can list it; these helpers are the only place its spelling is written.  Server
and cluster names keep the case of the site input.
"""

from __future__ import annotations

from collections.abc import Collection

from generator.derive.checklist.work import Resource
from generator.derive.network.plan import NetworkPlan

DECISION: Resource = "decision"
"""The change is approved and the site meets the prerequisites."""
PLACEMENT: Resource = "placement"
"""Every server has its zone, forest and roles decided."""
BACKUP: Resource = "backup"
"""A verified backup of the site server and site database exists."""
REPLICA: Resource = "replica"
"""The SQL Server replica of the site database is in sync."""
CLIENTS: Resource = "clients"
"""Clients are installed or reconfigured for the Internet."""


def certificate(holder: str) -> Resource:
    return f"certificate:{holder}"


def dns(name: str) -> Resource:
    return f"dns:{name}"


def firewall(name: str) -> Resource:
    return f"firewall:{name}"


def site_system(server: str) -> Resource:
    return f"site-system:{server}"


def role(role_key: str, server: str) -> Resource:
    return f"role:{role_key}:{server}"


def wsus(server: str) -> Resource:
    return f"wsus:{server}"


def account(kind: str) -> Resource:
    return f"account:{kind}"


def prerequisites(server: str) -> Resource:
    return f"prerequisites:{server}"


def transfer_mode(server: str) -> Resource:
    """The site system's "allow only site server initiated data transfers" choice is decided."""
    return f"transfer-mode:{server}"


def nlb(cluster: str) -> Resource:
    return f"nlb:{cluster}"


def sync(server: str) -> Resource:
    """The software update point has synchronised its updates."""
    return f"sync:{server}"


def proxy(name: str) -> Resource:
    return f"proxy:{name}"


def bits(server: str) -> Resource:
    """The distribution point transfers content with BITS, HTTP and HTTPS."""
    return f"bits:{server}"


# --- resources read off the network plan ---------------------------------------


def firewalls(network: NetworkPlan) -> frozenset[Resource]:
    """A ``firewall:`` resource for every firewall with rules in this site's plan."""
    return frozenset(firewall(name) for name, _ in network.firewalls if network.rules_for(name))


def public_names(network: NetworkPlan, holders: Collection[str] | None = None) -> frozenset[Resource]:
    """A ``dns:`` resource for each public record (of ``holders`` only, when given)."""
    return frozenset(
        dns(r.name) for r in network.dns_records if r.scope == "public" and (holders is None or r.holder in holders)
    )


def new_certificates(network: NetworkPlan, holders: Collection[str] | None = None) -> frozenset[Resource]:
    """A ``certificate:`` resource for each certificate this change requests (of ``holders`` only, when given)."""
    return frozenset(
        certificate(c.holder)
        for c in network.certificates
        if c.status == "new" and (holders is None or c.holder in holders)
    )
