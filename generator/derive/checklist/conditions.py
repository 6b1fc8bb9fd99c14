"""The step catalog of steps.md and the one place that decides which steps apply.

Each :class:`Step` pairs a stable id and title with a pure predicate over the
:class:`~generator.model.topology.Topology`.  The predicate returns the reasons for its
answer, naming the input values it rests on, so the runbook and the JSON plan
can say *why* a step is in or out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from generator.model.topology import ROLE_TITLES, Topology, accepts_internet

Verdict = tuple[bool, list[str]]


@dataclass(frozen=True)
class Step:
    """One entry of the step catalog."""

    id: str
    title: str
    condition: Callable[[Topology], Verdict]


@dataclass(frozen=True)
class Decision:
    """Whether a step is in this site's runbook, and why."""

    step: Step
    included: bool
    reasons: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.step.id

    @property
    def title(self) -> str:
        return self.step.title


def _always(reason: str) -> Callable[[Topology], Verdict]:
    def condition(topo: Topology) -> Verdict:
        return True, [reason.format(site=topo.site)]

    return condition


def _nlb_internet(role: str) -> Callable[[Topology], Verdict]:
    def condition(topo: Topology) -> Verdict:
        reasons = []
        for cluster in topo.model.nlb_clusters:
            if cluster.role != role:
                continue
            members = [topo.server(n) for n in cluster.members]
            roles = [getattr(m.roles, role) for m in members if m is not None]
            internet = [r for r in roles if r is not None and accepts_internet(r.connections)]
            if internet:
                reasons.append(
                    f"NLB cluster {cluster.name} (role {role}) has members that accept Internet "
                    f"connections ({', '.join(cluster.members)})"
                )
        if reasons:
            return True, reasons
        clusters = [c.name for c in topo.model.nlb_clusters if c.role == role]
        if clusters:
            return False, [f"NLB cluster {', '.join(clusters)} (role {role}) accepts no Internet connections"]
        return False, [f"no NLB cluster serves the {ROLE_TITLES[role]} role"]  # type: ignore[index]

    return condition


def _site_server_initiated(topo: Topology) -> Verdict:
    reasons = []
    for server in topo.site_server_initiated_servers:
        why = []
        if server.site_server_initiated is True:
            why.append("site_server_initiated: true")
        else:
            if server.zone == "perimeter" and topo.in_other_forest(server):
                why.append(
                    f"forest {topo.forest_of(server)} differs from the site server "
                    f"{topo.site.site_server}'s forest {topo.site.forest}"
                )
            if not topo.perimeter_may_initiate:
                why.append("network.back_firewall.perimeter_may_initiate is false")
        reasons.append(f"{server.name} ({server.zone}) hosts Internet-based roles and " + " and ".join(why))
    if reasons:
        return True, reasons
    names = ", ".join(s.name for s in topo.internet_servers) or "none"
    return False, [
        f"no Internet-based site system needs site-server-initiated transfers (Internet-based: {names}; "
        f"all in forest {topo.site.forest}, perimeter_may_initiate is "
        f"{str(topo.perimeter_may_initiate).lower()})"
    ]


def _sup_sync(mode: str) -> Callable[[Topology], Verdict]:
    def condition(topo: Topology) -> Verdict:
        sup = topo.internet_sup
        if sup is None:
            return False, ["no software update point has connections: internet"]
        resolved = topo.internet_sup_sync
        explicit = topo.model.software_updates.internet_sup_sync
        source = (
            f"software_updates.internet_sup_sync is {explicit}"
            if explicit
            else f"internet_sup_sync defaults to {resolved} because {sup.name} is in the {sup.servers[0].zone}"
        )
        return resolved == mode, [f"Internet-only SUP {sup.name} exists and {source}"]

    return condition


def _role_internet(role: str, label: str) -> Callable[[Topology], Verdict]:
    def condition(topo: Topology) -> Verdict:
        hits = []
        for server in topo.servers_with(role):  # type: ignore[arg-type]
            value = getattr(server.roles, role)
            if accepts_internet(value.connections):
                hits.append(f"{server.name} has {role}.connections: {value.connections}")
        if hits:
            return True, hits
        holders = [s.name for s in topo.servers_with(role)]  # type: ignore[arg-type]
        if not holders:
            return False, [f"no server has the {label} role"]
        return False, [f"no {label} accepts Internet connections ({', '.join(holders)}: intranet only)"]

    return condition


