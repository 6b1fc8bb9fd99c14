"""Derive every network flow of a site from its topology (docs/domain-facts.md, Ports; Flows beyond the checklist).

The firewall tables, the connectivity matrix, the CSV exports, the diagram and
the JSON plan are all views of the one list returned by :func:`derive_flows`,
so they cannot disagree.  Ports come from the model, never from constants in
templates; the only fixed ports are protocol facts (SMB 445, RPC 135, SQL
1433, HTTP 80 / HTTPS 443 towards Microsoft Update, and the ports of domain
membership: DNS 53, Kerberos 88 and 464, LDAP 389, global catalog 3268, time 123).

Order of the list (stable, documented because tables number their rules from it):

1. client flows: Internet clients to management points, distribution points,
   software update points, fallback status points (each in ``servers`` order,
   an NLB cluster at the place of its first member), a reverse-proxied flow
   followed directly by its proxy-to-server hop; then intranet clients to the
   roles with ``connections: both`` on perimeter servers, in the same order;
2. certificate revocation: Internet clients to the CRL, then each perimeter
   server with an HTTPS role accepting Internet connections to the CRL (IIS
   checks client certificates), in ``servers`` order;
3. site server flows, per destination in ``servers`` order: SMB, RPC endpoint
   mapper TCP/UDP, RPC dynamic range, WSUS ports, then the client HTTPS port of
   a management point (availability check); then SQL to the database server;
4. site system to site server (SMB status), in ``servers`` order;
5. database flows: MPs to the site database or replica, then replication,
   then the members of an NLB software update point to its shared WSUS
   database (``nlb_clusters`` order);
6. software update flows: Internet SUP synchronisation, then Microsoft Update;
7. domain membership: each perimeter server (``servers`` order) to each domain
   controller of its forest (``directory`` order): DNS, Kerberos, Kerberos
   password change, LDAP, global catalog, SMB, RPC endpoint mapper and dynamic
   range, time.

A flow identical to an earlier one in source, destination, protocol and port
is folded into it (purposes joined), so no firewall rule appears twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit

from generator.model.schema import DomainController, NlbCluster, OperatingSystem, Pki, RoleKey, Server
from generator.model.topology import SupEndpoint, Topology, accepts_internet
from generator.model.vocabulary import ROLE_ABBREVIATIONS, RPC_RANGES

ZoneName = Literal["internet", "perimeter", "intranet"]
Protocol = Literal["TCP", "UDP"]
ModelPath = tuple[str | int, ...]
"""A path into the site input (as in ``generator.load.yaml_source.Path``), for locating diagnostics."""

ZONES: tuple[ZoneName, ...] = ("internet", "perimeter", "intranet")
"""Zones from least to most trusted; the diagram lays them out in this order."""

INTERNET_CLIENTS = "Internet clients"
INTRANET_CLIENTS = "Intranet clients"
MICROSOFT_UPDATE = "Microsoft Update"
CRL_PLACEHOLDER = "CRL distribution point"
DOMAIN_CONTROLLERS = "Domain controllers ({forest})"
"""The endpoint of a forest whose domain controllers ``directory`` does not list."""
DEFAULT_DC_OS: OperatingSystem = "windows_server_2008"
"""The OS assumed for unlisted domain controllers, as ``DomainController.os`` defaults (RPC 49152-65535)."""

SMB_PORT = "445"
RPC_ENDPOINT_MAPPER = "135"
SQL_PORT = "1433"
FORBIDDEN_PORTS = frozenset({"4022"})
"""SQL Service Broker: later ConfigMgr versions only; never emitted for 2007."""

WSUS_DATABASE_PORT_NOTE = (
    "TCP 1433 is the default port of a SQL Server instance; confirm the port of the instance that holds the shared "
    "WSUS database with the database team."
)
"""The shared WSUS database's port is the SQL Server instance's, not fixed by ConfigMgr (to confirm)."""

MICROSOFT_UPDATE_NOTE = (
    "Leaves through the organisation's usual Internet egress (forward proxy or outbound "
    "firewall), which is not necessarily the IBCM front firewall; not listed in the "
    "per-firewall tables. It can be limited to the Microsoft Update domains."
)
MICROSOFT_UPDATE_PERIMETER_NOTE = (
    "From the perimeter it leaves through the IBCM front firewall (outbound), so it is in that firewall's "
    "table. It can be limited to the Microsoft Update domains."
)
SITE_SYSTEM_CRL_NOTE = (
    "IIS checks client certificates against it; to confirm with the PKI team (the port comes from "
    "pki.crl_url, else HTTP TCP 80)."
)
DOMAIN_MEMBERSHIP_PORTS: tuple[tuple[Protocol, str, str], ...] = (
    ("TCP", "53", "DNS"),
    ("UDP", "53", "DNS"),
    ("TCP", "88", "Kerberos"),
    ("UDP", "88", "Kerberos"),
    ("TCP", "464", "Kerberos password change"),
    ("UDP", "464", "Kerberos password change"),
    ("TCP", "389", "LDAP"),
    ("UDP", "389", "LDAP"),
    ("TCP", "3268", "global catalog"),
    ("TCP", SMB_PORT, "SMB (Group Policy, SYSVOL)"),
    ("TCP", RPC_ENDPOINT_MAPPER, "RPC endpoint mapper"),
    ("TCP", "", "RPC dynamic ports"),
    ("UDP", "123", "time"),
)
"""What a member server needs of its domain controllers (docs/domain-facts.md: facts-domain-membership; KB 832017),
in flow order; the empty port stands for the domain controller's dynamic RPC range."""

