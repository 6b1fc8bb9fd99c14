"""The context every template of one site receives: its model, plan and pre-rendered tables.

Templates hold wording only; everything they show that takes logic (tables,
links, derived facts) is prepared here from the one site plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.validate.rules import UNSUPPORTED_FEATURES
from generator.render.escape import Myst
from generator.render.myst import download_link, label, list_table
from generator.render.csv_export import certificates_csv_filename, dns_csv_filename, firewall_csv_filenames
from generator.render.tables import certificates_table, connectivity_matrix, dns_table, firewall_table
from generator.plan import SitePlan
from generator.model.topology import ROLE_ABBREVIATIONS, ROLE_TITLES, placement_scenarios

DIAGRAM_FILE = "placement.dot"


def site_context(plan: SitePlan) -> dict[str, Any]:
    """Template variables shared by a site's runbook page and all its step templates."""
    code = plan.code
    views = {
        "firewall_tables": [
            (name, firewall_table(code, plan.network, name, csv_name))
            for name, csv_name in firewall_csv_filenames(code, plan.network).items()
        ],
        "connectivity_matrix": connectivity_matrix(plan.network),
        "dns_table": dns_table(plan.network, dns_csv_filename(code)),
        "certificates_table": certificates_table(plan.network, certificates_csv_filename(code)),
        "applicability_table": applicability_table(plan),
        "server_table": server_table(plan),
        "diagram_file": DIAGRAM_FILE,
        "plan_link": Myst(download_link(f"{code}-plan.json", f"{code}-plan.json")),
    }
    return {
        "plan": plan,
        "model": plan.site.model,
        "site": plan.site.model.site,
        "topo": plan.site.topology,
        "net": plan.network,
        "views": views,
        "source": plan.site.source,
        "scenarios": placement_scenarios(plan.site.topology),
        "ref": step_linker(plan),
        "role_titles": ROLE_TITLES,
        "unsupported_features": UNSUPPORTED_FEATURES,
    }


def step_linker(plan: SitePlan) -> Callable[[str], Myst]:
    titles = {d.id: d.title for d in plan.decisions}

    def ref(step_id: str) -> Myst:
        """Link to a step of this runbook, or name it as not needed."""
        if step_id not in titles:
            raise KeyError(f"unknown step id {step_id!r}")
        if plan.includes(step_id):
            return Myst(f"[](#{label(plan.code, step_id)})")
        return Myst(f"*{titles[step_id]}* (not needed for this site)")

    return ref


def applicability_table(plan: SitePlan) -> Myst:
    rows = []
    number = 0
    for decision in plan.decisions:
        if decision.included:
            number += 1
        rows.append(
            [
                Myst(f"[{number}](#{label(plan.code, decision.id)})") if decision.included else "—",
                decision.title,
                Myst(f"`{decision.id}`"),
                "included" if decision.included else "not needed",
                "; ".join(decision.reasons),
            ]
        )
    return list_table(["#", "Step", "Id", "Status", "Reason"], rows, widths=[4, 30, 16, 10, 40], long=True)


def server_table(plan: SitePlan) -> Myst:
    topo = plan.site.topology
    rows = []
    for server in plan.site.model.servers:
        roles = ", ".join(f"{ROLE_ABBREVIATIONS[key]} ({role.connections})" for key, role in server.roles.items())
        duties = [
            d
            for d, on in (
                ("site server", server.key == topo.site_server.key),
                ("site database", server.key == topo.database_server.key),
                ("database replica", topo.replica_server is not None and server.key == topo.replica_server.key),
            )
            if on
        ]
        rows.append(
            [
                server.name,
                server.zone,
                topo.forest_of(server),
                ", ".join(filter(None, [", ".join(duties), roles])) or "—",
                server.intranet_fqdn,
                server.internet_fqdn,
            ]
        )
    return list_table(
        ["Server", "Zone", "Forest", "Duties and roles (connections)", "Intranet FQDN", "Internet FQDN"],
        rows,
        widths=[12, 9, 17, 26, 18, 18],
        long=True,
    )


def site_summary(plan: SitePlan) -> dict[str, Any]:
    """One row of the landing page's site table."""
    site = plan.site.model.site
    return {
        "code": site.code,
        "name": site.name,
        "scenario": "; ".join(sc.title for sc in placement_scenarios(plan.site.topology)),
        "included": len(plan.included),
        "warnings": len(plan.warnings),
        "link": Myst(f"{{ref}}`{site.code} <{site.code.lower()}-runbook>`"),
    }
