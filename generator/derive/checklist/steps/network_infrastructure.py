"""Step 3: firewall rules per firewall, the connectivity matrix, reverse and forward proxy requirements."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import (
    EDGE_BLOCKED_PORTS,
    ON_THE_INTERNET,
    change_record,
    internet_port_check,
    names,
    portqry,
    public_address,
    remove_rules,
    rule_checks,
    rules_in_place,
    rules_label,
    verb,
)
from generator.derive.checklist.work import Instruction, StepWork
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


def _public_targets(network: NetworkPlan, view: NetworkInfrastructureView) -> list[tuple[ReachabilityCheck, str]]:
    """Each Internet FQDN with the host a check from the Internet connects to: its public address, else the name."""
    return [(c, public_address(network, c.fqdn) or c.fqdn) for c in (*view.server_checks, *view.cluster_checks)]


def _internet_checks(network: NetworkPlan, view: NetworkInfrastructureView) -> list[Instruction]:
    """From the Internet: each Internet FQDN answers on its ports, and the ports of unsupported features do not."""
    targets = _public_targets(network, view)
    checks = [
        internet_port_check(c.fqdn, public_address(network, c.fqdn), [str(p.port) for p in c.ports]) for c, _ in targets
    ]
    if targets:
        checks.append(
            Instruction(
                f"The ports of features Internet clients cannot use stay closed: SMB 445 (client push) and TCP 2701 "
                f"(remote control) on {names(c.fqdn for c, _ in targets)} report FILTERED.",
                command="\n".join(dict.fromkeys(portqry(host, EDGE_BLOCKED_PORTS) for _, host in targets)),
                where=ON_THE_INTERNET,
            )
        )
    return checks


def _proxy_check(view: NetworkInfrastructureView) -> tuple[Instruction, ...]:
    proxy = view.reverse_proxy
    if proxy is None:
        return ()
    mode = "SSL bridging" if proxy.ssl_bridging else "SSL tunnelling"
    published = names(f"{s.name} as {s.internet_fqdn}" if s.internet_fqdn else s.name for s in proxy.published)
    return (
        Instruction(
            f"The proxy team confirms that {proxy.name} publishes {published} in {mode} mode, supports HTTP 1.1, "
            "allows the content types multipart/mixed and application/octet-stream and the verbs and headers this "
            f"step lists for {names(a.role_title for a in view.http_allowances)}."
        ),
    )


def work(topo: Topology, network: NetworkPlan, view: NetworkInfrastructureView) -> StepWork:
    """The firewall rules (and the reverse proxy) come before anything that needs to cross them; each rule is checked
    from its source, and undone by number."""
    proxy = topo.model.network.reverse_proxy
    provides = res.firewalls(network) | ({res.proxy(proxy.name)} if proxy else set())
    ruled = [(name, network.rules_for(name)) for name, _ in network.firewalls if network.rules_for(name)]
    change = change_record(topo)
    targets = _public_targets(network, view)
    evidence = [
        f"The firewall change ticket number for {rules_label(name, rules)}, recorded in {change}."
        for name, rules in ruled
    ]
    evidence += [
        f"The rule base of {names(name for name, _ in ruled)} exported before and after the change: the export "
        "before is what a rollback restores.",
        "The output of every PortQry check, with the date, the time and the computer it ran on.",
    ]
    rollback: list[Instruction] = []
    gate = [
        f"{rules_label(name, rules)} {verb(rules, 'is', 'are')} in place and PortQry shows "
        f"{verb(rules, 'it', 'them')} open (not FILTERED)."
        for name, rules in ruled
    ]
    if view.reverse_proxy:
        fqdns = names(s.internet_fqdn or s.name for s in view.reverse_proxy.published)
        evidence.append(f"An export or screenshot of the publishing rules on {view.reverse_proxy.name}.")
        rollback.append(
            Instruction(f"On the reverse proxy {view.reverse_proxy.name}, remove the publishing of {fqdns}.")
        )
        gate.append(f"The reverse proxy {view.reverse_proxy.name} publishes {fqdns}.")
    rollback += [i for name, _ in ruled if (i := remove_rules(network, name)) is not None]
    if targets:
        rollback.append(
            Instruction(
                f"Check from the Internet that {names(c.fqdn for c, _ in targets)} no longer answer: PortQry reports "
                "FILTERED.",
                command="\n".join(dict.fromkeys(portqry(host, [str(p.port) for p in c.ports]) for c, host in targets)),
                where=ON_THE_INTERNET,
            )
        )
        gate.append("From the Internet, SMB 445 and TCP 2701 of the Internet FQDNs stay closed (FILTERED).")
    return StepWork(
        requires=frozenset({res.PLACEMENT, res.BACKUP}),
        provides=frozenset(provides),
        minutes=10 + 5 * len(network.grouped_rules),
        verification=(
            *(i for name, _ in ruled if (i := rules_in_place(network, name)) is not None),
            *rule_checks(topo, network.grouped_rules),
            *_internet_checks(network, view),
            *_proxy_check(view),
        ),
        evidence=tuple(evidence),
        rollback=tuple(rollback),
        gate=tuple(gate),
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
