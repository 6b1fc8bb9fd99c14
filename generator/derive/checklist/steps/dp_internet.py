"""Step 12: each distribution point that accepts Internet connections."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step
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


STEP = Step(
    id="dp-internet",
    title="Configure a distribution point for Internet-based client connections",
    condition=conditions.role_internet("distribution_point", "distribution point"),
    view=view,
    serves=frozenset({"internet-distribution-point"}),
)
