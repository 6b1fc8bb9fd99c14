"""The inbound Windows Firewall rules each Windows Server 2008 or 2008 R2 server of the site needs, from the flows
that end at it, with the ``netsh advfirewall`` commands Aerleon's ``windows_advfirewall`` target writes for them.

Windows Firewall with Advanced Security blocks inbound connections by default
on Windows Server 2008 and 2008 R2, and a block rule would win over every allow
rule: so the rules here only allow, and no deny term is added.  Windows Server
2003 (Windows Firewall, ``netsh firewall``) is not covered.

Rules, per server: the flows whose destination is the server, or an NLB cluster
it is a member of, whichever firewalls they cross (the site server's SMB to an
intranet site system crosses none but still meets its host firewall).  They are
grouped without widening anything: per purpose family and protocol, each source
gets the ports its flows use, and sources with the same ports share a rule
(``IBCM-<SITE>-<FAMILY>-<PROTOCOL>``).  The local address is left open (the
server's own), the remote one is the source's address, or any address for
Internet and intranet clients.  A source without an address leaves the server's
rules incomplete: it is listed and no commands are written.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.derive.network.aclgen import aerleon_available, generate
from generator.derive.network.flows import Flow, Protocol
from generator.derive.network.plan import NetworkPlan
from generator.derive.network.policy import PROTOCOLS, Unresolved, comment_text, endpoint_address, prefix, token
from generator.derive.network.rules import PURPOSE_FAMILIES, RuleEndpoint, purpose_family
from generator.model.firewall_platforms import FirewallPlatform
from generator.model.schema import OperatingSystem, Server
from generator.model.topology import Topology

WINDOWS_FIREWALL_TARGET = "windows_advfirewall"
WINDOWS_FIREWALL_OS: frozenset[OperatingSystem] = frozenset({"windows_server_2008", "windows_server_2008_r2"})
_HOST = FirewallPlatform(
    WINDOWS_FIREWALL_TARGET,
    "Windows Firewall with Advanced Security",
    ".bat",
    ipv6=True,
    layout="single",
    nat_destination="translated",
    comment_limit=None,
)
"""How a host firewall resolves its remote addresses: IPv6 written, a translated flow seen at its private end."""


@dataclass(frozen=True)
class HostFirewallRule:
    """One inbound allow rule of a server's Windows Firewall."""

    name: str
    """``IBCM-CEN-SITE-SYSTEM-MANAGEMENT-TCP``; ``netsh`` names it ``i_`` and this."""
    purpose: str
    protocol: Protocol
    local_ports: tuple[str, ...]
    """Ports and ranges (``445``, ``49152-65535``)."""
    sources: tuple[str, ...]
    """Who connects, by name (``CM01``, ``Internet clients``)."""
    remote_addresses: tuple[str, ...]
    """Their addresses; ``("any",)`` for clients; empty while one is unknown."""
    flow_ids: tuple[str, ...]


@dataclass(frozen=True)
class HostFirewallConfig:
    """The inbound rules of one Windows Server 2008 or 2008 R2 server."""

    server: str
    os: OperatingSystem
    rules: tuple[HostFirewallRule, ...]
    unresolved: tuple[Unresolved, ...]
    """Sources without an address: while there are any, :attr:`netsh` is None."""
    netsh: str | None
    """The ``netsh advfirewall firewall add rule`` commands Aerleon generated; None while the rules are incomplete
    or when Aerleon (the ``firewall`` extra) is not installed."""

    @property
    def complete(self) -> bool:
        return not self.unresolved


@dataclass
class _Draft:
    family: str
    protocol: Protocol
    ports: list[str]
    sources: list[RuleEndpoint]
    flows: list[str]


def _inbound(network: NetworkPlan, topo: Topology, server: Server) -> list[Flow]:
    clusters = {
        f"cluster:{c.name}".upper() for c in topo.model.nlb_clusters if server.key in {m.upper() for m in c.members}
    }
    refs = {f"server:{server.name}".upper(), *clusters}
    return [f for f in network.flows if f.destination_ref.upper() in refs]


def _drafts(flows: Sequence[Flow]) -> list[_Draft]:
    """Per family, protocol and source: its ports; then sources with the same ports merged."""
    by_source: dict[tuple[str, str, str], _Draft] = {}
    for flow in flows:
        source = RuleEndpoint(
            flow.source, flow.source_ref or f"name:{flow.source}", flow.source_zone, flow.source_address
        )
        family = purpose_family(flow.kind).id
        draft = by_source.setdefault(
            (family, flow.protocol, source.ref.upper()), _Draft(family, flow.protocol, [], [source], [])
        )
        if flow.port not in draft.ports:
            draft.ports.append(flow.port)
        draft.flows.append(flow.id)
    merged: dict[tuple[str, str, tuple[str, ...]], _Draft] = {}
    for draft in by_source.values():
        key = (draft.family, draft.protocol, tuple(draft.ports))
        if key in merged:
            merged[key].sources += draft.sources
            merged[key].flows += draft.flows
        else:
            merged[key] = draft
    order = {family.id: n for n, family in enumerate(dict.fromkeys(PURPOSE_FAMILIES.values()))}
    return sorted(merged.values(), key=lambda d: (order.get(d.family, len(order)), PROTOCOLS.index(d.protocol)))


