"""Fifth stage: render one site plan into its files (runbook page, diagram, JSON plan, CSV).

Templates hold wording only.  A step template receives the site, its step
(decision + view), the cross-reference helper ``ref`` and the shared views
(tables, links, console paths); everything that takes logic was computed by
the step's view builder or rendered here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from generator.derive.checklist import StepId
from generator.derive.network.rules import FirewallScope
from generator.model.topology import placement_scenarios
from generator.model.vocabulary import ROLE_ABBREVIATIONS, ConsolePaths, console_paths
from generator.plan import PlannedStep, SitePlan
from generator.plan.diff import Baseline
from generator.render.csv_export import (
    certificates_csv_filename,
    csv_files,
    dns_csv_filename,
    firewall_csv_filenames,
    firewall_rules_csv_filenames,
)
from generator.render.diagram import DescribedSection, diagram_description, placement_dot
from generator.render.diff import baseline_myst
from generator.render.escape import Myst
from generator.render.filenames import check_unique_paths
from generator.render.firewall_config import FirewallConfig, appendix, config_files, config_link, firewall_configs
from generator.render.myst import download_link, label, list_table
from generator.render.plan_json import dump_json, plan_to_json
from generator.render.summary import StepWarning, SummaryView, duration, step_warnings, summary_view
from generator.render.tables import (
    certificates_table,
    connectivity_matrix,
    dns_table,
    firewall_rules_table,
    firewall_table,
)
from generator.render.templates import render_template
from generator.render.work import criteria_list, numbered_list, task_list

DIAGRAM_FILE = "placement.dot"

MICROSOFT_CHECKLIST_ITEMS = 12
"""The items of Microsoft's "Administrator Checklist: Configuring a Site for Internet-Based Client Management"
(bb632535), the seed of the step catalog; the catalog splits some of them (docs/steps.md, steps-seed)."""


@dataclass(frozen=True)
class FirewallSection:
    """One firewall as the runbook shows it: what its tables cover, its grouped rules, then its flows."""

    name: str
    scope: FirewallScope
    """Zones, counts, endpoints still to be named and addresses still to be assigned."""
    rules_table: Myst
    """The grouped rules (with a link to their CSV): what the firewall team writes."""
    flows_table: Myst
    """The flows the rules cover (with a link to their CSV): the traceable detail."""


@dataclass(frozen=True)
class SharedViews:
    """What every page and step of one site may show besides its own view: tables, links, console paths."""

    firewall_tables: list[tuple[str, Myst]]
    """(firewall name, its flow table), front firewall first."""
    firewall_sections: list[FirewallSection]
    """Per firewall, front first: its scope, grouped rules and flows."""
    connectivity_matrix: Myst
    dns_table: Myst
    certificates_table: Myst
    applicability_table: Myst
    server_table: Myst
    diagram_file: str
    diagram_description: tuple[DescribedSection, ...]
    """The placement diagram in words (its text alternative): the paths it draws, per firewall, zone and egress."""
    diagram_description_id: Myst
    """The id of the element that holds that text (``cen-placement-diagram-text``), for ``aria-describedby``."""
    plan_link: Myst
    downloads: tuple[Myst, ...]
    """The page's download links (the header's download buttons): the JSON plan, then each firewall's rules and
    flows (front first), the DNS records and the certificates, all CSV."""
    console: ConsolePaths
    firewall_configs: tuple[FirewallConfig, ...]
    """The Aerleon configuration of each firewall with a ``platform`` (``generator.render.firewall_config``)."""
    firewall_config_appendix: Myst
    """The appendix that shows them; empty when no firewall names a platform."""


def shared_views(plan: SitePlan) -> SharedViews:
    """Render the tables a site's pages share, once per site."""
    code = plan.code
    site = plan.site.model.site
    flow_csvs = firewall_csv_filenames(code, plan.network)
    rule_csvs = firewall_rules_csv_filenames(code, plan.network)
    flow_tables = [(name, firewall_table(plan, name, csv_name)) for name, csv_name in flow_csvs.items()]
    configs = firewall_configs(plan)
    config_lines = {c.firewall: f"{line}\n\n" for c in configs if (line := config_link(c))}
    return SharedViews(
        firewall_tables=flow_tables,
        firewall_sections=[
            FirewallSection(
                name=name,
                scope=plan.network.scope(name),
                rules_table=Myst(config_lines.get(name, "") + firewall_rules_table(plan, name, rule_csvs[name])),
                flows_table=table,
            )
            for name, table in flow_tables
        ],
        connectivity_matrix=connectivity_matrix(plan),
        dns_table=dns_table(plan.network, dns_csv_filename(code)),
        certificates_table=certificates_table(plan.network, certificates_csv_filename(code)),
        applicability_table=applicability_table(plan),
        server_table=server_table(plan),
        diagram_file=DIAGRAM_FILE,
        diagram_description=diagram_description(plan.network),
        diagram_description_id=Myst(diagram_description_id(code)),
        plan_link=Myst(download_link(f"{code}-plan.json", f"{code}-plan.json")),
        downloads=downloads(plan),
        console=console_paths(site.code, site.name),
        firewall_configs=configs,
        firewall_config_appendix=appendix(plan, configs) if configs else Myst(""),
    )


