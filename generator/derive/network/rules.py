"""Group the flows of each firewall into the rules a firewall administrator writes.

The flow list (:mod:`generator.derive.network.flows`) has one row per protocol
and port.  A firewall team writes fewer, wider rules: one rule per source,
destination and purpose with a list of services, and object groups for the
hosts that receive the same services.  This module derives those rules from
the flows, as data; every view (tables, CSV, JSON) shows the same list, and
every rule names the flows it covers, so the flow table stays the traceable
detail.

Grouping, per firewall, over the flows that cross it (in flow order):

1. **Merge per pair.** Flows with the same source, destination and *purpose
   family* (:data:`PURPOSE_FAMILIES`, from the flow kind) become one rule whose
   services are the union of their protocol/port pairs, in order of first
   appearance (``TCP 445``, ``TCP 135``, ``TCP 49152-65535``, ``UDP 135``).
2. **Group destinations.** Rules from the same source, in the same family,
   between the same zones and with the same set of services merge into one
   rule whose destinations form an object group.
3. **Group sources.** Likewise, rules to the same destinations (the same
   object group), in the same family, between the same zones and with the same
   services merge into one rule whose sources form an object group.

Rules are numbered per firewall from 1 in the order of the first flow each
covers, so the numbering is stable and follows the flow table.  An object group
(two or more members) is named ``<SITE>-<TAG>-<ZONE>``, the tag coming from the
family and the side (``CEN-SITE-SYSTEMS-PERIMETER``); a second group with the
same base name but other members gets ``-2``, ``-3`` in order of appearance, and
the same members under the same tag keep one name on every firewall.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.derive.network.flows import (
    CRL_PLACEHOLDER,
    INTERNET_CLIENTS,
    INTRANET_CLIENTS,
    MICROSOFT_UPDATE,
    Flow,
    Nat,
    Protocol,
    ZoneName,
)

ANY_ADDRESS = "any"
"""The address of Internet clients as a source: any address on the Internet."""
UNASSIGNED = "to be assigned"
"""The address of a host whose ``address`` (or ``public_ip``) the site input does not give yet."""
TO_BE_NAMED = "to be named"
"""The address of a placeholder endpoint (the CRL distribution point when ``pki.crl_url`` is not given)."""
BY_NAME = "by DNS name"
"""The address of a named outside party (a CRL host, Microsoft Update): the firewall resolves the name."""
INTRANET_CLIENT_ADDRESSES = "intranet client networks"

PLACEHOLDER_NAMES = frozenset({CRL_PLACEHOLDER})
"""Endpoints that stand for a host not named yet: a rule to them cannot be limited to a host."""


@dataclass(frozen=True)
class PurposeFamily:
    """What a group of flows is for, as one rule says it, and how its object groups are named."""

    id: str
    title: str
    """The rule's purpose, as the rule tables show it."""
    source_tag: str
    """Tag of an object group of sources (``SITE-SYSTEMS``)."""
    destination_tag: str
    """Tag of an object group of destinations."""


_CLIENT_ACCESS = PurposeFamily("client-access", "Clients reach the site systems", "CLIENTS", "IBCM-SITE-SYSTEMS")
_REVOCATION = PurposeFamily(
    "certificate-revocation", "Certificate revocation check (CRL download)", "CRL-CLIENTS", "CRL-HOSTS"
)
_DATABASE = PurposeFamily(
    "database-access",
    "SQL Server connections to the site database, its replica or the WSUS database",
    "SQL-CLIENTS",
    "SQL-SERVERS",
)

