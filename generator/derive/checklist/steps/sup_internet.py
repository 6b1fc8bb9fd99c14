"""Step 14: the software update points that accept Internet connections."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import AccountNeed, account_for, account_needs
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.ids import StepId
from generator.derive.checklist.instructions import ON_THE_INTERNET, console, names, portqry, server_host
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import Server
from generator.model.topology import SupEndpoint, Topology
from generator.model.vocabulary import console_paths


@dataclass(frozen=True)
class SupServerEntry:
    """One server of an Internet-facing software update point, as its WSUS SSL setup and checks need it."""

    name: str
    configure_ssl_command: str
    """The ``WSUSUtil.exe configuressl`` command line for the server's intranet FQDN."""
    certificate_fqdn: str | None
    """The Internet FQDN its certificate must also hold (Internet-based SUPs only)."""
    internet_fqdn: str | None
    url: str | None
    """The HTTPS URL of its WSUS site on the Internet, when the server has an Internet FQDN."""


@dataclass(frozen=True)
class SupEntry:
    """A software update point as clients see it: one server or an NLB cluster."""

    name: str
    internet_only: bool
    """The SUP is the active Internet-based SUP (``connections: internet``), not one for intranet and Internet."""
    clustered: bool
    """The SUP is an NLB cluster."""
    wsus_http_port: int
    wsus_https_port: int
    server_names: tuple[str, ...]
    servers: tuple[SupServerEntry, ...]
    internet_servers: tuple[SupServerEntry, ...]
    """Its servers that have an Internet FQDN."""
    connection_account: AccountNeed | None
    """The software update point connection account the site server configures its WSUS with (an untrusted forest
    or an NLB cluster), created in the accounts step; None when the site server's computer account does."""


@dataclass(frozen=True)
class SupInternetView:
    """What the sup-internet step words: the SUPs for intranet and Internet, the Internet-based ones and WSUS SSL."""

    both_sups: tuple[SupEntry, ...]
    """Active SUPs that accept intranet and Internet connections."""
    internet_only_sups: tuple[SupEntry, ...]
    """Active Internet-based SUP candidates."""
    internet_sups: tuple[SupEntry, ...]
    """Every SUP endpoint that accepts Internet connections."""
    active_sup: str | None
    """The active (intranet) SUP that must exist before the Internet-based one."""
    sync_step: StepId
    """The step that sets up synchronisation of the Internet-based SUP with the active one."""
    site_server: str
    clustered: bool
    """An Internet-facing software update point is an NLB cluster (the component's NLB option is to confirm)."""
    connection_account: bool
    """Some software update point of this step is entered with a connection account (where: to confirm)."""


def _configuressl_name(sup: SupEndpoint, server: Server) -> str | None:
    """The name ``WSUSUtil configuressl`` gets: the intranet FQDN of the software update point as the site sees it,
    so the NLB cluster's on every member of a cluster (the nlb-sup-internet-fqdn step says the same)."""
    if sup.cluster is not None:
        return sup.cluster.intranet_fqdn
    return server.intranet_fqdn


def _entry(topo: Topology, sup: SupEndpoint) -> SupEntry:
    internet_only = sup.connections == "internet"
    http, https = sup.wsus_ports
    servers = tuple(
        SupServerEntry(
            name=s.name,
            configure_ssl_command=f"WSUSUtil.exe configuressl {_configuressl_name(sup, s) or '<intranet FQDN>'}",
            certificate_fqdn=(s.internet_fqdn or (sup.cluster.internet_fqdn if sup.cluster else None))
            if internet_only
            else None,
            internet_fqdn=s.internet_fqdn,
            url=f"https://{s.internet_fqdn}:{https}/" if s.internet_fqdn else None,
        )
        for s in sup.servers
    )
    return SupEntry(
        name=sup.name,
        internet_only=internet_only,
        clustered=sup.cluster is not None,
        wsus_http_port=http,
        wsus_https_port=https,
        server_names=tuple(s.name for s in sup.servers),
        servers=servers,
        internet_servers=tuple(s for s in servers if s.internet_fqdn),
        connection_account=account_for(topo, "sup_connection", sup.name),
    )


def view(topo: Topology, _network: NetworkPlan) -> SupInternetView:
    """Resolve the SUP endpoints, their WSUS ports and synchronisation so the template only words them."""
    active = topo.active_sup
    return SupInternetView(
        both_sups=tuple(_entry(topo, sup) for sup in topo.active_sups if sup.connections == "both"),
        internet_only_sups=tuple(_entry(topo, sup) for sup in topo.internet_only_sups),
        internet_sups=tuple(_entry(topo, sup) for sup in topo.internet_sup_endpoints),
        active_sup=active.name if active else None,
        sync_step="sup-sync-automatic" if topo.internet_sup_sync == "automatic" else "sup-sync-export-import",
        site_server=topo.site_server.name,
        clustered=any(sup.cluster is not None for sup in topo.internet_sup_endpoints),
        connection_account=any(
            account_for(topo, "sup_connection", sup.name) is not None
            for sup in topo.internet_sup_endpoints
            if sup.cluster is None
        ),
    )


WSUS_SSL_ROOTS = (
    "ApiRemoting30",
    "ClientWebService",
    "DSSAuthWebService",
    "ServerSyncWebService",
    "SimpleAuthWebService",
)
"""The five virtual roots of the WSUS web site that require SSL in native mode (the names are to confirm)."""


def _role(sup: SupEntry) -> str:
    return "active Internet-based software update point" if sup.internet_only else "active software update point"


