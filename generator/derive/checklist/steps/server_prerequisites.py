"""Added step: what each Internet-based site system needs installed first (docs/steps.md, step-server-prerequisites;
reference 16.5)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step, Verdict
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


def condition(topo: Topology) -> Verdict:
    servers = topo.internet_servers
    if not servers:
        return False, ["no server has a role that accepts Internet connections"]
    names = ", ".join(s.name for s in servers)
    return True, [f"{names} will host Internet-based roles and need IIS, BITS and their role prerequisites first"]


@dataclass(frozen=True)
class ServerPrerequisitesView:
    """Per Internet-based site system, what must be installed before its roles."""

    servers: tuple[str, ...]
    sup_servers: tuple[str, ...]
    """Servers that get a software update point role: WSUS 3.0 comes first."""


def view(topo: Topology, _network: NetworkPlan) -> ServerPrerequisitesView:
    servers = topo.internet_servers
    sup_servers = sorted(
        {s.name for sup in topo.internet_sup_endpoints for s in sup.servers}, key=lambda n: topo.server_index[n.upper()]
    )
    return ServerPrerequisitesView(servers=tuple(s.name for s in servers), sup_servers=tuple(sup_servers))


def work(topo: Topology, network: NetworkPlan, view: ServerPrerequisitesView) -> StepWork:
    """Prerequisites are in place before the site system is installed; WSUS before the software update point."""
    del topo, network
    return StepWork(
        requires=frozenset({res.PLACEMENT, res.BACKUP}),
        provides=frozenset({*(res.prerequisites(s) for s in view.servers), *(res.wsus(s) for s in view.sup_servers)}),
        minutes=30 * len(view.servers),
    )


STEP = Step(
    id="server-prerequisites",
    title="Install the prerequisites on each Internet-based site system",
    condition=condition,
    view=view,
    phase=3,
    owner="configmgr",
    seed_item=None,
    work=work,
)