PURPOSE_FAMILIES: dict[str, PurposeFamily] = {
    "client": _CLIENT_ACCESS,
    "proxy-forward": _CLIENT_ACCESS,
    "intranet-client": _CLIENT_ACCESS,
    "crl": _REVOCATION,
    "site-system-crl": _REVOCATION,
    "site-server": PurposeFamily(
        "site-system-management",
        "Site server installs and maintains the site systems (SMB, RPC)",
        "SITE-SERVERS",
        "SITE-SYSTEMS",
    ),
    "site-server-wsus": PurposeFamily(
        "wsus-configuration",
        "Site server configures WSUS on the software update points",
        "SITE-SERVERS",
        "SOFTWARE-UPDATE-POINTS",
    ),
    "mp-availability": PurposeFamily(
        "mp-availability",
        "Site server checks the availability of the management points",
        "SITE-SERVERS",
        "MANAGEMENT-POINTS",
    ),
    "site-server-sql": _DATABASE,
    "mp-database": _DATABASE,
    "mp-replica": _DATABASE,
    "wsus-database": _DATABASE,
    "replication": PurposeFamily(
        "database-replication",
        "SQL Server replication of the site database to its replica",
        "SQL-PUBLISHERS",
        "SQL-REPLICAS",
    ),
    "site-system-status": PurposeFamily(
        "site-system-status",
        "Site systems send data and status to the site server (SMB)",
        "STATUS-SENDERS",
        "SITE-SERVERS",
    ),
    "sup-sync": PurposeFamily(
        "wsus-synchronisation",
        "WSUS synchronisation from the upstream software update point",
        "DOWNSTREAM-SUPS",
        "UPSTREAM-SUPS",
    ),
    "microsoft-update": PurposeFamily(
        "microsoft-update",
        "Software update catalogue from Microsoft Update",
        "ACTIVE-SUPS",
        "MICROSOFT-UPDATE",
    ),
    "domain-membership": PurposeFamily(
        "domain-membership",
        "Domain membership: the servers reach the domain controllers of their forest",
        "DOMAIN-MEMBERS",
        "DOMAIN-CONTROLLERS",
    ),
}
"""Flow kind to purpose family: flows of one family between the same hosts make one rule.

| Family | Flow kinds |
|---|---|
| ``client-access`` | ``client``, ``proxy-forward``, ``intranet-client``: clients reach a site system, whatever its role |
| ``certificate-revocation`` | ``crl``, ``site-system-crl`` |
| ``site-system-management`` | ``site-server``: SMB and RPC, the same services for every site system, so they group |
| ``wsus-configuration`` | ``site-server-wsus`` (kept apart so the software update points group with the other site systems) |
| ``mp-availability`` | ``mp-availability`` |
| ``database-access`` | ``site-server-sql``, ``mp-database``, ``mp-replica``, ``wsus-database``: every SQL Server client |
| ``database-replication`` | ``replication`` |
| ``site-system-status`` | ``site-system-status`` |
| ``wsus-synchronisation`` | ``sup-sync`` |
| ``microsoft-update`` | ``microsoft-update`` |
| ``domain-membership`` | ``domain-membership`` |

The tags name object groups, ``<SITE>-<tag>-<ZONE>``; each family has its own, so a name says what the group
is for.
"""


def purpose_family(kind: str) -> PurposeFamily:
    """The family of a flow kind; a kind not in :data:`PURPOSE_FAMILIES` is its own family."""
    family = PURPOSE_FAMILIES.get(kind)
    if family is not None:
        return family
    tag = _tag(kind)
    return PurposeFamily(kind, kind.replace("-", " ").capitalize(), f"{tag}-SOURCES", f"{tag}-DESTINATIONS")


@dataclass(frozen=True)
class RuleEndpoint:
    """One host (or outside party) on a side of a rule."""

    name: str
    ref: str
    """As in :attr:`Flow.source_ref`: tells apart endpoints whose names coincide."""
    zone: ZoneName
    address: str | None
    """Its address as the flows give it; None when unknown."""
    nat: Nat | None = None
    """The front firewall's translation towards it (destinations only)."""

    @property
    def address_text(self) -> str:
        """The address as the tables and CSV files say it (``any``, ``to be assigned``…)."""
        return address_text(self.name, self.ref, self.address)


@dataclass(frozen=True)
class Service:
    """One protocol and port (or range) a rule allows."""

    protocol: Protocol
    port: str

    def __str__(self) -> str:
        return f"{self.protocol} {self.port}"


@dataclass(frozen=True)
class FirewallRule:
    """One rule of a firewall as its team writes it: sources, destinations, services, and the flows it covers."""

    firewall: str
    number: int
    """1, 2, … per firewall, in the order of the first flow each rule covers."""
    sources: tuple[RuleEndpoint, ...]
    source_zone: ZoneName
    source_group: str | None
    """Object group name when there are two or more sources."""
    destinations: tuple[RuleEndpoint, ...]
    destination_zone: ZoneName
    destination_group: str | None
    """Object group name when there are two or more destinations."""
    services: tuple[Service, ...]
    """In order of first appearance; grouped by protocol in :attr:`service_summary`."""
    family: str
    """The purpose family id (:data:`PURPOSE_FAMILIES`)."""
    purpose: str
    direction: str
    """``inbound`` towards the firewall's more trusted side, else ``outbound``."""
    flow_ids: tuple[str, ...]
    """Every flow the rule covers, in flow order."""

    @property
    def service_texts(self) -> list[str]:
        """``["TCP 445", "TCP 135", "UDP 135"]``: one entry per service, TCP before UDP."""
        return [str(s) for protocol in _protocols(self.services) for s in self.services if s.protocol == protocol]

    @property
    def service_summary(self) -> str:
        """``TCP 445, 135, 49152-65535; UDP 135``: port lists per protocol."""
        return "; ".join(
            f"{protocol} {', '.join(s.port for s in self.services if s.protocol == protocol)}"
            for protocol in _protocols(self.services)
        )