def _fsp_internet(topo: Topology) -> Verdict:
    hits = [f"{s.name} has fallback_status_point.connections: both" for s in topo.internet_fsps]
    if hits:
        return True, hits
    holders = [s.name for s in topo.servers_with("fallback_status_point")]
    if not holders:
        return False, ["no server has the fallback status point role"]
    return False, [f"fallback status point on {', '.join(holders)} has connections: intranet"]


def _sql_replica(topo: Topology) -> Verdict:
    hits = [
        f"Internet MP {s.name} has management_point.database: replica "
        f"(replica {topo.model.database_replica.database} on {topo.model.database_replica.server})"
        for s in topo.internet_mps
        if s.roles.management_point and s.roles.management_point.database == "replica" and topo.model.database_replica
    ]
    if hits:
        return True, hits
    if not topo.internet_mps:
        return False, ["no management point accepts Internet connections"]
    names = ", ".join(s.name for s in topo.internet_mps)
    return False, [
        f"Internet MP {names} reads the site database on {topo.site.database_server} directly (database: site)"
    ]


STEPS: tuple[Step, ...] = (
    Step(
        "confirm-decision",
        "Confirm the decision to configure the site for Internet-based client management",
        _always("always included: every site confirms the decision and the prerequisites"),
    ),
    Step(
        "server-placement",
        "Decide on server placement",
        _always("always included: every site documents where its servers sit"),
    ),
    Step(
        "network-infrastructure",
        "Change the network infrastructure: firewalls and proxy servers",
        _always("always included: Internet clients reach the site systems through the firewalls"),
    ),
    Step(
        "register-dns",
        "Register the Internet FQDNs of site systems and NLB clusters in public DNS",
        _always("always included: Internet clients find the site systems through public DNS"),
    ),
    Step(
        "install-site-systems",
        "Install the site systems and configure their Internet FQDN",
        _always("always included: each Internet-based site system needs its Internet FQDN and certificate"),
    ),
    Step(
        "nlb-mp-internet-fqdn",
        "Specify the Internet FQDN of an Internet-based NLB management point",
        _nlb_internet("management_point"),
    ),
    Step(
        "nlb-sup-internet-fqdn",
        "Specify the Internet FQDN of an Internet-based NLB software update point",
        _nlb_internet("software_update_point"),
    ),
    Step(
        "site-server-initiated-transfers",
        "Configure Internet-based site systems in another forest to accept data retrieval from the site server",
        _site_server_initiated,
    ),
    Step(
        "sup-sync-automatic",
        "Synchronise the Internet-based software update point automatically",
        _sup_sync("automatic"),
    ),
    Step(
        "sup-sync-export-import",
        "Synchronise the Internet-based software update point by export and import",
        _sup_sync("export_import"),
    ),
    Step(
        "mp-internet",
        "Configure a management point for Internet-based client connections",
        _role_internet("management_point", "management point"),
    ),
    Step(
        "dp-internet",
        "Configure a distribution point for Internet-based client connections",
        _role_internet("distribution_point", "distribution point"),
    ),
    Step("fsp-internet", "Configure a fallback status point for Internet-based client connections", _fsp_internet),
    Step(
        "sup-internet",
        "Configure a software update point for Internet-based client connections",
        _role_internet("software_update_point", "software update point"),
    ),
    Step(
        "dp-bits",
        "Configure distribution points to transfer content using BITS, HTTP and HTTPS",
        _role_internet("distribution_point", "distribution point"),
    ),
    Step("sql-replica", "Configure a SQL Server replica of the site database", _sql_replica),
    Step(
        "next-steps",
        "Next steps: deploy or reconfigure clients for the Internet and verify",
        _always("always included: clients must be installed or reconfigured for the Internet MP"),
    ),
)
"""The catalog in checklist order; ids are a public interface (steps.md)."""

STEP_IDS = tuple(step.id for step in STEPS)


def decide(topo: Topology) -> list[Decision]:
    """Evaluate every step for a site, in checklist order."""
    decisions = []
    for step in STEPS:
        included, reasons = step.condition(topo)
        decisions.append(Decision(step, included, tuple(reasons)))
    return decisions
