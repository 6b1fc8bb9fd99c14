"""Derive the DNS records a site needs (docs/domain-facts.md, DNS).

Internet clients find the site systems only through public DNS, so every
Internet FQDN gets a record; the address is the one clients reach (the server,
the NLB virtual IP, or the reverse proxy listener), or ``None`` when nobody has
assigned it yet.  Public records come first, then the informational intranet ones.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from generator.model.schema import NlbCluster, Server
from generator.model.topology import Topology

Scope = Literal["public", "intranet"]
RecordType = Literal["A", "AAAA"]


@dataclass(frozen=True)
class DnsRecord:
    """One host record to register (or check), with who it is for."""

    scope: Scope
    name: str
    type: RecordType
    value: str | None
    """The address, or None when it is still to be assigned."""
    holder: str
    """The server, NLB cluster or service the name belongs to."""
    purpose: str
    note: str | None = None


def record_type(address: str | None) -> RecordType:
    """AAAA for an IPv6 address, A otherwise (also while the address is unknown)."""
    if address is not None and ipaddress.ip_address(address).version == 6:
        return "AAAA"
    return "A"


def _proxy_address(topo: Topology, servers: list[Server]) -> tuple[bool, str | None]:
    """Whether the reverse proxy publishes any of ``servers``, and its public address."""
    proxy = topo.model.network.reverse_proxy
    if proxy is not None and any(topo.published_by_proxy(s) for s in servers):
        return True, proxy.public_ip
    return False, None


def _public_server_record(topo: Topology, server: Server) -> DnsRecord | None:
    if not server.internet_fqdn or not topo.is_internet_based(server):
        return None
    proxied, proxy_ip = _proxy_address(topo, [server])
    value = proxy_ip if proxied else server.public_ip
    proxy = topo.model.network.reverse_proxy
    roles = ", ".join(topo.internet_roles(server)).replace("_", " ")
    note = f"published by the reverse proxy {proxy.name}" if proxied and proxy else None
    return DnsRecord(
        "public",
        server.internet_fqdn,
        record_type(value),
        value,
        server.name,
        f"Internet FQDN of {server.name} ({roles})",
        note,
    )


def _public_cluster_record(topo: Topology, cluster: NlbCluster) -> DnsRecord | None:
    if not cluster.internet_fqdn:
        return None
    members = [m for m in (topo.server(n) for n in cluster.members) if m is not None]
    proxied, proxy_ip = _proxy_address(topo, members)
    value = proxy_ip if proxied else cluster.public_ip
    proxy = topo.model.network.reverse_proxy
    note = (
        f"published by the reverse proxy {proxy.name}"
        if proxied and proxy
        else "NLB virtual IP as seen from the Internet"
    )
    return DnsRecord(
        "public",
        cluster.internet_fqdn,
        record_type(value),
        value,
        cluster.name,
        f"Internet FQDN of the NLB cluster {cluster.name} ({cluster.role.replace('_', ' ')})",
        note,
    )


def _crl_record(topo: Topology) -> DnsRecord | None:
    pki = topo.model.pki
    if not pki.crl_url or not pki.client_crl_checking:
        return None
    host = urlsplit(pki.crl_url).hostname
    if not host:
        return None
    return DnsRecord(
        "public",
        host,
        "A",
        None,
        "PKI",
        "host of the CRL distribution point (pki.crl_url)",
        "owned by the PKI team: check that it resolves and answers from the Internet",
    )


def _intranet_note(topo: Topology, server: Server) -> str:
    """A name of the site server's forest is usually registered by the computer itself; a name of another forest
    is in that forest's DNS, which the site server must be able to query (docs/domain-facts.md, DNS)."""
    if not topo.in_other_forest(server):
        return "informational: usually registered automatically"
    return (
        f"in the DNS of forest {topo.forest_of(server)}: the site server {topo.site_server.name} resolves it "
        "through a conditional forwarder or a stub zone, or a hosts file entry"
    )


def derive_dns_records(topo: Topology) -> list[DnsRecord]:
    """Public records (servers, NLB clusters, CRL host) then intranet records, each in model order."""
    public: list[DnsRecord | None] = [_public_server_record(topo, s) for s in topo.model.servers]
    public += [_public_cluster_record(topo, c) for c in topo.model.nlb_clusters]
    public.append(_crl_record(topo))
    intranet = [
        DnsRecord(
            "intranet",
            server.intranet_fqdn,
            record_type(server.address),
            server.address,
            server.name,
            f"intranet FQDN of {server.name}",
            _intranet_note(topo, server),
        )
        for server in topo.model.servers
        if server.intranet_fqdn
    ]
    intranet += [
        DnsRecord(
            "intranet",
            cluster.intranet_fqdn,
            record_type(cluster.address),
            cluster.address,
            cluster.name,
            f"intranet FQDN of the NLB cluster {cluster.name}",
            "register the cluster's intranet virtual IP",
        )
        for cluster in topo.model.nlb_clusters
        if cluster.intranet_fqdn
    ]
    records: list[DnsRecord] = []
    seen: set[tuple[str, str]] = set()
    for record in [r for r in public if r is not None] + intranet:
        key = (record.scope, record.name.lower())
        if key not in seen:
            seen.add(key)
            records.append(record)
    return records