@dataclass(frozen=True)
class FirewallScope:
    """What one firewall's tables cover and what keeps them from being final."""

    firewall: str
    role: str
    zones: tuple[ZoneName, ZoneName]
    """(less trusted zone, more trusted zone)."""
    rule_count: int
    flow_count: int
    unnamed: tuple[str, ...]
    """Placeholder endpoints (not named yet): a rule to them cannot be limited to a host."""
    unassigned: tuple[str, ...]
    """Hosts of its rules whose address the site input does not give yet."""

    @property
    def complete(self) -> bool:
        """Every rule names its hosts, so the table is all this change needs and the team opens nothing broader."""
        return not self.unnamed


def address_text(name: str, ref: str, address: str | None) -> str:
    """An endpoint's address as a firewall team reads it: the address, ``any``, ``to be assigned``…"""
    if address:
        return address
    if ref == "clients" or name == INTERNET_CLIENTS:
        return ANY_ADDRESS
    if ref == "intranet-clients" or name == INTRANET_CLIENTS:
        return INTRANET_CLIENT_ADDRESSES
    if name in PLACEHOLDER_NAMES:
        return TO_BE_NAMED
    if ref == "microsoft-update" or name == MICROSOFT_UPDATE or ref.startswith("crl:"):
        return BY_NAME
    return UNASSIGNED


def nat_text(nat: Nat | None) -> str:
    """``public → private``, or an empty string without translation."""
    return f"{nat.public} → {nat.private}" if nat else ""


@dataclass
class _Draft:
    """A rule being grouped: its sides, services and covered flows (by index in the site's flow list)."""

    sources: list[RuleEndpoint]
    destinations: list[RuleEndpoint]
    services: list[Service]
    family: PurposeFamily
    flows: list[int]

    @property
    def zones(self) -> tuple[ZoneName, ZoneName]:
        return (self.sources[0].zone, self.destinations[0].zone)

    def service_set(self) -> frozenset[Service]:
        return frozenset(self.services)

    def absorb(self, other: _Draft, *, side: str) -> None:
        side_list = self.destinations if side == "destinations" else self.sources
        for endpoint in getattr(other, side):
            if endpoint.ref not in {e.ref for e in side_list}:
                side_list.append(endpoint)
        self.flows = sorted({*self.flows, *other.flows})


def _source(flow: Flow) -> RuleEndpoint:
    return RuleEndpoint(flow.source, flow.source_ref or f"name:{flow.source}", flow.source_zone, flow.source_address)


def nat_at(flow: Flow, firewall: str) -> Nat | None:
    """The flow's translation if ``firewall`` makes it: the front firewall, the first one the flow crosses."""
    return flow.nat if flow.firewalls and flow.firewalls[0] == firewall else None


def _destination(flow: Flow, firewall: str) -> RuleEndpoint:
    ref = flow.destination_ref or f"name:{flow.destination}"
    return RuleEndpoint(flow.destination, ref, flow.destination_zone, flow.destination_address, nat_at(flow, firewall))


def _pair_drafts(flows: Sequence[Flow], indices: Iterable[int], firewall: str) -> list[_Draft]:
    """Step 1: one draft per source, destination and purpose family."""
    drafts: dict[tuple[str, str, str], _Draft] = {}
    for i in indices:
        flow = flows[i]
        family = purpose_family(flow.kind)
        source, destination = _source(flow), _destination(flow, firewall)
        key = (source.ref.upper(), destination.ref.upper(), family.id)
        draft = drafts.get(key)
        if draft is None:
            drafts[key] = _Draft([source], [destination], [Service(flow.protocol, flow.port)], family, [i])
            continue
        service = Service(flow.protocol, flow.port)
        if service not in draft.services:
            draft.services.append(service)
        draft.flows.append(i)
    return list(drafts.values())


def _merge(drafts: list[_Draft], *, side: str) -> list[_Draft]:
    """Steps 2 and 3: merge drafts that differ only on ``side`` (``destinations`` or ``sources``)."""
    other = "sources" if side == "destinations" else "destinations"
    merged: dict[tuple[object, ...], _Draft] = {}
    for draft in sorted(drafts, key=lambda d: d.flows[0]):
        fixed = frozenset(e.ref.upper() for e in getattr(draft, other))
        key = (other, fixed, draft.zones, draft.family.id, draft.service_set())
        if key in merged:
            merged[key].absorb(draft, side=side)
        else:
            merged[key] = _Draft(
                list(draft.sources), list(draft.destinations), list(draft.services), draft.family, list(draft.flows)
            )
    return list(merged.values())