FlowKind = Literal[
    "client",
    "proxy-forward",
    "intranet-client",
    "crl",
    "site-system-crl",
    "site-server",
    "site-server-wsus",
    "mp-availability",
    "site-server-sql",
    "site-system-status",
    "mp-database",
    "mp-replica",
    "replication",
    "wsus-database",
    "sup-sync",
    "microsoft-update",
    "domain-membership",
]
"""Flow kinds, in the order of the list (this module's docstring)."""
Need = Literal[
    "internet-management-point",
    "internet-distribution-point",
    "internet-fallback-status-point",
    "internet-software-update-point",
    "crl",
    "site-system-installation",
    "mp-availability",
    "site-system-status",
    "site-database",
    "database-replica",
    "wsus-database",
    "sup-synchronisation",
    "microsoft-update",
    "domain-membership",
]
"""What a flow is needed for; the checklist maps each need to the step that opens it."""

CLIENT_KINDS: frozenset[str] = frozenset({"client", "proxy-forward", "intranet-client", "crl"})
"""Kinds that carry client traffic (drawn in the client style in the diagram)."""


@dataclass(frozen=True)
class Flow:
    """One connection a firewall (or nobody) must allow, and what it is needed for."""

    id: str
    kind: FlowKind
    source: str
    source_zone: ZoneName
    destination: str
    destination_zone: ZoneName
    protocol: Protocol
    port: str
    purpose: str
    need: Need
    firewalls: tuple[str, ...]
    note: str | None = None
    origin: ModelPath = ()
    """Input path that makes the flow exist, so a diagnostic about it can be located."""
    source_ref: str = ""
    """What the source is, unambiguously: ``server:<name>``, ``cluster:<name>``, ``proxy:<name>``,
    ``clients``, ``intranet-clients``, ``crl:<host>``, ``microsoft-update``, ``dc:<forest>/<name>`` (a domain
    controller of ``directory``) or ``directory:<forest>`` (a forest's unlisted domain controllers); names alone
    may coincide."""
    destination_ref: str = ""
    """Like ``source_ref``, for the destination."""
    source_address: str | None = None
    """The source's own address (its private one), when known: a reverse proxy's public listener address is not
    where its connections to the site systems come from."""
    destination_address: str | None = None
    """The address the flow reaches behind any translation: the destination's private address, else its public
    one; None when unknown."""
    nat: Nat | None = None
    """The front firewall's destination translation, for an inbound flow to a destination with both addresses."""

    @property
    def is_client_traffic(self) -> bool:
        return self.kind in CLIENT_KINDS

    @property
    def pair(self) -> tuple[str, str]:
        return (self.source, self.destination)

    @property
    def direction(self) -> str:
        """``inbound`` when the flow goes towards the more trusted zone, else ``outbound`` (the same for both
        firewalls, which order their zones the same way)."""
        return "inbound" if zone_rank(self.destination_zone) > zone_rank(self.source_zone) else "outbound"


