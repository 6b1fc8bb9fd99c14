"""Derived facts about a validated site: which server is which, and resolved defaults.

Everything that interprets the model (semantic checks, step decisions, the
network plan) asks these questions here, so each answer exists once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from generator.model.schema import DomainController, NlbCluster, RoleKey, Server, SiteInput, Zone
from generator.model.vocabulary import ROLE_TITLES, RPC_RANGES

WebDavSetup = Literal["download", "role-service"]
"""How WebDAV gets onto a Windows Server 2008 (R2) management point or BITS distribution point: a separate
download for IIS 7.0 on Windows Server 2008, an IIS role service to add on 2008 R2 (docs/domain-facts.md,
Prerequisites)."""


def accepts_internet(connections: str) -> bool:
    """A role accepts Internet connections when its ``connections`` is internet or both."""
    return connections in ("internet", "both")


def accepts_intranet(connections: str) -> bool:
    return connections in ("intranet", "both")


@dataclass(frozen=True)
class SupEndpoint:
    """A software update point as clients see it: one server, or an NLB cluster of them."""

    name: str
    servers: tuple[Server, ...]
    cluster: NlbCluster | None
    connections: str

    @property
    def wsus_ports(self) -> tuple[int, int]:
        """(HTTP, HTTPS) ports of the WSUS web site."""
        sup = self.servers[0].roles.software_update_point
        assert sup is not None
        return (8530, 8531) if sup.wsus_website == "custom" else (80, 443)


class Topology:
    """Read-only questions about one site, answered from its model."""

    def __init__(self, model: SiteInput) -> None:
        self.model = model
        self.site = model.site

    @cached_property
    def servers_by_key(self) -> dict[str, Server]:
        result: dict[str, Server] = {}
        for server in self.model.servers:
            result.setdefault(server.key, server)
        return result

    @cached_property
    def server_index(self) -> dict[str, int]:
        """Server key -> its index in ``servers`` (the first one of a duplicated name), to locate diagnostics."""
        index: dict[str, int] = {}
        for i, server in enumerate(self.model.servers):
            index.setdefault(server.key, i)
        return index

    def server(self, name: str) -> Server | None:
        """The server called ``name`` (case-insensitive), or None."""
        return self.servers_by_key.get(name.upper())

    @property
    def site_server(self) -> Server:
        server = self.server(self.site.site_server)
        assert server is not None, "checked by validation"
        return server

    @property
    def database_server(self) -> Server:
        server = self.server(self.site.database_server)
        assert server is not None, "checked by validation"
        return server

    @property
    def replica_server(self) -> Server | None:
        replica = self.model.database_replica
        return self.server(replica.server) if replica else None

    def forest_of(self, server: Server) -> str:
        return server.forest or self.site.forest

    def in_other_forest(self, server: Server) -> bool:
        return self.forest_of(server).lower() != self.site.forest.lower()

    def rpc_range(self, server: Server) -> str:
        """The TCP range RPC uses on ``server``: its override or its OS default."""
        return server.rpc_dynamic_ports or RPC_RANGES[server.os]

    def domain_controllers(self, forest: str) -> list[DomainController]:
        """The domain controllers ``directory`` lists for ``forest`` (compared case-insensitively); empty if none."""
        for name, controllers in self.model.directory.items():
            if name.lower() == forest.lower():
                return list(controllers)
        return []

    def directory_zone(self, forest: str) -> Zone:
        """Where the domain controllers of ``forest`` sit.

        Those of ``site.forest`` are in the intranet. Another forest's sit where its servers are: in the
        perimeter for a perimeter forest (an untrusted perimeter forest has its own domain controllers there),
        in the intranet as soon as one of its servers is.
        """
        if forest.lower() == self.site.forest.lower():
            return "intranet"
        zones = {s.zone for s in self.model.servers if self.forest_of(s).lower() == forest.lower()}
        return "intranet" if "intranet" in zones or not zones else "perimeter"

    def is_internet_based(self, server: Server) -> bool:
        """The server has a role that accepts Internet connections."""
        return any(accepts_internet(role.connections) for _, role in server.roles.items())

    def internet_roles(self, server: Server) -> list[RoleKey]:
        return [key for key, role in server.roles.items() if accepts_internet(role.connections)]

    @property
    def internet_servers(self) -> list[Server]:
        return [s for s in self.model.servers if self.is_internet_based(s)]

    def site_server_initiated(self, server: Server) -> bool:
        """Resolved "Allow only site server initiated data transfers" for ``server``."""
        if server.site_server_initiated is not None:
            return server.site_server_initiated
        # Both defaults concern perimeter servers only (docs/domain-facts.md, Site-server-initiated
        # transfers; docs/steps.md, site-server-initiated-transfers).
        if server.zone != "perimeter":
            return False
        return self.in_other_forest(server) or not self.model.network.back_firewall.perimeter_may_initiate

    def servers_with(self, role: RoleKey) -> list[Server]:
        return [s for s in self.model.servers if getattr(s.roles, role) is not None]

    def cluster_for(self, server: Server, role: RoleKey) -> NlbCluster | None:
        """The NLB cluster through which ``server`` serves ``role``, if any."""
        for cluster in self.model.nlb_clusters:
            if cluster.role == role and server.key in {m.upper() for m in cluster.members}:
                return cluster
        return None

    def published_by_proxy(self, server: Server) -> bool:
        proxy = self.model.network.reverse_proxy
        return proxy is not None and server.key in {name.upper() for name in proxy.publishes}

    def needs_manual_webdav(self, server: Server) -> bool:
        """An MP or BITS DP on Windows Server 2008 (R2) needs WebDAV installed by hand.

        See docs/domain-facts.md, Prerequisites.
        """
        dp = server.roles.distribution_point
        has_webdav_role = server.roles.management_point is not None or (dp is not None and dp.bits)
        return server.os != "windows_server_2003" and has_webdav_role

    def webdav_setup(self, server: Server) -> WebDavSetup | None:
        """How this change sets up WebDAV by hand on ``server``: None when it needs none (Windows Server 2003, or no
        MP or BITS DP that accepts Internet connections: the roles this change adds or changes, as warning 7 says).

        See docs/domain-facts.md, Prerequisites: a download for IIS 7.0 on Windows Server 2008, an IIS role
        service on Windows Server 2008 R2.
        """
        if not self.needs_manual_webdav(server) or not self.internet_webdav_roles(server):
            return None
        return "role-service" if server.os == "windows_server_2008_r2" else "download"

    def fsp_shares_server(self, server: Server) -> bool:
        """The fallback status point shares ``server`` with a role that takes HTTPS client traffic.

        It should have a server of its own (docs/domain-facts.md, Fallback status point).
        """
        roles = server.roles
        https_roles = (roles.management_point, roles.distribution_point, roles.software_update_point)
        return roles.fallback_status_point is not None and any(role is not None for role in https_roles)

    @property
    def site_server_initiated_servers(self) -> list[Server]:
        """Internet-based site systems (not the site server) that allow only site-server-initiated transfers."""
        return [s for s in self.internet_servers if s.key != self.site_server.key and self.site_server_initiated(s)]

    @property
    def internet_role_keys(self) -> list[RoleKey]:
        """Role keys offered to Internet clients anywhere in the site, in catalog order."""
        offered = {key for server in self.internet_servers for key in self.internet_roles(server)}
        return [key for key in ROLE_TITLES if key in offered]

    @property
    def internet_dps(self) -> list[Server]:
        """Servers whose distribution point accepts Internet connections."""
        return [s for s in self.internet_servers if "distribution_point" in self.internet_roles(s)]

    @property
    def internet_fsps(self) -> list[Server]:
        """Servers whose fallback status point accepts Internet clients (``connections: both``)."""
        return [
            s
            for s in self.servers_with("fallback_status_point")
            if s.roles.fallback_status_point and s.roles.fallback_status_point.connections == "both"
        ]

    # --- management points -------------------------------------------------

    @property
    def internet_mp_fqdn(self) -> str | None:
        """The FQDN Internet clients use for their MP: the NLB cluster's when the MP is clustered."""
        if not self.internet_mps:
            return None
        return self.internet_fqdn_for(self.internet_mps[0], "management_point")

    @property
    def internet_mps(self) -> list[Server]:
        return [
            s
            for s in self.servers_with("management_point")
            if s.roles.management_point and accepts_internet(s.roles.management_point.connections)
        ]

    @property
    def replica_readers(self) -> list[Server]:
        """Internet management points that read the SQL Server replica (``database: replica``), not the site database."""
        return [
            s for s in self.internet_mps if s.roles.management_point and s.roles.management_point.database == "replica"
        ]

    def internet_fqdn_for(self, server: Server, role: RoleKey) -> str | None:
        """The FQDN Internet clients use to reach ``server``'s ``role``: its NLB cluster's when clustered."""
        cluster = self.cluster_for(server, role)
        return cluster.internet_fqdn if cluster and cluster.internet_fqdn else server.internet_fqdn

    @property
    def clients_internet_only(self) -> bool:
        """The site's clients never join the intranet (``clients.placement: internet_only``)."""
        return self.model.clients.placement == "internet_only"

    # --- software update points -------------------------------------------

    def _sup_endpoints(self, predicate: object) -> list[SupEndpoint]:
        endpoints: dict[str, SupEndpoint] = {}
        for server in self.servers_with("software_update_point"):
            sup = server.roles.software_update_point
            assert sup is not None
            if not callable(predicate) or not predicate(sup.connections):
                continue
            cluster = self.cluster_for(server, "software_update_point")
            key = f"nlb:{cluster.name}" if cluster else server.key
            if key in endpoints:
                previous = endpoints[key]
                endpoints[key] = SupEndpoint(previous.name, (*previous.servers, server), cluster, previous.connections)
            else:
                endpoints[key] = SupEndpoint(
                    cluster.name if cluster else server.name, (server,), cluster, sup.connections
                )
        return list(endpoints.values())

    @property
    def active_sups(self) -> list[SupEndpoint]:
        """SUPs whose connections is intranet or both (members of one NLB cluster count once)."""
        return self._sup_endpoints(accepts_intranet)

    @property
    def internet_only_sups(self) -> list[SupEndpoint]:
        """SUPs whose connections is internet: the active Internet-based SUP candidates."""
        return self._sup_endpoints(lambda c: c == "internet")

    @property
    def sup_endpoints(self) -> list[SupEndpoint]:
        """Every SUP endpoint: the active ones first, then the Internet-only ones."""
        return self.active_sups + self.internet_only_sups

    @property
    def internet_sup_endpoints(self) -> list[SupEndpoint]:
        """SUP endpoints that accept Internet connections."""
        return [sup for sup in self.sup_endpoints if accepts_internet(sup.connections)]

    def sup_endpoint_of(self, server: Server) -> SupEndpoint | None:
        """The SUP endpoint (the server itself or its NLB cluster) that ``server`` belongs to."""
        return next((sup for sup in self.sup_endpoints if server in sup.servers), None)

    def client_ports(self, server: Server, role: RoleKey) -> tuple[tuple[str, int], ...]:
        """(protocol, TCP port) pairs on which ``server`` takes client requests for ``role``, HTTPS first.

        A SUP listens on the ports of its WSUS web site (its NLB cluster's when clustered), a fallback status
        point on the site's client HTTP port, a management point or distribution point on its client HTTPS port.
        """
        if role == "software_update_point":
            endpoint = self.sup_endpoint_of(server)
            assert endpoint is not None, f"{server.name} carries no software update point"
            http, https = endpoint.wsus_ports
            return (("HTTPS", https), ("HTTP", http))
        if role == "fallback_status_point":
            return (("HTTP", self.site.client_ports.http),)
        return (("HTTPS", self.site.client_ports.https),)

    @property
    def active_sup(self) -> SupEndpoint | None:
        sups = self.active_sups
        return sups[0] if sups else None

    @property
    def internet_sup(self) -> SupEndpoint | None:
        sups = self.internet_only_sups
        return sups[0] if sups else None

    @property
    def internet_sup_sync(self) -> str | None:
        """Resolved ``software_updates.internet_sup_sync``; None without an Internet-only SUP."""
        sup = self.internet_sup
        if sup is None:
            return None
        chosen = self.model.software_updates.internet_sup_sync
        if chosen:
            return chosen
        return "automatic" if sup.servers[0].zone == "intranet" else "export_import"

    @property
    def perimeter_may_initiate(self) -> bool:
        return self.model.network.back_firewall.perimeter_may_initiate

    @property
    def site_server_connection_group(self) -> str:
        """The site server's local group for site systems; servers of an untrusted forest are not added to it."""
        return f"SMS_SiteSystemToSiteServerConnection_{self.site.code}"

    # --- questions of the validation rules ------------------------------------

    def is_site_system(self, server: Server) -> bool:
        """The site server, the site database server, or a server with a site system role."""
        keys = {self.site.site_server.upper(), self.site.database_server.upper()}
        return server.key in keys or bool(server.roles.items())

    def internet_webdav_roles(self, server: Server) -> list[RoleKey]:
        """The roles of ``server`` that need WebDAV for Internet clients, in catalog order.

        Its management point and its BITS-enabled distribution point when they accept Internet connections
        (docs/domain-facts.md, Prerequisites); whether WebDAV must be set up by hand depends on the OS.
        """
        mp, dp = server.roles.management_point, server.roles.distribution_point
        roles: list[RoleKey] = []
        if mp is not None and accepts_internet(mp.connections):
            roles.append("management_point")
        if dp is not None and dp.bits and accepts_internet(dp.connections):
            roles.append("distribution_point")
        return roles


