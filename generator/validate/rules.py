"""Semantic rules of the site input format: cross-field errors and warnings with stable codes.

The rules and their numbers ("Error 1", "Warning 4") are those of
docs/site-inputs.md, Validation rules; the facts behind them are in
docs/domain-facts.md.

Each rule is a small generator of :class:`~generator.validate.registry.Finding`
objects that name the input path they rest on; :func:`generator.validate.locate`
turns paths into ``file:line:column``.  Each rule is registered in
:data:`SITE_RULES` with the codes it declares, in the order of that docs section.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

from generator.diagnostics import Code, Severity
from generator.load.yaml_source import Path, format_path
from generator.model.firewall_platforms import FIREWALL_PLATFORMS, PLATFORM_NAMES, suggest_platform
from generator.model.schema import Server
from generator.model.topology import Topology, WebDavSetup, accepts_internet, accepts_intranet
from generator.model.vocabulary import (
    OS_TITLES,
    ROLE_TITLES,
    SERVICE_PACK_NEEDED,
    SERVICE_PACK_OF_VERSION,
    UNSUPPORTED_FEATURES,
)
from generator.validate.registry import Finding, Rule, RuleRegistry

SITE_RULES: RuleRegistry[Topology] = RuleRegistry()
"""The validation rules of a site input, in the order of docs/site-inputs.md, Validation rules (errors first)."""


# --- errors -----------------------------------------------------------------


SECONDARY_SITE = Code("secondary-site", Severity.ERROR, "rule 1: IBCM needs a primary site")
MIXED_MODE_SITE = Code("mixed-mode-site", Severity.ERROR, "rule 1: IBCM needs native mode; migrate the site first")


@SITE_RULES.rule(SECONDARY_SITE, MIXED_MODE_SITE, lookups=False)
def check_site_kind(topo: Topology) -> Iterator[Finding]:
    """Error 1: IBCM needs a native-mode primary site."""
    if topo.site.type == "secondary":
        yield Finding(
            SECONDARY_SITE,
            ("site", "type"),
            "site.type: Internet-based client management needs a primary site (got 'secondary')",
        )
    if topo.site.mode == "mixed":
        yield Finding(
            MIXED_MODE_SITE,
            ("site", "mode"),
            "site.mode: Internet-based client management needs native mode (got 'mixed'); "
            "migrate the site to native mode first",
        )


UNKNOWN_SERVER = Code("unknown-server", Severity.ERROR, "rule 2: a referenced server is not in servers")


@SITE_RULES.rule(UNKNOWN_SERVER, lookups=False)
def check_references(topo: Topology) -> Iterator[Finding]:
    """Error 2: every referenced server name exists in ``servers``."""
    refs: list[tuple[Path, str]] = [
        (("site", "site_server"), topo.site.site_server),
        (("site", "database_server"), topo.site.database_server),
    ]
    for c, cluster in enumerate(topo.model.nlb_clusters):
        refs += [(("nlb_clusters", c, "members", m), name) for m, name in enumerate(cluster.members)]
        if cluster.wsus_database is not None:
            refs.append((("nlb_clusters", c, "wsus_database"), cluster.wsus_database))
    if topo.model.database_replica:
        refs.append((("database_replica", "server"), topo.model.database_replica.server))
    proxy = topo.model.network.reverse_proxy
    if proxy:
        refs += [(("network", "reverse_proxy", "publishes", p), name) for p, name in enumerate(proxy.publishes)]
    known = sorted(s.name for s in topo.model.servers)
    for path, name in refs:
        if topo.server(name) is None:
            yield Finding(
                UNKNOWN_SERVER,
                path,
                f"{_dotted(path)}: server {name!r} is not in servers (known: {', '.join(known)})",
            )


MISSING_INTERNET_FQDN = Code(
    "missing-internet-fqdn", Severity.ERROR, "rule 3: an Internet-based site system has no internet_fqdn"
)


@SITE_RULES.rule(MISSING_INTERNET_FQDN)
def check_internet_fqdns(topo: Topology) -> Iterator[Finding]:
    """Error 3: Internet-based site systems need an Internet FQDN (or an NLB cluster with one)."""
    for i, server in enumerate(topo.model.servers):
        if server.internet_fqdn:
            continue
        uncovered = [
            key
            for key in topo.internet_roles(server)
            if not ((cluster := topo.cluster_for(server, key)) and cluster.internet_fqdn)
        ]
        if uncovered:
            roles = ", ".join(ROLE_TITLES[k] for k in uncovered)
            yield Finding(
                MISSING_INTERNET_FQDN,
                ("servers", i, "name"),
                f"servers[{i}] ({server.name}): the {roles} accepts Internet connections "
                "but the server has no internet_fqdn",
            )


NLB_MISSING_INTERNET_FQDN = Code(
    "nlb-missing-internet-fqdn", Severity.ERROR, "rule 4: an Internet NLB cluster has no internet_fqdn"
)
NLB_MISSING_INTRANET_FQDN = Code(
    "nlb-missing-intranet-fqdn", Severity.ERROR, "rule 4: an intranet NLB cluster has no intranet_fqdn"
)
NLB_DUPLICATE_MEMBER = Code(
    "nlb-duplicate-member", Severity.ERROR, "rule 4 (added): a server is listed twice in one NLB cluster"
)
NLB_MIXED_ZONES = Code(
    "nlb-mixed-zones", Severity.ERROR, "rule 4 (added): the members of an NLB cluster sit in different zones"
)
NLB_MEMBER_COUNT = Code(
    "nlb-member-count", Severity.ERROR, "rule 4: an NLB cluster has fewer than 2 or more than 32 members"
)
NLB_MEMBER_ROLE = Code("nlb-member-role", Severity.ERROR, "rule 4: an NLB member does not carry the cluster's role")


@SITE_RULES.rule(
    NLB_MISSING_INTERNET_FQDN,
    NLB_MISSING_INTRANET_FQDN,
    NLB_DUPLICATE_MEMBER,
    NLB_MIXED_ZONES,
    NLB_MEMBER_COUNT,
    NLB_MEMBER_ROLE,
)
def check_nlb_clusters(topo: Topology) -> Iterator[Finding]:
    """Error 4: NLB clusters have the FQDNs their members need, 2-32 members, and the role on each."""
    for c, cluster in enumerate(topo.model.nlb_clusters):
        path: Path = ("nlb_clusters", c)
        members = [topo.server(name) for name in cluster.members]
        roles = [getattr(m.roles, cluster.role) for m in members if m is not None]
        present = [r for r in roles if r is not None]
        if any(accepts_internet(r.connections) for r in present) and not cluster.internet_fqdn:
            yield Finding(
                NLB_MISSING_INTERNET_FQDN,
                (*path, "name"),
                f"nlb_clusters[{c}] ({cluster.name}): members accept Internet connections "
                "but the cluster has no internet_fqdn",
            )
        if any(accepts_intranet(r.connections) for r in present) and not cluster.intranet_fqdn:
            yield Finding(
                NLB_MISSING_INTRANET_FQDN,
                (*path, "name"),
                f"nlb_clusters[{c}] ({cluster.name}): members accept intranet connections "
                "but the cluster has no intranet_fqdn",
            )
        keys = [name.upper() for name in cluster.members]
        for m, key in enumerate(keys):
            if key in keys[:m]:
                yield Finding(
                    NLB_DUPLICATE_MEMBER,
                    (*path, "members", m),
                    f"nlb_clusters[{c}].members[{m}]: {cluster.members[m]} is listed twice",
                )
        zones = sorted({member.zone for member in members if member is not None})
        if len(zones) > 1:
            yield Finding(
                NLB_MIXED_ZONES,
                (*path, "members"),
                f"nlb_clusters[{c}] ({cluster.name}): members sit in different zones ({', '.join(zones)}); "
                "an NLB cluster shares one virtual address in one network",
            )
        if not 2 <= len(set(keys)) <= 32:
            yield Finding(
                NLB_MEMBER_COUNT,
                (*path, "members"),
                f"nlb_clusters[{c}].members: an NLB cluster has 2 to 32 members (got {len(set(keys))})",
            )
        for m, member in enumerate(members):
            if member is not None and getattr(member.roles, cluster.role) is None:
                yield Finding(
                    NLB_MEMBER_ROLE,
                    (*path, "members", m),
                    f"nlb_clusters[{c}].members[{m}]: {member.name} does not carry the cluster's role {cluster.role}",
                )


INTERNET_DP_BRANCH = Code("internet-dp-branch", Severity.ERROR, "rule 5: an Internet DP is a branch DP")
INTERNET_DP_NO_BITS = Code("internet-dp-no-bits", Severity.ERROR, "rule 5: an Internet DP has bits: false")


@SITE_RULES.rule(INTERNET_DP_BRANCH, INTERNET_DP_NO_BITS, lookups=False)
def check_internet_dps(topo: Topology) -> Iterator[Finding]:
    """Error 5: an Internet DP is a standard DP with BITS enabled."""
    for i, server in enumerate(topo.model.servers):
        dp = server.roles.distribution_point
        if dp is None or not accepts_internet(dp.connections):
            continue
        path: Path = ("servers", i, "roles", "distribution_point")
        if dp.branch:
            yield Finding(
                INTERNET_DP_BRANCH,
                (*path, "branch"),
                f"servers[{i}] ({server.name}): a branch distribution point cannot accept Internet connections",
            )
        if not dp.bits:
            yield Finding(
                INTERNET_DP_NO_BITS,
                (*path, "bits"),
                f"servers[{i}] ({server.name}): a distribution point that accepts Internet "
                "connections needs bits: true (BITS, HTTP, and HTTPS)",
            )


MISSING_INSTALL_ACCOUNT = Code(
    "missing-install-account", Severity.ERROR, "rule 6: a server in another forest has no install_account"
)


@SITE_RULES.rule(MISSING_INSTALL_ACCOUNT, lookups=False)
def check_install_accounts(topo: Topology) -> Iterator[Finding]:
    """Error 6: servers in another forest need a site system installation account."""
    for i, server in enumerate(topo.model.servers):
        if topo.in_other_forest(server) and not server.install_account:
            yield Finding(
                MISSING_INSTALL_ACCOUNT,
                ("servers", i, "forest"),
                f"servers[{i}] ({server.name}): forest {topo.forest_of(server)} differs from "
                f"site.forest {topo.site.forest}; set install_account (DOMAIN\\user)",
            )


MULTIPLE_INTERNET_MPS = Code("multiple-internet-mps", Severity.ERROR, "rule 7: more than one Internet MP")


@SITE_RULES.rule(MULTIPLE_INTERNET_MPS)
def check_internet_mps(topo: Topology) -> Iterator[Finding]:
    """Error 7: at most one Internet MP (the members of one NLB cluster count as one)."""
    seen: dict[str, str] = {}
    index = topo.server_index
    for server in topo.internet_mps:
        cluster = topo.cluster_for(server, "management_point")
        seen.setdefault(f"nlb:{cluster.name}" if cluster else server.key, server.name)
        if len(seen) > 1:
            names = ", ".join(seen.values())
            yield Finding(
                MULTIPLE_INTERNET_MPS,
                ("servers", index[server.key], "roles", "management_point", "connections"),
                f"more than one management point accepts Internet connections ({names}); "
                "Internet clients use one assigned Internet MP",
            )
            return


MULTIPLE_ACTIVE_SUPS = Code("multiple-active-sups", Severity.ERROR, "rule 8: more than one active SUP")
MULTIPLE_INTERNET_SUPS = Code("multiple-internet-sups", Severity.ERROR, "rule 8: more than one Internet-only SUP")
INTERNET_SUP_WITH_DUAL_ACTIVE_SUP = Code(
    "internet-sup-with-dual-active-sup",
    Severity.ERROR,
    "rule 8: an Internet-only SUP beside an active SUP that accepts both",
)
INTERNET_SUP_WITHOUT_ACTIVE_SUP = Code(
    "internet-sup-without-active-sup", Severity.ERROR, "rule 8: an Internet-only SUP with no active SUP"
)
INTERNET_SUP_ON_SITE_SERVER = Code(
    "internet-sup-on-site-server", Severity.ERROR, "rule 8: the Internet-only SUP is on the site server"
)


@SITE_RULES.rule(
    MULTIPLE_ACTIVE_SUPS,
    MULTIPLE_INTERNET_SUPS,
    INTERNET_SUP_WITH_DUAL_ACTIVE_SUP,
    INTERNET_SUP_WITHOUT_ACTIVE_SUP,
    INTERNET_SUP_ON_SITE_SERVER,
)
def check_sups(topo: Topology) -> Iterator[Finding]:
    """Error 8: the active SUP / Internet-only SUP layout of a native-mode site."""
    index = topo.server_index

    def where(server_key: str) -> Path:
        return ("servers", index[server_key], "roles", "software_update_point", "connections")

    active, internet = topo.active_sups, topo.internet_only_sups
    if len(active) > 1:
        yield Finding(
            MULTIPLE_ACTIVE_SUPS,
            where(active[1].servers[0].key),
            f"more than one active software update point ({', '.join(s.name for s in active)}); "
            "a site has one active SUP",
        )
    if len(internet) > 1:
        yield Finding(
            MULTIPLE_INTERNET_SUPS,
            where(internet[1].servers[0].key),
            f"more than one Internet-only software update point ({', '.join(s.name for s in internet)})",
        )
    if internet:
        sup = internet[0]
        path = where(sup.servers[0].key)
        if any(s.connections == "both" for s in active):
            yield Finding(
                INTERNET_SUP_WITH_DUAL_ACTIVE_SUP,
                path,
                f"{sup.name} is an Internet-only SUP while the active SUP {active[0].name} "
                "already accepts Internet connections (both); make the active SUP intranet-only "
                "or drop the Internet-only SUP",
            )
        if not active:
            yield Finding(
                INTERNET_SUP_WITHOUT_ACTIVE_SUP,
                path,
                f"{sup.name} is an Internet-only SUP but the site has no active SUP "
                "(connections intranet or both) to synchronise from",
            )
        if any(s.key == topo.site.site_server.upper() for s in sup.servers):
            yield Finding(
                INTERNET_SUP_ON_SITE_SERVER,
                path,
                f"the Internet-only SUP cannot be on the site server {topo.site.site_server}; use a remote site system",
            )


REPLICA_NOT_DEFINED = Code(
    "replica-not-defined", Severity.ERROR, "rule 9: an MP uses a replica but database_replica is missing"
)
REPLICA_ON_DATABASE_SERVER = Code(
    "replica-on-database-server", Severity.ERROR, "rule 9 (added): the replica is on the site database server"
)
REPLICA_NEEDS_PERIMETER_INITIATION = Code(
    "replica-needs-perimeter-initiation", Severity.ERROR, "rule 9: a perimeter MP would reach an intranet replica"
)
DATABASE_NEEDS_PERIMETER_INITIATION = Code(
    "database-needs-perimeter-initiation",
    Severity.ERROR,
    "rule 10: a perimeter MP would reach the intranet site database",
)


@SITE_RULES.rule(
    REPLICA_NOT_DEFINED,
    REPLICA_ON_DATABASE_SERVER,
    REPLICA_NEEDS_PERIMETER_INITIATION,
    DATABASE_NEEDS_PERIMETER_INITIATION,
)
def check_database_access(topo: Topology) -> Iterator[Finding]:
    """Errors 9 and 10: MPs can reach their database without perimeter-initiated SQL."""
    replica = topo.replica_server
    database = topo.server(topo.site.database_server)
    for i, server in enumerate(topo.model.servers):
        mp = server.roles.management_point
        if mp is None:
            continue
        path: Path = ("servers", i, "roles", "management_point", "database")
        if mp.database == "replica":
            if replica is not None and database is not None and replica.key == database.key:
                yield Finding(
                    REPLICA_ON_DATABASE_SERVER,
                    ("database_replica", "server"),
                    f"database_replica.server: the replica must be on another server than the site "
                    f"database server {database.name}",
                )
            elif topo.model.database_replica is None:
                yield Finding(
                    REPLICA_NOT_DEFINED,
                    path,
                    f"servers[{i}] ({server.name}): the management point uses database: replica "
                    "but there is no database_replica",
                )
            elif (
                replica
                and server.zone == "perimeter"
                and replica.zone == "intranet"
                and not topo.perimeter_may_initiate
            ):
                yield Finding(
                    REPLICA_NEEDS_PERIMETER_INITIATION,
                    path,
                    f"servers[{i}] ({server.name}): the perimeter MP would open SQL TCP 1433 to "
                    f"the intranet replica {replica.name}, but network.back_firewall."
                    "perimeter_may_initiate is false; put the replica in the perimeter",
                )
        elif (
            database
            and server.zone == "perimeter"
            and database.zone == "intranet"
            and database.key != server.key
            and not topo.perimeter_may_initiate
        ):
            yield Finding(
                DATABASE_NEEDS_PERIMETER_INITIATION,
                path,
                f"servers[{i}] ({server.name}): the perimeter MP would open SQL TCP 1433 to the "
                f"site database on {database.name} in the intranet, but network.back_firewall."
                "perimeter_may_initiate is false; use a database replica in the perimeter "
                "(database: replica)",
            )


PROXY_OUTSIDE_PERIMETER = Code(
    "proxy-outside-perimeter", Severity.ERROR, "rule 11: the reverse proxy is not in the perimeter"
)
PROXY_PUBLISHES_NON_INTERNET_SERVER = Code(
    "proxy-publishes-non-internet-server", Severity.ERROR, "rule 11: the proxy publishes a server with no Internet role"
)


@SITE_RULES.rule(PROXY_OUTSIDE_PERIMETER, PROXY_PUBLISHES_NON_INTERNET_SERVER)
def check_reverse_proxy(topo: Topology) -> Iterator[Finding]:
    """Error 11: the proxy sits in the perimeter and publishes only Internet-based site systems."""
    proxy = topo.model.network.reverse_proxy
    if proxy is None:
        return
    base: Path = ("network", "reverse_proxy")
    if proxy.zone != "perimeter":
        yield Finding(
            PROXY_OUTSIDE_PERIMETER,
            (*base, "zone"),
            f"network.reverse_proxy.zone: the reverse proxy must be in the perimeter (got {proxy.zone!r})",
        )
    for p, name in enumerate(proxy.publishes):
        server = topo.server(name)
        if server is not None and not topo.is_internet_based(server):
            yield Finding(
                PROXY_PUBLISHES_NON_INTERNET_SERVER,
                (*base, "publishes", p),
                f"network.reverse_proxy.publishes[{p}]: {server.name} has no role that accepts Internet connections",
            )


DUPLICATE_SERVER_NAME = Code("duplicate-server-name", Severity.ERROR, "rule 12: two servers share a name")
DUPLICATE_CLUSTER_NAME = Code(
    "duplicate-cluster-name", Severity.ERROR, "rule 12 (added): two NLB clusters share a name"
)
DUPLICATE_FIREWALL_NAME = Code(
    "duplicate-firewall-name", Severity.ERROR, "rule 12 (added): the front and back firewall share a name"
)
DUPLICATE_FQDN = Code("duplicate-fqdn", Severity.ERROR, "rule 12: two servers or clusters share an FQDN")


@SITE_RULES.rule(DUPLICATE_SERVER_NAME, DUPLICATE_CLUSTER_NAME, DUPLICATE_FIREWALL_NAME, DUPLICATE_FQDN, lookups=False)
def check_uniqueness(topo: Topology) -> Iterator[Finding]:
    """Error 12: server names, cluster names, firewall names and FQDNs are unique (case-insensitive).

    One owner may use the same FQDN on the intranet and the Internet (split DNS);
    two owners may not share one.
    """
    names: list[tuple[Path, str, str]] = [
        (("servers", i, "name"), s.name, "server") for i, s in enumerate(topo.model.servers)
    ]
    names += [(("nlb_clusters", c, "name"), n.name, "cluster") for c, n in enumerate(topo.model.nlb_clusters)]
    network = topo.model.network
    names += [
        (("network", "front_firewall", "name"), network.front_firewall.name, "firewall"),
        (("network", "back_firewall", "name"), network.back_firewall.name, "firewall"),
    ]
    seen_names: dict[tuple[str, str], Path] = {}
    for path, name, kind in names:
        key = (kind, name.casefold())
        if key in seen_names:
            code = {
                "server": DUPLICATE_SERVER_NAME,
                "cluster": DUPLICATE_CLUSTER_NAME,
                "firewall": DUPLICATE_FIREWALL_NAME,
            }[kind]
            yield Finding(code, path, f"{_dotted(path)}: {name!r} is already used by {_dotted(seen_names[key])}")
        seen_names.setdefault(key, path)
    owners: list[tuple[Path, str | None, Path]] = []
    for i, server in enumerate(topo.model.servers):
        owners += [
            (("servers", i, field), getattr(server, field), ("servers", i))
            for field in ("intranet_fqdn", "internet_fqdn")
        ]
    for c, cluster in enumerate(topo.model.nlb_clusters):
        owners += [
            (("nlb_clusters", c, field), getattr(cluster, field), ("nlb_clusters", c))
            for field in ("intranet_fqdn", "internet_fqdn")
        ]
    fqdns: dict[str, tuple[Path, Path]] = {}
    for path, fqdn, owner in owners:
        if fqdn is None:
            continue
        first = fqdns.setdefault(fqdn.lower(), (path, owner))
        if first[1] != owner:
            yield Finding(DUPLICATE_FQDN, path, f"{_dotted(path)}: {fqdn!r} is already used by {_dotted(first[0])}")


INTERNET_SUP_SYNC_BLOCKED = Code(
    "internet-sup-sync-blocked",
    Severity.ERROR,
    "warning 4 made an error: automatic sync needs perimeter-initiated WSUS",
)


@SITE_RULES.rule(INTERNET_SUP_SYNC_BLOCKED)
def check_sup_sync_blocked(topo: Topology) -> Iterator[Finding]:
    """Warning 4 as an error: automatic sync from the perimeter while the back firewall forbids it."""
    sup = topo.internet_sup
    if (
        sup
        and topo.internet_sup_sync == "automatic"
        and sup.servers[0].zone == "perimeter"
        and not topo.perimeter_may_initiate
    ):
        yield Finding(
            INTERNET_SUP_SYNC_BLOCKED,
            _sync_path(topo),
            f"internet_sup_sync is automatic for the perimeter Internet SUP {sup.name}, but "
            "network.back_firewall.perimeter_may_initiate is false; use export_import",
        )


UNUSED_DIRECTORY_FOREST = Code(
    "unused-directory-forest", Severity.ERROR, "rule 13: a directory forest that no server and not site.forest uses"
)


@SITE_RULES.rule(UNUSED_DIRECTORY_FOREST, lookups=False)
def check_directory(topo: Topology) -> Iterator[Finding]:
    """Error 13: every forest of ``directory`` is a forest of the site (a typo would silently drop its DCs)."""
    used = {topo.site.forest.lower()} | {topo.forest_of(s).lower() for s in topo.model.servers}
    for forest in topo.model.directory:
        if forest.lower() not in used:
            forests = ", ".join(sorted(used))
            yield Finding(
                UNUSED_DIRECTORY_FOREST,
                ("directory", forest),
                f"directory: forest {forest!r} is not site.forest and no server is in it (forests: {forests})",
                at_key=True,
            )


NLB_SUP_MEMBER_COUNT = Code(
    "nlb-sup-member-count", Severity.ERROR, "rule 14: an NLB software update point has more than 4 members"
)
NLB_SUP_MISSING_WSUS_DATABASE = Code(
    "nlb-sup-missing-wsus-database", Severity.ERROR, "rule 14: an NLB software update point names no wsus_database"
)


@SITE_RULES.rule(NLB_SUP_MEMBER_COUNT, NLB_SUP_MISSING_WSUS_DATABASE, lookups=False)
def check_nlb_sups(topo: Topology) -> Iterator[Finding]:
    """Error 14: ConfigMgr 2007 puts at most four WSUS servers behind one NLB SUP, all on one shared database."""
    for c, cluster in enumerate(topo.model.nlb_clusters):
        if cluster.role != "software_update_point":
            continue
        members = len({name.upper() for name in cluster.members})
        if members > 4:
            yield Finding(
                NLB_SUP_MEMBER_COUNT,
                ("nlb_clusters", c, "members"),
                f"nlb_clusters[{c}] ({cluster.name}): an NLB software update point has at most 4 members "
                f"(got {members})",
            )
        if cluster.wsus_database is None:
            yield Finding(
                NLB_SUP_MISSING_WSUS_DATABASE,
                ("nlb_clusters", c, "name"),
                f"nlb_clusters[{c}] ({cluster.name}): set wsus_database, the SQL Server holding the WSUS database "
                "that every member shares",
            )


NO_INTERNET_MP = Code(
    "no-internet-mp", Severity.ERROR, "rule 15: a role accepts Internet connections but no management point does"
)


@SITE_RULES.rule(NO_INTERNET_MP, lookups=False)
def check_internet_mp(topo: Topology) -> Iterator[Finding]:
    """Error 15: Internet clients get their policy only from a management point that accepts Internet connections."""
    if topo.internet_mps:
        return
    for i, server in enumerate(topo.model.servers):
        roles = topo.internet_roles(server)
        if roles:
            yield Finding(
                NO_INTERNET_MP,
                ("servers", i, "roles", roles[0], "connections"),
                f"servers[{i}] ({server.name}): the {ROLE_TITLES[roles[0]]} accepts Internet connections but no "
                "management point does; Internet clients could not get policy (give a management point "
                "connections: internet or both)",
            )
            return


UNKNOWN_FIREWALL_PLATFORM = Code(
    "unknown-firewall-platform",
    Severity.ERROR,
    "rule 16: a firewall's platform is not one the generator writes configurations for",
)


@SITE_RULES.rule(UNKNOWN_FIREWALL_PLATFORM, lookups=False)
def check_firewall_platforms(topo: Topology) -> Iterator[Finding]:
    """Error 16: ``platform`` names a supported Aerleon target; a near miss gets a "did you mean"."""
    network = topo.model.network
    for key, firewall in (("front_firewall", network.front_firewall), ("back_firewall", network.back_firewall)):
        if firewall.platform is None or firewall.platform in FIREWALL_PLATFORMS:
            continue
        message = (
            f"network.{key}.platform: {firewall.platform!r} is not a platform this generator writes configurations for"
        )
        suggestion = suggest_platform(firewall.platform)
        message += f"; did you mean {suggestion!r}?" if suggestion else f" (supported: {', '.join(PLATFORM_NAMES)})"
        yield Finding(UNKNOWN_FIREWALL_PLATFORM, ("network", key, "platform"), message)


# --- warnings ---------------------------------------------------------------


INTRANET_SERVER_INTERNET_FACING = Code(
    "intranet-server-internet-facing",
    Severity.WARNING,
    "warning 1: an intranet server takes Internet connections directly",
)


@SITE_RULES.rule(INTRANET_SERVER_INTERNET_FACING)
def warn_intranet_internet_facing(topo: Topology) -> Iterator[Finding]:
    """Warning 1: an intranet server takes Internet connections without a reverse proxy."""
    for i, server in enumerate(topo.model.servers):
        if server.zone == "intranet" and topo.is_internet_based(server) and not topo.published_by_proxy(server):
            yield Finding(
                INTRANET_SERVER_INTERNET_FACING,
                ("servers", i, "zone"),
                f"servers[{i}] ({server.name}): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is "
                "only suitable for tests",
            )


CRL_NOT_PUBLISHED = Code(
    "crl-not-published", Severity.WARNING, "warning 2: clients check revocation but the CRL is not on the Internet"
)


@SITE_RULES.rule(CRL_NOT_PUBLISHED, lookups=False)
def warn_crl(topo: Topology) -> Iterator[Finding]:
    """Warning 2: clients check revocation but the CRL is not on the Internet."""
    pki = topo.model.pki
    if pki.client_crl_checking and not pki.crl_published_on_internet:
        yield Finding(
            CRL_NOT_PUBLISHED,
            ("pki",),
            "pki: client_crl_checking is true but crl_published_on_internet is false; "
            "Internet clients will fail revocation checks",
        )


FSP_NOT_DEDICATED = Code(
    "fsp-not-dedicated", Severity.WARNING, "warning 3: the fallback status point shares its server"
)


@SITE_RULES.rule(FSP_NOT_DEDICATED, lookups=False)
def warn_fsp_shared(topo: Topology) -> Iterator[Finding]:
    """Warning 3: the FSP should have a server of its own."""
    for i, server in enumerate(topo.model.servers):
        if topo.fsp_shares_server(server):
            yield Finding(
                FSP_NOT_DEDICATED,
                ("servers", i, "roles", "fallback_status_point"),
                f"servers[{i}] ({server.name}): the fallback status point shares the server with "
                "a role that takes HTTPS client traffic; it should be dedicated",
            )


INTERNET_SUP_SYNC_AUTOMATIC_PERIMETER = Code(
    "internet-sup-sync-automatic-perimeter", Severity.WARNING, "warning 4: automatic sync from a perimeter Internet SUP"
)


@SITE_RULES.rule(INTERNET_SUP_SYNC_AUTOMATIC_PERIMETER)
def warn_sup_sync_perimeter(topo: Topology) -> Iterator[Finding]:
    """Warning 4: automatic sync from a perimeter Internet SUP needs a perimeter-to-intranet flow."""
    sup = topo.internet_sup
    if (
        sup
        and topo.internet_sup_sync == "automatic"
        and sup.servers[0].zone == "perimeter"
        and topo.perimeter_may_initiate
    ):
        yield Finding(
            INTERNET_SUP_SYNC_AUTOMATIC_PERIMETER,
            _sync_path(topo),
            f"internet_sup_sync is automatic for the perimeter Internet SUP {sup.name}: the back "
            "firewall must allow a WSUS connection from the perimeter into the intranet",
        )


FEATURE_UNSUPPORTED_ON_INTERNET = Code(
    "feature-unsupported-on-internet", Severity.WARNING, "warning 5: a requested feature Internet clients cannot use"
)


@SITE_RULES.rule(FEATURE_UNSUPPORTED_ON_INTERNET, lookups=False)
def warn_unsupported_features(topo: Topology) -> Iterator[Finding]:
    """Warning 5: one per requested feature that Internet clients cannot use."""
    for f, feature in enumerate(topo.model.clients.internet_features):
        if feature in UNSUPPORTED_FEATURES:
            yield Finding(
                FEATURE_UNSUPPORTED_ON_INTERNET,
                ("clients", "internet_features", f),
                f"clients.internet_features[{f}]: {UNSUPPORTED_FEATURES[feature]} is not "
                "available to clients on the Internet; use a VPN for clients that need it",
            )


PERIMETER_SERVER_INITIATES = Code(
    "perimeter-server-initiates",
    Severity.WARNING,
    "warning 6: a perimeter server in another forest initiates transfers",
)


@SITE_RULES.rule(PERIMETER_SERVER_INITIATES)
def warn_perimeter_initiates(topo: Topology) -> Iterator[Finding]:
    """Warning 6: a perimeter server in another forest opens connections to the site server."""
    for i, server in enumerate(topo.model.servers):
        if server.zone == "perimeter" and topo.in_other_forest(server) and server.site_server_initiated is False:
            yield Finding(
                PERIMETER_SERVER_INITIATES,
                ("servers", i, "site_server_initiated"),
                f"servers[{i}] ({server.name}): site_server_initiated is false for a perimeter "
                f"server in forest {topo.forest_of(server)}; it will open connections to the "
                "site server",
            )


WEBDAV_MANUAL = Code(
    "webdav-manual",
    Severity.WARNING,
    "warning 7: WebDAV must be set up by hand for an Internet MP or BITS DP on Windows Server 2008 (R2)",
)


_WEBDAV_SETUP: dict[WebDavSetup, str] = {
    "download": "download and install WebDAV for IIS 7.0",
    "role-service": "add the WebDAV role service (WebDAV Publishing, in Web Server (IIS))",
}


@SITE_RULES.rule(WEBDAV_MANUAL, lookups=False)
def warn_webdav(topo: Topology) -> Iterator[Finding]:
    """Warning 7: an MP or BITS DP that this change opens to Internet clients needs WebDAV on Windows Server 2008 (R2).

    Only roles that accept Internet connections: an intranet MP or DP the change does not touch has WebDAV already.
    """
    for i, server in enumerate(topo.model.servers):
        roles = topo.internet_webdav_roles(server)
        setup = topo.webdav_setup(server)
        if not roles or setup is None:
            continue
        titles = " and ".join(ROLE_TITLES[key] for key in roles)
        verb = "need" if len(roles) > 1 else "needs"
        yield Finding(
            WEBDAV_MANUAL,
            ("servers", i, "os"),
            f"servers[{i}] ({server.name}): the Internet {titles} on {OS_TITLES[server.os]} {verb} WebDAV, "
            f"which is set up by hand: {_WEBDAV_SETUP[setup]}, then enable WebDAV and its authoring rules",
        )


INTERNET_SUP_WITHOUT_INTERNET_DP = Code(
    "internet-sup-without-internet-dp",
    Severity.WARNING,
    "warning 8: an Internet-based SUP but no Internet-based DP",
)


@SITE_RULES.rule(INTERNET_SUP_WITHOUT_INTERNET_DP, lookups=False)
def warn_sup_without_dp(topo: Topology) -> Iterator[Finding]:
    """Warning 8: Internet clients find updates on an Internet SUP but download them from an Internet DP."""
    if topo.internet_dps:
        return
    index = topo.server_index
    for sup in topo.internet_sup_endpoints:
        server = sup.servers[0]
        i = index[server.key]
        via = f" (NLB cluster {sup.cluster.name})" if sup.cluster else ""
        yield Finding(
            INTERNET_SUP_WITHOUT_INTERNET_DP,
            ("servers", i, "roles", "software_update_point", "connections"),
            f"servers[{i}] ({server.name}): the software update point{via} accepts Internet connections but no "
            "distribution point does; Internet clients can scan for updates but cannot download them",
        )


OS_NEEDS_NEWER_VERSION = Code(
    "os-needs-newer-version",
    Severity.WARNING,
    "warning 9: a Windows Server 2008 (R2) site system needs a later ConfigMgr 2007 product level",
)


@SITE_RULES.rule(OS_NEEDS_NEWER_VERSION, lookups=False)
def warn_os_version(topo: Topology) -> Iterator[Finding]:
    """Warning 9: Windows Server 2008 site systems need SP1 or later, 2008 R2 ones SP2 or later."""
    version = topo.site.version
    for i, server in enumerate(topo.model.servers):
        needed = SERVICE_PACK_NEEDED.get(server.os)
        if needed is None or SERVICE_PACK_OF_VERSION[version] >= needed or not topo.is_site_system(server):
            continue
        implied = f" ({version} implies only SP{SERVICE_PACK_OF_VERSION[version]})" if version in ("R2", "R3") else ""
        yield Finding(
            OS_NEEDS_NEWER_VERSION,
            ("servers", i, "os"),
            f"servers[{i}] ({server.name}): a site system on {OS_TITLES[server.os]} needs ConfigMgr 2007 "
            f"SP{needed} or later, but site.version is {version}{implied}",
        )


OTHER_FOREST_WITHOUT_INTRANET_FQDN = Code(
    "other-forest-without-intranet-fqdn",
    Severity.WARNING,
    "warning 10: a server in another forest has no intranet FQDN",
)


@SITE_RULES.rule(OTHER_FOREST_WITHOUT_INTRANET_FQDN, lookups=False)
def warn_other_forest_fqdn(topo: Topology) -> Iterator[Finding]:
    """Warning 10: the site server must resolve a server of another forest by a name the input does not give."""
    site_forest = topo.site.forest
    for i, server in enumerate(topo.model.servers):
        if topo.in_other_forest(server) and not server.intranet_fqdn:
            forest = topo.forest_of(server)
            yield Finding(
                OTHER_FOREST_WITHOUT_INTRANET_FQDN,
                ("servers", i, "forest"),
                f"servers[{i}] ({server.name}): the server is in forest {forest}, not in site.forest "
                f"{site_forest}, and has no intranet_fqdn; give the FQDN the site server resolves it by, through "
                f"a conditional forwarder or a stub zone for {forest} in the DNS of {site_forest}",
            )


MP_OTHER_FOREST_SITE_DATABASE = Code(
    "mp-other-forest-site-database",
    Severity.WARNING,
    "warning 11: a management point in another forest reads the site database",
)


@SITE_RULES.rule(MP_OTHER_FOREST_SITE_DATABASE)
def warn_mp_other_forest(topo: Topology) -> Iterator[Finding]:
    """Warning 11: an MP whose computer account cannot log on to the site database's SQL Server in another forest."""
    database = topo.database_server
    for i, server in enumerate(topo.model.servers):
        mp = server.roles.management_point
        if mp is None or mp.database != "site":
            continue
        forest = topo.forest_of(server)
        if forest.lower() == topo.forest_of(database).lower():
            continue
        yield Finding(
            MP_OTHER_FOREST_SITE_DATABASE,
            ("servers", i, "roles", "management_point", "database"),
            f"servers[{i}] ({server.name}): the management point in forest {forest} reads the site database on "
            f"{database.name} in forest {topo.forest_of(database)} (database: site); it needs a management point "
            "database connection account, or a SQL Server replica (database: replica), which the checklist suggests",
        )


