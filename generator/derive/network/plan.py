"""The network plan of one site: flows, grouped firewall rules, DNS records and certificates, built once.

Every network view (tables, CSV, diagram, JSON) takes a :class:`NetworkPlan`,
so they all show the same derived facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.network.certificates import CertificateRequest, derive_certificates, fallback_status_points
from generator.derive.network.dns import DnsRecord, derive_dns_records
from generator.derive.network.flows import Flow, ZoneName, derive_flows
from generator.derive.network.rules import FirewallRule, FirewallScope, firewall_scope, group_firewall_rules
from generator.model.topology import Topology

Direction = str


@dataclass(frozen=True)
class FirewallInfo:
    """A firewall and the two zones it separates (less trusted side first)."""

    name: str
    role: str
    """``front`` or ``back``."""
    zones: tuple[ZoneName, ZoneName]
    platform: str | None = None
    """The Aerleon target its configuration is generated for (``network.*_firewall.platform``); None: none."""


@dataclass(frozen=True)
class NetworkPlan:
    """Everything the network team, the DNS team and the PKI team need for one site."""

    site_code: str
    flows: tuple[Flow, ...]
    dns_records: tuple[DnsRecord, ...]
    certificates: tuple[CertificateRequest, ...]
    firewall_infos: tuple[FirewallInfo, ...]
    fallback_status_points: tuple[str, ...] = ()
    """Servers whose fallback status point needs no certificate (plain HTTP)."""
    grouped_rules: tuple[FirewallRule, ...] = ()
    """The rules as each firewall team writes them (:mod:`generator.derive.network.rules`), front firewall first,
    numbered per firewall; every view of the rules shows this list."""

    @property
    def firewalls(self) -> list[tuple[str, tuple[ZoneName, ZoneName]]]:
        """(name, (outer zone, inner zone)) for the front then the back firewall."""
        return [(fw.name, fw.zones) for fw in self.firewall_infos]

    def firewall(self, name: str) -> FirewallInfo:
        for fw in self.firewall_infos:
            if fw.name == name:
                return fw
        raise KeyError(name)

    def firewall_rules(self, name: str) -> list[Flow]:
        """Flows the firewall ``name`` must allow, in rule order (the flow order)."""
        return [f for f in self.flows if name in f.firewalls]

    def rules_for(self, name: str) -> list[FirewallRule]:
        """The grouped rules of the firewall ``name``, by number."""
        return [r for r in self.grouped_rules if r.firewall == name]

    def scope(self, name: str) -> FirewallScope:
        """What the tables of the firewall ``name`` cover and what they still lack."""
        fw = self.firewall(name)
        return firewall_scope(fw.name, fw.role, fw.zones, self.flows, self.grouped_rules)

    def direction(self, flow: Flow, firewall_name: str) -> Direction:
        """``inbound`` when the flow goes towards the firewall's more trusted side, else ``outbound``."""
        del firewall_name  # both firewalls order their zones the same way
        return flow.direction


def build_network_plan(topo: Topology) -> NetworkPlan:
    """Derive the whole network plan of one validated site."""
    network = topo.model.network
    flows = tuple(derive_flows(topo))
    firewall_infos = (
        FirewallInfo(network.front_firewall.name, "front", ("internet", "perimeter"), network.front_firewall.platform),
        FirewallInfo(network.back_firewall.name, "back", ("perimeter", "intranet"), network.back_firewall.platform),
    )
    return NetworkPlan(
        site_code=topo.site.code,
        flows=flows,
        dns_records=tuple(derive_dns_records(topo)),
        certificates=tuple(derive_certificates(topo)),
        firewall_infos=firewall_infos,
        fallback_status_points=tuple(fallback_status_points(topo)),
        grouped_rules=group_firewall_rules(flows, [fw.name for fw in firewall_infos], site_code=topo.site.code),
    )
