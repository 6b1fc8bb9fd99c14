"""Step 10: WSUSutil export on the active SUP, import on the Internet-based SUP."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.steps.sup_sync_automatic import SupSide, sup_side
from generator.derive.checklist.work import StepWork
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
    """Metadata is imported into WSUS on a server whose software update point role already exists."""
    del topo, network
    servers = view.downstream.servers
    return StepWork(
        requires=frozenset({*(res.role("software_update_point", s) for s in servers), *(res.wsus(s) for s in servers)}),
        provides=frozenset({res.sync(view.downstream.name)}),
        minutes=90,
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