@dataclass(frozen=True)
class _Endpoint:
    """Something a flow starts or ends at: a server, an NLB cluster, the proxy or an outside party."""

    name: str
    zone: ZoneName
    ref: str
    address: str | None = None
    """Its own address on its network (the private side), when known."""
    public_ip: str | None = None
    """The address Internet clients reach it at, when it is published."""


@dataclass(frozen=True)
class Nat:
    """A destination translation on the front firewall: Internet clients reach ``public``, the firewall forwards to
    ``private``."""

    public: str
    private: str


def zone_rank(zone: str) -> int:
    """0 for the Internet, 2 for the intranet: higher is more trusted."""
    return [str(z) for z in ZONES].index(zone)


def firewalls_between(topo: Topology, source_zone: str, destination_zone: str) -> tuple[str, ...]:
    """Firewalls a flow between two zones crosses: front, back, or both (front then back)."""
    network = topo.model.network
    low, high = sorted((zone_rank(source_zone), zone_rank(destination_zone)))
    crossed: list[str] = []
    if low == 0 and high >= 1:
        crossed.append(network.front_firewall.name)
    if low <= 1 and high == 2:
        crossed.append(network.back_firewall.name)
    return tuple(crossed)


def slug(text: str) -> str:
    """Lower-case ``text`` and collapse everything but letters and digits to ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class _Builder:
    """Collects flows in order, resolving firewalls, ids and duplicates."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.flows: list[Flow] = []
        self._by_key: dict[tuple[str, str, str, str], int] = {}
        self._ids: set[str] = set()

    def add(
        self,
        kind: FlowKind,
        source: _Endpoint,
        destination: _Endpoint,
        protocol: Protocol,
        port: str,
        purpose: str,
        need: Need,
        *,
        origin: ModelPath,
        note: str | None = None,
        firewalls: tuple[str, ...] | None = None,
    ) -> None:
        assert port not in FORBIDDEN_PORTS
        key = (source.ref.upper(), destination.ref.upper(), protocol, port)
        if key in self._by_key:
            index = self._by_key[key]
            earlier = self.flows[index]
            if purpose not in earlier.purpose:
                self.flows[index] = replace(earlier, purpose=f"{earlier.purpose}; {purpose}")
            return
        base = slug(f"{kind}-{source.name}-{destination.name}-{protocol}-{port}")
        flow_id, n = base, 2
        while flow_id in self._ids:
            flow_id, n = f"{base}-{n}", n + 1
        self._ids.add(flow_id)
        crossed = firewalls_between(self.topo, source.zone, destination.zone) if firewalls is None else firewalls
        self._by_key[key] = len(self.flows)
        self.flows.append(
            Flow(
                id=flow_id,
                kind=kind,
                source=source.name,
                source_zone=source.zone,
                destination=destination.name,
                destination_zone=destination.zone,
                protocol=protocol,
                port=port,
                purpose=purpose,
                need=need,
                firewalls=crossed,
                note=note,
                origin=origin,
                source_ref=source.ref,
                destination_ref=destination.ref,
                source_address=source.address,
                destination_address=destination.address or destination.public_ip,
                nat=_nat(self.topo, destination, crossed),
            )
        )


def _nat(topo: Topology, destination: _Endpoint, firewalls: tuple[str, ...]) -> Nat | None:
    """The front firewall translates the public address of a destination that also has a private one."""
    front = topo.model.network.front_firewall.name
    if front not in firewalls or destination.zone == "internet":
        return None
    if destination.public_ip and destination.address and destination.public_ip != destination.address:
        return Nat(public=destination.public_ip, private=destination.address)
    return None


