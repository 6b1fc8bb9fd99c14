"""Step 7: the Internet FQDN of an Internet-based NLB software update point, and the cluster it needs.

A load-balanced software update point (docs/domain-facts.md, facts-nlb-sup-database): every member runs WSUS 3.0
against one shared WSUS database (``wsus_database``) and one shared content location; the site server uses the
software update point connection account; each member's computer account is in the local Administrators group of
every other member; the NLB cluster is configured after the roles; at most four members.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import AccountNeed, account_for
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import ON_THE_INTERNET, console, names, nslookup, portqry, server_host
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import SupEndpoint, Topology
from generator.model.vocabulary import console_paths

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
    connection_account: AccountNeed | None
    """The software update point connection account of the cluster, created in the accounts step (always set: an
    NLB software update point needs one)."""


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
        connection_account=account_for(topo, "sup_connection", cluster.name),
    )


def view(topo: Topology, _network: NetworkPlan) -> NlbSupInternetFqdnView:
    """Each clustered Internet-based SUP: its shared database, WSUS and SSL per member, roles, NLB, component."""
    return NlbSupInternetFqdnView(
        clusters=tuple(_cluster(topo, sup) for sup in topo.internet_sup_endpoints if sup.cluster),
        site_server=topo.site_server.name,
        max_members=MAX_NLB_SUP_MEMBERS,
    )


def _checks(topo: Topology, cluster: NlbSupCluster, component: str, site_server: str) -> list[Instruction]:
    members = names(cluster.members)
    database = topo.server(cluster.wsus_database)
    database_host = server_host(database) if database else cluster.wsus_database
    account = cluster.connection_account
    return [
        Instruction(
            f"{members} each show the software update point role under Site Systems (added in the software update "
            "point step)."
        ),
        *(
            Instruction(
                f"The local Administrators group of {a.member} holds the computer "
                f"{'account' if len(a.others) == 1 else 'accounts'} of {names(a.others)}.",
                command="net localgroup Administrators",
                where=a.member,
            )
            for a in cluster.administrators
        ),
        Instruction(
            f"Each member reaches the shared WSUS database on {cluster.wsus_database} over SQL Server TCP 1433 "
            "(the instance's port: to confirm with the database team). Expect LISTENING.",
            command=portqry(database_host, ["1433"]),
            where=f"each of {members}",
        ),
        Instruction(
            f"The WSUS administration console on each member shows the same updates: they share the WSUS database "
            f"on {cluster.wsus_database} (WSUS was installed in the server prerequisites step)."
        ),
        Instruction(
            f"The WSUS web site of each of {members} requires SSL and was set up with wsusutil configuressl "
            f"{cluster.configuressl_name or '<the cluster intranet FQDN>'} (in the software update point step)."
        ),
        Instruction(f"Network Load Balancing Manager shows the cluster {cluster.name} with {members} converged."),
        Instruction(
            f"In {component}, the Software Update Point Component properties show {cluster.internet_fqdn} as the "
            f"Internet FQDN of {cluster.name}, with WSUS ports {cluster.wsus_http} and {cluster.wsus_https} and SSL"
            + (f", and the {account.in_sentence}; where the account is shown is to confirm." if account else ".")
        ),
        Instruction(
            f"{cluster.internet_fqdn} resolves to {cluster.public_ip or 'the public address of ' + cluster.name} "
            "from the Internet.",
            command=nslookup(cluster.internet_fqdn),
            where=ON_THE_INTERNET,
        ),
        Instruction(
            f"{cluster.probe_url} presents a trusted certificate for {cluster.internet_fqdn}.",
            command=cluster.probe_url,
            where=ON_THE_INTERNET,
        ),
        Instruction(
            f"WCM.log on the site server {site_server} shows WSUS configured on {members} without errors (log name "
            "and location to confirm)."
        ),
        Instruction(
            f"After the next synchronisation, wsyncmgr.log on the site server {site_server} shows no errors, and "
            "status message 6702 from SMS_WSUS_SYNC_MANAGER reports that it finished."
        ),
    ]


def _rollback(cluster: NlbSupCluster) -> list[Instruction]:
    members = names(cluster.members)
    component = (
        f"Make sure the Software Update Point Component no longer names {cluster.name}: its Internet-based tab shows "
        "None, or the active Internet-based software update point recorded before the change (with None, Internet "
        "clients get no software update scans)."
        if cluster.internet_only
        else "On the General tab of the Software Update Point Component properties, set the active software update "
        f"point {cluster.name} back to the server and client connection option recorded before the change."
    )
    return [
        Instruction(component),
        Instruction(f"Delete the Windows NLB cluster {cluster.name} in Network Load Balancing Manager."),
        Instruction(
            f"The software update point role of {members} is removed by the rollback of the software update "
            "point step, which comes after this one when undoing the change."
        ),
        Instruction(
            f"WSUS 3.0 is uninstalled from {members} by the rollback of the server prerequisites step; once it is gone "
            f"from every member, the database team removes the shared WSUS database from {cluster.wsus_database}, and "
            "the shared content folder is deleted."
        ),
        Instruction(
            f"Remove the computer accounts of {members} from the local Administrators groups of the other members."
        ),
    ]


def work(topo: Topology, network: NetworkPlan, view: NlbSupInternetFqdnView) -> StepWork:
    """WSUS and the software update point role are on every member before the cluster is configured; checked on
    every member, undone from the component back to the members."""
    clusters = [c for c in topo.model.nlb_clusters if c.name in {v.name for v in view.clusters}]
    members = {m for c in clusters for m in c.members}
    paths = console_paths(topo.site.code, topo.site.name)
    component = console(*paths.component_configuration[-2:])
    return StepWork(
        requires=frozenset(
            {
                *(res.role("software_update_point", m) for m in members),
                *(res.wsus(m) for m in members),
                *res.public_names(network, [c.name for c in clusters]),
                *(res.account("sup_connection") for c in view.clusters if c.connection_account),
            }
        ),
        provides=frozenset(res.nlb(c.name) for c in clusters),
        minutes=45 * len(clusters),
        verification=tuple(i for c in view.clusters for i in _checks(topo, c, component, view.site_server)),
        evidence=tuple(
            e
            for c in view.clusters
            for e in (
                f"A screenshot of Network Load Balancing Manager with {c.name} converged.",
                f"A screenshot of the update count in the WSUS console of each of {names(c.members)}.",
                f"A screenshot of the Software Update Point Component properties with {c.internet_fqdn}.",
                f"The excerpt of wsyncmgr.log on {view.site_server} with the time of status message 6702.",
            )
        ),
        rollback=tuple(i for c in reversed(view.clusters) for i in _rollback(c)),
        gate=tuple(
            g
            for c in view.clusters
            for g in (
                f"The NLB cluster {c.name} is converged with {names(c.members)}, each with the software update point "
                "role and the shared WSUS database.",
                f"The Software Update Point Component shows {c.internet_fqdn} as the Internet FQDN of {c.name}.",
            )
        ),
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
