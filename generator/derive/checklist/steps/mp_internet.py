"""Step 11: each management point that accepts Internet connections."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import AccountNeed, account_for, account_needs
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import (
    IN_A_BROWSER,
    ON_THE_INTERNET,
    each,
    names,
    portqry,
    server_host,
    verb,
)
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology, WebDavSetup
from generator.model.vocabulary import ROLE_CONSOLE_NODES

DEFAULT_HTTPS_PORT = 443
"""The test URLs leave the port out when the site's client HTTPS port is the default."""


@dataclass(frozen=True)
class InternetMpEntry:
    """One management point that accepts Internet connections."""

    name: str
    connections: str
    """Its ``management_point.connections`` (internet or both)."""
    internet_only: bool
    """The MP accepts Internet connections only (``connections: internet``)."""
    uses_replica: bool
    """The MP reads the SQL Server replica instead of the site database."""
    cluster: str | None
    """The NLB cluster it is a member of, if any."""
    cluster_fqdn: str | None
    """That cluster's Internet FQDN."""
    internet_fqdn: str | None
    """The server's own Internet FQDN."""
    client_fqdn: str | None
    """The FQDN Internet clients use: the cluster's when clustered, else the server's."""
    url: str
    """The HTTPS URL Internet clients reach it at."""
    mplist_url: str
    """The management point's test URL that returns the management point list (``/sms_mp/.sms_aut?mplist``)."""
    mpcert_url: str
    """The management point's test URL that returns its certificate (``/sms_mp/.sms_aut?mpcert``)."""
    database_account: AccountNeed | None
    """The management point database connection account it logs on to the SQL Server it reads with (that server
    is in another forest), created in the accounts step; None when its computer account logs on."""
    webdav: WebDavSetup | None
    """How WebDAV is set up by hand: a download on Windows Server 2008, an IIS role service on 2008 R2; None on
    Windows Server 2003."""


@dataclass(frozen=True)
class MpInternetView:
    """What the mp-internet step words: each Internet MP and the database it reads."""

    console_node: str
    mps: tuple[InternetMpEntry, ...]
    database_server: str
    replica_server: str | None
    replica_database: str | None
    clients_internet_only: bool
    """Clients never join the intranet, so the site needs no default management point."""
    internet_only: bool
    """Some management point accepts Internet connections only (whether the console offers that is to confirm)."""
    site_server: str
    """Where ``MPControl.log`` is: the site server's ``SMS_MP_CONTROL_MANAGER`` polls every management point."""
    database_account: bool
    """Some management point logs on to its database with a connection account (where it is entered: to confirm)."""


def test_urls(https: int, fqdn: str) -> tuple[str, str]:
    """The management point test URLs (reference 16.3) through ``fqdn``: ``?mplist`` and ``?mpcert``; the port is
    left out when the client HTTPS port is the default."""
    port = "" if https == DEFAULT_HTTPS_PORT else f":{https}"
    base = f"https://{fqdn}{port}/sms_mp/.sms_aut"
    return f"{base}?mplist", f"{base}?mpcert"


def url_checks(fqdn: str, url: str, mplist_url: str, mpcert_url: str, through: str = "") -> list[Instruction]:
    """The certificate and the two test URLs of one name Internet clients use (``through``: how the request gets
    there, e.g. " through the NLB cluster CEN-MP-NLB")."""
    return [
        Instruction(
            f"The management point answers{through} with a certificate for {fqdn}.",
            command=url,
            where=ON_THE_INTERNET,
        ),
        Instruction(
            f"The mplist test URL returns the list of management points{through}. The site is in native mode, so the "
            "browser needs a client authentication certificate.",
            command=mplist_url,
            where=IN_A_BROWSER,
        ),
        Instruction(
            f"The mpcert test URL returns the management point's certificate{through}.",
            command=mpcert_url,
            where=IN_A_BROWSER,
        ),
    ]


def view(topo: Topology, _network: NetworkPlan) -> MpInternetView:
    """Resolve each Internet MP's connections, database, cluster and WebDAV need so the template only words them."""
    https = topo.site.client_ports.https
    replica = topo.model.database_replica
    mps = []
    for server in topo.internet_mps:
        mp = server.roles.management_point
        assert mp is not None
        cluster = topo.cluster_for(server, "management_point")
        client_fqdn = topo.internet_fqdn_for(server, "management_point")
        mplist_url, mpcert_url = test_urls(https, client_fqdn or "<Internet FQDN>")
        mps.append(
            InternetMpEntry(
                name=server.name,
                connections=mp.connections,
                internet_only=mp.connections == "internet",
                uses_replica=mp.database == "replica",
                cluster=cluster.name if cluster else None,
                cluster_fqdn=cluster.internet_fqdn if cluster else None,
                internet_fqdn=server.internet_fqdn,
                client_fqdn=client_fqdn,
                url=f"https://{client_fqdn}:{https}/",
                mplist_url=mplist_url,
                mpcert_url=mpcert_url,
                database_account=account_for(topo, "mp_database_connection", server.name),
                webdav=topo.webdav_setup(server),
            )
        )
    return MpInternetView(
        console_node=ROLE_CONSOLE_NODES["management_point"],
        mps=tuple(mps),
        database_server=topo.database_server.name,
        replica_server=topo.replica_server.name if topo.replica_server else None,
        replica_database=replica.database if replica else None,
        clients_internet_only=topo.clients_internet_only,
        internet_only=any(mp.internet_only for mp in mps),
        site_server=topo.site_server.name,
        database_account=any(m.database_account is not None for m in mps),
    )


