"""A firewall's grouped rules as a platform-neutral Aerleon policy: address and service objects, one term per rule
and protocol, a final deny.

The rule tables say what a firewall team opens; this module says the same in
the shape Aerleon generates vendor configurations from
(:mod:`generator.derive.network.aclgen` turns it into Aerleon's dictionaries),
so a configuration can only differ from the tables where a platform forces it
(the NAT address PAN-OS matches, IPv4-only targets).  It is plain data and
never imports Aerleon.

* Objects: one per host (``<SITE>-<name>``, its addresses as host prefixes),
  one per object group of the rules (its members by name), one service per
  protocol and port (``TCP-445``).  Names are limited to Aerleon's token
  characters (letters, digits, ``-`` and ``_``) and unique per policy, so user
  text can reach no vendor syntax.
* Terms: each grouped rule gives one term per protocol (``IBCM-<SITE>-R03-TCP``,
  ``…-UDP``): a term with TCP and UDP services would open every port under both
  protocols.  Its comment names the rule, its purpose and the flows it covers.
* Filters: one per direction through the firewall (from its less trusted side
  first), or one for both on a ``single``-layout platform, each ending with a
  deny term.
* Any address: Internet clients, intranet clients (the intranet side of the
  back firewall) and Internet hosts known only by DNS name (a CRL host,
  Microsoft Update), which no target can name by host.  Any other endpoint
  without an address, or with an IPv6 address on an IPv4-only target, makes the
  policy incomplete: it is listed in :attr:`FirewallPolicy.unresolved` and no
  configuration is generated from it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from generator.derive.network.flows import Protocol, ZoneName, zone_rank
from generator.derive.network.plan import NetworkPlan
from generator.derive.network.rules import (
    ANY_ADDRESS,
    BY_NAME,
    INTRANET_CLIENT_ADDRESSES,
    TO_BE_NAMED,
    FirewallRule,
    RuleEndpoint,
    address_text,
)
from generator.model.firewall_platforms import FIREWALL_PLATFORMS, FirewallPlatform

Action = Literal["accept", "deny"]
PROTOCOLS: tuple[Protocol, ...] = ("TCP", "UDP")
MAX_NAME = 40
"""Object and filter names stay at most this long: Aerleon appends ``_0`` and the like to address entries, and
SRX and PAN-OS names end at 63 characters."""
COMMENT_LINE = 100
"""Comment lines stay at most this long (an ASA remark keeps 100 characters)."""
SHORT_COMMENT = 512
"""A platform whose comments must be shorter than this gets the rule number and flows, not the purpose."""
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_-]+")
_NOT_COMMENT = re.compile(r"[^A-Za-z0-9 .,:;()/_+-]+")


@dataclass(frozen=True)
class NetworkObject:
    """A named address object: a host's addresses, or a group of other objects (``members``)."""

    name: str
    addresses: tuple[str, ...] = ()
    """Host prefixes (``172.16.20.21/32``, ``fd00:100::25/128``)."""
    members: tuple[str, ...] = ()
    """Names of the objects of a group."""
    comment: str = ""


@dataclass(frozen=True)
class ServiceObject:
    """One protocol and port (or range), named ``TCP-445``."""

    name: str
    protocol: Protocol
    port: str


@dataclass(frozen=True)
class PolicyTerm:
    """One term: sources, destinations and services of one protocol, or the final deny."""

    name: str
    action: Action
    comment: tuple[str, ...]
    source: str | None = None
    """The source object's name; None: any address."""
    destination: str | None = None
    protocol: Protocol | None = None
    services: tuple[str, ...] = ()
    rule: int | None = None
    """The grouped rule the term comes from (None for the deny term)."""
    flow_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyFilter:
    """The terms one access list, zone pair or base chain holds."""

    name: str
    """The access list's name (``IBCM-CEN-INTERNET-TO-PERIMETER``); zone-based targets name the zones instead."""
    zones: tuple[ZoneName, ZoneName] | None
    """(from, to) as the firewall's sides; None for a filter of both directions."""
    comment: str
    terms: tuple[PolicyTerm, ...]


