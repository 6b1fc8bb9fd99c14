"""Templates against the checklist: cross-references name real steps, step templates word their view only."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import meta, nodes

from generator.derive.checklist import STEP_IDS
from generator.render.templates import create_environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STEP_TEMPLATES = sorted((TEMPLATES / "steps").glob("*.md.j2"))
REF = re.compile(r'ref\("([^"]+)"\)')

LEGACY_NAMES = frozenset(
    {"topo", "model", "views", "net", "plan", "scenarios", "role_titles", "unsupported_features", "source"}
)
"""Context names of the old templates (generator.render.pages._legacy_context), removed by issue 8."""


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.j2") if p.is_file())


def test_every_ref_names_a_step() -> None:
    refs = {
        (path.relative_to(TEMPLATES).as_posix(), step_id)
        for path in template_files()
        for step_id in REF.findall(path.read_text(encoding="utf-8"))
    }
    assert refs, "no ref(...) found: the pattern no longer matches the templates"
    assert sorted((name, step_id) for name, step_id in refs if step_id not in STEP_IDS) == []


def test_every_step_id_has_a_step_template() -> None:
    assert [p.name for p in STEP_TEMPLATES] == sorted(f"{step_id}.md.j2" for step_id in STEP_IDS)


def test_step_templates_use_no_legacy_context_names() -> None:
    env = create_environment(TEMPLATES)
    used = {
        path.name: sorted(meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8"))) & LEGACY_NAMES)
        for path in STEP_TEMPLATES
    }
    assert {name: names for name, names in used.items() if names} == {}


def test_step_templates_set_no_variables() -> None:
    env = create_environment(TEMPLATES)
    setting = [
        path.name
        for path in STEP_TEMPLATES
        if any(env.parse(path.read_text(encoding="utf-8")).find_all((nodes.Assign, nodes.AssignBlock)))
    ]
    assert setting == []


def test_set_detection_sees_both_forms() -> None:
    """The check above would pass vacuously if the parser stopped reporting ``{% set %}``."""
    env = create_environment(TEMPLATES)
    for source in ("{% set x = 1 %}{{ x }}", "{%- set x %}text{% endset -%}{{ x }}"):
        assert any(env.parse(source).find_all((nodes.Assign, nodes.AssignBlock))), source
    assert meta.find_undeclared_variables(env.parse("{{ topo.site }}")) & LEGACY_NAMES == {"topo"}
