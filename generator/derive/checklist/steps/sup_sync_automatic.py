"""Step 9: the Internet-based SUP synchronises with the active SUP over the network."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import each, names, portqry, server_host, verb
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import SupEndpoint, Topology


@dataclass(frozen=True)
class SupSide:
    """One end of the synchronisation: a software update point (a server or an NLB cluster)."""

    name: str
    servers: tuple[str, ...]
    clustered: bool
    """The software update point is an NLB cluster: its name is not one of its servers'."""
    primary_server: str
    """The first server of the endpoint, where a per-server task runs."""
    zone: str
    """Zone of the primary server."""
    forest: str
    """Forest of the primary server."""
    wsus_http: int
    wsus_https: int


@dataclass(frozen=True)
class SupSyncView:
    """The upstream (active) and downstream (active Internet-based) software update points."""

    upstream: SupSide
    downstream: SupSide
    site_server: str


def sup_side(topo: Topology, sup: SupEndpoint | None) -> SupSide:
    """The facts the synchronisation steps word about one software update point."""
    assert sup is not None, "checked by validation and the step condition"
    primary = sup.servers[0]
    http, https = sup.wsus_ports
    return SupSide(
        name=sup.name,
        servers=tuple(server.name for server in sup.servers),
        clustered=sup.cluster is not None,
        primary_server=primary.name,
        zone=primary.zone,
        forest=topo.forest_of(primary),
        wsus_http=http,
        wsus_https=https,
    )


def view(topo: Topology, _network: NetworkPlan) -> SupSyncView:
    """The downstream SUP synchronises from the active SUP: both ends, their zones and WSUS ports."""
    return SupSyncView(
        upstream=sup_side(topo, topo.active_sup),
        downstream=sup_side(topo, topo.internet_sup),
        site_server=topo.site_server.name,
    )


def upstream_host(topo: Topology) -> str:
    """The name the downstream software update point reaches its upstream by: the NLB cluster's intranet name or
    address, else the active software update point's own."""
    sup = topo.active_sup
    assert sup is not None, "checked by the step condition"
    if sup.cluster is not None and (sup.cluster.intranet_fqdn or sup.cluster.address):
        return sup.cluster.intranet_fqdn or sup.cluster.address or sup.cluster.name
    return server_host(sup.servers[0])


def sync_finished(site_server: str) -> Instruction:
    """The synchronisation of the active software update point finished (status message 6702)."""
    return Instruction(
        f"On the site server {site_server}, wsyncmgr.log shows the synchronisation finished without errors, and "
        "status message 6702 from component SMS_WSUS_SYNC_MANAGER is present."
    )


def work(topo: Topology, network: NetworkPlan, view: SupSyncView) -> StepWork:
    """The Internet software update point synchronises once its role exists and the firewall lets it; checked by
    the status message and the update counts on both ends."""
    up, down = view.upstream, view.downstream
    servers = down.servers
    ports = [str(up.wsus_https), str(up.wsus_http)]
    return StepWork(
        requires=frozenset({*(res.role("software_update_point", s) for s in servers), *res.firewalls(network)}),
        provides=frozenset({res.sync(down.name)}),
        minutes=45,
        verification=(
            Instruction(
                f"{names(servers)} {verb(servers, 'reaches', 'each reach')} the upstream WSUS of {up.name} on TCP "
                f"{', '.join(ports)}. Expect LISTENING.",
                command=portqry(upstream_host(topo), ports),
                where=each(servers),
            ),
            sync_finished(view.site_server),
            Instruction(
                f"The WSUS console on {names(servers)} shows the same number of updates as on {names(up.servers)} "
                "after the synchronisation."
            ),
        ),
        evidence=(
            f"The excerpt of wsyncmgr.log on {view.site_server} with the time of status message 6702.",
            f"A screenshot of the update count in the WSUS console on {names(servers)} and on {names(up.servers)}.",
            "A screenshot of the Sync Settings tab of the Software Update Point Component before and after the change.",
        ),
        rollback=(
            Instruction(
                "If you changed the Sync Settings of the Software Update Point Component (source, schedule) or its "
                "classifications, products or languages, set them back to the values recorded before the change."
            ),
            Instruction(
                f"The metadata synchronised to {names(servers)} stays in its WSUS database until the software update "
                "point role and WSUS are removed from it (the rollback of the software update point steps)."
            ),
        ),
        gate=(
            f"{down.name} has synchronised from {up.name}: status message 6702 from SMS_WSUS_SYNC_MANAGER after the "
            "run, and the same update count in both WSUS consoles.",
        ),
    )


STEP = Step(
    id="sup-sync-automatic",
    title="Synchronise the Internet-based software update point automatically",
    condition=conditions.sup_sync("automatic"),
    view=view,
    serves=frozenset({"sup-synchronisation"}),
    phase=4,
    owner="configmgr",
    seed_item=8,
    work=work,
)