def _server_endpoint(server: Server) -> _Endpoint:
    return _Endpoint(server.name, server.zone, f"server:{server.name}", server.address, server.public_ip)


def _cluster_endpoint(topo: Topology, cluster: NlbCluster) -> _Endpoint:
    return _Endpoint(
        cluster.name, cluster_zone(topo, cluster), f"cluster:{cluster.name}", cluster.address, cluster.public_ip
    )


def cluster_zone(topo: Topology, cluster: NlbCluster) -> ZoneName:
    """An NLB cluster sits where its (first) member sits."""
    member = topo.server(cluster.members[0])
    return member.zone if member else "intranet"


def _proxy_origin(topo: Topology, names: Iterable[str]) -> ModelPath:
    proxy = topo.model.network.reverse_proxy
    assert proxy is not None
    wanted = {n.upper() for n in names}
    for p, name in enumerate(proxy.publishes):
        if name.upper() in wanted:
            return ("network", "reverse_proxy", "publishes", p)
    return ("network", "reverse_proxy")


_CLIENT_PURPOSES: dict[RoleKey, tuple[Need, str]] = {
    "management_point": ("internet-management-point", "client requests to the management point (HTTPS)"),
    "distribution_point": (
        "internet-distribution-point",
        "content download from the distribution point (BITS over HTTPS)",
    ),
    "fallback_status_point": (
        "internet-fallback-status-point",
        "state messages to the fallback status point (HTTP, anonymous)",
    ),
    "software_update_point": ("internet-software-update-point", "software update scan"),
}


def _client_role_flows(b: _Builder, role: RoleKey) -> None:
    """Clients to every server (or NLB cluster) whose ``role`` accepts Internet connections."""
    topo = b.topo
    index = topo.server_index
    seen: set[str] = set()
    need, purpose = _CLIENT_PURPOSES[role]
    for server in topo.servers_with(role):
        settings = getattr(server.roles, role)
        if role == "fallback_status_point":
            if settings.connections != "both":
                continue
        elif not accepts_internet(settings.connections):
            continue
        cluster = topo.cluster_for(server, role)
        origin: ModelPath = ("servers", index[server.key], "roles", role, "connections")
        if cluster is not None and cluster.internet_fqdn:
            if f"nlb:{cluster.name}" in seen:
                continue
            seen.add(f"nlb:{cluster.name}")
            target = _cluster_endpoint(topo, cluster)
            members = [m for m in (topo.server(n) for n in cluster.members) if m is not None]
            proxied = [m.name for m in members if topo.published_by_proxy(m)]
        else:
            target = _server_endpoint(server)
            proxied = [server.name] if topo.published_by_proxy(server) else []
        for protocol, port, detail in _client_ports(topo, role, server):
            text = f"{purpose}{detail}"
            _client_flow(b, target, protocol, port, text, need, origin, proxied)


def _intranet_client_flows(b: _Builder, role: RoleKey) -> None:
    """Intranet clients to ``role`` on every perimeter server (or its NLB cluster) that has ``connections: both``.

    See docs/domain-facts.md: facts-intranet-clients.

    The cluster is the destination when it has an intranet FQDN (intranet clients reach it by that name);
    otherwise each member is. Ports are those the role serves clients on (:meth:`Topology.client_ports`).
    """
    topo = b.topo
    index = topo.server_index
    clients = _Endpoint(INTRANET_CLIENTS, "intranet", "intranet-clients")
    need, purpose = _CLIENT_PURPOSES[role]
    seen: set[str] = set()
    for server in topo.servers_with(role):
        settings = getattr(server.roles, role)
        if server.zone != "perimeter" or settings.connections != "both":
            continue
        cluster = topo.cluster_for(server, role)
        if cluster is not None and cluster.intranet_fqdn:
            if cluster.name in seen:
                continue
            seen.add(cluster.name)
            target = _cluster_endpoint(topo, cluster)
        else:
            target = _server_endpoint(server)
        origin: ModelPath = ("servers", index[server.key], "roles", role, "connections")
        for scheme, port in topo.client_ports(server, role):
            detail = f" ({scheme})" if role == "software_update_point" else ""
            b.add(
                "intranet-client",
                clients,
                target,
                "TCP",
                str(port),
                f"intranet clients: {purpose}{detail}",
                need,
                origin=origin,
            )


