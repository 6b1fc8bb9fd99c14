"""Step 6: the Windows NLB cluster of an Internet-based management point, and its Internet FQDN.

The cluster is created after the management point role is on every member (as for an NLB software update point),
then named in the management point component; the test URLs through its Internet FQDN are checked here, once the
cluster exists, not in the management point step.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import ON_THE_INTERNET, console, names, nslookup
from generator.derive.checklist.steps.mp_internet import test_urls, url_checks
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import console_paths


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
    address: str | None
    """The cluster's virtual address on its own network."""
    https_port: int
    """The client HTTPS port: the port rule of the cluster."""
    mplist_url: str
    """The management point test URL ``?mplist`` through the cluster's Internet FQDN."""
    mpcert_url: str
    """The management point test URL ``?mpcert`` through the cluster's Internet FQDN."""


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
        https = topo.site.client_ports.https
        mplist_url, mpcert_url = test_urls(https, cluster.internet_fqdn)
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
                probe_url=f"https://{cluster.internet_fqdn}:{https}/",
                address=cluster.address,
                https_port=https,
                mplist_url=mplist_url,
                mpcert_url=mpcert_url,
            )
        )
    return NlbMpInternetFqdnView(clusters=tuple(clusters))


def _checks(cluster: NlbMpCluster, component: str, client_fqdn: str | None) -> list[Instruction]:
    members = names(m.name for m in cluster.members)
    private = f" and {cluster.intranet_fqdn} in Private DNS" if cluster.intranet_fqdn else ""
    checks = [
        Instruction(
            f"Network Load Balancing Manager shows the cluster {cluster.name} with {members} converged, with a port "
            f"rule for TCP {cluster.https_port}."
        ),
        Instruction(
            f"In {component}, the General tab of the Management Point Component properties shows FQDN (not IP "
            f"Address) for {cluster.name}, with {cluster.internet_fqdn} as its Internet FQDN{private}."
        ),
        Instruction(
            f"{cluster.internet_fqdn} resolves to {cluster.public_ip or 'the public address of ' + cluster.name} "
            "from the Internet.",
            command=nslookup(cluster.internet_fqdn),
            where=ON_THE_INTERNET,
        ),
        Instruction(
            f"{cluster.probe_url} presents a trusted certificate for {cluster.internet_fqdn} from each member in "
            f"turn ({members}): open it in a browser while only that member serves the cluster (stop the others in "
            "Network Load Balancing Manager, then start them again).",
            command=cluster.probe_url,
            where=ON_THE_INTERNET,
        ),
    ]
    # The certificate is checked per member above; the test URLs follow.
    checks += url_checks(
        cluster.internet_fqdn,
        cluster.probe_url,
        cluster.mplist_url,
        cluster.mpcert_url,
        through=f" through the NLB cluster {cluster.name}",
    )[1:]
    if client_fqdn is not None and client_fqdn.lower() == cluster.internet_fqdn.lower():
        checks.append(
            Instruction(
                f"The client command lines of the next steps give CCMHOSTNAME={cluster.internet_fqdn}, the cluster's "
                "Internet FQDN."
            )
        )
    return checks


def _rollback(cluster: NlbMpCluster) -> list[Instruction]:
    keep = (
        f"; keep its intranet FQDN {cluster.intranet_fqdn} in Private DNS"
        if cluster.intranet_fqdn
        else ", and its Network Load Balancing cluster virtual server setting (it has no intranet FQDN)"
    )
    return [
        Instruction(
            f"In the Management Point Component properties (General tab), clear the Internet FQDN "
            f"{cluster.internet_fqdn} of {cluster.name}{keep}."
        ),
        Instruction(
            f"If this change created the Windows NLB cluster {cluster.name}, delete it in Network Load Balancing "
            f"Manager (right-click the cluster → Delete Cluster), so that {names(m.name for m in cluster.members)} "
            "answer only under their own names again."
        ),
    ]


def work(topo: Topology, network: NetworkPlan, view: NlbMpInternetFqdnView) -> StepWork:
    """The cluster is created and its FQDN entered once the management point role is on every member; the checks are
    the converged cluster, the certificate every member presents under that name and the test URLs through it; the
    undo clears the name, then deletes the cluster."""
    clusters = [c for c in topo.model.nlb_clusters if c.name in {v.name for v in view.clusters}]
    members = {m for c in clusters for m in c.members}
    paths = console_paths(topo.site.code, topo.site.name)
    component = console(*paths.component_configuration[-2:])
    return StepWork(
        requires=frozenset(
            {
                *(res.role("management_point", m) for m in members),
                *res.public_names(network, [c.name for c in clusters]),
            }
        ),
        provides=frozenset(res.nlb(c.name) for c in clusters),
        minutes=35 * len(clusters),
        verification=tuple(i for c in view.clusters for i in _checks(c, component, topo.internet_mp_fqdn)),
        evidence=tuple(
            e
            for c in view.clusters
            for e in (
                f"A screenshot of the General tab of the Management Point Component properties with "
                f"{c.internet_fqdn} for {c.name}.",
                f"A screenshot of the certificate {c.probe_url} presents, one per member "
                f"({names(m.name for m in c.members)}).",
                f"A screenshot of Network Load Balancing Manager with {c.name} converged.",
                f"The answers of {c.mplist_url} and {c.mpcert_url}, saved with the date and the time.",
            )
        ),
        rollback=tuple(i for c in reversed(view.clusters) for i in _rollback(c)),
        gate=tuple(
            g
            for c in view.clusters
            for g in (
                f"The NLB cluster {c.name} is converged with {names(m.name for m in c.members)}.",
                f"{c.mplist_url} returns the management point list from the Internet.",
                f"The Management Point Component gives {c.name} by FQDN, with {c.internet_fqdn} as its Internet FQDN.",
                f"{c.probe_url} presents a trusted certificate for {c.internet_fqdn} from every member "
                f"({names(m.name for m in c.members)}).",
            )
        ),
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
