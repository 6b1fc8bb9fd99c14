"""Reader furniture of the runbooks: "To confirm" boxes, warnings as admonitions, task lists, commands in code
blocks and the placement diagram in words.

The fast tests read the generated MyST of every example site and variation; the slow ones read the HTML of a real
sphinx-build of the example sites, and the LaTeX and PDF of the shared build (``example_build``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import require_tool
from example_build import ExampleBuild
from sphinx_project import SphinxProject

from generator.derive.checklist import STEP_IDS
from generator.diagnostics import Code, Severity, SourceLocation
from generator.pipeline import Project, plan_site_text, render_plans
from generator.plan import WARNING_STEPS, SitePlan
from generator.plan.acknowledgements import ACKNOWLEDGEMENT_CODES
from generator.plan.review import PLAN_RULES
from generator.render.diagram import diagram_description
from generator.render.pages import diagram_description_id
from generator.validate.rules import SITE_RULES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "site_inputs").glob("*.yaml"))
INPUTS = EXAMPLES + sorted((ROOT / "tests" / "data" / "variations").glob("*.yaml"))

COMMANDS = re.compile(
    r"^(portqry|nslookup|certutil|certreq|appcmd|sqlcmd|wsusutil(\.exe)?|ccmsetup(\.exe)?|net|netsh|powershell|"
    r"reg|secedit|setspn|wmic|findstr)\s+\S",
    re.IGNORECASE,
)
"""Inline code that is a command to run (a program and its arguments): it belongs in a code block.  A program's
name alone (`netsh`, `CCMSetup.exe`) or with the name of one of its parts (`netsh advfirewall`) is a name."""
NAMED_PARTS = re.compile(r"^(netsh advfirewall|wsusutil configuressl)$", re.IGNORECASE)
COMMANDS_IN_SENTENCES = re.compile(r"^(portqry|nslookup|certutil)\b", re.IGNORECASE)


def _plans() -> list[SitePlan]:
    plans = []
    for path in INPUTS:
        plan, diagnostics = plan_site_text(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
        assert plan is not None, [d.format() for d in diagnostics]
        plans.append(plan)
    return plans


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[SitePlan, str]]:
    """Site code -> (plan, generated runbook page) of every example and variation."""
    plans = _plans()
    project = Project(ROOT / "site_inputs", ROOT / "templates", tmp_path_factory.mktemp("admonitions"), ROOT)
    files = render_plans(project, plans, baselines={})
    return {plan.code: (plan, str(files[f"{plan.code}/index.md"])) for plan in plans}


def _step_section(page: str, code: str, step_id: str) -> str:
    start = page.index(f"({code.lower()}-{step_id})=")
    end = re.compile(rf"^\({code.lower()}-[a-z0-9-]+\)=$", re.MULTILINE).search(page, start + 1)
    return page[start:] if end is None else page[start : end.start()]


def _summary(page: str, code: str) -> str:
    return page[page.index(f"({code.lower()}-summary)=") : page.index(f"({code.lower()}-scope)=")]


# --- which step a warning belongs to ----------------------------------------------------------------------------


def test_every_warning_code_names_its_steps() -> None:
    warning_codes = {
        c.name for c in (*SITE_RULES.codes, *PLAN_RULES.codes, *ACKNOWLEDGEMENT_CODES) if c.severity is Severity.WARNING
    }
    assert set(WARNING_STEPS) == warning_codes
    for steps in WARNING_STEPS.values():
        assert set(steps) <= set(STEP_IDS)


def test_a_warning_belongs_to_the_first_of_its_steps_the_runbook_includes(
    pages: dict[str, tuple[SitePlan, str]],
) -> None:
    plan, _ = pages["CEN"]
    at = SourceLocation("t.yaml", 1, 1)
    assert not plan.includes("fsp-internet")
    assert plan.warning_step(_code("fsp-not-dedicated").at(at, "x")) == "server-placement"
    assert plan.warning_step(_code("webdav-manual").at(at, "x")) == "server-prerequisites"
    assert plan.warning_step(_code("stale-acknowledgement").at(at, "x")) is None


def _code(name: str) -> Code:
    return next(c for c in (*SITE_RULES.codes, *PLAN_RULES.codes, *ACKNOWLEDGEMENT_CODES) if c.name == name)


# --- the generated MyST ----------------------------------------------------------------------------------------


def test_to_confirm_notes_use_their_own_directive(pages: dict[str, tuple[SitePlan, str]]) -> None:
    for code, (_, page) in pages.items():
        assert "{admonition} To confirm" not in page, code
        assert ":class: to-confirm" not in page, code
        assert page.count(":::{to-confirm}\n") >= 3, code


def test_a_warning_on_several_servers_is_one_admonition_that_links_each_to_its_step(
    pages: dict[str, tuple[SitePlan, str]],
) -> None:
    plan, page = pages["CEN"]
    servers = sorted({w.subject or "" for w in plan.open_warnings if w.code == "webdav-manual"})
    assert len(servers) == 3
    summary = _summary(page, "CEN")
    title = ":::{admonition} WebDAV must be set up by hand"
    assert summary.count(title) == 1
    box = summary.split(title, 1)[1].split("\n:::\n", 1)[0] + "\n"
    assert box.startswith(
        " for an Internet MP or BITS DP on Windows Server 2008 \\(R2\\)\n:class: warning open-warning\n"
    )
    step = next(s for s in plan.steps if s.id == "server-prerequisites")
    for server in servers:
        assert f"- **{server}**: [step {step.number}](#cen-server-prerequisites)\n" in box


def test_open_warnings_and_accepted_risks_are_admonitions_in_plain_language(
    pages: dict[str, tuple[SitePlan, str]],
) -> None:
    for code, (plan, page) in pages.items():
        summary = _summary(page, code)
        opened = summary.split("### Open warnings", 1)[1].split("### To confirm", 1)[0]
        accepted = summary.split("### Accepted risks", 1)[1].split("### Open warnings", 1)[0]
        kinds = {(w.code, plan.warning_step(w)) for w in plan.open_warnings}
        assert opened.count(":class: warning open-warning\n") == len(kinds), code
        assert accepted.count(":class: note accepted-risk\n") == len(plan.accepted), code
        for text in (opened, accepted):
            assert "yaml" not in text.lower(), code
            assert not re.search(r"\b(servers|clients|pki)\\?(\.|\[)", text), code
            assert not any(w.code in text for w in plan.warnings), code


def test_a_step_opens_with_the_warnings_it_deals_with(pages: dict[str, tuple[SitePlan, str]]) -> None:
    seen = 0
    for code, (plan, page) in pages.items():
        for step in plan.steps:
            section = _step_section(page, code, step.id)
            mine = [w for w in plan.warnings if plan.warning_step(w) == step.id]
            boxes = re.findall(
                r"^:::\{admonition\} .*\n:class: (warning open-warning|note accepted-risk)\n", section, re.MULTILINE
            )
            assert bool(boxes) == bool(mine), (code, step.id)
            if boxes:
                seen += 1
                # at the top of the step's body: after the reasons it applies, before its own text
                reasons_end = section.index("```{rubric} Why this step applies")
                assert reasons_end < section.index(":::{admonition}") < section.index("#### Verification")
                servers = {s.name for s in plan.site.model.servers}
                for warning in mine:
                    if warning.subject in servers:
                        assert f"**{warning.subject}**" in section.split("#### Verification")[0], (code, warning)
    assert seen >= 4


def test_commands_are_code_blocks_not_inline_code(pages: dict[str, tuple[SitePlan, str]]) -> None:
    for code, (_, page) in pages.items():
        inline = [
            span
            for span in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", page)
            if COMMANDS.match(span) and not NAMED_PARTS.match(span)
        ]
        assert inline == [], code


def test_the_diagram_in_words_lists_each_firewalls_rules(pages: dict[str, tuple[SitePlan, str]]) -> None:
    for code, (plan, page) in pages.items():
        sections = diagram_description(plan.network)
        by_firewall = {s.name: s for s in sections if s.kind == "firewall"}
        assert list(by_firewall) == [fw.name for fw in plan.network.firewall_infos]
        for name, section in by_firewall.items():
            listed = {n for p in section.paths for n in p.rules}
            assert listed == {r.number for r in plan.network.rules_for(name)}, (code, name)
        placement = _step_section(page, code, "server-placement")
        words = placement.split(f":name: {diagram_description_id(code)}\n", 1)
        assert len(words) == 2 and "```{graphviz}" in words[0], code
        for name in by_firewall:
            escaped = name.replace("-", "\\-")
            assert f"firewall {escaped}**" in words[1], (code, name)


# --- the real build ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_build(tmp_path_factory: pytest.TempPathFactory) -> SphinxProject:
    """The example sites built into HTML by the real sphinx-build (-W), in a copy of the project."""
    project = SphinxProject.copy(tmp_path_factory.mktemp("admonitions-html"))
    run = project.build("html")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return project


def _soup(build: SphinxProject, code: str) -> BeautifulSoup:
    html = build.html / "_generated" / code / "index.html"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


def _example_codes() -> list[str]:
    return [p.code for p in _plans()[: len(EXAMPLES)]]


@pytest.mark.slow
def test_to_confirm_boxes_render_as_titled_admonitions(html_build: SphinxProject) -> None:
    for code in _example_codes():
        soup = _soup(html_build, code)
        boxes = soup.select("div.admonition.to-confirm")
        source = (html_build.generated / code / "index.md").read_text(encoding="utf-8")
        assert len(boxes) == source.count(":::{to-confirm}\n") >= 3, code
        for box in boxes:
            title = box.find(True)
            assert isinstance(title, Tag) and "admonition-title" in title.get_attribute_list("class")
            assert title.get_text() == "To confirm"


@pytest.mark.slow
def test_grouped_warning_lists_every_server_with_a_link_to_its_step(html_build: SphinxProject) -> None:
    soup = _soup(html_build, "CEN")
    boxes = [
        box
        for box in soup.select("div.admonition.warning")
        if box.select_one("p.admonition-title").get_text().startswith("WebDAV must be set up by hand")  # type: ignore[union-attr]
    ]
    summary, in_step = boxes  # the change-board summary's, then the one at the top of the step
    items = summary.select("li")
    assert [li.strong.get_text() for li in items if li.strong] == ["DMZMP01", "DMZMP02", "DMZDP01"]
    targets = {a["href"] for li in items for a in li.select("a")}
    assert len(targets) == 1
    (target,) = targets
    step = soup.find(id=str(target).removeprefix("#"))
    assert isinstance(step, Tag) and step.name == "section"
    heading = step.find(["h3"])
    assert heading is not None and "Install the prerequisites" in heading.get_text()
    assert in_step in step.find_all("div"), "the step shows the warning itself"


@pytest.mark.slow
def test_checklists_are_task_lists_and_no_box_is_printed(html_build: SphinxProject) -> None:
    for code in _example_codes():
        soup = _soup(html_build, code)
        main = soup.select_one("article") or soup
        for pre in main.select("pre"):
            pre.decompose()
        assert "[ ]" not in main.get_text(), code
        assert "[x]" not in main.get_text().lower(), code
        lists = 0
        for heading in soup.select("h3, h4"):
            text = heading.get_text()
            if not text.startswith(("Prerequisites checklist", "Verification", "Go/no-go")):
                continue
            checklist = heading.find_next("ul")
            assert checklist is not None, (code, text)
            items = checklist.find_all("li", recursive=False)
            assert items, (code, text)
            for li in items:
                assert "task-list-item" in li.get_attribute_list("class"), (code, text)
                assert li.select_one("input[type=checkbox]") is not None, (code, text)
            lists += 1
        assert lists >= 10, code


@pytest.mark.slow
def test_no_command_sits_inline_in_a_sentence(html_build: SphinxProject) -> None:
    for code in _example_codes():
        soup = _soup(html_build, code)
        in_blocks = " ".join(pre.get_text() for pre in soup.select("div.highlight pre"))
        assert re.search(r"^(portqry|nslookup)\b", in_blocks, re.MULTILINE), code
        for paragraph in soup.select("p, li"):
            for inline in paragraph.select("code"):
                if inline.find_parent("pre") is None:
                    assert not COMMANDS_IN_SENTENCES.match(inline.get_text()), (code, paragraph.get_text()[:200])


@pytest.mark.slow
def test_the_diagram_text_alternative_is_in_the_page(html_build: SphinxProject) -> None:
    plans = {p.code: p for p in _plans()[: len(EXAMPLES)]}
    for code, plan in plans.items():
        soup = _soup(html_build, code)
        words = soup.find(id=diagram_description_id(code))
        assert isinstance(words, Tag) and "diagram-description" in words.get_attribute_list("class")
        diagram = soup.select_one("div.graphviz")
        assert diagram is not None and diagram.find_next(id=diagram_description_id(code)) is words
        text = " ".join(words.get_text().split())
        assert "The placement diagram in words" in text
        for fw in plan.network.firewall_infos:
            assert f"Through the {fw.role} firewall {fw.name}" in text, (code, fw.name)
            for rule in plan.network.rules_for(fw.name):
                assert re.search(rf"rules? ([0-9, ]*\b{rule.number}\b[0-9, ]*) of {re.escape(fw.name)}\.", text), (
                    code,
                    fw.name,
                    rule.number,
                )


@pytest.mark.slow
def test_the_pdf_draws_warnings_and_to_confirm_boxes_in_their_own_style(example_build: ExampleBuild) -> None:
    tex = (example_build.build / "latex" / "CEN.tex").read_text(encoding="utf-8")
    assert "\\begin{sphinxadmonition}{caution}{To confirm}" in tex
    assert re.search(r"\\begin\{sphinxadmonition\}\{warning\}\{[^\n]*must be set up by hand", tex)
    require_tool("pdftotext")
    text = subprocess.run(
        ["pdftotext", "-layout", str(example_build.pdfs["CEN"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "To confirm" in text
    assert "The placement diagram in words" in text
    assert re.search(r"DMZMP01: step \d+", text)