@dataclass(frozen=True)
class Unresolved:
    """An endpoint of the firewall's rules that no configuration can name yet."""

    name: str
    zone: ZoneName
    reason: str


@dataclass(frozen=True)
class FirewallPolicy:
    """One firewall's rules as an Aerleon policy for one platform."""

    site_code: str
    firewall: str
    role: str
    zones: tuple[ZoneName, ZoneName]
    platform: FirewallPlatform
    filters: tuple[PolicyFilter, ...]
    networks: tuple[NetworkObject, ...]
    services: tuple[ServiceObject, ...]
    unresolved: tuple[Unresolved, ...]
    """Endpoints without a usable address: while there are any, no configuration is generated."""
    address_family: Literal["inet", "mixed"]
    """``mixed`` when any address is IPv6."""
    translations: tuple[tuple[str, str], ...] = ()
    """(public, private) of each destination NAT the front firewall makes, for the notes."""

    @property
    def complete(self) -> bool:
        return not self.unresolved

    @property
    def rule_terms(self) -> list[PolicyTerm]:
        return [t for f in self.filters for t in f.terms if t.rule is not None]

    @property
    def basename(self) -> str:
        """``<SITE>-<firewall>-<platform>``: the stem of the files generated for it."""
        return f"{self.site_code}-{token(self.firewall, limit=MAX_NAME)}-{self.platform.name}"


def token(text: str, *, limit: int = MAX_NAME) -> str:
    """``text`` in Aerleon's token characters; a longer or altered name keeps a short digest, so two different
    texts never meet in one name."""
    cleaned = _NOT_TOKEN.sub("-", text).strip("-") or "X"
    if cleaned == text and len(cleaned) <= limit:
        return cleaned
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]
    return f"{cleaned[: limit - 7].rstrip('-')}-{digest}"


def comment_text(text: str) -> str:
    """Text safe inside any target's comment: no quotes, no comment delimiters, no line breaks."""
    return " ".join(_NOT_COMMENT.sub("-", text).split())


