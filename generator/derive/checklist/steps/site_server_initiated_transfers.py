"""Step 8: "Allow only site server initiated data transfers" on each affected server."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.steps.server_placement import IntoIntranet, into_intranet
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import Server
from generator.model.topology import Topology


@dataclass(frozen=True)
class InitiatedServer:
    """A site system that allows only site-server-initiated transfers, and the facts that say why."""

    name: str
    zone: str
    forest: str
    other_forest: bool
    explicit: bool
    """The site input sets ``site_server_initiated: true`` for the server."""
    install_account: str | None


@dataclass(frozen=True)
class SiteServerInitiatedTransfersView:
    """The servers to set, the site server that fetches their data and the back firewall's rule."""

    site_server: str
    servers: tuple[InitiatedServer, ...]
    perimeter_may_initiate: bool
    back_firewall: str
    connection_group: str
    other_forest: bool
    """Some of the servers are in another forest than the site server (installation account, connection group)."""
    install_accounts: bool
    """Some of the servers have an installation account to check."""
    into_intranet: tuple[IntoIntranet, ...]
    """What these servers still open into the intranet: the option removes only their SMB to the site server."""


def _entry(topo: Topology, server: Server) -> InitiatedServer:
    return InitiatedServer(
        name=server.name,
        zone=server.zone,
        forest=topo.forest_of(server),
        other_forest=topo.in_other_forest(server),
        explicit=server.site_server_initiated is True,
        install_account=server.install_account,
    )


def view(topo: Topology, network: NetworkPlan) -> SiteServerInitiatedTransfersView:
    """Each affected server is set on its own, with the reasons (zone, forest, back firewall, input) it rests on."""
    servers = tuple(_entry(topo, server) for server in topo.site_server_initiated_servers)
    names = {s.name for s in servers}
    return SiteServerInitiatedTransfersView(
        site_server=topo.site_server.name,
        servers=servers,
        perimeter_may_initiate=topo.perimeter_may_initiate,
        back_firewall=topo.model.network.back_firewall.name,
        connection_group=topo.site_server_connection_group,
        other_forest=any(s.other_forest for s in servers),
        install_accounts=any(s.install_account for s in servers),
        into_intranet=into_intranet(network, lambda flow: flow.source in names),
    )


def work(topo: Topology, network: NetworkPlan, view: SiteServerInitiatedTransfersView) -> StepWork:
    """The option is chosen before the site system is installed (in the wizard), so that the system never tries
    to push data through a back firewall that blocks it."""
    del topo, network
    return StepWork(
        requires=frozenset({res.PLACEMENT}),
        provides=frozenset(res.transfer_mode(s.name) for s in view.servers),
        minutes=5 + 5 * len(view.servers),
    )


STEP = Step(
    id="site-server-initiated-transfers",
    title="Configure Internet-based site systems in another forest to accept data retrieval from the site server",
    condition=conditions.site_server_initiated,
    view=view,
    phase=3,
    owner="configmgr",
    seed_item=7,
    work=work,
)