def _sup_checks(topo: Topology, view: SupInternetView, sup: SupEntry, component: str) -> list[Instruction]:
    connections = "Internet-based" if sup.internet_only else "intranet and Internet"
    hosts = [server_host(s) for name in sup.server_names if (s := topo.server(name)) is not None]
    ports = [str(sup.wsus_https_port), str(sup.wsus_http_port)]
    # An NLB cluster is named in the component only once it exists: nlb-sup-internet-fqdn sets and checks that.
    checks = [
        Instruction(f"{names(sup.server_names)} each show the software update point role under Site Systems.")
        if sup.clustered
        else Instruction(
            f"In {component}, the Software Update Point Component shows {sup.name} with {connections} client "
            f"connections and WSUS ports {sup.wsus_http_port}/{sup.wsus_https_port} with SSL."
        ),
        Instruction(
            f"The site server {view.site_server} reaches the WSUS web site of {names(sup.server_names)} on TCP "
            f"{', '.join(ports)}. Expect LISTENING.",
            command="\n".join(portqry(host, ports) for host in hosts),
            where=view.site_server,
        ),
        Instruction(
            f"In IIS Manager on {names(sup.server_names)}, the five WSUS virtual roots of the WSUS web site require "
            f"SSL ({names(WSUS_SSL_ROOTS)}: names to confirm)."
        ),
    ]
    account = sup.connection_account
    if account is not None and not sup.clustered:  # a cluster's account is entered and checked with the cluster
        checks.append(
            Instruction(
                f"The Software Update Point Component properties give the {account.in_sentence} for {sup.name}, "
                f"and WCM.log on the site server {view.site_server} shows no logon failure with it when it connects "
                f"to WSUS on {names(sup.server_names)} (where the account is shown: to confirm)."
            )
        )
    checks += [
        Instruction(
            f"The WSUS web site of {s.name} answers with a certificate for {s.internet_fqdn}.",
            command=s.url,
            where=ON_THE_INTERNET,
        )
        for s in sup.internet_servers
        if s.url
    ]
    return checks


def _rollback(sup: SupEntry) -> list[Instruction]:
    if not sup.internet_only:
        return [
            Instruction(
                f"On the General tab of the Software Update Point Component properties, choose Allow intranet-only "
                f"client connections again for {sup.name}."
            )
        ]
    steps = [
        Instruction(
            "On the Internet-based tab of the Software Update Point Component properties, choose None instead of the "
            f"active remote Internet-based software update point {sup.name} (Internet clients then get no software "
            "update scans)."
        )
    ]
    still = " if it still has it (the rollback of the NLB cluster removes it too)" if sup.clustered else ""
    steps += [
        Instruction(
            f"Remove the software update point role from {name}{still}: under Site Systems → {name}, right-click "
            "ConfigMgr software update point → Delete."
        )
        for name in sup.server_names
    ]
    return steps


def work(topo: Topology, network: NetworkPlan, view: SupInternetView) -> StepWork:
    """The software update point role goes onto every server of every Internet-facing software update point (each
    member of an NLB cluster too) where WSUS is installed, with its certificate and, where needed, the connection
    account; checked in the component, in IIS and by the next synchronisation."""
    servers = sorted({name for sup in view.internet_sups for name in sup.server_names})
    requires = {
        *(res.site_system(s) for s in servers),
        *(res.wsus(s) for s in servers),
        *res.new_certificates(network, servers),
    }
    if any(a.kind == "sup_connection" for a in account_needs(topo)):
        requires.add(res.account("sup_connection"))
    component = console(*console_paths(topo.site.code, topo.site.name).component_configuration[-2:])
    all_servers = [name for sup in view.internet_sups for name in sup.server_names]
    urls = [s.url for sup in view.internet_sups for s in sup.internet_servers if s.url]
    return StepWork(
        requires=frozenset(requires),
        provides=frozenset(res.role("software_update_point", s) for s in servers),
        minutes=10 + 15 * len(servers),
        verification=(
            *(i for sup in view.internet_sups for i in _sup_checks(topo, view, sup, component)),
            Instruction(
                f"WCM.log on the site server {view.site_server} shows WSUS configured on {names(all_servers)} without "
                "errors (log name and location to confirm)."
            ),
            Instruction(
                f"wsyncmgr.log on the site server {view.site_server} shows the next synchronisation finished, with "
                "status message 6702 from SMS_WSUS_SYNC_MANAGER."
            ),
        ),
        evidence=(
            "A screenshot of the General and Internet-based tabs of the Software Update Point Component properties.",
            f"The output of WSUSUtil.exe configuressl on {names(all_servers)}.",
            *((f"A screenshot of the certificate presented from the Internet by {names(urls)}.",) if urls else ()),
            f"The excerpt of wsyncmgr.log on {view.site_server} with the time of status message 6702.",
        ),
        rollback=tuple(i for sup in reversed(view.internet_sups) for i in _rollback(sup)),
        gate=(
            *(
                f"The Software Update Point Component shows {sup.name} as the {_role(sup)}, with WSUS ports "
                f"{sup.wsus_http_port}/{sup.wsus_https_port} and SSL."
                for sup in view.internet_sups
            ),
            *(
                f"{s.url} answers from the Internet with a trusted certificate for {s.internet_fqdn}."
                for sup in view.internet_sups
                for s in sup.internet_servers
                if s.url
            ),
        ),
    )


STEP = Step(
    id="sup-internet",
    title="Configure a software update point for Internet-based client connections",
    condition=conditions.role_internet("software_update_point", "software update point"),
    view=view,
    serves=frozenset({"internet-software-update-point"}),
    phase=4,
    owner="configmgr",
    seed_item=9,
    work=work,
)