INTRANET_INTERNET_SUP_EXPORT_IMPORT = Code(
    "intranet-internet-sup-export-import",
    Severity.WARNING,
    "warning 12: export and import for an Internet-only SUP in the intranet",
)


@SITE_RULES.rule(INTRANET_INTERNET_SUP_EXPORT_IMPORT, lookups=False)
def warn_intranet_sup_export(topo: Topology) -> Iterator[Finding]:
    """Warning 12: an intranet Internet-based SUP synchronises automatically (the checklist's choice)."""
    sup = topo.internet_sup
    if sup and sup.servers[0].zone == "intranet" and topo.model.software_updates.internet_sup_sync == "export_import":
        yield Finding(
            INTRANET_INTERNET_SUP_EXPORT_IMPORT,
            ("software_updates", "internet_sup_sync"),
            f"software_updates.internet_sup_sync: export_import for the Internet-only SUP {sup.name} in the "
            "intranet; the checklist has an Internet-based SUP in the intranet synchronise automatically "
            "(set automatic or leave the key out)",
        )


PUBLIC_NAME_IPV6_ONLY = Code(
    "public-name-ipv6-only", Severity.WARNING, "warning 13: a public name whose only address is IPv6"
)


@SITE_RULES.rule(PUBLIC_NAME_IPV6_ONLY)
def warn_ipv6_only(topo: Topology) -> Iterator[Finding]:
    """Warning 13: IPv4-only clients on the Internet cannot reach a name that has only an IPv6 address.

    The address of a public name is the one the DNS table gives it: the reverse proxy's when the proxy
    publishes the server (or a cluster member), otherwise the server's or cluster's ``public_ip``.
    """
    names: list[tuple[str, str, list[Server], str | None, Path]] = [
        (f"servers[{i}] ({s.name})", s.internet_fqdn, [s], s.public_ip, ("servers", i, "public_ip"))
        for i, s in enumerate(topo.model.servers)
        if s.internet_fqdn and topo.is_internet_based(s)
    ]
    for c, cluster in enumerate(topo.model.nlb_clusters):
        if cluster.internet_fqdn:
            members = [m for m in (topo.server(name) for name in cluster.members) if m is not None]
            names.append(
                (
                    f"nlb_clusters[{c}] ({cluster.name})",
                    cluster.internet_fqdn,
                    members,
                    cluster.public_ip,
                    ("nlb_clusters", c, "public_ip"),
                )
            )
    proxy = topo.model.network.reverse_proxy
    for holder, name, servers, address, path in names:
        if proxy is not None and any(topo.published_by_proxy(s) for s in servers):
            address, path = proxy.public_ip, ("network", "reverse_proxy", "public_ip")
        if address is not None and ipaddress.ip_address(address).version == 6:
            yield Finding(
                PUBLIC_NAME_IPV6_ONLY,
                path,
                f"{holder}: the public name {name} has only the IPv6 address {address}; IPv4-only clients on the "
                "Internet cannot reach it (publish it on an IPv4 address too)",
            )


