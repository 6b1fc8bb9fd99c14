"""Step 7: the Internet FQDN of an Internet-based NLB software update point, and the cluster it needs.

A load-balanced software update point (docs/domain-facts.md, facts-nlb-sup-database): every member runs WSUS 3.0
against one shared WSUS database (``wsus_database``) and one shared content location; the site server uses the
software update point connection account; each member's computer account is in the local Administrators group of
every other member; the NLB cluster is configured after the roles; at most four members.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import SupEndpoint, Topology

MAX_NLB_SUP_MEMBERS = 4
"""Configuration Manager 2007 supports at most four WSUS servers behind one NLB software update point."""


@dataclass(frozen=True)
class LocalAdministrators:
    """One member and the other members whose computer accounts go into its local Administrators group."""

    member: str
    forest: str
    others: tuple[str, ...]


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
    wsus_database: str
    """The SQL Server holding the WSUS database every member shares (``wsus_database``, required)."""
    wsus_database_fqdn: str | None
    """That server's intranet FQDN, when the site input gives it."""
    wsus_custom_website: bool
    """WSUS runs on its own web site (8530/8531), not the Default Web Site, on every member."""
    configuressl_name: str | None
    """The name ``wsusutil configuressl`` gets on every member: the cluster's intranet FQDN (None: not given)."""
    administrators: tuple[LocalAdministrators, ...]
    """Per member, the other members whose computer accounts join its local Administrators group."""
    public_ip: str | None
    """The virtual address Internet clients reach."""
    address: str | None
    """The cluster's virtual address on its own network."""


@dataclass(frozen=True)
class NlbSupInternetFqdnView:
    """The Internet-based NLB SUP clusters and the site server whose log shows synchronisation."""

    clusters: tuple[NlbSupCluster, ...]
    site_server: str
    max_members: int
    """At most this many WSUS servers behind one NLB software update point."""


def _cluster(topo: Topology, sup: SupEndpoint) -> NlbSupCluster:
    """The cluster's facts; ``configuressl_name`` is its intranet FQDN.

    ``WSUSUtil configuressl`` is run with the intranet FQDN of the software update point (the name the site
    server and the active software update point use, which is why even an Internet-based one needs it in its
    certificate); behind NLB that name is the cluster's, the same on every member.
    """
    cluster = sup.cluster
    assert cluster is not None and cluster.internet_fqdn is not None, "checked by validation"
    http, https = sup.wsus_ports
    assert cluster.wsus_database is not None, "checked by validation (nlb-sup-missing-wsus-database)"
    database = topo.server(cluster.wsus_database)
    members = [server.name for server in sup.servers]
    website = sup.servers[0].roles.software_update_point
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
        wsus_database=database.name if database else cluster.wsus_database,
        wsus_database_fqdn=database.intranet_fqdn if database else None,
        wsus_custom_website=website is not None and website.wsus_website == "custom",
        configuressl_name=cluster.intranet_fqdn,
        administrators=tuple(
            LocalAdministrators(server.name, topo.forest_of(server), tuple(m for m in members if m != server.name))
            for server in sup.servers
        ),
        public_ip=cluster.public_ip,
        address=cluster.address,
    )


def view(topo: Topology, _network: NetworkPlan) -> NlbSupInternetFqdnView:
    """Each clustered Internet-based SUP: its shared database, WSUS and SSL per member, roles, NLB, component."""
    return NlbSupInternetFqdnView(
        clusters=tuple(_cluster(topo, sup) for sup in topo.internet_sup_endpoints if sup.cluster),
        site_server=topo.site_server.name,
        max_members=MAX_NLB_SUP_MEMBERS,
    )


def work(topo: Topology, network: NetworkPlan, view: NlbSupInternetFqdnView) -> StepWork:
    """WSUS and the software update point role are on every member before the cluster is configured."""
    clusters = [c for c in topo.model.nlb_clusters if c.name in {v.name for v in view.clusters}]
    members = {m for c in clusters for m in c.members}
    return StepWork(
        requires=frozenset(
            {
                *(res.role("software_update_point", m) for m in members),
                *(res.wsus(m) for m in members),
                *res.public_names(network, [c.name for c in clusters]),
            }
        ),
        provides=frozenset(res.nlb(c.name) for c in clusters),
        minutes=45 * len(clusters),
    )


STEP = Step(
    id="nlb-sup-internet-fqdn",
    title="Specify the Internet FQDN of an Internet-based NLB software update point",
    condition=conditions.nlb_internet("software_update_point"),
    view=view,
    serves=frozenset({"wsus-database"}),
    phase=4,
    owner="configmgr",
    seed_item=6,
    work=work,
)
