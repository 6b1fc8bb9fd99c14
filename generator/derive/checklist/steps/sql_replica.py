"""Step 16: SQL Server transactional replication of the site database for the Internet MP."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import AccountNeed, account_for, account_needs
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import change_record, each, names, portqry, server_host, verb
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


@dataclass(frozen=True)
class ReplicaReader:
    """A management point that reads the replica."""

    name: str


@dataclass(frozen=True)
class SqlReplicaView:
    """What the sql-replica step words: publisher, subscriber, replica database and its readers."""

    database_server: str
    """The site database server: publisher and its own distributor."""
    database_zone: str
    replica_server: str | None
    """The subscriber (always set when the step applies)."""
    replica_zone: str | None
    replica_database: str | None
    readers: tuple[ReplicaReader, ...]
    replication_account: AccountNeed | None
    """The SQL Server login on the subscriber that the push subscription connects with (the replica is in another
    forest), created in the accounts step; None when Windows authentication works."""
    rtm: bool
    """The site is at RTM: the publication has the RTM object set (98 objects), not that of SP1 and later (99)."""


def view(topo: Topology, _network: NetworkPlan) -> SqlReplicaView:
    """Resolve the replication roles and readers so the template only words them."""
    database = topo.database_server
    replica = topo.replica_server
    setting = topo.model.database_replica
    return SqlReplicaView(
        database_server=database.name,
        database_zone=database.zone,
        replica_server=replica.name if replica else None,
        replica_zone=replica.zone if replica else None,
        replica_database=setting.database if setting else None,
        readers=tuple(ReplicaReader(s.name) for s in topo.replica_readers),
        replication_account=account_for(topo, "replication", database.name) if replica else None,
        rtm=topo.site.version == "RTM",
    )


def _checks(topo: Topology, view: SqlReplicaView) -> list[Instruction]:
    replica = topo.replica_server
    readers = names(r.name for r in view.readers)
    checks = [
        Instruction(
            f"In SQL Server Management Studio on {view.database_server}, Replication Monitor shows the publication and "
            f"the subscription of {view.replica_server} as running, with no errors."
        ),
        Instruction(
            f"A tracer token inserted for the publication in Replication Monitor on {view.database_server} reaches "
            f"{view.replica_server}; the latency it shows is the replication delay of the replica."
        ),
        Instruction(
            f"The database {view.replica_database} on {view.replica_server} holds the published tables: the command "
            "lists them.",
            command=f'sqlcmd -E -d {view.replica_database} -Q "SELECT name FROM sys.tables ORDER BY name"',
            where=view.replica_server,
        ),
    ]
    account = view.replication_account
    if account is not None and replica is not None:
        login = account.name.split("\\", 1)[-1] if account.name else "<account>"
        checks.append(
            Instruction(
                f"The subscription of {view.replica_server} connects to the subscriber with the SQL Server login "
                f"{account.label if account.name else '(still to be named)'}: while its distribution agent runs, "
                f"{view.replica_server} shows a session of that login (where the login is entered in the "
                "subscription: to confirm).",
                command=f'sqlcmd -E -Q "SELECT login_name, host_name FROM sys.dm_exec_sessions '
                f"WHERE login_name = N'{login}'\"",
                where=view.replica_server,
            )
        )
    if replica is not None:
        checks.append(
            Instruction(
                f"{view.database_server} reaches {view.replica_server} on SQL Server TCP 1433 for the push "
                "subscription (the direction is to confirm). Expect LISTENING.",
                command=portqry(server_host(replica), ["1433"]),
                where=view.database_server,
            )
        )
    # Pointing the management points at the replica is mp-internet's (phase 4), and a client's policy is the
    # pilot's (next-steps): here, only that the readers can reach the replica.
    reader_servers = [s for r in view.readers if (s := topo.server(r.name)) is not None]
    if replica is not None and reader_servers:
        listed = [s.name for s in reader_servers]
        checks.append(
            Instruction(
                f"{readers} {verb(listed, 'reaches', 'each reach')} the replica on {view.replica_server} on SQL Server "
                f"TCP 1433, where {verb(listed, 'its management point', 'their management points')} will read it. Expect "
                "LISTENING.",
                command=portqry(server_host(replica), ["1433"]),
                where=each(listed),
            )
        )
    return checks


def work(topo: Topology, network: NetworkPlan, view: SqlReplicaView) -> StepWork:
    """The replica is built and in sync before a management point is pointed at it; undone from its readers back
    to the publisher."""
    requires = {res.BACKUP, *res.firewalls(network)}
    if any(a.kind == "replication" for a in account_needs(topo)):
        requires.add(res.account("replication"))
    readers = names(r.name for r in view.readers)
    database, replica = view.database_server, view.replica_server
    return StepWork(
        requires=frozenset(requires),
        provides=frozenset({res.REPLICA}),
        minutes=60,
        verification=tuple(_checks(topo, view)),
        evidence=(
            f"A screenshot of Replication Monitor on {database} with the subscription of {replica} running.",
            "The latency of the tracer token, with the date and the time.",
            f"The sqlcmd output on {replica} listing the tables of {view.replica_database}.",
            f"The database team's ticket number for the publication and the subscription, recorded in "
            f"{change_record(topo)}.",
        ),
        rollback=(
            Instruction(
                f"Make sure no management point reads the replica any more: {readers} "
                f"{verb(view.readers, 'has its', 'have their')} management point role removed or Use a database "
                "replica cleared (the rollback of the management point step)."
            ),
            Instruction(
                f"On {database}, in SQL Server Management Studio, delete the subscription of {replica} (Replication "
                "→ Local Publications → the publication → its subscription → Delete)."
            ),
            Instruction(f"Delete the publication of the site database on {database}."),
            Instruction(
                f"If distribution was configured on {database} for this change only, disable it (right-click "
                "Replication → Disable Publishing and Distribution)."
            ),
            Instruction(f"Drop the database {view.replica_database} on {replica}."),
        ),
        gate=(
            f"The replica {view.replica_database} on {replica} is in sync: Replication Monitor on {database} shows "
            "the subscription running without errors, and a tracer token reaches it.",
        ),
    )


STEP = Step(
    id="sql-replica",
    title="Configure a SQL Server replica of the site database",
    condition=conditions.sql_replica,
    view=view,
    serves=frozenset({"database-replica"}),
    phase=3,
    owner="database",
    seed_item=11,
    work=work,
)
