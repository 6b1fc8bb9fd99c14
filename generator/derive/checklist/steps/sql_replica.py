"""Step 16: SQL Server transactional replication of the site database for the Internet MP."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import account_needs
from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import ROLE_CONSOLE_NODES


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
    rtm: bool
    """The site is at RTM: the publication has the RTM object set (98 objects), not that of SP1 and later (99)."""
    console_node: str


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
        rtm=topo.site.version == "RTM",
        console_node=ROLE_CONSOLE_NODES["management_point"],
    )


def work(topo: Topology, network: NetworkPlan, view: SqlReplicaView) -> StepWork:
    """The replica is built and in sync before a management point is pointed at it."""
    del view
    requires = {res.BACKUP, *res.firewalls(network)}
    if any(a.kind == "replication" for a in account_needs(topo)):
        requires.add(res.account("replication"))
    return StepWork(requires=frozenset(requires), provides=frozenset({res.REPLICA}), minutes=120)


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
