"""The packets that prove a firewall configuration says what the rule tables say, and what each must meet.

A configuration is proved by asking Aerleon's check
(:class:`generator.derive.network.aclgen.PolicyChecker`) about packets whose
verdict is known from the flows alone, not from the policy built from them:

* every flow through the firewall (both ends of a port range) must be accepted,
  by the term of the grouped rule that covers it;
* packets the plan does not contain must be denied: TCP 4022 (SQL Server
  Service Broker) between the two ends of every flow, the Internet to the site
  server on every port of the firewall's flows under both protocols, each
  flow's port under the other protocol, and each flow's port from an address
  outside the plan to its destination and from its source to an address outside
  the plan (so a term widened to any source or any destination is caught, not
  only a missing or mistyped one).  A probe the plan does contain after all
  (the site server may take Internet clients, DNS runs on TCP and UDP 53, a flow
  from "any" takes the outside address too) is left out, by the flows' own
  answer (:func:`plan_permits`).

"Any" ends (Internet and intranet clients, Internet hosts known by DNS name)
are probed from one address of the benchmarking ranges (RFC 2544, RFC 5180),
which no site uses, and the address outside the plan is another of them; on a
``single``-layout platform the zones do not count, as nftables matches
addresses only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from generator.derive.network.flows import FORBIDDEN_PORTS, Flow, Protocol, ZoneName
from generator.derive.network.plan import NetworkPlan
from generator.derive.network.policy import FirewallPolicy, Unresolved, endpoint_address, firewall_side
from generator.derive.network.rules import RuleEndpoint, nat_at
from generator.model.topology import Topology

ProbeKind = Literal[
    "flow", "tcp-4022", "internet-to-site-server", "other-protocol", "outside-source", "outside-destination"
]
ANY = "any"
SAMPLES: dict[int, str] = {4: "198.18.0.10", 6: "2001:2::10"}
"""The address an "any" end is probed from, per IP version: benchmarking ranges, never a site's."""
OUTSIDE: dict[int, str] = {4: "198.18.0.20", 6: "2001:2::20"}
"""The address outside the plan a flow's end is swapped for, per IP version: benchmarking ranges too, and not the
sample address, so a probe from an "any" end to it is not a packet from an address to itself."""
SERVICE_BROKER_PORT = min(int(p) for p in FORBIDDEN_PORTS)
OTHER: dict[Protocol, Protocol] = {"TCP": "UDP", "UDP": "TCP"}


@dataclass(frozen=True)
class Probe:
    """One packet and the verdict the plan gives it."""

    kind: ProbeKind
    source: str
    """An address (an "any" end as its sample address)."""
    destination: str
    protocol: Protocol
    port: int
    zones: tuple[ZoneName, ZoneName]
    """(from, to) as the firewall's sides: the filter a zone-based firewall checks it against."""
    permitted: bool
    term: str | None = None
    """For a flow: the term that must accept it."""
    flow_id: str | None = None

    def __str__(self) -> str:
        what = f"{self.flow_id} " if self.flow_id else ""
        verdict = "permitted" if self.permitted else "denied"
        return (
            f"{self.kind} {what}{self.protocol} {self.source} -> {self.destination}:{self.port} "
            f"({self.zones[0]} to {self.zones[1]}) must be {verdict}"
        )


@dataclass(frozen=True)
class _Route:
    """A flow through the firewall with its ends as the policy names them."""

    flow: Flow
    source: str
    destination: str
    zones: tuple[ZoneName, ZoneName]
    low: int
    high: int


def _ports(port: str) -> tuple[int, int]:
    low, _, high = port.partition("-")
    return int(low), int(high or low)


def _version(address: str) -> int | None:
    return None if address == ANY else ipaddress.ip_address(address).version


def _sample(address: str, other: str) -> str:
    """``address``, or for an "any" end the sample address of the other end's IP version."""
    return address if address != ANY else SAMPLES[_version(other) or 4]


