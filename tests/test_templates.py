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


STEP_CONTEXT = frozenset({"site", "step", "ref", "shared"})
"""All a step template receives (generator.render.pages.step_context)."""


def test_step_templates_use_only_the_step_context() -> None:
    env = create_environment(TEMPLATES)
    used = {
        path.name: sorted(meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8"))) - STEP_CONTEXT)
        for path in STEP_TEMPLATES
    }
    assert {name: names for name, names in used.items() if names} == {}


def test_step_templates_decide_nothing_on_raw_model_fields() -> None:
    """``{% if %}`` tests words' choices on view fields; ``site`` is the raw model and may only be printed."""
    env = create_environment(TEMPLATES)
    deciding = []
    for path in STEP_TEMPLATES:
        tree = env.parse(path.read_text(encoding="utf-8"))
        for branch in [*tree.find_all(nodes.If), *tree.find_all(nodes.CondExpr)]:
            names = {n.name for n in branch.test.find_all(nodes.Name)}
            if isinstance(branch.test, nodes.Name):
                names.add(branch.test.name)
            if "site" in names:
                deciding.append(f"{path.name}:{branch.lineno}")
    assert deciding == []


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
    assert meta.find_undeclared_variables(env.parse("{{ topo.site }}")) - STEP_CONTEXT == {"topo"}
    tree = env.parse("{% if site.version == 'RTM' %}x{% endif %}{{ 'a' if site.mode else 'b' }}")
    assert len([*tree.find_all(nodes.If), *tree.find_all(nodes.CondExpr)]) == 2


def test_step_templates_hold_no_vocabulary_tables() -> None:
    """Role titles, feature notes, verbs and the like live in generator.model.vocabulary, not in dict literals."""
    env = create_environment(TEMPLATES)
    with_dicts = [p.name for p in STEP_TEMPLATES if any(env.parse(p.read_text(encoding="utf-8")).find_all(nodes.Dict))]
    assert with_dicts == []