def _server_rules(code: str, flows: Sequence[Flow]) -> tuple[list[HostFirewallRule], dict[str, Unresolved]]:
    rules: list[HostFirewallRule] = []
    unresolved: dict[str, Unresolved] = {}
    taken: set[str] = set()
    titles = {family.id: family.title for family in PURPOSE_FAMILIES.values()}
    for draft in _drafts(flows):
        addresses: list[str] = []
        for source in draft.sources:
            address = endpoint_address(source, _HOST)
            if isinstance(address, Unresolved):
                unresolved.setdefault(source.ref.upper(), address)
            else:
                addresses.append(address)
        base = token(f"IBCM-{code}-{draft.family}-{draft.protocol}".upper(), limit=60)
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        known = len(addresses) == len(draft.sources)
        rules.append(
            HostFirewallRule(
                name=name,
                purpose=titles.get(draft.family, draft.family),
                protocol=draft.protocol,
                local_ports=tuple(draft.ports),
                sources=tuple(s.name for s in draft.sources),
                remote_addresses=(("any",) if "any" in addresses else tuple(dict.fromkeys(addresses))) if known else (),
                flow_ids=tuple(draft.flows),
            )
        )
    return rules, unresolved


def windows_firewall_documents(
    code: str, server: str, rules: Sequence[HostFirewallRule]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Aerleon policy and definitions of a server's rules, for the ``windows_advfirewall`` target: one filter
    per address family (a filter has one; ``any`` covers both), allow terms only."""
    families: dict[str, list[dict[str, object]]] = {"inet": [], "inet6": []}
    networks: dict[str, object] = {}
    services: dict[str, object] = {}
    concrete = {ipaddress.ip_address(a).version for r in rules for a in r.remote_addresses if a != "any"}
    any_family = "inet6" if concrete == {6} else "inet"  # netsh's "any" covers both: keep it with the others
    for rule in rules:
        term: dict[str, object] = {
            "name": rule.name,
            "comment": comment_text(f"{rule.purpose}: from {', '.join(rule.sources)}"),
            "protocol": rule.protocol.lower(),
            "destination-port": " ".join(token(f"{rule.protocol}-{p}") for p in rule.local_ports),
            "action": "accept",
        }
        for port in rule.local_ports:
            services[token(f"{rule.protocol}-{port}")] = [{"port": port, "protocol": rule.protocol.lower()}]
        family = any_family
        if rule.remote_addresses != ("any",):
            versions = {ipaddress.ip_address(a).version for a in rule.remote_addresses}
            family = "inet6" if versions == {6} else "inet"
            if len(versions) > 1:  # one rule per family: netsh takes both, Aerleon one filter's family
                for version, fam in ((4, "inet"), (6, "inet6")):
                    name = token(f"{rule.name}-IPV{version}")
                    networks[name] = {
                        "values": [
                            {"address": prefix(a)}
                            for a in rule.remote_addresses
                            if ipaddress.ip_address(a).version == version
                        ]
                    }
                    families[fam].append({**term, "name": name, "source-address": name})
                continue
            networks[rule.name] = {"values": [{"address": prefix(a)} for a in rule.remote_addresses]}
            term["source-address"] = rule.name
        families[family].append(term)
    policy = {
        "filename": f"{code}-{token(server)}-{WINDOWS_FIREWALL_TARGET}",
        "filters": [
            {
                "header": {
                    "targets": {WINDOWS_FIREWALL_TARGET: f"in {family}"},
                    "comment": comment_text(f"ibcm-runbook {code}: inbound rules of {server}"),
                },
                "terms": terms,
            }
            for family, terms in families.items()
            if terms
        ],
    }
    return policy, {"networks": networks, "services": services}


def _netsh(code: str, server: Server, rules: Sequence[HostFirewallRule]) -> str:
    """The rules as Aerleon's ``windows_advfirewall`` target writes them."""
    policy, definitions = windows_firewall_documents(code, server.name, rules)
    return generate(policy, definitions, f"the Windows Firewall rules of {server.name}")


def host_firewall_rules(network: NetworkPlan, topo: Topology) -> tuple[HostFirewallConfig, ...]:
    """The inbound Windows Firewall rules of every Windows Server 2008 or 2008 R2 server in ``servers`` that a flow
    of the plan ends at, in ``servers`` order.

    ``netsh`` holds the commands Aerleon generated when every source has an address; it is None while one does
    not (see ``unresolved``) and when Aerleon is not installed (check :func:`aerleon_available` to tell why).
    """
    configs = []
    code = network.site_code
    generating = aerleon_available()
    for server in topo.model.servers:
        if server.os not in WINDOWS_FIREWALL_OS:
            continue
        flows = _inbound(network, topo, server)
        if not flows:
            continue
        rules, unresolved = _server_rules(code, flows)
        netsh = _netsh(code, server, rules) if generating and not unresolved else None
        configs.append(HostFirewallConfig(server.name, server.os, tuple(rules), tuple(unresolved.values()), netsh))
    return tuple(configs)