def _client_ports(topo: Topology, role: RoleKey, server: Server) -> list[tuple[Protocol, str, str]]:
    ports = topo.site.client_ports
    if role == "software_update_point":
        sup = server.roles.software_update_point
        assert sup is not None
        http, https = SupEndpoint(server.name, (server,), None, sup.connections).wsus_ports
        site = "WSUS custom web site" if sup.wsus_website == "custom" else "WSUS on the Default Web Site"
        return [
            ("TCP", str(https), f" metadata (HTTPS, {site})"),
            ("TCP", str(http), f" non-encrypted WSUS data such as EULAs (HTTP, {site})"),
        ]
    if role == "fallback_status_point":
        return [("TCP", str(ports.http), "")]
    return [("TCP", str(ports.https), "")]


def _client_flow(
    b: _Builder,
    target: _Endpoint,
    protocol: Protocol,
    port: str,
    purpose: str,
    need: Need,
    origin: ModelPath,
    proxied: list[str],
) -> None:
    clients = _Endpoint(INTERNET_CLIENTS, "internet", "clients")
    proxy = b.topo.model.network.reverse_proxy
    if proxy is None or not proxied:
        b.add("client", clients, target, protocol, port, purpose, need, origin=origin)
        return
    mode = "SSL bridging" if proxy.mode == "ssl_bridging" else "SSL tunnelling"
    proxy_end = _Endpoint(proxy.name, proxy.zone, f"proxy:{proxy.name}", proxy.address, proxy.public_ip)
    b.add(
        "client", clients, proxy_end, protocol, port, f"{purpose}, published by the reverse proxy", need, origin=origin
    )
    b.add(
        "proxy-forward",
        proxy_end,
        target,
        protocol,
        port,
        f"{purpose}, forwarded by the reverse proxy ({mode})",
        need,
        origin=_proxy_origin(b.topo, proxied),
    )


def _crl_target(pki: Pki) -> tuple[str, str, str]:
    """(host, port, note on the port) of the CRL distribution point: from ``pki.crl_url``, else the placeholder."""
    if pki.crl_url:
        parts = urlsplit(pki.crl_url)
        host = parts.hostname or CRL_PLACEHOLDER
        port = str(parts.port or (443 if parts.scheme == "https" else 80))
        return host, port, f"Port from pki.crl_url ({parts.scheme})."
    return CRL_PLACEHOLDER, "80", "Usually HTTP TCP 80; the PKI defines it (confirm with the PKI team)."


def _crl_flow(b: _Builder) -> None:
    pki = b.topo.model.pki
    if not pki.client_crl_checking:
        return
    host, port, note = _crl_target(pki)
    if not pki.crl_published_on_internet:
        note += " The CRL is not yet published on the Internet (pki.crl_published_on_internet is false)."
    b.add(
        "crl",
        _Endpoint(INTERNET_CLIENTS, "internet", "clients"),
        _Endpoint(host, "internet", f"crl:{host}"),
        "TCP",
        port,
        "revocation check of site system certificates (CRL download)",
        "crl",
        origin=("pki", "crl_url") if pki.crl_url else ("pki", "client_crl_checking"),
        note=note,
    )