@dataclass(frozen=True)
class Scenario:
    """A server placement scenario of the Microsoft planning guidance."""

    id: str
    title: str


SCENARIO_PERIMETER_DIRECT = Scenario("perimeter-direct", "perimeter site systems, site database reached directly")
SCENARIO_PERIMETER_REPLICA = Scenario("perimeter-replica", "perimeter site systems with a SQL Server replica")
SCENARIO_PROXY = Scenario("reverse-proxy", "intranet site systems published by a reverse proxy")
SCENARIO_INTRANET_DIRECT = Scenario("intranet-direct", "intranet site systems reached directly (tests only)")
SCENARIO_NONE = Scenario("none", "no Internet-based site systems yet")


def placement_scenarios(topo: Topology) -> list[Scenario]:
    """The placement scenarios of server-placement that this site matches, in a fixed order.

    A site can match several: Internet-based site systems in the perimeter and
    an Internet-based SUP on the intranet, for example.
    """
    found: list[Scenario] = []
    perimeter = [s for s in topo.internet_servers if s.zone == "perimeter"]
    intranet = [s for s in topo.internet_servers if s.zone == "intranet"]
    if perimeter:
        uses_replica = any(
            s.roles.management_point and s.roles.management_point.database == "replica" for s in perimeter
        )
        found.append(SCENARIO_PERIMETER_REPLICA if uses_replica else SCENARIO_PERIMETER_DIRECT)
    if any(topo.published_by_proxy(s) for s in intranet):
        found.append(SCENARIO_PROXY)
    if any(not topo.published_by_proxy(s) for s in intranet):
        found.append(SCENARIO_INTRANET_DIRECT)
    return found or [SCENARIO_NONE]