def _routes(network: NetworkPlan, policy: FirewallPolicy) -> list[_Route]:
    routes = []
    for flow in network.firewall_rules(policy.firewall):
        source = endpoint_address(
            RuleEndpoint(flow.source, flow.source_ref, flow.source_zone, flow.source_address), policy.platform
        )
        destination = endpoint_address(
            RuleEndpoint(
                flow.destination,
                flow.destination_ref,
                flow.destination_zone,
                flow.destination_address,
                nat_at(flow, policy.firewall),
            ),
            policy.platform,
        )
        if isinstance(source, Unresolved) or isinstance(destination, Unresolved):
            continue
        zones = (firewall_side(flow.source_zone, policy.zones), firewall_side(flow.destination_zone, policy.zones))
        routes.append(_Route(flow, source, destination, zones, *_ports(flow.port)))
    return routes


def plan_permits(
    routes: Sequence[_Route], policy: FirewallPolicy, probe: tuple[str, str, Protocol, int, tuple[str, str]]
) -> bool:
    """Whether a flow of the plan carries the packet (an "any" end of a flow takes every address)."""
    source, destination, protocol, port, zones = probe
    single = policy.platform.layout == "single"
    return any(
        r.flow.protocol == protocol
        and r.low <= port <= r.high
        and r.source in (ANY, source)
        and r.destination in (ANY, destination)
        and (single or r.zones == zones)
        for r in routes
    )


def firewall_probes(network: NetworkPlan, topo: Topology, policy: FirewallPolicy) -> tuple[Probe, ...]:
    """Every probe of ``policy``'s firewall, flows first, then the packets that must be denied."""
    routes = _routes(network, policy)
    term_of = {(flow_id, t.protocol): t.name for t in policy.rule_terms for flow_id in t.flow_ids}
    probes: dict[tuple[object, ...], Probe] = {}

    def add(
        kind: ProbeKind,
        source: str,
        destination: str,
        protocol: Protocol,
        port: int,
        zones: tuple[ZoneName, ZoneName],
        **extra: str,
    ) -> None:
        packet = (source, destination, protocol, port, zones)
        permitted = kind == "flow"
        if not permitted and plan_permits(routes, policy, packet):
            return  # the plan has this packet too
        probes.setdefault(
            (*packet, permitted), Probe(kind, source, destination, protocol, port, zones, permitted, **extra)
        )

    for r in routes:
        source, destination = _sample(r.source, r.destination), _sample(r.destination, r.source)
        for port in dict.fromkeys((r.low, r.high)):
            term = term_of[(r.flow.id, r.flow.protocol)]
            add("flow", source, destination, r.flow.protocol, port, r.zones, term=term, flow_id=r.flow.id)
    for r in routes:
        source, destination = _sample(r.source, r.destination), _sample(r.destination, r.source)
        add("tcp-4022", source, destination, "TCP", SERVICE_BROKER_PORT, r.zones)
    for kind, source, destination, protocol, port, zones in _internet_to_site_server(routes, topo, policy):
        add(kind, source, destination, protocol, port, zones)
    for r in routes:
        source, destination = _sample(r.source, r.destination), _sample(r.destination, r.source)
        for port in dict.fromkeys((r.low, r.high)):
            add("other-protocol", source, destination, OTHER[r.flow.protocol], port, r.zones, flow_id=r.flow.id)
    for r in routes:
        source, destination = _sample(r.source, r.destination), _sample(r.destination, r.source)
        outside = OUTSIDE[_version(source) or _version(destination) or 4]
        for port in dict.fromkeys((r.low, r.high)):
            add("outside-source", outside, destination, r.flow.protocol, port, r.zones, flow_id=r.flow.id)
            add("outside-destination", source, outside, r.flow.protocol, port, r.zones, flow_id=r.flow.id)
    return tuple(probes.values())


def _internet_to_site_server(
    routes: Sequence[_Route], topo: Topology, policy: FirewallPolicy
) -> Iterator[tuple[ProbeKind, str, str, Protocol, int, tuple[ZoneName, ZoneName]]]:
    server = topo.site_server
    zones = (firewall_side("internet", policy.zones), firewall_side(server.zone, policy.zones))
    ports = sorted({SERVICE_BROKER_PORT, *(p for r in routes for p in (r.low, r.high))})
    for address in dict.fromkeys(a for a in (server.public_ip, server.address) if a):
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.version == 6 and not policy.platform.ipv6:
            continue
        for protocol in ("TCP", "UDP"):
            for port in ports:
                yield "internet-to-site-server", SAMPLES[ip.version], str(ip), protocol, port, zones
