"""Step conditions: pure predicates over the topology that say whether a step applies, and why.

Each returns its reasons naming the input values it rests on, so the runbook
and the JSON plan can say *why* a step is in or out.  Builders shared by
several steps (always, NLB, per-role) are factories; the step modules in
:mod:`generator.derive.checklist.steps` pick theirs.
"""

from __future__ import annotations

from generator.derive.checklist.core import Condition, Verdict
from generator.model.topology import Topology, accepts_internet
from generator.model.vocabulary import ROLE_TITLES


def always(reason: str) -> Condition:
    def condition(topo: Topology) -> Verdict:
        return True, [reason.format(site=topo.site)]

    return condition


def nlb_internet(role: str) -> Condition:
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


def site_server_initiated(topo: Topology) -> Verdict:
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


def sup_sync(mode: str) -> Condition:
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


def role_internet(role: str, label: str) -> Condition:
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


def fsp_internet(topo: Topology) -> Verdict:
    hits = [f"{s.name} has fallback_status_point.connections: both" for s in topo.internet_fsps]
    if hits:
        return True, hits
    holders = [s.name for s in topo.servers_with("fallback_status_point")]
    if not holders:
        return False, ["no server has the fallback status point role"]
    return False, [f"fallback status point on {', '.join(holders)} has connections: intranet"]


def sql_replica(topo: Topology) -> Verdict:
    replica = topo.model.database_replica
    hits = (
        [
            f"Internet MP {s.name} has management_point.database: replica "
            f"(replica {replica.database} on {replica.server})"
            for s in topo.replica_readers
        ]
        if replica
        else []
    )
    if hits:
        return True, hits
    if not topo.internet_mps:
        return False, ["no management point accepts Internet connections"]
    names = ", ".join(s.name for s in topo.internet_mps)
    return False, [
        f"Internet MP {names} reads the site database on {topo.site.database_server} directly (database: site)"
    ]