def downloads(plan: SitePlan) -> tuple[Myst, ...]:
    """The download links of a runbook's header, in the order :attr:`SharedViews.downloads` gives."""
    code = plan.code
    rules = firewall_rules_csv_filenames(code, plan.network)
    flows = firewall_csv_filenames(code, plan.network)
    files = [("Plan (JSON)", f"{code}-plan.json")]
    for name, flow_file in flows.items():
        files += [(f"{name} rules (CSV)", rules[name]), (f"{name} flows (CSV)", flow_file)]
    files += [("DNS records (CSV)", dns_csv_filename(code)), ("Certificates (CSV)", certificates_csv_filename(code))]
    return tuple(Myst(download_link(text, filename)) for text, filename in files)


def diagram_description_id(site_code: str) -> str:
    """The id of the placement diagram's text alternative in a site's runbook, e.g. ``cen-placement-diagram-text``
    (site codes are A-Z0-9, so it is a plain MyST label)."""
    return f"{site_code.lower()}-placement-diagram-text"


@dataclass(frozen=True)
class RenderedStep:
    """One included step as the runbook page shows it: heading, place in the change, reasons, body and work."""

    number: int
    title: str
    label: Myst
    """The step's anchor (derived from the site code and step id, so it is MyST-safe)."""
    reasons: tuple[str, ...]
    body: Myst
    warnings: tuple[StepWarning, ...]
    """The site's warnings about this step, shown at the top of its body."""
    owner: str
    phase: int
    duration: str
    seed_item: int | None
    """The item of Microsoft's checklist it implements; None for a step this tool adds."""
    changes: bool
    verification: Myst
    evidence: tuple[str, ...]
    rollback: Myst


@dataclass(frozen=True)
class RenderedPhase:
    """One phase of the change: its steps and its go/no-go gate."""

    number: int
    title: str
    label: Myst
    gate_label: Myst
    duration: str
    planned: str | None
    owners: tuple[str, ...]
    steps: tuple[RenderedStep, ...]
    gate: Myst
    last: bool
    """The last phase: its gate closes the change."""


@dataclass(frozen=True)
class ChangeLine:
    """The change record line under the runbook's title."""

    id: str
    title: str
    revision: int | None


@dataclass(frozen=True)
class WarningLine:
    """One site warning as the author's appendix lists it."""

    message: str
    code: str
    location: str
    accepted_by: str | None = None
    """Who accepted it, when the change board did (``acknowledged_warnings``)."""


@dataclass(frozen=True)
class BaselineView:
    """The "Changes since the approved revision" section, for a site whose ``change.baseline`` names one."""

    revision: str
    body: Myst
    """The changes (:func:`generator.render.diff.baseline_myst`), or why they could not be shown."""


@dataclass(frozen=True)
class PageView:
    """What the runbook page of one site shows around its steps."""

    source: str
    included_count: int
    checklist_count: int
    """The steps of the catalog this tool plans with, included or not."""
    microsoft_items: int
    """The items of Microsoft's checklist that the catalog covers."""
    change: ChangeLine | None
    scenario_titles: tuple[str, ...]
    warnings: tuple[WarningLine, ...]
    baseline: BaselineView | None = None
    """Set when the site's ``change.baseline`` names an approved revision."""


def page_view(plan: SitePlan, baseline: Baseline | None = None) -> PageView:
    """The facts of the runbook page's header, changes, scope and warnings sections."""
    change = plan.site.model.change
    accepted = {risk.warning: risk.by for risk in plan.accepted}
    return PageView(
        source=plan.site.source,
        included_count=len(plan.included),
        checklist_count=len(plan.decisions),
        microsoft_items=MICROSOFT_CHECKLIST_ITEMS,
        change=ChangeLine(change.id, change.title, change.revision) if change else None,
        scenario_titles=tuple(sc.title for sc in placement_scenarios(plan.site.topology)),
        warnings=tuple(WarningLine(w.message, w.code, str(w.location), accepted.get(w)) for w in plan.warnings),
        baseline=BaselineView(baseline.revision, baseline_myst(baseline)) if baseline else None,
    )


