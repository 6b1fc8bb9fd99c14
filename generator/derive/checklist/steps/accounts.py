"""Added step: the service accounts the change needs (docs/steps.md, step-accounts; reference 16.1).

The accounts come from :func:`generator.derive.accounts.account_needs`; this step adds what the runbook says about
each: the forest it belongs to, the servers and databases it gets rights on, where its existence is checked, and
who creates it.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import AccountKind, AccountNeed, account_needs
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step, Verdict
from generator.derive.checklist.instructions import change_record, names
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import Server
from generator.model.topology import Topology
from generator.model.vocabulary import ROLE_CONSOLE_NODES

MP_DATABASE_ROLE = "smsdbrole_MP"
"""The database role of the management point database connection account (reference 16.1: the name is to
confirm)."""

INPUT_KEYS: dict[AccountKind, str] = {
    "site_system_installation": "install_account",
    "sup_connection": "accounts.sup_connection",
    "mp_database_connection": "accounts.mp_database_connection",
    "replication": "accounts.replication",
}
"""Where the site input names each kind of account."""

UNNAMED = "<account>"
"""Stands for the user name in a command while the account is still to be named."""


def condition(topo: Topology) -> Verdict:
    needs = account_needs(topo)
    if not needs:
        return False, [
            "no site system is in another forest, no NLB software update point, and every SQL Server "
            "a management point reads is in its forest"
        ]
    return True, [f"{need.title}: {need.reason}" for need in needs]


@dataclass(frozen=True)
class DatabaseTarget:
    """A database on a SQL Server in which an account gets rights."""

    server: str
    database: str
    """The replica's name from the site input, or the default name of the site database."""
    replica: bool
    """The SQL Server replica of the site database (else the site database itself)."""
    default_name: bool
    """``database`` is the site database's default name ``SMS_<site code>``, which the site input does not give
    (to confirm)."""


@dataclass(frozen=True)
class AccountEntry:
    """One account the change needs, with everything the step says about it."""

    kind: AccountKind
    title: str
    name: str | None
    """``DOMAIN\\user`` from the site input; None while it is still to be named."""
    user: str | None
    """The user name without its domain, for ``net user``; None while the account is still to be named."""
    input_key: str
    """Where the site input names it."""
    reason: str
    holders: tuple[str, ...]
    """The servers or NLB clusters that use it."""
    forests: tuple[str, ...]
    """The forest(s) it belongs to: that of the servers it gets rights on."""
    rights_on: tuple[str, ...]
    """The servers it gets rights on: the site systems it installs, the WSUS servers it configures, the SQL Server
    it logs on to (for the replication account, the replica that holds its SQL Server login)."""
    databases: tuple[DatabaseTarget, ...]
    """The databases whose role it joins (management point database connection account)."""
    check_on: str
    """Where its check runs: a server of its forest, where ``net user … /domain`` finds it; for the replication
    account, the site database server that logs on to the replica with it."""
    created_by: str
    """The team that creates it: the directory team for an Active Directory account, the database team for the
    replication account's SQL Server login."""
    sql_login: bool
    """It is a SQL Server login on the replica, not an Active Directory account (the replication account)."""
    clusters: tuple[str, ...]
    """The NLB clusters among its holders."""
    default_database_names: tuple[str, ...]
    """The names among ``databases`` that are the site database's default name, not given by the site input."""


@dataclass(frozen=True)
class AccountsView:
    """Each account to create, who creates it, and where the console asks for it."""

    accounts: tuple[AccountEntry, ...]
    created_by: str
    """The team that creates the Active Directory accounts (``teams.directory``), the step's owner."""
    directory_accounts: bool
    """Some accounts are Active Directory accounts."""
    sql_logins: bool
    """Some account is a SQL Server login (the replication account), created by the database team."""
    database_team: str
    """The team that gives accounts their SQL Server rights (``teams.database``)."""
    configmgr_team: str
    """The team that enters the accounts in the console (``teams.configmgr``)."""
    site_server: str
    database_server: str
    """The site database server: the publisher of a replica."""
    mp_database_role: str
    mp_console_node: str
    to_be_named: tuple[str, ...]
    """The titles of the accounts that the site input does not name yet."""


def _forests(topo: Topology, servers: list[Server]) -> tuple[str, ...]:
    forests: list[str] = []
    for server in servers:
        forest = topo.forest_of(server)
        if forest.lower() not in {f.lower() for f in forests}:
            forests.append(forest)
    return tuple(forests)


def _servers(topo: Topology, names: list[str]) -> list[Server]:
    return [s for s in (topo.server(n) for n in names) if s is not None]


