"""Design review of a site plan: conflicts that only show once the flows are derived.

Validation (``generator.validate``) checks the input field by field; some
designs are only wrong as a whole, e.g. a flow that would have to start in the
perimeter while the back firewall forbids it.  These rules are registered in
:data:`PLAN_RULES` with the codes they declare, run on the plan and still
report ``file:line:column``, through the input path each flow records.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.derive.network.flows import CRL_PLACEHOLDER, DOMAIN_CONTROLLERS, Flow, perimeter_initiated_flows
from generator.diagnostics import Code, Diagnostic, Severity
from generator.model.topology import Topology
from generator.plan import SitePlan
from generator.validate import locate
from generator.validate.registry import Finding, RuleRegistry

PLAN_RULES: RuleRegistry[SitePlan] = RuleRegistry()
"""The design rules of a site plan, run after validation on the derived flows."""

FORBIDDEN = "network.back_firewall.perimeter_may_initiate is false"
"""The setting every finding of this module rests on, as the messages name it."""

PERIMETER_INITIATED_FLOW = Code(
    "perimeter-initiated-flow",
    Severity.ERROR,
    "a derived flow would start in the perimeter while the back firewall forbids it",
)
PERIMETER_CRL_CHECK = Code(
    "perimeter-crl-check",
    Severity.WARNING,
    "a perimeter site system may need the CRL in the intranet while the back firewall forbids perimeter-initiated "
    "connections (to confirm)",
)


def _grouped(flows: list[Flow]) -> list[list[Flow]]:
    """Flows grouped per opening party and need, in the order of their first flow."""
    groups: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        groups.setdefault((flow.source_ref.upper(), flow.need), []).append(flow)
    return list(groups.values())


def _services(flows: list[Flow]) -> str:
    """``TCP 53, 88; UDP 53``: the ports of ``flows`` per protocol, in flow order."""
    ports: dict[str, list[str]] = {}
    for flow in flows:
        listed = ports.setdefault(flow.protocol, [])
        if flow.port not in listed:
            listed.append(flow.port)
    return "; ".join(f"{protocol} {', '.join(numbers)}" for protocol, numbers in ports.items())


def _names(values: list[str]) -> str:
    return ", ".join(dict.fromkeys(values))


def _domain_membership(topo: Topology, flows: list[Flow]) -> str:
    first = flows[0]
    server = topo.server(first.source)
    forest = topo.forest_of(server) if server else topo.site.forest
    member = (
        f"a member of the intranet forest {forest}"
        if forest.lower() == topo.site.forest.lower()
        else f"a member of the forest {forest}, whose domain controllers are in the intranet,"
    )
    named = [f.destination for f in flows if f.destination != DOMAIN_CONTROLLERS.format(forest=forest)]
    controllers = f"its domain controllers {_names(named)}" if named else "its domain controllers"
    return (
        f"{first.source} (perimeter) is {member} and needs {controllers} (DNS, Kerberos, LDAP, SMB, RPC, time), "
        f"but {FORBIDDEN}; open these flows through {topo.model.network.back_firewall.name} as an exception, or put "
        f"{first.source} in a perimeter forest with its own domain controllers"
    )


def _wsus_database(topo: Topology, flows: list[Flow]) -> str:
    first = flows[0]
    server = topo.server(first.source)
    cluster = topo.cluster_for(server, "software_update_point") if server else None
    where = f"the NLB software update point {cluster.name}" if cluster else "an NLB software update point"
    return (
        f"{first.source} (perimeter) is a member of {where} and needs its shared WSUS database on "
        f"{_names([f.destination for f in flows])} (intranet, SQL {_services(flows)}), but {FORBIDDEN}; put the "
        "WSUS database in the perimeter, or open SQL from the members as an exception"
    )


def _message(topo: Topology, flows: list[Flow]) -> str:
    """What the opening party needs, for one group of perimeter-initiated flows (one party, one need)."""
    first = flows[0]
    destinations = _names([f.destination for f in flows])
    match first.need:
        case "domain-membership":
            return _domain_membership(topo, flows)
        case "wsus-database":
            return _wsus_database(topo, flows)
        case "site-system-status":
            return (
                f"{first.source} (perimeter) sends data and status to the site server {destinations} "
                f"(SMB {_services(flows)}) because its site_server_initiated is false, but {FORBIDDEN}; "
                "set site_server_initiated to true"
            )
        case "site-database" | "database-replica":
            what = "the site database" if first.need == "site-database" else "the site database replica"
            return (
                f"{first.source} (perimeter) needs {what} on {destinations} (intranet, SQL {_services(flows)}), "
                f"but {FORBIDDEN}; put the database it reads in the perimeter (a SQL Server replica)"
            )
        case "sup-synchronisation":
            return (
                f"{first.source} (perimeter) synchronises from the active software update point {destinations} "
                f"({_services(flows)}), but {FORBIDDEN}; use software_updates.internet_sup_sync: export_import"
            )
    purposes = "; ".join(dict.fromkeys(f.purpose for f in flows))
    return (
        f"{first.source} (perimeter) would open {_services(flows)} to {destinations} (intranet) for "
        f"{purposes!r}, but {FORBIDDEN}"
    )


@PLAN_RULES.rule(PERIMETER_INITIATED_FLOW)
def check_perimeter_initiated_flows(plan: SitePlan) -> Iterator[Finding]:
    """No derived flow may open from the perimeter into the intranet when the back firewall forbids it.

    One finding per opening party and need (not per port), saying what the party needs, located at the
    input path of its first flow. Catches what the field rules cannot name one by one, e.g.
    ``site_server_initiated: false`` on a perimeter server behind such a firewall, or a perimeter member of
    the intranet forest. A perimeter server's CRL check is :func:`check_perimeter_crl_checks`' concern.
    """
    topo = plan.site.topology
    if topo.perimeter_may_initiate:
        return
    flows = [f for f in perimeter_initiated_flows(list(plan.network.flows)) if f.kind != "site-system-crl"]
    for group in _grouped(flows):
        yield Finding(PERIMETER_INITIATED_FLOW, group[0].origin, _message(topo, group))


@PLAN_RULES.rule(PERIMETER_CRL_CHECK)
def check_perimeter_crl_checks(plan: SitePlan) -> Iterator[Finding]:
    """A perimeter site system that checks client certificates against a CRL kept in the intranet.

    A warning, not an error: whether IIS on the site system checks revocation there is to confirm with
    the PKI team (the CRL may also be reachable in the perimeter).
    """
    topo = plan.site.topology
    if topo.perimeter_may_initiate:
        return
    flows = [f for f in perimeter_initiated_flows(list(plan.network.flows)) if f.kind == "site-system-crl"]
    for group in _grouped(flows):
        first = group[0]
        hosts = _names([f.destination for f in group if f.destination != CRL_PLACEHOLDER])
        yield Finding(
            PERIMETER_CRL_CHECK,
            first.origin,
            f"{first.source} (perimeter) may need the CRL distribution point{f' {hosts}' if hosts else ''} "
            f"(intranet, {_services(group)}) to check client certificates (IIS checks them against it; to confirm), "
            f"but {FORBIDDEN} and pki.crl_published_on_internet is false; confirm with the PKI team and publish "
            "the CRL where the perimeter can reach it",
        )


def review_plan(plan: SitePlan) -> list[Diagnostic]:
    """Every design conflict of the plan, located in its input file."""
    return locate(plan.site.document, [f for rule in PLAN_RULES for f in rule(plan)])
