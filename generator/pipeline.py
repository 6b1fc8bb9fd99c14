"""load -> decide -> derive -> render -> write: the one entry point for CLI and Sphinx.

Rendering happens entirely in memory; files are written only after every site
rendered, so a failed run leaves the previous output untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.diagnostics import Diagnostic
from generator.render.escape import Myst
from generator.load.loader import load_valid_sites
from generator.render.myst import label
from generator.render.csv_export import csv_files
from generator.render.diagram import placement_dot
from generator.plan import SitePlan, build_site_plan, dump_json, plan_to_json
from generator.render.templates import create_environment, render_template
from generator.render.pages import DIAGRAM_FILE, site_context, site_summary
from generator.output.writer import SyncReport, sync_tree


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
    files["site-index.md"] = render_template(env, "pages/site-index.md.j2", {"sites": [site_summary(p) for p in plans]})
    report = sync_tree(project.output, files)
    return GenerationResult(plans, diagnostics, report)


def render_site(env: jinja2.Environment, plan: SitePlan) -> dict[str, str | bytes]:
    """All files of one site, keyed by path relative to the output folder."""
    code = plan.code
    base = site_context(plan)
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
        **{f"{code}/{name}": text for name, text in csv_files(code, plan.network).items()},
    }
