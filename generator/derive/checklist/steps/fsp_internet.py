"""Step 13: each fallback status point with connections: both."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import ROLE_CONSOLE_NODES


@dataclass(frozen=True)
class InternetFspEntry:
    """One fallback status point that accepts Internet clients."""

    name: str
    internet_fqdn: str | None
    shares_server: bool
    """The server also hosts a role that takes HTTPS client traffic (it should be dedicated)."""


@dataclass(frozen=True)
class FspInternetView:
    """What the fsp-internet step words: each Internet FSP and whether its server is dedicated."""

    console_node: str
    fsps: tuple[InternetFspEntry, ...]


def view(topo: Topology, _network: NetworkPlan) -> FspInternetView:
    """Resolve whether each Internet FSP shares its server so the template only words it."""
    fsps = tuple(
        InternetFspEntry(name=s.name, internet_fqdn=s.internet_fqdn, shares_server=topo.fsp_shares_server(s))
        for s in topo.internet_fsps
    )
    return FspInternetView(console_node=ROLE_CONSOLE_NODES["fallback_status_point"], fsps=fsps)


def work(topo: Topology, network: NetworkPlan, view: FspInternetView) -> StepWork:
    """A fallback status point accepts Internet clients once its site system exists."""
    del topo, network
    servers = [f.name for f in view.fsps]
    return StepWork(
        requires=frozenset(res.site_system(s) for s in servers),
        provides=frozenset(res.role("fallback_status_point", s) for s in servers),
        minutes=10 + 5 * len(servers),
    )


STEP = Step(
    id="fsp-internet",
    title="Configure a fallback status point for Internet-based client connections",
    condition=conditions.fsp_internet,
    view=view,
    serves=frozenset({"internet-fallback-status-point"}),
    phase=4,
    owner="configmgr",
    seed_item=9,
    work=work,
)
