"""Step 7: the Internet FQDN of an Internet-based NLB software update point."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step
from generator.model.topology import SupEndpoint, Topology


@dataclass(frozen=True)
class NlbSupCluster:
    """An NLB software update point cluster that accepts Internet connections."""

    name: str
    members: tuple[str, ...]
    connections: str
    internet_only: bool
    """The cluster is the active Internet-based SUP (``connections: internet``), not the active SUP."""
    internet_fqdn: str
    intranet_fqdn: str | None
    wsus_http: int
    wsus_https: int
    probe_url: str
    """The HTTPS address of the WSUS web site that checks the cluster's certificate from the Internet."""


@dataclass(frozen=True)
class NlbSupInternetFqdnView:
    """The Internet-based NLB SUP clusters and the site server whose log shows synchronisation."""

    clusters: tuple[NlbSupCluster, ...]
    site_server: str


def _cluster(sup: SupEndpoint) -> NlbSupCluster:
    cluster = sup.cluster
    assert cluster is not None and cluster.internet_fqdn is not None, "checked by validation"
    http, https = sup.wsus_ports
    return NlbSupCluster(
        name=cluster.name,
        members=tuple(server.name for server in sup.servers),
        connections=sup.connections,
        internet_only=sup.connections == "internet",
        internet_fqdn=cluster.internet_fqdn,
        intranet_fqdn=cluster.intranet_fqdn,
        wsus_http=http,
        wsus_https=https,
        probe_url=f"https://{cluster.internet_fqdn}:{https}/",
    )


def view(topo: Topology) -> NlbSupInternetFqdnView:
    """Each clustered Internet-based SUP needs the role on every member and its cluster FQDNs in the component."""
    return NlbSupInternetFqdnView(
        clusters=tuple(_cluster(sup) for sup in topo.internet_sup_endpoints if sup.cluster),
        site_server=topo.site_server.name,
    )


STEP = Step(
    id="nlb-sup-internet-fqdn",
    title="Specify the Internet FQDN of an Internet-based NLB software update point",
    condition=conditions.nlb_internet("software_update_point"),
    view=view,
    serves=frozenset({"wsus-database"}),
)