class _Names:
    """Unique object names of one policy, in order of first use."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}
        self._taken: set[str] = set()

    def name(self, key: str, wanted: str) -> str:
        if key not in self._by_key:
            name, n = wanted, 2
            while name.upper() in self._taken:
                name, n = f"{wanted}-{n}", n + 1
            self._taken.add(name.upper())
            self._by_key[key] = name
        return self._by_key[key]


_ANY = "any"


def endpoint_address(endpoint: RuleEndpoint, platform: FirewallPlatform) -> str | Unresolved:
    """The address a rule of ``platform`` names for ``endpoint``: an address, ``any``, or why there is none."""
    address = endpoint.address
    if endpoint.nat is not None and platform.nat_destination == "original":
        address = endpoint.nat.public
    if address:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.version == 6 and not platform.ipv6:
            return Unresolved(
                endpoint.name,
                endpoint.zone,
                f"IPv6 address {ip}: Aerleon's {platform.name} target writes IPv4 rules only",
            )
        return str(ip)
    text = address_text(endpoint.name, endpoint.ref, endpoint.address)
    if text in (ANY_ADDRESS, INTRANET_CLIENT_ADDRESSES) or (text == BY_NAME and endpoint.zone == "internet"):
        return _ANY
    if text == TO_BE_NAMED:
        return Unresolved(endpoint.name, endpoint.zone, "not named yet (pki.crl_url)")
    if text == BY_NAME:
        return Unresolved(endpoint.name, endpoint.zone, "known by DNS name only: a rule needs its address")
    return Unresolved(endpoint.name, endpoint.zone, "no address in the site input (to be assigned)")


def prefix(address: str) -> str:
    """A host address as a prefix: ``/32`` or ``/128``."""
    ip = ipaddress.ip_address(address)
    return f"{ip}/{ip.max_prefixlen}"


def firewall_side(zone: str, zones: tuple[ZoneName, ZoneName]) -> ZoneName:
    """The side of a firewall (one of its two zones) that an endpoint in ``zone`` is on."""
    return zones[0] if zone_rank(zone) <= zone_rank(zones[0]) else zones[1]


class _Builder:
    def __init__(self, network: NetworkPlan, firewall: str, platform: FirewallPlatform) -> None:
        self.network = network
        self.info = network.firewall(firewall)
        self.platform = platform
        self.code = network.site_code
        self.names = _Names()
        self.networks: dict[str, NetworkObject] = {}
        self.services: dict[tuple[str, str], ServiceObject] = {}
        self.unresolved: dict[str, Unresolved] = {}
        self.ipv6 = False
        self.protocols = {f.id: f.protocol for f in network.flows}

    def side(self, endpoints: Sequence[RuleEndpoint], group: str | None) -> str | None:
        """The object a term names for one side of a rule; None for any address."""
        resolved = [(e, endpoint_address(e, self.platform)) for e in endpoints]
        for e, address in resolved:
            if isinstance(address, Unresolved):
                self.unresolved.setdefault(e.ref.upper(), address)
        if any(address == _ANY for _, address in resolved):
            return None
        hosts = [self.host(e, address) for e, address in resolved if isinstance(address, str)]
        if not hosts:  # every endpoint unresolved: the policy is incomplete and generates nothing
            return None
        if group is None and len(hosts) == 1:
            return hosts[0]
        wanted = token(group or "-".join(hosts))
        name = self.names.name(f"group:{wanted}:{','.join(hosts)}", wanted)
        self.networks.setdefault(name, NetworkObject(name, members=tuple(hosts), comment=comment_text(group or "")))
        return name

    def host(self, endpoint: RuleEndpoint, address: str) -> str:
        public = endpoint.nat is not None and address == endpoint.nat.public and address != endpoint.address
        wanted = token(f"{self.code}-{endpoint.name}{'-PUBLIC' if public else ''}")
        name = self.names.name(f"host:{endpoint.ref.upper()}:{address}", wanted)
        self.ipv6 |= ipaddress.ip_address(address).version == 6
        self.networks.setdefault(
            name, NetworkObject(name, addresses=(prefix(address),), comment=comment_text(endpoint.name))
        )
        return name

    def service(self, protocol: Protocol, port: str) -> str:
        service = self.services.setdefault((protocol, port), ServiceObject(token(f"{protocol}-{port}"), protocol, port))
        return service.name

    def terms(self, rule: FirewallRule) -> list[PolicyTerm]:
        source = self.side(rule.sources, rule.source_group)
        destination = self.side(rule.destinations, rule.destination_group)
        terms = []
        for protocol in PROTOCOLS:
            ports = [s.port for s in rule.services if s.protocol == protocol]
            if not ports:
                continue
            flow_ids = tuple(i for i in rule.flow_ids if self.protocols[i] == protocol)
            terms.append(
                PolicyTerm(
                    name=f"IBCM-{self.code}-R{rule.number:02d}-{protocol}",
                    action="accept",
                    comment=self.comment(rule, protocol, flow_ids),
                    source=source,
                    destination=destination,
                    protocol=protocol,
                    services=tuple(self.service(protocol, port) for port in ports),
                    rule=rule.number,
                    flow_ids=flow_ids,
                )
            )
        return terms

    def comment(self, rule: FirewallRule, protocol: Protocol, flow_ids: Sequence[str]) -> tuple[str, ...]:
        """The rule, its purpose and its flows; within the platform's comment limit, on one line when it has one
        (a short limit leaves the purpose to the rule table)."""
        limit = self.platform.comment_limit
        purpose = f": {rule.purpose}." if limit is None or limit >= SHORT_COMMENT else "."
        head = comment_text(f"{self.info.name} rule {rule.number} ({protocol}){purpose}")
        ids = [comment_text(i) for i in flow_ids]
        if limit is None:
            named = [
                comment_text(e.name)
                for e in (*rule.sources, *rule.destinations)
                if address_text(e.name, e.ref, e.address) == BY_NAME and e.zone == "internet"
            ]
            by_name = _wrapped("Known by DNS name only, so any Internet address:", named, COMMENT_LINE) if named else []
            lines = (head, *by_name, *_wrapped("Flows:", ids, COMMENT_LINE))
            return tuple(
                part
                for line in lines
                for part in textwrap.wrap(line, COMMENT_LINE, break_on_hyphens=False, break_long_words=True)
            )
        for shown in range(len(ids), -1, -1):
            parts = [head]
            if shown:
                parts.append("Flows: " + ", ".join(ids[:shown]))
            if shown < len(ids):
                parts.append(f"(+{len(ids) - shown} more flows)")
            text = " ".join(parts)
            if len(text) <= limit:
                return (text,)
        return (head[:limit],)


def _wrapped(label: str, items: Sequence[str], width: int) -> list[str]:
    """``label item, item, …`` in lines of at most ``width`` characters."""
    lines: list[str] = []
    line = label
    for n, item in enumerate(items):
        piece = item + ("," if n < len(items) - 1 else "")
        if len(line) + 1 + len(piece) > width and line != label:
            lines.append(line)
            line = piece
        else:
            line = f"{line} {piece}"
    lines.append(line)
    return lines


def firewall_policy(network: NetworkPlan, firewall: str, platform: str | FirewallPlatform) -> FirewallPolicy:
    """The Aerleon policy of ``firewall`` for ``platform`` (a name in ``FIREWALL_PLATFORMS``), from its grouped
    rules."""
    target = FIREWALL_PLATFORMS[platform] if isinstance(platform, str) else platform
    b = _Builder(network, firewall, target)
    info = b.info
    code = network.site_code
    by_direction: dict[tuple[ZoneName, ZoneName], list[PolicyTerm]] = {}
    translations: dict[tuple[str, str], None] = {}
    for rule in network.rules_for(firewall):
        zones = (firewall_side(rule.source_zone, info.zones), firewall_side(rule.destination_zone, info.zones))
        by_direction.setdefault(zones, []).extend(b.terms(rule))
        for e in rule.destinations:
            if e.nat is not None:
                translations.setdefault((e.nat.public, e.nat.private), None)
    directions = sorted(by_direction, key=lambda z: (zone_rank(z[0]) != zone_rank(info.zones[0]), z))
    what = f"ibcm-runbook {code}: {info.name[:40]} ({info.role} firewall)"  # a header comment stays one short line
    filters: list[PolicyFilter]
    if target.layout == "single":
        terms = sorted((t for z in directions for t in by_direction[z]), key=lambda t: (t.rule or 0, t.name))
        filters = (
            [
                PolicyFilter(
                    f"IBCM-{code}",
                    None,
                    comment_text(f"{what}, both directions"),
                    (*terms, _deny(f"IBCM-{code}-DENY")),
                )
            ]
            if terms
            else []
        )
    else:
        filters = [
            PolicyFilter(
                token(f"IBCM-{code}-{z[0]}-TO-{z[1]}".upper()),
                z,
                comment_text(f"{what}, {z[0]} to {z[1]}"),
                (*by_direction[z], _deny(token(f"IBCM-{code}-DENY-{z[0]}-TO-{z[1]}".upper()))),
            )
            for z in directions
        ]
    return FirewallPolicy(
        site_code=code,
        firewall=info.name,
        role=info.role,
        zones=info.zones,
        platform=target,
        filters=tuple(filters),
        networks=tuple(b.networks.values()),
        services=tuple(b.services.values()),
        unresolved=tuple(b.unresolved.values()),
        address_family="mixed" if b.ipv6 else "inet",
        translations=tuple(translations),
    )


def _deny(name: str) -> PolicyTerm:
    return PolicyTerm(name=name, action="deny", comment=("Deny anything else this change does not need.",))


def firewall_policies(network: NetworkPlan) -> tuple[FirewallPolicy, ...]:
    """The policy of every firewall of the site that names a ``platform``, front firewall first."""
    return tuple(
        firewall_policy(network, fw.name, fw.platform) for fw in network.firewall_infos if fw.platform is not None
    )