def _site_system_crl_flows(b: _Builder) -> None:
    """Each perimeter server with an HTTPS role accepting Internet connections checks client certificates against the
    CRL.

    A fallback status point takes anonymous HTTP and checks no client certificate, so a server whose only Internet
    role it is needs no CRL.  The distribution point is on the Internet when ``pki.crl_published_on_internet``, else
    in the intranet.  To confirm: docs/domain-facts.md, facts-crl-site-systems.
    """
    topo = b.topo
    pki = topo.model.pki
    if not pki.client_crl_checking:
        return
    host, port, _ = _crl_target(pki)
    crl = _Endpoint(host, "internet" if pki.crl_published_on_internet else "intranet", f"crl:{host}")
    for i, server in enumerate(topo.model.servers):
        https_roles = [role for role in topo.internet_roles(server) if role != "fallback_status_point"]
        if server.zone != "perimeter" or not https_roles:
            continue
        b.add(
            "site-system-crl",
            _server_endpoint(server),
            crl,
            "TCP",
            port,
            "revocation check of client certificates (CRL download)",
            "crl",
            origin=("servers", i, "zone"),
            note=SITE_SYSTEM_CRL_NOTE,
        )


def _site_server_flows(b: _Builder) -> None:
    """The site server to every site system (installation, WSUS, the management point availability check of
    docs/domain-facts.md: facts-mp-availability), then to the database server."""
    topo = b.topo
    site_server = topo.site_server
    source = _server_endpoint(site_server)
    origin: ModelPath = ("site", "site_server")
    for i, server in enumerate(topo.model.servers):
        if server.key == site_server.key or not server.roles.items():
            continue
        target = _server_endpoint(server)
        need: Need = "site-system-installation"
        b.add(
            "site-server",
            source,
            target,
            "TCP",
            SMB_PORT,
            "SMB: install and repair the site system, copy content and files",
            need,
            origin=origin,
        )
        rpc_protocols: tuple[Protocol, ...] = ("TCP", "UDP")
        for protocol in rpc_protocols:
            b.add(
                "site-server",
                source,
                target,
                protocol,
                RPC_ENDPOINT_MAPPER,
                "RPC endpoint mapper: site system installation",
                need,
                origin=origin,
            )
        b.add(
            "site-server",
            source,
            target,
            "TCP",
            topo.rpc_range(server),
            f"RPC dynamic ports of {server.name} ({server.os}): site system installation",
            need,
            origin=origin,
        )
        sup = server.roles.software_update_point
        if sup is not None:
            http, https = SupEndpoint(server.name, (server,), None, sup.connections).wsus_ports
            sup_need: Need = (
                "internet-software-update-point" if accepts_internet(sup.connections) else "site-system-installation"
            )
            for port, scheme in ((https, "HTTPS"), (http, "HTTP")):
                b.add(
                    "site-server-wsus",
                    source,
                    target,
                    "TCP",
                    str(port),
                    f"WSUS ({scheme}): configure WSUS and start synchronisation",
                    sup_need,
                    origin=origin,
                )
        if server.roles.management_point is not None:
            b.add(
                "mp-availability",
                source,
                target,
                "TCP",
                str(topo.site.client_ports.https),
                "management point availability check (SMS_MP_CONTROL_MANAGER, HTTPS; MPControl.log on the site server)",
                "mp-availability",
                origin=("servers", i, "roles", "management_point"),
            )
    database = topo.database_server
    if database.key != site_server.key:
        b.add(
            "site-server-sql",
            source,
            _server_endpoint(database),
            "TCP",
            SQL_PORT,
            "SQL: site server to the site database",
            "site-database",
            origin=("site", "database_server"),
        )


def _status_flows(b: _Builder) -> None:
    """Internet-based MP, FSP and SUP hand data and status to the site server when they may initiate."""
    topo = b.topo
    site_server = topo.site_server
    for i, server in enumerate(topo.model.servers):
        if server.key == site_server.key or not topo.is_internet_based(server):
            continue
        if topo.site_server_initiated(server):
            continue
        senders = [ROLE_ABBREVIATIONS[key] for key, _ in server.roles.items() if key != "distribution_point"]
        if not senders:
            continue
        origin: ModelPath = (
            ("servers", i, "site_server_initiated")
            if server.site_server_initiated is not None
            else ("servers", i, "zone")
        )
        b.add(
            "site-system-status",
            _server_endpoint(server),
            _server_endpoint(site_server),
            "TCP",
            SMB_PORT,
            f"SMB: {'/'.join(senders)} {'sends' if len(senders) == 1 else 'send'} data and status to the "
            "site server "
            "(site_server_initiated is false)",
            "site-system-status",
            origin=origin,
        )