def step_context(plan: SitePlan, shared: SharedViews, step: PlannedStep) -> dict[str, Any]:
    """Everything a step template receives: the site, its step (decision + view), ``ref`` and the shared views."""
    return {"site": plan.site.model.site, "step": step, "ref": step_linker(plan), "shared": shared}


def page_context(
    plan: SitePlan,
    shared: SharedViews,
    phases: list[RenderedPhase],
    summary: SummaryView,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """What the runbook page template receives: the site, its page view, summary, phases of rendered steps and
    shared views."""
    return {
        "site": plan.site.model.site,
        "change": plan.site.model.change,
        "page": page_view(plan, baseline),
        "summary": summary,
        "phases": phases,
        "shared": shared,
    }


def rendered_step(plan: SitePlan, step: PlannedStep, body: str, warnings: tuple[StepWarning, ...] = ()) -> RenderedStep:
    """A planned step with its rendered body, the warnings it concerns and its work as MyST."""
    work = step.work
    return RenderedStep(
        number=step.number,
        title=step.title,
        label=Myst(label(plan.code, step.id)),
        reasons=step.reasons,
        body=Myst(body),
        warnings=warnings,
        owner=step.owner,
        phase=step.phase,
        duration=duration(work.minutes),
        seed_item=step.seed_item,
        changes=step.changes,
        verification=task_list(work.verification),
        evidence=work.evidence,
        rollback=numbered_list(work.rollback),
    )


def rendered_phases(plan: SitePlan, steps: Mapping[StepId, RenderedStep], summary: SummaryView) -> list[RenderedPhase]:
    """The phases as the runbook shows them: their steps, planned times (as the summary has them) and gates."""
    code = plan.code.lower()
    last = plan.phases[-1].number if plan.phases else None
    return [
        RenderedPhase(
            number=phase.number,
            title=phase.title,
            label=Myst(f"{code}-phase-{phase.number}"),
            gate_label=Myst(f"{code}-gate-{phase.number}"),
            duration=duration(phase.minutes),
            planned=row.planned,
            owners=row.owners,
            steps=tuple(steps[s.id] for s in phase.steps),
            gate=criteria_list(phase.gate),
            last=phase.number == last,
        )
        for phase, row in zip(plan.phases, summary.phases, strict=True)
    ]


def render_site(env: jinja2.Environment, plan: SitePlan, baseline: Baseline | None = None) -> dict[str, str | bytes]:
    """All files of one site, keyed by path relative to the output folder; ``baseline``: its approved revision."""
    code = plan.code
    shared = shared_views(plan)
    bodies = {step.id: render_template(env, step.template, step_context(plan, shared, step)) for step in plan.steps}
    warnings = step_warnings(plan)
    steps = {step.id: rendered_step(plan, step, bodies[step.id], warnings.get(step.id, ())) for step in plan.steps}
    summary = summary_view(plan, bodies)
    page = render_template(
        env, "pages/runbook.md.j2", page_context(plan, shared, rendered_phases(plan, steps, summary), summary, baseline)
    )
    files: dict[str, str | bytes] = {
        f"{code}/index.md": page,
        f"{code}/{DIAGRAM_FILE}": placement_dot(plan.site.topology, plan.network),
        f"{code}/{code}-plan.json": dump_json(plan_to_json(plan)),
        **{f"{code}/{name}": text for name, text in csv_files(plan).items()},
        **{f"{code}/{name}": text for name, text in config_files(shared.firewall_configs).items()},
    }
    check_unique_paths(files, site=plan.site.source)
    return files


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
    """Every step of the catalog: the included ones by their number in this runbook (the order of the work), then
    those not needed, in catalog order, with why."""
    numbers = {step.id: step.number for step in plan.steps}
    decisions = sorted(plan.decisions, key=lambda d: (0, numbers[d.id]) if d.included else (1, 0))  # stable
    rows = [
        [
            Myst(f"[{numbers[decision.id]}](#{label(plan.code, decision.id)})") if decision.included else "—",
            decision.title,
            Myst(f"`{decision.id}`"),
            "included" if decision.included else "not needed",
            "; ".join(decision.reasons),
        ]
        for decision in decisions
    ]
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
