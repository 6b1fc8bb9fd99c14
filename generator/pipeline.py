"""load -> decide -> derive -> render -> write: the one entry point for CLI and Sphinx.

Rendering happens entirely in memory; files are written only after every site
rendered, so a failed run leaves the previous output untouched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.checks import UNSUPPORTED_FEATURES
from generator.diagnostics import Diagnostic
from generator.escape import Myst
from generator.loader import load_valid_sites
from generator.myst import download_link, label, list_table
from generator.network.csv_export import (
    certificates_csv_filename,
    csv_files,
    dns_csv_filename,
    firewall_csv_filenames,
)
from generator.network.diagram import placement_dot
from generator.network.tables import certificates_table, connectivity_matrix, dns_table, firewall_table
from generator.plan import SitePlan, build_site_plan, dump_json, plan_to_json
from generator.render import create_environment, render_template
from generator.topology import ROLE_ABBREVIATIONS, ROLE_TITLES, placement_scenarios
from generator.writer import SyncReport, sync_tree

logger = logging.getLogger(__name__)

DIAGRAM_FILE = "placement.dot"


@dataclass(frozen=True)
class Project:
    """Where a run reads from and writes to."""

    site_inputs: Path
    templates: Path
    output: Path


@dataclass
class GenerationResult:
    """The plans that were rendered, their warnings, and what changed on disk."""

    plans: list[SitePlan]
    warnings: list[Diagnostic]
    report: SyncReport


def load_plans(site_inputs: Path) -> tuple[list[SitePlan], list[Diagnostic]]:
    """Validate every site (raising InputError on any error) and build its plan."""
    sites, diagnostics = load_valid_sites([site_inputs])
    return [build_site_plan(site) for site in sites], diagnostics


def generate(project: Project) -> GenerationResult:
    """Render every site's runbook into ``project.output``; nothing is written on failure."""
    plans, diagnostics = load_plans(project.site_inputs)
    env = create_environment(project.templates)
    files: dict[str, str | bytes] = {}
    for plan in plans:
        files.update(render_site(env, plan))
    files["site-index.md"] = render_template(env, "pages/site-index.md.j2", {"sites": [_summary(p) for p in plans]})
    report = sync_tree(project.output, files)
    return GenerationResult(plans, diagnostics, report)


def render_site(env: Any, plan: SitePlan) -> dict[str, str | bytes]:
    """All files of one site, keyed by path relative to the output folder."""
    code = plan.code
    csv = csv_files(code, plan.network)
    csv_names = firewall_csv_filenames(code, plan.network)
    views = {
        "firewall_tables": [
            (name, firewall_table(code, plan.network, name, csv_name)) for name, csv_name in csv_names.items()
        ],
        "connectivity_matrix": connectivity_matrix(plan.network),
        "dns_table": dns_table(plan.network, dns_csv_filename(code)),
        "certificates_table": certificates_table(plan.network, certificates_csv_filename(code)),
        "applicability_table": _applicability_table(plan),
        "server_table": _server_table(plan),
        "diagram_file": DIAGRAM_FILE,
        "plan_link": Myst(download_link(f"{code}-plan.json", f"{code}-plan.json")),
    }
    base = {
        "plan": plan,
        "model": plan.site.model,
        "site": plan.site.model.site,
        "topo": plan.site.topology,
        "net": plan.network,
        "views": views,
        "source": plan.site.source,
        "scenarios": placement_scenarios(plan.site.topology),
        "ref": _step_linker(plan),
        "role_titles": ROLE_TITLES,
        "unsupported_features": UNSUPPORTED_FEATURES,
    }
    steps = []
    for number, decision in enumerate(plan.included, start=1):
        body = render_template(env, f"steps/{decision.id}.md.j2", {**base, "step": decision})
        steps.append(
            {"decision": decision, "number": number, "label": Myst(label(code, decision.id)), "body": Myst(body)}
        )
    page = render_template(env, "pages/runbook.md.j2", {**base, "steps": steps})
    return {
        f"{code}/index.md": page,
        f"{code}/{DIAGRAM_FILE}": placement_dot(plan.site.topology, plan.network),
        f"{code}/{code}-plan.json": dump_json(plan_to_json(plan)),
        **{f"{code}/{name}": text for name, text in csv.items()},
    }


def _step_linker(plan: SitePlan) -> Any:
    titles = {d.id: d.title for d in plan.decisions}

    def ref(step_id: str) -> Myst:
        """Link to a step of this runbook, or name it as not needed."""
        if step_id not in titles:
            raise KeyError(f"unknown step id {step_id!r}")
        if plan.includes(step_id):
            return Myst(f"[](#{label(plan.code, step_id)})")
        return Myst(f"*{titles[step_id]}* (not needed for this site)")

    return ref


def _applicability_table(plan: SitePlan) -> Myst:
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


def _server_table(plan: SitePlan) -> Myst:
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


def _summary(plan: SitePlan) -> dict[str, Any]:
    site = plan.site.model.site
    return {
        "code": site.code,
        "name": site.name,
        "scenario": "; ".join(sc.title for sc in placement_scenarios(plan.site.topology)),
        "included": len(plan.included),
        "warnings": len(plan.warnings),
        "link": Myst(f"{{ref}}`{site.code} <{site.code.lower()}-runbook>`"),
    }