def _settings(view: MpInternetView, mp: InternetMpEntry) -> Instruction:
    connections = "Internet-only" if mp.internet_only else "intranet and Internet"
    database = (
        f"Use a database replica with {view.replica_server} and {view.replica_database}"
        if mp.uses_replica
        else f"the site database on {view.database_server} (Use a database replica cleared)"
    )
    account = (
        f", connecting with the {mp.database_account.in_sentence} instead of its computer account (where the "
        "account is shown: to confirm)"
        if mp.database_account
        else ""
    )
    return Instruction(
        f"The General tab of the {view.console_node} properties of {mp.name} shows {connections} client connections "
        f"and {database}{account}."
    )


def _account_checks(view: MpInternetView) -> list[Instruction]:
    """A management point that logs on with an account: MPControl.log and the SQL Server it reads show no failed
    logon with that account."""
    checks = []
    for mp in view.mps:
        account = mp.database_account
        if account is None:
            continue
        sql = view.replica_server if mp.uses_replica and view.replica_server else view.database_server
        checks.append(
            Instruction(
                f"MPControl.log on the site server {view.site_server} shows {mp.name} answering, and the SQL Server "
                f"log on {sql} has no failed logon of the {account.in_sentence} from {mp.name}: the management point "
                "reads its database with it."
            )
        )
    return checks


def _database_check(topo: Topology, view: MpInternetView) -> list[Instruction]:
    """Each management point reaches the SQL Server it reads, on TCP 1433."""
    checks = []
    for uses_replica in (False, True):
        readers = [m.name for m in view.mps if m.uses_replica == uses_replica]
        target = topo.replica_server if uses_replica else topo.database_server
        if not readers or target is None:
            continue
        what = f"the replica on {target.name}" if uses_replica else f"the site database on {target.name}"
        checks.append(
            Instruction(
                f"{names(readers)} {verb(readers, 'reaches', 'each reach')} {what} on SQL Server TCP 1433. Expect "
                "LISTENING.",
                command=portqry(server_host(target), ["1433"]),
                where=each(readers),
            )
        )
    return checks


def _url_checks(view: MpInternetView) -> list[Instruction]:
    """The test URLs once per name Internet clients use; those of an NLB cluster are checked once the cluster exists,
    in the NLB management point step."""
    checks = []
    for mp in {m.client_fqdn: m for m in view.mps if m.cluster is None}.values():
        checks += url_checks(mp.client_fqdn or "", mp.url, mp.mplist_url, mp.mpcert_url)
    return checks


def _rollback(view: MpInternetView, mp: InternetMpEntry) -> Instruction:
    if mp.internet_only:
        return Instruction(
            f"Remove the management point role from {mp.name}: under Site Systems → {mp.name}, right-click "
            f"{view.console_node} → Delete."
        )
    replica = ", and clear Use a database replica" if mp.uses_replica else ""
    return Instruction(
        f"Set Allowed client connections of the management point on {mp.name} back to intranet only{replica} "
        f"(General tab of its {view.console_node} properties)."
    )


def work(topo: Topology, network: NetworkPlan, view: MpInternetView) -> StepWork:
    """A management point is configured for Internet clients once its site system, certificate, database (the
    replica when it reads one) and account exist; checked where the reference says (MPControl.log on the site
    server, the test URLs from the Internet)."""
    servers = [m.name for m in view.mps]
    requires = {*(res.site_system(s) for s in servers), *res.new_certificates(network, servers)}
    if any(m.uses_replica for m in view.mps):
        requires.add(res.REPLICA)
    if any(a.kind == "mp_database_connection" for a in account_needs(topo)):
        requires.add(res.account("mp_database_connection"))
    https = str(topo.site.client_ports.https)
    mps = [topo.server(m) for m in servers]
    listed = names(servers)
    urls = list({m.client_fqdn: m for m in view.mps if m.cluster is None}.values())
    return StepWork(
        requires=frozenset(requires),
        provides=frozenset(res.role("management_point", s) for s in servers),
        minutes=10 + 10 * len(servers),
        verification=(
            *(_settings(view, m) for m in view.mps),
            Instruction(
                f"MPSetup.log and mpMSI.log on {listed} record a successful installation of the management point."
            ),
            *_database_check(topo, view),
            *_account_checks(view),
            Instruction(
                f"The site server {view.site_server} reaches {listed} on HTTPS {https}, where SMS_MP_CONTROL_MANAGER "
                f"polls {verb(servers, 'it', 'them')}. Expect LISTENING.",
                command="\n".join(portqry(server_host(m), [https]) for m in mps if m is not None),
                where=view.site_server,
            ),
            Instruction(
                f"MPControl.log on the site server {view.site_server}, where SMS_MP_CONTROL_MANAGER polls every "
                f"management point, shows that it reaches {listed} without errors."
            ),
            *_url_checks(view),
        ),
        evidence=(
            f"A screenshot of the General tab of the {view.console_node} properties of {each(servers)}.",
            f"The excerpt of MPControl.log on {view.site_server} showing {listed} polled without errors, with the "
            "time.",
            f"The excerpts of MPSetup.log and mpMSI.log on {listed} that record the installation.",
            *(
                (
                    "The answers of "
                    + names(u for m in urls for u in (m.mplist_url, m.mpcert_url))
                    + ", saved with the date and the time.",
                )
                if urls
                else ()
            ),
        ),
        rollback=tuple(_rollback(view, m) for m in reversed(view.mps)),
        gate=(
            f"MPControl.log on {view.site_server} shows {listed} answering without errors.",
            *(f"{m.mplist_url} returns the management point list from the Internet." for m in urls),
        ),
    )


STEP = Step(
    id="mp-internet",
    title="Configure a management point for Internet-based client connections",
    condition=conditions.role_internet("management_point", "management point"),
    view=view,
    serves=frozenset({"internet-management-point", "mp-availability"}),
    phase=4,
    owner="configmgr",
    seed_item=9,
    work=work,
)