def _entry(topo: Topology, need: AccountNeed) -> AccountEntry:
    """Resolve the servers, forests and databases of one account."""
    clusters = tuple(
        c.name for c in topo.model.nlb_clusters if c.name in need.holders and c.role == "software_update_point"
    )
    databases: tuple[DatabaseTarget, ...] = ()
    if need.kind == "sup_connection":
        names = [m for c in topo.model.nlb_clusters if c.name in clusters for m in c.members]
        names += [h for h in need.holders if h not in clusters]
        rights_on = _servers(topo, names)
    elif need.kind == "mp_database_connection":
        targets: dict[str, DatabaseTarget] = {}
        sql_servers: list[Server] = []
        for mp in _servers(topo, list(need.holders)):
            settings = mp.roles.management_point
            replica = settings is not None and settings.database == "replica" and topo.replica_server is not None
            sql = topo.replica_server if replica and topo.replica_server else topo.database_server
            if sql.key not in targets:
                sql_servers.append(sql)
                model_replica = topo.model.database_replica
                targets[sql.key] = DatabaseTarget(
                    server=sql.name,
                    database=model_replica.database if replica and model_replica else f"SMS_{topo.site.code}",
                    replica=replica,
                    default_name=not replica,
                )
        rights_on, databases = sql_servers, tuple(targets.values())
    elif need.kind == "replication":  # held by the publisher; its login is on the subscriber
        rights_on = [topo.replica_server] if topo.replica_server else []
    else:  # the installation account's holders are its servers
        rights_on = _servers(topo, list(need.holders))
    assert rights_on, f"account {need.kind} has no server to be checked on"
    sql_login = need.kind == "replication"
    teams = topo.model.teams
    return AccountEntry(
        kind=need.kind,
        title=need.title,
        name=need.name,
        user=need.name.split("\\", 1)[-1] if need.name else None,
        input_key=INPUT_KEYS[need.kind],
        reason=need.reason,
        holders=need.holders,
        forests=_forests(topo, rights_on),
        rights_on=tuple(s.name for s in rights_on),
        databases=databases,
        check_on=topo.database_server.name if sql_login else rights_on[0].name,
        created_by=teams.database if sql_login else teams.directory,
        sql_login=sql_login,
        clusters=clusters,
        default_database_names=tuple(db.database for db in databases if db.default_name),
    )


def view(topo: Topology, _network: NetworkPlan) -> AccountsView:
    """Every account of reference 16.1 this site needs, resolved to servers, forests and databases."""
    entries = tuple(_entry(topo, need) for need in account_needs(topo))
    teams = topo.model.teams
    return AccountsView(
        accounts=entries,
        created_by=teams.directory,
        directory_accounts=any(not a.sql_login for a in entries),
        sql_logins=any(a.sql_login for a in entries),
        database_team=teams.database,
        configmgr_team=teams.configmgr,
        site_server=topo.site_server.name,
        database_server=topo.database_server.name,
        mp_database_role=MP_DATABASE_ROLE,
        mp_console_node=ROLE_CONSOLE_NODES["management_point"],
        to_be_named=tuple(dict.fromkeys(a.title for a in entries if a.name is None)),
    )


def _label(account: AccountEntry) -> str:
    """``site system installation account DMZ\\svc-cm-install``, in the middle of a sentence."""
    title = account.title[0].lower() + account.title[1:]
    return f"{title} {account.name}" if account.name else f"{title} (still to be named)"


def _on(servers: tuple[str, ...]) -> str:
    """Where a command runs that is the same on several servers."""
    return servers[0] if len(servers) == 1 else f"each of {names(servers)}"


def _verification(account: AccountEntry, role: str) -> list[Instruction]:
    user = account.user or UNNAMED
    name = account.name or UNNAMED
    if account.kind == "replication":
        return _login_checks(account)
    checks = [
        Instruction(
            f"The {_label(account)} exists in forest {names(account.forests)} and is active (Account active: Yes).",
            command=f"net user {user} /domain",
            where=account.check_on,
        )
    ]
    if account.kind == "site_system_installation":
        checks += [
            Instruction(
                f"{name} is a member of the local Administrators group of {names(account.rights_on)}.",
                command="net localgroup Administrators",
                where=_on(account.rights_on),
            ),
            Instruction(
                f"{name} holds the right Access this computer from the network (SeNetworkLogonRight) on "
                f"{names(account.rights_on)}, directly or through the Administrators group (*S-1-5-32-544).",
                command="secedit /export /areas USER_RIGHTS /cfg %TEMP%\\rights.inf\n"
                "findstr SeNetworkLogonRight %TEMP%\\rights.inf",
                where=_on(account.rights_on),
            ),
        ]
    elif account.kind == "mp_database_connection":
        checks += [
            Instruction(
                f"{name} is a member of the database role {role} in {db.database} on {db.server} (the role name"
                f"{' and the database name' if db.default_name else ''} to confirm).",
                command=f"sqlcmd -S {db.server} -E -d {db.database} -Q \"EXEC sp_helprolemember N'{role}'\"",
                where=db.server,
            )
            for db in account.databases
        ]
    return checks


