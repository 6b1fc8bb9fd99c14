"""Template rendering: escape by default, strict undefined, errors name the template and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.derive.checklist import IBCM_CHECKLIST, Step
from generator.errors import TemplateError
from generator.render.escape import Myst
from generator.render.templates import create_environment, render_template


@pytest.fixture
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "t.md.j2").write_text("Name: {{ name }}; code: {{ name | code }}; raw: {{ table }}\n")
    (tmp_path / "bad.md.j2").write_text("line one\n{{ missing.attribute }}\n")
    (tmp_path / "syntax.md.j2").write_text("{% if %}\n")
    return create_environment(tmp_path)


def test_every_expression_is_escaped_unless_it_is_myst(env) -> None:  # type: ignore[no-untyped-def]
    text = render_template(env, "t.md.j2", {"name": "<b>{raw}</b>", "table": Myst("**ok**")})
    assert text == "Name: \\<b\\>\\{raw\\}\\</b\\>; code: `<b>{raw}</b>`; raw: **ok**\n"


def test_undefined_names_fail_with_template_and_line(env) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TemplateError) as exc:
        render_template(env, "bad.md.j2", {})
    assert str(exc.value).startswith("bad.md.j2:2: template error: 'missing' is undefined")


def test_syntax_errors_name_the_line(env) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TemplateError) as exc:
        render_template(env, "syntax.md.j2", {})
    assert ":1: template error:" in str(exc.value)


@pytest.mark.parametrize("step", IBCM_CHECKLIST.steps, ids=IBCM_CHECKLIST.ids)
def test_step_templates_leave_verification_to_the_plan(step: Step, repo_root: Path) -> None:
    """Checks, evidence and rollback are values of the step's work (JSON plan and page alike), not template text."""
    text = (repo_root / "templates" / step.template).read_text(encoding="utf-8")
    assert "Verification" not in text and "Rollback" not in text
