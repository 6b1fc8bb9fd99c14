"""Step 2: where each server sits, the placement scenarios this site matches, and the diagram."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step
from generator.model.topology import Topology, placement_scenarios
from generator.model.vocabulary import SCENARIO_DESCRIPTIONS


@dataclass(frozen=True)
class PlacedServer:
    """A server with the zone and forest it sits in."""

    name: str
    zone: str
    forest: str


@dataclass(frozen=True)
class Replica:
    """The SQL Server replica of the site database that an Internet management point reads."""

    database: str
    server: str
    zone: str


@dataclass(frozen=True)
class ScenarioEntry:
    """A placement scenario this site matches, with what it means ("" when there is nothing to say)."""

    title: str
    description: str


@dataclass(frozen=True)
class PublishingProxy:
    """The reverse proxy and the servers it publishes, as named in the site input."""

    name: str
    publishes: tuple[str, ...]
    mode: str


@dataclass(frozen=True)
class OtherForestServer:
    """An Internet-based site system in a forest other than the site server's."""

    name: str
    forest: str
    install_account: str | None


@dataclass(frozen=True)
class ServerPlacementView:
    """Where the site server, database and Internet-based site systems sit, and the scenarios that follow."""

    site_server: PlacedServer
    database_server: str
    replica: Replica | None
    scenarios: tuple[ScenarioEntry, ...]
    reverse_proxy: PublishingProxy | None
    other_forest_servers: tuple[OtherForestServer, ...]


def _replica(topo: Topology) -> Replica | None:
    server = topo.replica_server
    replica = topo.model.database_replica
    if server is None or replica is None:
        return None
    return Replica(database=replica.database, server=server.name, zone=server.zone)


def view(topo: Topology) -> ServerPlacementView:
    """The placement is approved against the scenarios this site's servers actually match."""
    site_server = topo.site_server
    proxy = topo.model.network.reverse_proxy
    return ServerPlacementView(
        site_server=PlacedServer(site_server.name, site_server.zone, topo.forest_of(site_server)),
        database_server=topo.database_server.name,
        replica=_replica(topo),
        scenarios=tuple(
            ScenarioEntry(sc.title, SCENARIO_DESCRIPTIONS.get(sc.id, "")) for sc in placement_scenarios(topo)
        ),
        reverse_proxy=PublishingProxy(proxy.name, tuple(proxy.publishes), proxy.mode) if proxy else None,
        other_forest_servers=tuple(
            OtherForestServer(s.name, topo.forest_of(s), s.install_account)
            for s in topo.internet_servers
            if topo.in_other_forest(s)
        ),
    )


STEP = Step(
    id="server-placement",
    title="Decide on server placement",
    condition=conditions.always("always included: every site documents where its servers sit"),
    view=view,
    serves=frozenset({"site-database"}),
)