def _login_checks(account: AccountEntry) -> list[Instruction]:
    """The replication account is a SQL Server login on the subscriber: it exists there, and the publisher logs on
    with it (sqlcmd asks for its password)."""
    login = account.user or UNNAMED
    replica = account.rights_on[0]
    return [
        Instruction(
            f"The SQL Server login {login} exists on the subscriber {replica} (type SQL_LOGIN) and is enabled "
            "(is_disabled 0).",
            command=f'sqlcmd -S {replica} -E -Q "SELECT name, type_desc, is_disabled FROM sys.server_principals '
            f"WHERE name = N'{login}'\"",
            where=replica,
        ),
        Instruction(
            f"The site database server {account.check_on}, which pushes the subscription, logs on to {replica} "
            f"with the login {login}: the command returns {login}.",
            command=f'sqlcmd -S {replica} -U {login} -Q "SELECT SUSER_SNAME()"',
            where=account.check_on,
        ),
    ]


def _rollback(account: AccountEntry, role: str, database_team: str) -> list[Instruction]:
    user = account.user or UNNAMED
    name = account.name or UNNAMED
    steps: list[Instruction] = []
    if account.kind == "site_system_installation":
        steps.append(
            Instruction(
                f"Remove {name} from the local Administrators group of {names(account.rights_on)}.",
                command=f"net localgroup Administrators {name} /delete",
                where=_on(account.rights_on),
            )
        )
    elif account.kind == "mp_database_connection":
        steps += [
            Instruction(
                f"Remove {name} from the database role {role} in {db.database} on {db.server}.",
                command=f"sqlcmd -S {db.server} -E -d {db.database} -Q \"EXEC sp_droprolemember N'{role}', N'{name}'\"",
                where=db.server,
            )
            for db in account.databases
        ]
    elif account.kind == "replication":
        login = account.user or UNNAMED
        replica = account.rights_on[0]
        # A SQL Server login, not an Active Directory account: dropping it is the whole undo.
        return [
            Instruction(
                f"The {database_team} drop the SQL Server login {login} on the subscriber {replica}, once the "
                "subscription that uses it is deleted (the rollback of the replica step).",
                command=f'sqlcmd -S {replica} -E -Q "DROP LOGIN [{login}]"',
                where=replica,
            )
        ]
    steps += [
        Instruction(f"Disable {name}.", command=f"net user {user} /active:no /domain", where=account.check_on),
        Instruction(
            f"Delete {name} once no site system or subscription uses it.",
            command=f"net user {user} /delete /domain",
            where=account.check_on,
        ),
    ]
    return steps


def work(topo: Topology, network: NetworkPlan, view: AccountsView) -> StepWork:
    """Accounts exist before the steps that enter them in the console; they are undone by removing their rights,
    then disabling and deleting them."""
    del network
    role = view.mp_database_role
    listed = "; ".join(f"{a.title}: {a.name or 'to be named'}" for a in view.accounts)
    unnamed = f" (still to be named: {names(view.to_be_named)})" if view.to_be_named else ""
    evidence = [
        f"The name of the {_label(a)} as created, recorded in the site input ({a.input_key}) and in "
        f"{change_record(topo)}."
        for a in view.accounts
    ]
    directory = [a for a in view.accounts if not a.sql_login]
    if directory:
        evidence.append(
            "The output of net user for each Active Directory account."
            if len(directory) < len(view.accounts)
            else "The output of net user for each account."
        )
    evidence += [
        f"The output of the sqlcmd logon test of the login {a.user or UNNAMED} from {a.check_on} to "
        f"{a.rights_on[0]}, and the {view.database_team}' ticket number for the login."
        for a in view.accounts
        if a.sql_login
    ]
    installation = [a for a in view.accounts if a.kind == "site_system_installation"]
    if installation:
        servers = names(s for a in installation for s in a.rights_on)
        evidence.append(f"The output of net localgroup Administrators on {servers}.")
    if any(a.kind == "mp_database_connection" for a in view.accounts):
        evidence.append(f"The members of {role} on each SQL Server the management points read.")
    return StepWork(
        requires=frozenset({res.DECISION}),
        provides=frozenset(res.account(a.kind) for a in view.accounts),
        minutes=15 + 15 * len(view.accounts),
        verification=tuple(i for a in view.accounts for i in _verification(a, role)),
        evidence=tuple(evidence),
        rollback=(
            Instruction(
                "Only for the accounts this change created, after the change is backed out (an account that existed "
                "before keeps its rights): remove the rights, then disable the account, and delete it once nothing "
                f"uses it{'; a SQL Server login is dropped' if view.sql_logins else ''}."
            ),
            *(i for a in view.accounts for i in _rollback(a, role, view.database_team)),
        ),
        gate=(f"Every account is created and its name recorded ({listed}); none is still to be named{unnamed}.",),
    )


STEP = Step(
    id="accounts",
    title="Create the accounts the site systems need",
    condition=condition,
    view=view,
    phase=1,
    owner="directory",
    seed_item=None,
    work=work,
)
