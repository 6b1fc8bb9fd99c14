"""Step 10: WSUSutil export on the active SUP, import on the Internet-based SUP."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import each, names
from generator.derive.checklist.steps.sup_sync_automatic import SupSide, sup_side, sync_finished
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


@dataclass(frozen=True)
class SupSyncExportImportView:
    """Both software update points, the site server and the files the export and import write."""

    upstream: SupSide
    downstream: SupSide
    site_server: str
    export_file: str
    """The metadata file the export writes and the import reads."""
    export_log: str
    import_log: str
    export_command: str
    """The ``wsusutil.exe export`` command line on the upstream server."""
    import_command: str
    """The ``wsusutil.exe import`` command line on the downstream servers."""


def view(topo: Topology, _network: NetworkPlan) -> SupSyncExportImportView:
    """The metadata is carried by hand: both ends and file names that carry the site code."""
    code = topo.site.code
    export_file, export_log, import_log = (
        f"{code}-wsus-export.cab",
        f"{code}-wsus-export.log",
        f"{code}-wsus-import.log",
    )
    return SupSyncExportImportView(
        upstream=sup_side(topo, topo.active_sup),
        downstream=sup_side(topo, topo.internet_sup),
        site_server=topo.site_server.name,
        export_file=export_file,
        export_log=export_log,
        import_log=import_log,
        export_command=f"wsusutil.exe export {export_file} {export_log}",
        import_command=f"wsusutil.exe import {export_file} {import_log}",
    )


def work(topo: Topology, network: NetworkPlan, view: SupSyncExportImportView) -> StepWork:
    """Metadata is imported into WSUS on a server whose software update point role already exists; checked by the
    logs, the import time and the update counts (never approvals)."""
    del topo, network
    up, down = view.upstream, view.downstream
    servers = down.servers
    source = up.primary_server
    return StepWork(
        requires=frozenset({*(res.role("software_update_point", s) for s in servers), *(res.wsus(s) for s in servers)}),
        provides=frozenset({res.sync(down.name)}),
        minutes=40,
        verification=(
            sync_finished(view.site_server),
            Instruction(
                f"{view.export_log} on {source} shows no error (findstr prints no error line).",
                command=f'findstr /i "error" {view.export_log}',
                where=f"{source}, in %ProgramFiles%\\Update Services\\Tools",
            ),
            Instruction(
                f"{view.import_log} on {names(servers)} shows no error (findstr prints no error line).",
                command=f'findstr /i "error" {view.import_log}',
                where=f"{each(servers)}, in %ProgramFiles%\\Update Services\\Tools",
            ),
            Instruction(
                f"The last import on {names(servers)} (the time {view.import_log} was written) is later than status "
                "message 6702 of the synchronisation it carries.",
                command=f"dir {view.import_log}",
                where=each(servers),
            ),
            Instruction(
                f"The WSUS console on {names(servers)} shows the same number of updates as the one on {source}. Do "
                "not compare approvals: Configuration Manager does not use WSUS approvals."
            ),
        ),
        evidence=(
            f"The time of status message 6702 on {view.site_server} for the synchronisation that was exported.",
            f"{view.export_log} from {source} and {view.import_log} from {names(servers)}.",
            f"A screenshot of the update count in the WSUS console on {source} and on {names(servers)}.",
            "How the export crossed between the networks (the transfer method and who carried it), per the security "
            "policy.",
            "The recurring export and import task: its schedule and its named owner.",
        ),
        rollback=(
            Instruction("Stop the recurring export and import: remove its task from the operations calendar."),
            Instruction(
                f"Delete {view.export_file} from the transfer location and from {source} once no import needs it."
            ),
            Instruction(
                f"The imported metadata and the copied WSUSContent folder stay on {names(servers)} until WSUS is "
                "removed from it (the rollback of the software update point steps); delete the folder then."
            ),
        ),
        gate=(
            f"{names(servers)} imported the metadata of the synchronisation that ended with status message 6702, and "
            f"its WSUS console shows the same update count as the one on {source}.",
            "The recurring export and import has a schedule and a named owner.",
        ),
    )


STEP = Step(
    id="sup-sync-export-import",
    title="Synchronise the Internet-based software update point by export and import",
    condition=conditions.sup_sync("export_import"),
    view=view,
    phase=4,
    owner="configmgr",
    seed_item=8,
    work=work,
)