class _GroupNames:
    """Object group names of one site: deterministic, unique, one name per tag and member set."""

    def __init__(self, site_code: str) -> None:
        self.site_code = site_code
        self._by_members: dict[tuple[str, str, frozenset[str]], str] = {}
        self._taken: set[str] = set()

    def name(self, tag: str, zone: str, members: Sequence[RuleEndpoint]) -> str | None:
        if len(members) < 2:
            return None
        key = (tag, zone, frozenset(m.ref.upper() for m in members))
        if key not in self._by_members:
            base = f"{_tag(self.site_code)}-{tag}-{_tag(zone)}"
            name, n = base, 2
            while name in self._taken:
                name, n = f"{base}-{n}", n + 1
            self._taken.add(name)
            self._by_members[key] = name
        return self._by_members[key]


def group_firewall_rules(
    flows: Sequence[Flow], firewalls: Sequence[str], *, site_code: str
) -> tuple[FirewallRule, ...]:
    """The grouped rules of every firewall (in ``firewalls`` order), each numbered from 1 per firewall."""
    names = _GroupNames(site_code)
    rules: list[FirewallRule] = []
    for firewall in firewalls:
        crossing = [i for i, f in enumerate(flows) if firewall in f.firewalls]
        drafts = _merge(_merge(_pair_drafts(flows, crossing, firewall), side="destinations"), side="sources")
        for number, draft in enumerate(sorted(drafts, key=lambda d: d.flows[0]), start=1):
            source_zone, destination_zone = draft.zones
            first = flows[draft.flows[0]]
            rules.append(
                FirewallRule(
                    firewall=firewall,
                    number=number,
                    sources=tuple(draft.sources),
                    source_zone=source_zone,
                    source_group=names.name(draft.family.source_tag, source_zone, draft.sources),
                    destinations=tuple(draft.destinations),
                    destination_zone=destination_zone,
                    destination_group=names.name(draft.family.destination_tag, destination_zone, draft.destinations),
                    services=tuple(draft.services),
                    family=draft.family.id,
                    purpose=draft.family.title,
                    direction=first.direction,
                    flow_ids=tuple(flows[i].id for i in draft.flows),
                )
            )
    return tuple(rules)


def firewall_scope(
    firewall: str,
    role: str,
    zones: tuple[ZoneName, ZoneName],
    flows: Sequence[Flow],
    rules: Sequence[FirewallRule],
) -> FirewallScope:
    """What the tables of ``firewall`` cover: counts, endpoints still to be named, addresses to be assigned."""
    crossing = [f for f in flows if firewall in f.firewalls]
    own = [r for r in rules if r.firewall == firewall]
    endpoints = [e for r in own for e in (*r.sources, *r.destinations)]
    return FirewallScope(
        firewall=firewall,
        role=role,
        zones=zones,
        rule_count=len(own),
        flow_count=len(crossing),
        unnamed=_unique(e.name for e in endpoints if e.address_text == TO_BE_NAMED),
        unassigned=_unique(e.name for e in endpoints if e.address_text == UNASSIGNED),
    )


def flow_numbers(rule: FirewallRule, flows: Sequence[Flow]) -> list[int]:
    """The numbers (1, 2, …) in the firewall's flow table of the flows ``rule`` covers."""
    crossing = [f.id for f in flows if rule.firewall in f.firewalls]
    return [crossing.index(flow_id) + 1 for flow_id in rule.flow_ids]


def number_ranges(numbers: Sequence[int]) -> str:
    """``1–4, 9``: consecutive numbers as ranges (an en dash)."""
    parts: list[str] = []
    start: int | None = None
    previous: int | None = None
    for n in sorted(numbers):
        if previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(_range(start, previous))
        start = previous = n
    if start is not None:
        parts.append(_range(start, previous))
    return ", ".join(parts)


def _range(start: int, end: int | None) -> str:
    if end is None or end == start:
        return str(start)
    return f"{start}, {end}" if end == start + 1 else f"{start}–{end}"


def _protocols(services: Iterable[Service]) -> list[Protocol]:
    """TCP before UDP, each once."""
    present = {s.protocol for s in services}
    order: tuple[Protocol, ...] = ("TCP", "UDP")
    return [p for p in order if p in present]


def _tag(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-") or "X"


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
