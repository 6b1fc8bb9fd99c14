"""Added step: back up the site before the first change (docs/steps.md, step-backup).

The site backup is Configuration Manager's "Backup ConfigMgr Site Server" site maintenance task, which backs up the
site server and the site database. Its name, console path, log, status message component and folder name are not in
the domain reference: the template words them as to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import change_record
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology

BACKUP_TASK = "Backup ConfigMgr Site Server"
"""The site maintenance task that backs up the site server and the site database (to confirm)."""
BACKUP_LOG = "smsbkup.log"
"""The site server's log of the backup task (to confirm)."""
BACKUP_COMPONENT = "SMS_SITE_BACKUP"
"""The site component that runs the backup and reports its status messages (to confirm)."""


@dataclass(frozen=True)
class BackupView:
    """What the backup covers and where to look: the site server, the site database server and the backup folder."""

    site_code: str
    site_server: str
    database_server: str
    database_on_site_server: bool
    """The site database is on the site server itself, so the backup has no second server to reach."""
    task: str
    """The site maintenance task to run (its name is to confirm)."""
    log: str
    """The log on the site server that records the backup (to confirm)."""
    component: str
    """The component whose status messages report the backup (to confirm)."""
    folder: str
    """The folder the task creates in its backup destination, ``<site code>Backup`` (to confirm)."""
    touched_servers: tuple[str, ...]
    """The Internet-based site systems this change configures: their IIS and WSUS configuration is not in the site
    backup."""


def view(topo: Topology, _network: NetworkPlan) -> BackupView:
    """The site's backup task, the servers it covers and the servers whose own configuration it leaves out."""
    code = topo.site.code
    return BackupView(
        site_code=code,
        site_server=topo.site_server.name,
        database_server=topo.database_server.name,
        database_on_site_server=topo.database_server.key == topo.site_server.key,
        task=BACKUP_TASK,
        log=BACKUP_LOG,
        component=BACKUP_COMPONENT,
        folder=f"{code}Backup",
        touched_servers=tuple(s.name for s in topo.internet_servers),
    )


def work(topo: Topology, network: NetworkPlan, view: BackupView) -> StepWork:
    """Every rollback of the change rests on this backup, so it comes before the first change."""
    del network
    code, server, folder = view.site_code, view.site_server, view.folder
    return StepWork(
        requires=frozenset({res.DECISION}),
        provides=frozenset({res.BACKUP}),
        minutes=60,
        verification=(
            Instruction(
                f"{view.log} in the Logs folder of the Configuration Manager installation on {server} records the "
                f"backup of site {code} as completed, with no errors (log name to confirm).",
                where=server,
            ),
            Instruction(
                f"The status messages of the component {view.component} of site {code} (System Status, Site "
                f"Status, {code}, Component Status) report the backup as completed, with no errors (component and "
                "node names to confirm)."
            ),
            Instruction(
                f"The backup destination holds the folder {folder}, written at the time of this backup (folder "
                "name to confirm).",
                command=f'dir /s "<backup destination>\\{folder}"',
                where=server,
            ),
            Instruction(
                f"The copy of {folder} off {server} has the same number of files and bytes as the original.",
                command=f'dir /s "<copy location>\\{folder}"',
            ),
        ),
        evidence=(
            f"The backup destination of the {view.task} task of site {code} (to be named: record it in "
            f"{change_record(topo)}).",
            f"The lines of {view.log} on {server} that record the completed backup, with date and time.",
            f"Where the copy of {folder} is kept off {server}, and the file count and size of both.",
        ),
        gate=(f"The backup of {code} completed on {server} and its folder is copied off the server.",),
    )


STEP = Step(
    id="backup",
    title="Back up the site before the first change",
    condition=conditions.always("always included: every rollback of this change rests on a site backup"),
    view=view,
    phase=1,
    owner="configmgr",
    seed_item=None,
    changes=False,
    work=work,
)