def _sync_path(topo: Topology) -> Path:
    if topo.model.software_updates.internet_sup_sync:
        return ("software_updates", "internet_sup_sync")
    sup = topo.internet_sup
    assert sup is not None
    return ("servers", topo.server_index[sup.servers[0].key], "roles", "software_update_point")


def _dotted(path: Path) -> str:
    return format_path(path)


def run_checks(topo: Topology) -> list[Finding]:
    """All findings of :data:`SITE_RULES` for one site."""

    def run(rule: Rule[Topology]) -> tuple[list[Finding], list[Finding]]:
        findings = list(rule(topo))
        return findings, findings

    return run_rules(run)


def run_rules(run: Callable[[Rule[Topology]], tuple[list[Finding], list[Finding]]]) -> list[Finding]:
    """The findings of :data:`SITE_RULES` that ``run`` keeps; ``run`` returns a rule's findings and those to keep.

    Rules that look servers up by name need every reference to resolve; the
    others run regardless, so one run reports as much as it can.
    """
    kept: list[Finding] = []
    resolved = True
    for rule in SITE_RULES:
        if not rule.lookups:
            found, keep = run(rule)
            kept += keep
            resolved = resolved and not any(f.code is UNKNOWN_SERVER for f in found)
    if resolved:
        for rule in SITE_RULES:
            if rule.lookups:
                kept += run(rule)[1]
    return kept
