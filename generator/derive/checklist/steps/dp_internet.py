"""Step 12: each distribution point that accepts Internet connections."""

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
class InternetDpEntry:
    """One distribution point that accepts Internet connections."""

    name: str
    connections: str
    """Its ``distribution_point.connections`` (internet or both)."""
    internet_only: bool
    """The client type to choose is Internet-only (``connections: internet``)."""
    internet_fqdn: str | None
    url: str
    """The HTTPS URL Internet clients download from."""


@dataclass(frozen=True)
class DpInternetView:
    """What the dp-internet step words: each Internet DP and its client type."""

    console_node: str
    dps: tuple[InternetDpEntry, ...]


def view(topo: Topology, _network: NetworkPlan) -> DpInternetView:
    """Resolve each Internet DP's client type and URL so the template only words them."""
    https = topo.site.client_ports.https
    dps = []
    for server in topo.internet_dps:
        dp = server.roles.distribution_point
        assert dp is not None
        dps.append(
            InternetDpEntry(
                name=server.name,
                connections=dp.connections,
                internet_only=dp.connections == "internet",
                internet_fqdn=server.internet_fqdn,
                url=f"https://{server.internet_fqdn}:{https}/",
            )
        )
    return DpInternetView(console_node=ROLE_CONSOLE_NODES["distribution_point"], dps=tuple(dps))


def work(topo: Topology, network: NetworkPlan, view: DpInternetView) -> StepWork:
    """A distribution point is configured for Internet clients once its site system and certificate exist."""
    del topo
    servers = [d.name for d in view.dps]
    return StepWork(
        requires=frozenset({*(res.site_system(s) for s in servers), *res.new_certificates(network, servers)}),
        provides=frozenset(res.role("distribution_point", s) for s in servers),
        minutes=10 + 10 * len(servers),
    )


STEP = Step(
    id="dp-internet",
    title="Configure a distribution point for Internet-based client connections",
    condition=conditions.role_internet("distribution_point", "distribution point"),
    view=view,
    serves=frozenset({"internet-distribution-point"}),
    phase=4,
    owner="configmgr",
    seed_item=9,
    work=work,
)