def _database_flows(b: _Builder) -> None:
    topo = b.topo
    database, replica = topo.database_server, topo.replica_server
    for i, server in enumerate(topo.model.servers):
        mp = server.roles.management_point
        if mp is None:
            continue
        origin: ModelPath = ("servers", i, "roles", "management_point", "database")
        if mp.database == "site" and server.key != database.key:
            b.add(
                "mp-database",
                _server_endpoint(server),
                _server_endpoint(database),
                "TCP",
                SQL_PORT,
                "SQL: management point reads and writes the site database",
                "site-database",
                origin=origin,
            )
        elif mp.database == "replica" and replica is not None and server.key != replica.key:
            b.add(
                "mp-replica",
                _server_endpoint(server),
                _server_endpoint(replica),
                "TCP",
                SQL_PORT,
                "SQL: management point reads the site database replica",
                "database-replica",
                origin=origin,
            )
    if replica is not None and replica.key != database.key:
        assert topo.model.database_replica is not None
        b.add(
            "replication",
            _server_endpoint(database),
            _server_endpoint(replica),
            "TCP",
            SQL_PORT,
            f"SQL transactional replication to {topo.model.database_replica.database} (push subscription)",
            "database-replica",
            origin=("database_replica", "server"),
            note="Push subscription assumed: the distributor connects to the subscriber (to confirm "
            "with the database team; a pull subscription reverses the direction).",
        )
    _wsus_database_flows(b)


def _wsus_database_flows(b: _Builder) -> None:
    """Each member of an NLB software update point uses the cluster's shared WSUS database.

    See docs/domain-facts.md: facts-nlb-sup-database.
    """
    topo = b.topo
    for c, cluster in enumerate(topo.model.nlb_clusters):
        if cluster.role != "software_update_point" or cluster.wsus_database is None:
            continue
        database = topo.server(cluster.wsus_database)
        assert database is not None, "checked by validation"
        for name in cluster.members:
            member = topo.server(name)
            if member is None or member.key == database.key:
                continue
            b.add(
                "wsus-database",
                _server_endpoint(member),
                _server_endpoint(database),
                "TCP",
                SQL_PORT,
                f"SQL: WSUS on a member of the NLB software update point {cluster.name} uses their shared WSUS "
                "database",
                "wsus-database",
                origin=("nlb_clusters", c, "wsus_database"),
                note=WSUS_DATABASE_PORT_NOTE,
            )


def _software_update_flows(b: _Builder) -> None:
    """Internet SUP synchronisation (docs/domain-facts.md: facts-sup-sync), then the active SUP to Microsoft Update
    (facts-microsoft-update: through the front firewall from the perimeter)."""
    topo = b.topo
    active, internet = topo.active_sup, topo.internet_sup
    if active is not None and internet is not None and topo.internet_sup_sync == "automatic":
        http, https = active.wsus_ports
        target = _sup_target(topo, active)
        index = topo.server_index
        for server in internet.servers:
            origin: ModelPath = (
                ("software_updates", "internet_sup_sync")
                if topo.model.software_updates.internet_sup_sync
                else ("servers", index[server.key], "roles", "software_update_point")
            )
            for port, scheme in ((https, "HTTPS"), (http, "HTTP")):
                b.add(
                    "sup-sync",
                    _server_endpoint(server),
                    target,
                    "TCP",
                    str(port),
                    f"WSUS synchronisation ({scheme}): the Internet-based SUP pulls metadata from the active SUP",
                    "sup-synchronisation",
                    origin=origin,
                )
    if active is not None:
        index = topo.server_index
        for server in active.servers:
            # From the intranet: the usual egress (matrix only); from the perimeter: out through the front firewall.
            perimeter = server.zone == "perimeter"
            for mu_port in ("80", "443"):
                b.add(
                    "microsoft-update",
                    _server_endpoint(server),
                    _Endpoint(MICROSOFT_UPDATE, "internet", "microsoft-update"),
                    "TCP",
                    mu_port,
                    "active SUP synchronises the update catalogue with Microsoft Update",
                    "microsoft-update",
                    origin=("servers", index[server.key], "roles", "software_update_point"),
                    note=MICROSOFT_UPDATE_PERIMETER_NOTE if perimeter else MICROSOFT_UPDATE_NOTE,
                    firewalls=None if perimeter else (),
                )


