"""Step 3: firewall rules per firewall, the connectivity matrix, reverse and forward proxy requirements."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import NlbCluster, RoleKey, Server
from generator.model.topology import Topology
from generator.model.vocabulary import HTTP_VERBS, ROLE_TITLES


@dataclass(frozen=True)
class ClientListener:
    """One Internet role of a server or NLB cluster and the ports it takes client requests on."""

    role_title: str
    wsus: bool
    """The ports are those of the WSUS web site (a software update point)."""
    ports: tuple[tuple[str, int], ...]
    """(protocol, TCP port), HTTPS first."""


@dataclass(frozen=True)
class PublishedServer:
    """A site system that the reverse proxy publishes, with its Internet roles."""

    name: str
    internet_fqdn: str | None
    listeners: tuple[ClientListener, ...]


@dataclass(frozen=True)
class ReverseProxyView:
    """The reverse proxy in front of intranet site systems."""

    name: str
    zone: str
    public_ip: str | None
    ssl_bridging: bool
    """SSL bridging (the proxy ends and inspects sessions) rather than SSL tunnelling."""
    published: tuple[PublishedServer, ...]


@dataclass(frozen=True)
class HttpAllowance:
    """The HTTP verbs and headers a proxy must allow for one role offered on the Internet."""

    role_title: str
    verbs: str | None
    """None for the software update point: the WSUS documentation governs its web site."""
    headers: str | None


@dataclass(frozen=True)
class ListeningPort:
    """One port an Internet FQDN answers on, named once however many of its roles share it."""

    protocol: str
    port: int
    wsus: bool
    """Only the WSUS web site (a software update point) listens on it."""


@dataclass(frozen=True)
class ReachabilityCheck:
    """An Internet FQDN to test from the Internet, and the ports its roles listen on (each once)."""

    fqdn: str
    listeners: tuple[ClientListener, ...]
    ports: tuple[ListeningPort, ...]


def _reachability(fqdn: str, listeners: tuple[ClientListener, ...]) -> ReachabilityCheck:
    """Two roles of one server may share a port (a management point and a distribution point on HTTPS 443)."""
    wsus_only: dict[tuple[str, int], bool] = {}
    for listener in listeners:
        for key in listener.ports:
            wsus_only[key] = wsus_only.get(key, True) and listener.wsus
    ports = tuple(ListeningPort(protocol, port, wsus) for (protocol, port), wsus in wsus_only.items())
    return ReachabilityCheck(fqdn, listeners, ports)


@dataclass(frozen=True)
class NetworkInfrastructureView:
    """Firewall, proxy and reachability facts the firewall and proxy teams act on."""

    perimeter_may_initiate: bool
    """The back firewall may allow connections opened from the perimeter into the intranet."""
    reverse_proxy: ReverseProxyView | None
    http_allowances: tuple[HttpAllowance, ...]
    server_checks: tuple[ReachabilityCheck, ...]
    """Internet-based site systems with an Internet FQDN of their own."""
    cluster_checks: tuple[ReachabilityCheck, ...]
    """NLB clusters with an Internet FQDN."""


def _listener(topo: Topology, server: Server, role: RoleKey) -> ClientListener:
    return ClientListener(ROLE_TITLES[role], role == "software_update_point", topo.client_ports(server, role))


def _listeners(topo: Topology, server: Server) -> tuple[ClientListener, ...]:
    return tuple(_listener(topo, server, role) for role in topo.internet_roles(server))


def _reverse_proxy(topo: Topology) -> ReverseProxyView | None:
    proxy = topo.model.network.reverse_proxy
    if proxy is None:
        return None
    published = []
    for name in proxy.publishes:
        server = topo.server(name)
        assert server is not None, "checked by validation"
        published.append(PublishedServer(server.name, server.internet_fqdn, _listeners(topo, server)))
    return ReverseProxyView(
        name=proxy.name,
        zone=proxy.zone,
        public_ip=proxy.public_ip,
        ssl_bridging=proxy.mode == "ssl_bridging",
        published=tuple(published),
    )


def _http_allowance(role: RoleKey) -> HttpAllowance:
    verbs, headers = HTTP_VERBS.get(role, (None, None))
    return HttpAllowance(ROLE_TITLES[role], verbs, headers)


def _cluster_check(topo: Topology, cluster: NlbCluster) -> ReachabilityCheck:
    assert cluster.internet_fqdn is not None
    member = topo.server(cluster.members[0])
    assert member is not None, "checked by validation"
    return _reachability(cluster.internet_fqdn, (_listener(topo, member, cluster.role),))


def view(topo: Topology, _network: NetworkPlan) -> NetworkInfrastructureView:
    """The firewall and proxy teams open exactly the ports and verbs this site's Internet roles listen on."""
    return NetworkInfrastructureView(
        perimeter_may_initiate=topo.perimeter_may_initiate,
        reverse_proxy=_reverse_proxy(topo),
        http_allowances=tuple(_http_allowance(role) for role in topo.internet_role_keys),
        server_checks=tuple(
            _reachability(s.internet_fqdn, _listeners(topo, s)) for s in topo.internet_servers if s.internet_fqdn
        ),
        cluster_checks=tuple(_cluster_check(topo, c) for c in topo.model.nlb_clusters if c.internet_fqdn),
    )


def work(topo: Topology, network: NetworkPlan, view: NetworkInfrastructureView) -> StepWork:
    """The firewall rules (and the reverse proxy) come before anything that needs to cross them."""
    del view
    proxy = topo.model.network.reverse_proxy
    provides = res.firewalls(network) | ({res.proxy(proxy.name)} if proxy else set())
    return StepWork(
        requires=frozenset({res.PLACEMENT, res.BACKUP}),
        provides=frozenset(provides),
        minutes=30 + 5 * len(network.grouped_rules),
    )


STEP = Step(
    id="network-infrastructure",
    title="Change the network infrastructure: firewalls and proxy servers",
    condition=conditions.always("always included: Internet clients reach the site systems through the firewalls"),
    view=view,
    # Domain membership is standard Windows traffic that no ConfigMgr step configures: the firewall teams open it
    # here with the other rules (server-placement only records the decision that puts a server in the perimeter).
    serves=frozenset({"crl", "microsoft-update", "domain-membership"}),
    phase=2,
    owner="firewall",
    seed_item=3,
    work=work,
)
