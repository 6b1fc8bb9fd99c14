"""Step 8: "Allow only site server initiated data transfers" on each affected server."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step
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


def _entry(topo: Topology, server: Server) -> InitiatedServer:
    return InitiatedServer(
        name=server.name,
        zone=server.zone,
        forest=topo.forest_of(server),
        other_forest=topo.in_other_forest(server),
        explicit=server.site_server_initiated is True,
        install_account=server.install_account,
    )


def view(topo: Topology) -> SiteServerInitiatedTransfersView:
    """Each affected server is set on its own, with the reasons (zone, forest, back firewall, input) it rests on."""
    return SiteServerInitiatedTransfersView(
        site_server=topo.site_server.name,
        servers=tuple(_entry(topo, server) for server in topo.site_server_initiated_servers),
        perimeter_may_initiate=topo.perimeter_may_initiate,
        back_firewall=topo.model.network.back_firewall.name,
        connection_group=topo.site_server_connection_group,
    )


STEP = Step(
    id="site-server-initiated-transfers",
    title="Configure Internet-based site systems in another forest to accept data retrieval from the site server",
    condition=conditions.site_server_initiated,
    view=view,
)
