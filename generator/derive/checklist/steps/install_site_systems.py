"""Step 5: per Internet-based site system, its FQDNs, installation account and certificates."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step
from generator.derive.checklist.ids import StepId
from generator.model.schema import NlbCluster, Server
from generator.model.topology import Topology
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
    needs_manual_webdav: bool


@dataclass(frozen=True)
class InstallSiteSystemsView:
    """The Internet-based site systems of the site and the site-server connection group."""

    servers: tuple[SiteSystemEntry, ...]
    connection_group: str


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
        needs_manual_webdav=topo.needs_manual_webdav(server),
    )


def view(topo: Topology) -> InstallSiteSystemsView:
    """Each Internet-based site system needs its FQDNs, account and WebDAV worded per server."""
    return InstallSiteSystemsView(
        servers=tuple(_entry(topo, server) for server in topo.internet_servers),
        connection_group=topo.site_server_connection_group,
    )


STEP = Step(
    id="install-site-systems",
    title="Install the site systems and configure their Internet FQDN",
    condition=conditions.always(
        "always included: each Internet-based site system needs its Internet FQDN and certificate"
    ),
    view=view,
    serves=frozenset({"site-system-installation", "site-system-status"}),
)
