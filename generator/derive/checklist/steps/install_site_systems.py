"""Step 5: per Internet-based site system, its FQDNs, installation account and certificates."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import account_needs
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.ids import StepId
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import NlbCluster, Server
from generator.model.topology import Topology, WebDavSetup
from generator.model.vocabulary import ROLE_TITLES


@dataclass(frozen=True)
class InternetRole:
    """A role of the server that accepts Internet connections."""

    title: str
    connections: str


@dataclass(frozen=True)
class ClusteredRole:
    """An Internet-based role the server serves through an NLB cluster, and the step that names the cluster."""

    role_title: str
    cluster: str
    internet_fqdn: str
    nlb_step: StepId


@dataclass(frozen=True)
class SiteSystemEntry:
    """One Internet-based site system to install."""

    name: str
    zone: str
    forest: str
    os_label: str
    roles: tuple[InternetRole, ...]
    intranet_fqdn: str | None
    internet_fqdn: str | None
    clustered_roles: tuple[ClusteredRole, ...]
    """Roles reached through an NLB cluster (worded only when the server has no Internet FQDN of its own)."""
    other_forest: bool
    install_account: str | None
    webdav: WebDavSetup | None
    """How WebDAV is set up by hand: a download on Windows Server 2008, an IIS role service on 2008 R2; None on
    Windows Server 2003 or without a management point or BITS distribution point."""


@dataclass(frozen=True)
class RequestFileEnrolment:
    """A server in another forest that needs a new certificate and cannot autoenrol from the intranet CA."""

    server: str
    forest: str
    names: tuple[str, ...]
    """The FQDNs its certificate request must hold."""


@dataclass(frozen=True)
class InstallSiteSystemsView:
    """The Internet-based site systems of the site and the site-server connection group."""

    servers: tuple[SiteSystemEntry, ...]
    connection_group: str
    nlb_members: bool
    """Some servers are members of an NLB cluster, so their certificates hold the cluster's FQDNs (to confirm)."""
    internet_only_sup: bool
    """The site has an Internet-based software update point, whose certificate needs both FQDNs."""
    request_file_enrolments: tuple[RequestFileEnrolment, ...] = ()
    """Servers in another forest than the site server that need a new certificate (empty: none on this site)."""


def _nlb_step(cluster: NlbCluster) -> StepId:
    return "nlb-mp-internet-fqdn" if cluster.role == "management_point" else "nlb-sup-internet-fqdn"


def _clustered_roles(topo: Topology, server: Server) -> tuple[ClusteredRole, ...]:
    entries = []
    for role in topo.internet_roles(server):
        cluster = topo.cluster_for(server, role)
        if cluster is None:
            continue
        assert cluster.internet_fqdn is not None, "checked by validation"
        entries.append(ClusteredRole(ROLE_TITLES[role], cluster.name, cluster.internet_fqdn, _nlb_step(cluster)))
    return tuple(entries)


def _entry(topo: Topology, server: Server) -> SiteSystemEntry:
    roles = tuple(
        InternetRole(ROLE_TITLES[key], role.connections)
        for key, role in server.roles.items()
        if key in topo.internet_roles(server)
    )
    return SiteSystemEntry(
        name=server.name,
        zone=server.zone,
        forest=topo.forest_of(server),
        os_label=server.os.replace("_", " "),
        roles=roles,
        intranet_fqdn=server.intranet_fqdn,
        internet_fqdn=server.internet_fqdn,
        clustered_roles=_clustered_roles(topo, server),
        other_forest=topo.in_other_forest(server),
        install_account=server.install_account,
        webdav=topo.webdav_setup(server),
    )


def view(topo: Topology, network: NetworkPlan) -> InstallSiteSystemsView:
    """Each Internet-based site system needs its FQDNs, account and WebDAV worded per server."""
    return InstallSiteSystemsView(
        servers=tuple(_entry(topo, server) for server in topo.internet_servers),
        connection_group=topo.site_server_connection_group,
        nlb_members=bool(topo.model.nlb_clusters),
        internet_only_sup=topo.internet_sup is not None,
        request_file_enrolments=_request_file_enrolments(network),
    )


def _request_file_enrolments(network: NetworkPlan) -> tuple[RequestFileEnrolment, ...]:
    """The new certificates of servers in another forest: they cannot autoenrol from the intranet CA."""
    return tuple(
        RequestFileEnrolment(c.holder, c.forest, c.names)
        for c in network.certificates
        if c.status == "new" and c.forest is not None
    )


def work(topo: Topology, network: NetworkPlan, view: InstallSiteSystemsView) -> StepWork:
    """Each Internet-based site system is installed once its prerequisites, firewall rules, transfer mode and
    account are in place; it then exists with its certificate."""
    del view
    servers = [s.name for s in topo.internet_servers]
    requires = {res.BACKUP, *res.firewalls(network), *(res.prerequisites(s) for s in servers)}
    requires |= {res.transfer_mode(s.name) for s in topo.site_server_initiated_servers if s.name in servers}
    if any(a.kind == "site_system_installation" for a in account_needs(topo)):
        requires.add(res.account("site_system_installation"))
    return StepWork(
        requires=frozenset(requires),
        provides=frozenset({*(res.site_system(s) for s in servers), *res.new_certificates(network, servers)}),
        minutes=15 + 30 * len(servers),
    )


STEP = Step(
    id="install-site-systems",
    title="Install the site systems and configure their Internet FQDN",
    condition=conditions.always(
        "always included: each Internet-based site system needs its Internet FQDN and certificate"
    ),
    view=view,
    serves=frozenset({"site-system-installation", "site-system-status"}),
    phase=3,
    owner="configmgr",
    seed_item=5,
    work=work,
)
