"""Added step: back up the site before the first change (docs/steps.md, step-backup)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


@dataclass(frozen=True)
class BackupView:
    """The servers the backup covers: the site server and the site database server."""

    site_server: str
    database_server: str


def view(topo: Topology, _network: NetworkPlan) -> BackupView:
    return BackupView(site_server=topo.site_server.name, database_server=topo.database_server.name)


def work(topo: Topology, network: NetworkPlan, view: BackupView) -> StepWork:
    """Every rollback of the change rests on this backup, so it comes before the first change."""
    del topo, network, view
    return StepWork(requires=frozenset({res.DECISION}), provides=frozenset({res.BACKUP}), minutes=60)


STEP = Step(
    id="backup",
    title="Back up the site before the first change",
    condition=conditions.always("always included: every rollback of this change rests on a site backup"),
    view=view,
    phase=1,
    owner="configmgr",
    seed_item=None,
    work=work,
)
