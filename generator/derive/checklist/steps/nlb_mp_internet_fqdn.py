"""Step 6: the Internet FQDN of an Internet-based NLB management point."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


@dataclass(frozen=True)
class ClusterMember:
    """A member server of the cluster and the zone it sits in."""

    name: str
    zone: str


@dataclass(frozen=True)
class NlbMpCluster:
    """An NLB management point cluster with an Internet FQDN."""

    name: str
    members: tuple[ClusterMember, ...]
    internet_fqdn: str
    public_ip: str | None
    intranet_fqdn: str | None
    probe_url: str
    """The HTTPS address that checks the cluster's certificate from the Internet."""


@dataclass(frozen=True)
class NlbMpInternetFqdnView:
    """The NLB management point clusters whose Internet FQDN goes into the management point component."""

    clusters: tuple[NlbMpCluster, ...]


def view(topo: Topology, _network: NetworkPlan) -> NlbMpInternetFqdnView:
    """Each NLB management point cluster with an Internet FQDN is configured and checked on its own."""
    clusters = []
    for cluster in topo.model.nlb_clusters:
        if cluster.role != "management_point" or not cluster.internet_fqdn:
            continue
        members = []
        for name in cluster.members:
            server = topo.server(name)
            assert server is not None, "checked by validation"
            members.append(ClusterMember(server.name, server.zone))
        clusters.append(
            NlbMpCluster(
                name=cluster.name,
                members=tuple(members),
                internet_fqdn=cluster.internet_fqdn,
                public_ip=cluster.public_ip,
                intranet_fqdn=cluster.intranet_fqdn,
                probe_url=f"https://{cluster.internet_fqdn}:{topo.site.client_ports.https}/",
            )
        )
    return NlbMpInternetFqdnView(clusters=tuple(clusters))


def work(topo: Topology, network: NetworkPlan, view: NlbMpInternetFqdnView) -> StepWork:
    """The cluster's FQDN is entered once the management point role is on every member."""
    clusters = [c for c in topo.model.nlb_clusters if c.name in {v.name for v in view.clusters}]
    members = {m for c in clusters for m in c.members}
    return StepWork(
        requires=frozenset(
            {
                *(res.role("management_point", m) for m in members),
                *res.public_names(network, [c.name for c in clusters]),
            }
        ),
        provides=frozenset(res.nlb(c.name) for c in clusters),
        minutes=20 * len(clusters),
    )


STEP = Step(
    id="nlb-mp-internet-fqdn",
    title="Specify the Internet FQDN of an Internet-based NLB management point",
    condition=conditions.nlb_internet("management_point"),
    view=view,
    phase=4,
    owner="configmgr",
    seed_item=6,
    work=work,
)
