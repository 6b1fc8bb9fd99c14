"""Step 5: per Internet-based site system, its FQDNs, installation account and certificate binding."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import account_needs
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.ids import StepId
from generator.derive.checklist.instructions import console, each, names, verb
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.certificates import CertificateRequest
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import NlbCluster, Server
from generator.model.topology import Topology, WebDavSetup
from generator.model.vocabulary import ROLE_TITLES, console_paths


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
    site_server_initiated: bool
    """Allow only site server initiated data transfers is ticked in the wizard when the server is added (the
    site-server-initiated-transfers step decides it)."""
    webdav: WebDavSetup | None
    """How WebDAV is set up by hand: a download on Windows Server 2008, an IIS role service on 2008 R2; None on
    Windows Server 2003 or without a management point or BITS distribution point."""


@dataclass(frozen=True)
class InstallSiteSystemsView:
    """The Internet-based site systems of the site and the site-server connection group."""

    servers: tuple[SiteSystemEntry, ...]
    connection_group: str
    site_server_initiated: tuple[str, ...] = ()
    """The servers on which Allow only site server initiated data transfers is ticked in the wizard (empty: none)."""


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


def _entry(topo: Topology, server: Server, initiated: set[str]) -> SiteSystemEntry:
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
        site_server_initiated=server.name in initiated,
        webdav=topo.webdav_setup(server),
    )


def view(topo: Topology, _network: NetworkPlan) -> InstallSiteSystemsView:
    """Each Internet-based site system needs its FQDNs, account and WebDAV worded per server."""
    initiated = [s.name for s in topo.site_server_initiated_servers]
    return InstallSiteSystemsView(
        servers=tuple(_entry(topo, server, set(initiated)) for server in topo.internet_servers),
        connection_group=topo.site_server_connection_group,
        site_server_initiated=tuple(initiated),
    )


def _fqdns_shown(entry: SiteSystemEntry) -> str:
    """What the General tab of the server's site system properties shows."""
    if entry.internet_fqdn:
        shown = f"Internet FQDN {entry.internet_fqdn}"
    else:
        clusters = names(c.cluster for c in entry.clustered_roles)
        shown = f"no Internet FQDN (Internet clients reach it through {clusters or 'its NLB cluster'})"
    return shown + (f" and intranet FQDN {entry.intranet_fqdn}" if entry.intranet_fqdn else "")


def _binding_checks(certificates: list[CertificateRequest]) -> list[Instruction]:
    """The new web server certificates (issued in the certificates step) are bound where ConfigMgr uses them."""
    return [
        Instruction(
            f"The HTTPS binding of {c.bound_to.split(';')[0]} on {c.holder} uses its new certificate "
            f"({names(c.names)}): IIS Manager shows it in the site's bindings, or netsh lists it for port 443 "
            "or the site's HTTPS port.",
            command="netsh http show sslcert",
            where=c.holder,
        )
        for c in certificates
        if c.kind == "web_server"
    ]


def work(topo: Topology, network: NetworkPlan, view: InstallSiteSystemsView) -> StepWork:
    """Each Internet-based site system is installed once its prerequisites, firewall rules, transfer mode and
    account are in place; it then exists with its certificate, and is undone by clearing its Internet FQDN and
    deleting it once its roles are gone."""
    servers = [s.name for s in topo.internet_servers]
    requires = {res.BACKUP, *res.firewalls(network), *(res.prerequisites(s) for s in servers)}
    requires |= res.new_certificates(network, servers)  # issued in the certificates step
    requires |= {res.transfer_mode(s.name) for s in topo.site_server_initiated_servers if s.name in servers}
    if any(a.kind == "site_system_installation" for a in account_needs(topo)):
        requires.add(res.account("site_system_installation"))
    paths = console_paths(topo.site.code, topo.site.name)
    site_server = topo.site_server.name
    listed = names(servers)
    new = [c for c in network.certificates if c.status == "new" and c.kind != "client_authentication"]
    other_forest = [s.name for s in view.servers if s.other_forest]
    verification = [
        Instruction(
            f"{s.name} appears under {console(*paths.site_systems[-2:])}, and the General tab of its ConfigMgr site "
            f"system properties shows {_fqdns_shown(s)}."
        )
        for s in view.servers
    ]
    verification += [
        Instruction(
            f"Site System Status shows {listed} without errors (in the console under {paths.site_node} → System "
            "Status → Site Status; the node names are to confirm)."
        ),
        Instruction(
            f"sitecomp.log on the site server {site_server} shows the site system components installed on {listed} "
            "without errors (log name to confirm).",
            where=site_server,
        ),
        *_binding_checks(new),
    ]
    if other_forest:
        verification.append(
            Instruction(
                f"{names(other_forest)} {'is' if len(other_forest) == 1 else 'are'} not in the local group "
                f"{view.connection_group} on {site_server} (servers of an untrusted forest are not added to it).",
                command=f"net localgroup {view.connection_group}",
                where=site_server,
            )
        )
    rollback = [
        Instruction(
            f"Clear the Internet FQDN {s.internet_fqdn} of {s.name} (General tab of its ConfigMgr site system "
            "properties)."
        )
        for s in reversed(view.servers)
        if s.internet_fqdn
    ]
    if view.servers:
        rollback.append(
            Instruction(
                f"Once their roles are removed (the rollback of the later steps), delete "
                f"{names(s.name for s in reversed(view.servers))} from Site Systems, each only if this change added "
                "it."
            )
        )
    return StepWork(
        requires=frozenset(requires),
        provides=frozenset(res.site_system(s) for s in servers),
        minutes=10 + 15 * len(servers),
        verification=tuple(verification),
        evidence=(
            f"A screenshot of the General tab of the ConfigMgr site system properties of {each(servers)}.",
            f"A screenshot of Site System Status showing {listed}.",
            *(
                (f"The netsh http show sslcert output of {names(c.holder for c in new)}, showing the bindings.",)
                if new
                else ()
            ),
        ),
        rollback=tuple(rollback),
        gate=(
            f"{listed} {verb(servers, 'is a site system', 'are site systems')} of {topo.site.code} with "
            "the FQDNs of this runbook, and Site System Status shows no errors.",
            *((f"The HTTPS bindings of {names(c.holder for c in new)} use the new certificates.",) if new else ()),
        ),
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
