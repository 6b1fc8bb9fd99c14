"""Step 9: the Internet-based SUP synchronises with the active SUP over the network."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
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


def work(topo: Topology, network: NetworkPlan, view: SupSyncView) -> StepWork:
    """The Internet software update point synchronises once its role exists and the firewall lets it."""
    del topo
    servers = view.downstream.servers
    return StepWork(
        requires=frozenset({*(res.role("software_update_point", s) for s in servers), *res.firewalls(network)}),
        provides=frozenset({res.sync(view.downstream.name)}),
        minutes=60,
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
