"""Semantic rules of site-inputs.md: cross-field errors and warnings with stable codes.

Each rule is a small generator of :class:`Finding` objects that name the input
path they rest on; the loader turns paths into ``file:line:column``.  The rule
list at the bottom is the registry: its order is the order of the spec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from generator.diagnostics import Severity
from generator.load.yaml_source import Path, format_path
from generator.model.topology import Topology, accepts_internet, accepts_intranet
from generator.model.vocabulary import ROLE_TITLES, UNSUPPORTED_FEATURES


@dataclass(frozen=True)
class Finding:
    """A rule violation before it is located in a file."""

    path: Path
    severity: Severity
    code: str
    message: str
    key: bool = False


def _error(path: Path, code: str, message: str, *, key: bool = False) -> Finding:
    return Finding(path, Severity.ERROR, code, message, key)


def _warning(path: Path, code: str, message: str) -> Finding:
    return Finding(path, Severity.WARNING, code, message)


Rule = Callable[[Topology], Iterator[Finding]]


def _server_index(topo: Topology) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, server in enumerate(topo.model.servers):
        index.setdefault(server.key, i)
    return index


# --- errors -----------------------------------------------------------------


def check_site_kind(topo: Topology) -> Iterator[Finding]:
    """Error 1: IBCM needs a native-mode primary site."""
    if topo.site.type == "secondary":
        yield _error(
            ("site", "type"),
            "secondary-site",
            "site.type: Internet-based client management needs a primary site (got 'secondary')",
        )
    if topo.site.mode == "mixed":
        yield _error(
            ("site", "mode"),
            "mixed-mode-site",
            "site.mode: Internet-based client management needs native mode (got 'mixed'); "
            "migrate the site to native mode first",
        )


def check_references(topo: Topology) -> Iterator[Finding]:
    """Error 2: every referenced server name exists in ``servers``."""
    refs: list[tuple[Path, str]] = [
        (("site", "site_server"), topo.site.site_server),
        (("site", "database_server"), topo.site.database_server),
    ]
    for c, cluster in enumerate(topo.model.nlb_clusters):
        refs += [(("nlb_clusters", c, "members", m), name) for m, name in enumerate(cluster.members)]
    if topo.model.database_replica:
        refs.append((("database_replica", "server"), topo.model.database_replica.server))
    proxy = topo.model.network.reverse_proxy
    if proxy:
        refs += [(("network", "reverse_proxy", "publishes", p), name) for p, name in enumerate(proxy.publishes)]
    known = sorted(s.name for s in topo.model.servers)
    for path, name in refs:
        if topo.server(name) is None:
            yield _error(
                path,
                "unknown-server",
                f"{_dotted(path)}: server {name!r} is not in servers (known: {', '.join(known)})",
            )


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
            yield _error(
                ("servers", i, "name"),
                "missing-internet-fqdn",
                f"servers[{i}] ({server.name}): the {roles} accepts Internet connections "
                "but the server has no internet_fqdn",
            )


def check_nlb_clusters(topo: Topology) -> Iterator[Finding]:
    """Error 4: NLB clusters have the FQDNs their members need, 2-32 members, and the role on each."""
    for c, cluster in enumerate(topo.model.nlb_clusters):
        path: Path = ("nlb_clusters", c)
        members = [topo.server(name) for name in cluster.members]
        roles = [getattr(m.roles, cluster.role) for m in members if m is not None]
        present = [r for r in roles if r is not None]
        if any(accepts_internet(r.connections) for r in present) and not cluster.internet_fqdn:
            yield _error(
                (*path, "name"),
                "nlb-missing-internet-fqdn",
                f"nlb_clusters[{c}] ({cluster.name}): members accept Internet connections "
                "but the cluster has no internet_fqdn",
            )
        if any(accepts_intranet(r.connections) for r in present) and not cluster.intranet_fqdn:
            yield _error(
                (*path, "name"),
                "nlb-missing-intranet-fqdn",
                f"nlb_clusters[{c}] ({cluster.name}): members accept intranet connections "
                "but the cluster has no intranet_fqdn",
            )
        keys = [name.upper() for name in cluster.members]
        for m, key in enumerate(keys):
            if key in keys[:m]:
                yield _error(
                    (*path, "members", m),
                    "nlb-duplicate-member",
                    f"nlb_clusters[{c}].members[{m}]: {cluster.members[m]} is listed twice",
                )
        zones = sorted({member.zone for member in members if member is not None})
        if len(zones) > 1:
            yield _error(
                (*path, "members"),
                "nlb-mixed-zones",
                f"nlb_clusters[{c}] ({cluster.name}): members sit in different zones ({', '.join(zones)}); "
                "an NLB cluster shares one virtual address in one network",
            )
        if not 2 <= len(set(keys)) <= 32:
            yield _error(
                (*path, "members"),
                "nlb-member-count",
                f"nlb_clusters[{c}].members: an NLB cluster has 2 to 32 members (got {len(cluster.members)})",
            )
        for m, member in enumerate(members):
            if member is not None and getattr(member.roles, cluster.role) is None:
                yield _error(
                    (*path, "members", m),
                    "nlb-member-role",
                    f"nlb_clusters[{c}].members[{m}]: {member.name} does not carry the cluster's role {cluster.role}",
                )


def check_internet_dps(topo: Topology) -> Iterator[Finding]:
    """Error 5: an Internet DP is a standard DP with BITS enabled."""
    for i, server in enumerate(topo.model.servers):
        dp = server.roles.distribution_point
        if dp is None or not accepts_internet(dp.connections):
            continue
        path: Path = ("servers", i, "roles", "distribution_point")
        if dp.branch:
            yield _error(
                (*path, "branch"),
                "internet-dp-branch",
                f"servers[{i}] ({server.name}): a branch distribution point cannot accept Internet connections",
            )
        if not dp.bits:
            yield _error(
                (*path, "bits"),
                "internet-dp-no-bits",
                f"servers[{i}] ({server.name}): a distribution point that accepts Internet "
                "connections needs bits: true (BITS, HTTP, and HTTPS)",
            )


def check_install_accounts(topo: Topology) -> Iterator[Finding]:
    """Error 6: servers in another forest need a site system installation account."""
    for i, server in enumerate(topo.model.servers):
        if topo.in_other_forest(server) and not server.install_account:
            yield _error(
                ("servers", i, "forest"),
                "missing-install-account",
                f"servers[{i}] ({server.name}): forest {topo.forest_of(server)} differs from "
                f"site.forest {topo.site.forest}; set install_account (DOMAIN\\user)",
            )


def check_internet_mps(topo: Topology) -> Iterator[Finding]:
    """Error 7: at most one Internet MP (the members of one NLB cluster count as one)."""
    seen: dict[str, str] = {}
    index = _server_index(topo)
    for server in topo.internet_mps:
        cluster = topo.cluster_for(server, "management_point")
        seen.setdefault(f"nlb:{cluster.name}" if cluster else server.key, server.name)
        if len(seen) > 1:
            names = ", ".join(seen.values())
            yield _error(
                ("servers", index[server.key], "roles", "management_point", "connections"),
                "multiple-internet-mps",
                f"more than one management point accepts Internet connections ({names}); "
                "Internet clients use one assigned Internet MP",
            )
            return


def check_sups(topo: Topology) -> Iterator[Finding]:
    """Error 8: the active SUP / Internet-only SUP layout of a native-mode site."""
    index = _server_index(topo)

    def where(server_key: str) -> Path:
        return ("servers", index[server_key], "roles", "software_update_point", "connections")

    active, internet = topo.active_sups, topo.internet_only_sups
    if len(active) > 1:
        yield _error(
            where(active[1].servers[0].key),
            "multiple-active-sups",
            f"more than one active software update point ({', '.join(s.name for s in active)}); "
            "a site has one active SUP",
        )
    if len(internet) > 1:
        yield _error(
            where(internet[1].servers[0].key),
            "multiple-internet-sups",
            f"more than one Internet-only software update point ({', '.join(s.name for s in internet)})",
        )
    if internet:
        sup = internet[0]
        path = where(sup.servers[0].key)
        if any(s.connections == "both" for s in active):
            yield _error(
                path,
                "internet-sup-with-dual-active-sup",
                f"{sup.name} is an Internet-only SUP while the active SUP {active[0].name} "
                "already accepts Internet connections (both); make the active SUP intranet-only "
                "or drop the Internet-only SUP",
            )
        if not active:
            yield _error(
                path,
                "internet-sup-without-active-sup",
                f"{sup.name} is an Internet-only SUP but the site has no active SUP "
                "(connections intranet or both) to synchronise from",
            )
        if any(s.key == topo.site.site_server.upper() for s in sup.servers):
            yield _error(
                path,
                "internet-sup-on-site-server",
                f"the Internet-only SUP cannot be on the site server {topo.site.site_server}; use a remote site system",
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
                yield _error(
                    ("database_replica", "server"),
                    "replica-on-database-server",
                    f"database_replica.server: the replica must be on another server than the site "
                    f"database server {database.name}",
                )
            elif topo.model.database_replica is None:
                yield _error(
                    path,
                    "replica-not-defined",
                    f"servers[{i}] ({server.name}): the management point uses database: replica "
                    "but there is no database_replica",
                )
            elif (
                replica
                and server.zone == "perimeter"
                and replica.zone == "intranet"
                and not topo.perimeter_may_initiate
            ):
                yield _error(
                    path,
                    "replica-needs-perimeter-initiation",
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
            yield _error(
                path,
                "database-needs-perimeter-initiation",
                f"servers[{i}] ({server.name}): the perimeter MP would open SQL TCP 1433 to the "
                f"site database on {database.name} in the intranet, but network.back_firewall."
                "perimeter_may_initiate is false; use a database replica in the perimeter "
                "(database: replica)",
            )


def check_reverse_proxy(topo: Topology) -> Iterator[Finding]:
    """Error 11: the proxy sits in the perimeter and publishes only Internet-based site systems."""
    proxy = topo.model.network.reverse_proxy
    if proxy is None:
        return
    base: Path = ("network", "reverse_proxy")
    if proxy.zone != "perimeter":
        yield _error(
            (*base, "zone"),
            "proxy-outside-perimeter",
            f"network.reverse_proxy.zone: the reverse proxy must be in the perimeter (got {proxy.zone!r})",
        )
    for p, name in enumerate(proxy.publishes):
        server = topo.server(name)
        if server is not None and not topo.is_internet_based(server):
            yield _error(
                (*base, "publishes", p),
                "proxy-publishes-non-internet-server",
                f"network.reverse_proxy.publishes[{p}]: {server.name} has no role that accepts Internet connections",
            )


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
                "server": "duplicate-server-name",
                "cluster": "duplicate-cluster-name",
                "firewall": "duplicate-firewall-name",
            }[kind]
            yield _error(path, code, f"{_dotted(path)}: {name!r} is already used by {_dotted(seen_names[key])}")
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
            yield _error(path, "duplicate-fqdn", f"{_dotted(path)}: {fqdn!r} is already used by {_dotted(first[0])}")


def check_sup_sync_blocked(topo: Topology) -> Iterator[Finding]:
    """Warning 4 as an error: automatic sync from the perimeter while the back firewall forbids it."""
    sup = topo.internet_sup
    if (
        sup
        and topo.internet_sup_sync == "automatic"
        and sup.servers[0].zone == "perimeter"
        and not topo.perimeter_may_initiate
    ):
        yield _error(
            _sync_path(topo),
            "internet-sup-sync-blocked",
            f"internet_sup_sync is automatic for the perimeter Internet SUP {sup.name}, but "
            "network.back_firewall.perimeter_may_initiate is false; use export_import",
        )


# --- warnings ---------------------------------------------------------------


def warn_intranet_internet_facing(topo: Topology) -> Iterator[Finding]:
    """Warning 1: an intranet server takes Internet connections without a reverse proxy."""
    for i, server in enumerate(topo.model.servers):
        if server.zone == "intranet" and topo.is_internet_based(server) and not topo.published_by_proxy(server):
            yield _warning(
                ("servers", i, "zone"),
                "intranet-server-internet-facing",
                f"servers[{i}] ({server.name}): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is "
                "only suitable for tests",
            )


def warn_crl(topo: Topology) -> Iterator[Finding]:
    """Warning 2: clients check revocation but the CRL is not on the Internet."""
    pki = topo.model.pki
    if pki.client_crl_checking and not pki.crl_published_on_internet:
        yield _warning(
            ("pki",),
            "crl-not-published",
            "pki: client_crl_checking is true but crl_published_on_internet is false; "
            "Internet clients will fail revocation checks",
        )


def warn_fsp_shared(topo: Topology) -> Iterator[Finding]:
    """Warning 3: the FSP should have a server of its own."""
    for i, server in enumerate(topo.model.servers):
        if topo.fsp_shares_server(server):
            yield _warning(
                ("servers", i, "roles", "fallback_status_point"),
                "fsp-not-dedicated",
                f"servers[{i}] ({server.name}): the fallback status point shares the server with "
                "a role that takes HTTPS client traffic; it should be dedicated",
            )


def warn_sup_sync_perimeter(topo: Topology) -> Iterator[Finding]:
    """Warning 4: automatic sync from a perimeter Internet SUP needs a perimeter-to-intranet flow."""
    sup = topo.internet_sup
    if (
        sup
        and topo.internet_sup_sync == "automatic"
        and sup.servers[0].zone == "perimeter"
        and topo.perimeter_may_initiate
    ):
        yield _warning(
            _sync_path(topo),
            "internet-sup-sync-automatic-perimeter",
            f"internet_sup_sync is automatic for the perimeter Internet SUP {sup.name}: the back "
            "firewall must allow a WSUS connection from the perimeter into the intranet",
        )


def warn_unsupported_features(topo: Topology) -> Iterator[Finding]:
    """Warning 5: one per requested feature that Internet clients cannot use."""
    for f, feature in enumerate(topo.model.clients.internet_features):
        if feature in UNSUPPORTED_FEATURES:
            yield _warning(
                ("clients", "internet_features", f),
                "feature-unsupported-on-internet",
                f"clients.internet_features[{f}]: {UNSUPPORTED_FEATURES[feature]} is not "
                "available to clients on the Internet; use a VPN for clients that need it",
            )


def warn_perimeter_initiates(topo: Topology) -> Iterator[Finding]:
    """Warning 6: a perimeter server in another forest opens connections to the site server."""
    for i, server in enumerate(topo.model.servers):
        if server.zone == "perimeter" and topo.in_other_forest(server) and server.site_server_initiated is False:
            yield _warning(
                ("servers", i, "site_server_initiated"),
                "perimeter-server-initiates",
                f"servers[{i}] ({server.name}): site_server_initiated is false for a perimeter "
                f"server in forest {topo.forest_of(server)}; it will open connections to the "
                "site server",
            )


def warn_webdav(topo: Topology) -> Iterator[Finding]:
    """Warning 7: MPs and BITS DPs on Windows Server 2008 need WebDAV set up by hand."""
    for i, server in enumerate(topo.model.servers):
        if topo.needs_manual_webdav(server):
            yield _warning(
                ("servers", i, "os"),
                "webdav-manual",
                f"servers[{i}] ({server.name}): on {server.os} the management point or BITS "
                "distribution point needs WebDAV installed and configured by hand",
            )


def _sync_path(topo: Topology) -> Path:
    if topo.model.software_updates.internet_sup_sync:
        return ("software_updates", "internet_sup_sync")
    sup = topo.internet_sup
    assert sup is not None
    return ("servers", _server_index(topo)[sup.servers[0].key], "roles", "software_update_point")


def _dotted(path: Path) -> str:
    return format_path(path)


REFERENCE_RULES: tuple[Rule, ...] = (check_references, check_uniqueness)
"""Rules that must pass before the others can trust name look-ups."""

LOOKUP_FREE_RULES: frozenset[Rule] = frozenset(
    {
        check_site_kind,
        check_internet_dps,
        check_install_accounts,
        warn_crl,
        warn_fsp_shared,
        warn_unsupported_features,
        warn_webdav,
    }
)
"""Rules that never look a server up by name, safe to run when references are broken."""

RULES: tuple[Rule, ...] = (
    check_site_kind,
    check_internet_fqdns,
    check_nlb_clusters,
    check_internet_dps,
    check_install_accounts,
    check_internet_mps,
    check_sups,
    check_database_access,
    check_reverse_proxy,
    check_sup_sync_blocked,
    warn_intranet_internet_facing,
    warn_crl,
    warn_fsp_shared,
    warn_sup_sync_perimeter,
    warn_unsupported_features,
    warn_perimeter_initiates,
    warn_webdav,
)


def run_checks(topo: Topology) -> list[Finding]:
    """All findings for one site.

    Rules that look servers up by name need every reference to resolve; the
    others run regardless, so one run reports as much as it can.
    """
    findings = [f for rule in REFERENCE_RULES for f in rule(topo)]
    resolved = not any(f.code == "unknown-server" for f in findings)
    return findings + [f for rule in RULES if resolved or rule in LOOKUP_FREE_RULES for f in rule(topo)]


DIAGNOSTIC_CODES: dict[str, tuple[str, str]] = {
    # Syntax and schema (loader and yaml_source).
    "yaml-syntax": ("error", "the file is not valid YAML"),
    "duplicate-key": ("error", "a key appears twice in one mapping"),
    "invalid-key": ("error", "a mapping key is not a plain name"),
    "invalid-document": ("error", "the file is not a mapping"),
    "unreadable-file": ("error", "the file cannot be read as UTF-8"),
    "unknown-key": ("error", "a key the format does not define (with a did-you-mean suggestion)"),
    "missing-key": ("error", "a required key is missing"),
    "invalid-value": ("error", "a value has the wrong type or is outside its allowed values"),
    "duplicate-site-code": ("error", "two files describe the same site code"),
    # Semantic errors, in the order of site-inputs.md.
    "secondary-site": ("error", "rule 1: IBCM needs a primary site"),
    "mixed-mode-site": ("error", "rule 1: IBCM needs native mode; migrate the site first"),
    "unknown-server": ("error", "rule 2: a referenced server is not in servers"),
    "missing-internet-fqdn": ("error", "rule 3: an Internet-based site system has no internet_fqdn"),
    "nlb-missing-internet-fqdn": ("error", "rule 4: an Internet NLB cluster has no internet_fqdn"),
    "nlb-missing-intranet-fqdn": ("error", "rule 4: an intranet NLB cluster has no intranet_fqdn"),
    "nlb-member-count": ("error", "rule 4: an NLB cluster has fewer than 2 or more than 32 members"),
    "nlb-member-role": ("error", "rule 4: an NLB member does not carry the cluster's role"),
    "internet-dp-branch": ("error", "rule 5: an Internet DP is a branch DP"),
    "internet-dp-no-bits": ("error", "rule 5: an Internet DP has bits: false"),
    "missing-install-account": ("error", "rule 6: a server in another forest has no install_account"),
    "multiple-internet-mps": ("error", "rule 7: more than one Internet MP"),
    "multiple-active-sups": ("error", "rule 8: more than one active SUP"),
    "multiple-internet-sups": ("error", "rule 8: more than one Internet-only SUP"),
    "internet-sup-with-dual-active-sup": (
        "error",
        "rule 8: an Internet-only SUP beside an active SUP that accepts both",
    ),
    "internet-sup-without-active-sup": ("error", "rule 8: an Internet-only SUP with no active SUP"),
    "internet-sup-on-site-server": ("error", "rule 8: the Internet-only SUP is on the site server"),
    "replica-not-defined": ("error", "rule 9: an MP uses a replica but database_replica is missing"),
    "replica-needs-perimeter-initiation": ("error", "rule 9: a perimeter MP would reach an intranet replica"),
    "database-needs-perimeter-initiation": ("error", "rule 10: a perimeter MP would reach the intranet site database"),
    "proxy-publishes-non-internet-server": ("error", "rule 11: the proxy publishes a server with no Internet role"),
    "proxy-outside-perimeter": ("error", "rule 11: the reverse proxy is not in the perimeter"),
    "duplicate-server-name": ("error", "rule 12: two servers share a name"),
    "duplicate-fqdn": ("error", "rule 12: two servers or clusters share an FQDN"),
    "duplicate-cluster-name": ("error", "rule 12 (added): two NLB clusters share a name"),
    "duplicate-firewall-name": ("error", "rule 12 (added): the front and back firewall share a name"),
    "nlb-duplicate-member": ("error", "rule 4 (added): a server is listed twice in one NLB cluster"),
    "nlb-mixed-zones": ("error", "rule 4 (added): the members of an NLB cluster sit in different zones"),
    "replica-on-database-server": ("error", "rule 9 (added): the replica is on the site database server"),
    "internet-sup-sync-blocked": ("error", "warning 4 made an error: automatic sync needs perimeter-initiated WSUS"),
    "perimeter-initiated-flow": (
        "error",
        "a derived flow would start in the perimeter while the back firewall forbids it",
    ),
    # Warnings, in the order of site-inputs.md.
    "intranet-server-internet-facing": ("warning", "warning 1: an intranet server takes Internet connections directly"),
    "crl-not-published": ("warning", "warning 2: clients check revocation but the CRL is not on the Internet"),
    "fsp-not-dedicated": ("warning", "warning 3: the fallback status point shares its server"),
    "internet-sup-sync-automatic-perimeter": ("warning", "warning 4: automatic sync from a perimeter Internet SUP"),
    "feature-unsupported-on-internet": ("warning", "warning 5: a requested feature Internet clients cannot use"),
    "perimeter-server-initiates": ("warning", "warning 6: a perimeter server in another forest initiates transfers"),
    "webdav-manual": (
        "warning",
        "warning 7: WebDAV must be set up by hand for an MP or BITS DP on Windows Server 2008",
    ),
}
"""Every diagnostic code with its severity and meaning; the docs list them from here."""