def _domain_controllers(topo: Topology, forest: str) -> list[tuple[_Endpoint, OperatingSystem | None]]:
    """The domain controllers of ``forest`` as endpoints, each with its OS (None for the unlisted placeholder)."""
    zone = topo.directory_zone(forest)
    listed: list[DomainController] = topo.domain_controllers(forest)
    if not listed:
        name = DOMAIN_CONTROLLERS.format(forest=forest)
        return [(_Endpoint(name, zone, f"directory:{forest.lower()}"), None)]
    return [(_Endpoint(dc.name, zone, f"dc:{forest.lower()}/{dc.name}", dc.address), dc.os) for dc in listed]


def _domain_membership_flows(b: _Builder) -> None:
    """Each perimeter server reaches the domain controllers of its forest (docs/domain-facts.md:
    facts-domain-membership; KB 832017).

    Standard Windows traffic, not ConfigMgr's: without it the server cannot authenticate (SQL Server with
    Windows authentication, Group Policy, certificate autoenrolment, time).
    """
    topo = b.topo
    for i, server in enumerate(topo.model.servers):
        if server.zone != "perimeter":
            continue
        forest = topo.forest_of(server)
        origin: ModelPath = ("servers", i, "forest") if server.forest else ("servers", i, "zone")
        for dc, dc_os in _domain_controllers(topo, forest):
            rpc_range = RPC_RANGES[dc_os or DEFAULT_DC_OS]
            rpc_service = (
                f"RPC dynamic ports of the domain controller ({dc_os})"
                if dc_os
                else f"RPC dynamic ports of the domain controllers ({DEFAULT_DC_OS} default; to confirm)"
            )
            for protocol, port, service in DOMAIN_MEMBERSHIP_PORTS:
                b.add(
                    "domain-membership",
                    _server_endpoint(server),
                    dc,
                    protocol,
                    port or rpc_range,
                    f"domain membership ({forest}): {service if port else rpc_service}",
                    "domain-membership",
                    origin=origin,
                )


def _sup_target(topo: Topology, sup: SupEndpoint) -> _Endpoint:
    if sup.cluster is not None and sup.cluster.intranet_fqdn:
        return _cluster_endpoint(topo, sup.cluster)
    return _server_endpoint(sup.servers[0])


def derive_flows(topo: Topology) -> list[Flow]:
    """Every flow of the site, in the order documented in this module's docstring."""
    b = _Builder(topo)
    roles: tuple[RoleKey, ...] = (
        "management_point",
        "distribution_point",
        "software_update_point",
        "fallback_status_point",
    )
    for role in roles:
        _client_role_flows(b, role)
    for role in roles:
        _intranet_client_flows(b, role)
    _crl_flow(b)
    _site_system_crl_flows(b)
    _site_server_flows(b)
    _status_flows(b)
    _database_flows(b)
    _software_update_flows(b)
    _domain_membership_flows(b)
    return list(b.flows)


def perimeter_initiated_flows(flows: list[Flow]) -> list[Flow]:
    """Flows from the perimeter into the intranet.

    The design review (``generator.plan.review``) reports them when
    ``network.back_firewall.perimeter_may_initiate`` is false: an error, except a
    perimeter server's CRL check (kind ``site-system-crl``), a warning to confirm.
    Each flow's ``source`` names the server (or proxy) that opens the connection
    and its ``origin`` the input path to point the diagnostic at. The list is
    returned whatever the setting, so callers decide.
    """
    return [f for f in flows if f.source_zone == "perimeter" and f.destination_zone == "intranet"]
