"""Step 2: where each server sits, the placement scenarios this site matches, and the diagram."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import change_record, names
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.flows import Flow, FlowKind, perimeter_initiated_flows
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import SCENARIO_PERIMETER_REPLICA, Topology, placement_scenarios
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
    ssl_bridging: bool
    """The proxy ends and inspects each session (SSL bridging) rather than passing it through (SSL tunnelling)."""


@dataclass(frozen=True)
class IntoIntranet:
    """Connections of one kind that the design opens from the perimeter into the intranet."""

    kind: FlowKind
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    services: tuple[str, ...]
    """Each service once, as the firewall tables write it (``TCP 1433``)."""


def into_intranet(network: NetworkPlan, include: Callable[[Flow], bool] | None = None) -> tuple[IntoIntranet, ...]:
    """The flows from the perimeter into the intranet (all, or those ``include`` keeps), grouped by kind in flow order.

    The one list of flows decides, so the runbook's prose says what its firewall tables open.
    """
    groups: dict[FlowKind, tuple[list[str], list[str], list[str]]] = {}
    for flow in perimeter_initiated_flows(list(network.flows)):
        if include is not None and not include(flow):
            continue
        sources, destinations, services = groups.setdefault(flow.kind, ([], [], []))
        for values, value in ((sources, flow.source), (destinations, flow.destination)):
            if value not in values:
                values.append(value)
        service = f"{flow.protocol} {flow.port}"
        if service not in services:
            services.append(service)
    return tuple(IntoIntranet(kind, tuple(s), tuple(d), tuple(v)) for kind, (s, d, v) in groups.items())


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
    uses_perimeter: bool
    """Servers or the reverse proxy sit in the perimeter network."""
    into_intranet: tuple[IntoIntranet, ...]
    """What the placement opens from the perimeter into the intranet, through the back firewall."""
    back_firewall: str
    replica_scenario: bool
    """The site matches the replica scenario, whose pros and cons are not confirmed for Configuration Manager 2007."""


def _replica(topo: Topology) -> Replica | None:
    server = topo.replica_server
    replica = topo.model.database_replica
    if server is None or replica is None:
        return None
    return Replica(database=replica.database, server=server.name, zone=server.zone)


def view(topo: Topology, network: NetworkPlan) -> ServerPlacementView:
    """The placement is approved against the scenarios this site's servers actually match."""
    site_server = topo.site_server
    proxy = topo.model.network.reverse_proxy
    scenarios = placement_scenarios(topo)
    return ServerPlacementView(
        site_server=PlacedServer(site_server.name, site_server.zone, topo.forest_of(site_server)),
        database_server=topo.database_server.name,
        replica=_replica(topo),
        scenarios=tuple(ScenarioEntry(sc.title, SCENARIO_DESCRIPTIONS.get(sc.id, "")) for sc in scenarios),
        reverse_proxy=(
            PublishingProxy(proxy.name, tuple(proxy.publishes), proxy.mode, proxy.mode == "ssl_bridging")
            if proxy
            else None
        ),
        other_forest_servers=tuple(
            OtherForestServer(s.name, topo.forest_of(s), s.install_account)
            for s in topo.internet_servers
            if topo.in_other_forest(s)
        ),
        uses_perimeter=any(s.zone == "perimeter" for s in topo.model.servers)
        or (proxy is not None and proxy.zone == "perimeter"),
        into_intranet=into_intranet(network),
        back_firewall=topo.model.network.back_firewall.name,
        replica_scenario=SCENARIO_PERIMETER_REPLICA in scenarios,
    )


def _opened(view: ServerPlacementView) -> str:
    """What the placement opens into the intranet, as one clause per kind of connection."""
    return "; ".join(
        f"{names(t.sources)} to {names(t.destinations)} on {', '.join(t.services)}" for t in view.into_intranet
    )


def _into_intranet_check(view: ServerPlacementView) -> tuple[Instruction, ...]:
    if view.into_intranet:
        return (
            Instruction(
                f"The security architect accepts what this placement opens from the perimeter into the intranet "
                f"through {view.back_firewall}: {_opened(view)}."
            ),
        )
    if view.uses_perimeter:
        return (
            Instruction(
                f"The security architect confirms that nothing is opened from the perimeter into the intranet "
                f"through {view.back_firewall}: every connection through it starts in the intranet."
            ),
        )
    return ()


def work(topo: Topology, network: NetworkPlan, view: ServerPlacementView) -> StepWork:
    """Placement is decided before anything is built on it (a decision: nothing to roll back)."""
    model = topo.model
    firewalls = [name for name, _ in network.firewalls]
    if view.reverse_proxy:
        firewalls.append(f"the reverse proxy {view.reverse_proxy.name}")
    scenarios = names(sc.title for sc in view.scenarios)
    revision = f" (revision {model.change.revision} of the site input)" if model.change else ""
    gate = [f"The security architect approved the placement of site {topo.site.code}: {scenarios}."]
    if view.replica:
        gate.append(
            f"The SQL Server replica {view.replica.database} on {view.replica.server} is part of the approved "
            "placement."
        )
    if view.uses_perimeter:
        gate.append(
            f"The connections from the perimeter into the intranet through {view.back_firewall} are accepted."
            if view.into_intranet
            else f"Nothing is opened from the perimeter into the intranet through {view.back_firewall}."
        )
    return StepWork(
        requires=frozenset({res.DECISION}),
        provides=frozenset({res.PLACEMENT}),
        minutes=15,
        verification=(
            Instruction(
                f"The owners of {names(s.name for s in model.servers)} confirm that each server exists with the "
                "zone, forest and FQDNs of the server table, and agree with its roles and connections."
            ),
            Instruction(f"The security architect approves the placement scenario: {scenarios}."),
            Instruction(
                f"The placement diagram shows {names(firewalls)} between the Internet clients and the site systems."
            ),
            *_into_intranet_check(view),
        ),
        evidence=(
            f"The security architect's approval of the placement for {change_record(topo)}, with name and date.",
            f"The server table and placement diagram of this runbook as approved{revision}.",
        ),
        gate=tuple(gate),
    )


STEP = Step(
    id="server-placement",
    title="Decide on server placement",
    condition=conditions.always("always included: every site documents where its servers sit"),
    view=view,
    serves=frozenset({"site-database"}),
    phase=1,
    owner="configmgr",
    seed_item=2,
    changes=False,
    work=work,
)
