"""Reader furniture of the HTML runbooks, without a browser: the header's downloads and build line, the pruned
"on this page" list, the build script's values and the diagram's accessible name.

The browser checks of the same furniture (phone layout, PDF link, copy button, axe-core) are in
tests/test_reader_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx.ext import graphviz as sphinx_graphviz

from generator.output import stamp
from generator.pipeline import Project, load_plans, render_plans
from generator.plan import SitePlan
from generator.render.csv_export import csv_files
from generator.render.pages import downloads
from generator.sphinx_ext import diagram, reader

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plans() -> list[SitePlan]:
    return load_plans(ROOT / "site_inputs", root=ROOT)[0]


@pytest.fixture(scope="module")
def pages(plans: list[SitePlan], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    project = Project(ROOT / "site_inputs", ROOT / "templates", tmp_path_factory.mktemp("out"), ROOT)
    files = render_plans(project, plans, {})
    return {plan.code: str(files[f"{plan.code}/index.md"]) for plan in plans}


def header(page: str) -> str:
    """The runbook page up to its first section after the title."""
    return page.split("\n## ", 1)[0]


# --- downloads ----------------------------------------------------------------------------------------------


def test_downloads_offer_the_plan_and_every_csv_file_of_the_site(plans: list[SitePlan]) -> None:
    for plan in plans:
        links = downloads(plan)
        targets = [re.search(r"<([^<>]+)>`+$", str(link)).group(1) for link in links]  # type: ignore[union-attr]
        assert targets[0] == f"{plan.code}-plan.json"
        assert sorted(targets[1:]) == sorted(csv_files(plan)), plan.code
        assert all(str(link).startswith("{download}`") for link in links)


def test_the_header_has_download_buttons_and_a_hidden_pdf_link_without_build_instructions(
    plans: list[SitePlan], pages: dict[str, str]
) -> None:
    for plan in plans:
        top = header(pages[plan.code])
        assert "{container} ibcm-downloads" in top
        for link in downloads(plan):
            assert f"- {link}" in top
        pdf = re.findall(r'<a class="ibcm-pdf-link" href="([^"]+)" hidden>', top)
        assert pdf == [f"../../../pdf/{plan.code}.pdf"], plan.code
        assert "make pdf" not in pages[plan.code] and "latexmk" not in pages[plan.code]


def test_the_build_line_holds_the_revision_but_no_time_or_commit(plans: list[SitePlan], pages: dict[str, str]) -> None:
    for plan in plans:
        line = re.search(r'<p class="ibcm-build-line">.*</p>', header(pages[plan.code]))
        assert line is not None, plan.code
        change = plan.site.model.change
        static = line.group(0).split("<span", 1)[0]
        if change is None:
            assert static.endswith("No change record")
        elif change.revision is not None:
            assert static.endswith(f"Revision {change.revision}")
        assert 'data-ibcm-build="built"' in line.group(0) and 'data-ibcm-build="commit"' in line.group(0)
        assert not re.search(r"\d{4}-\d{2}-\d{2}T|[0-9a-f]{40}", line.group(0))


# --- the build script ---------------------------------------------------------------------------------------


def test_the_build_script_has_the_stamps_values_and_is_reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764115200")
    values = reader.build_values(ROOT)
    made = stamp.make_stamp("ok", builder="html", site_inputs=ROOT / "site_inputs", source_dir=ROOT)
    assert values["built_at"] == made["built_at"] == "2025-11-26T00:00:00Z"
    assert values["built"] == "2025-11-26 00:00 UTC"
    assert values["source_commit"] == (made["source_commit"] or "")
    if made["source_commit"]:
        assert values["commit"].startswith(made["source_commit"][:12])
    script = reader.build_script(values)
    assert script == reader.build_script(reader.build_values(ROOT))
    assignment = re.fullmatch(r"(?s)/\*.*?\*/\nwindow\.ibcmBuild = (\{.*\});\n", script)
    assert assignment is not None and json.loads(assignment.group(1)) == values


def test_without_source_date_epoch_the_build_script_holds_no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """No timestamps unless asked for: two builds of the same commit write the same bytes."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    values = reader.build_values(ROOT)
    assert "built" not in values and "built_at" not in values
    assert reader.build_script(values) == reader.build_script(reader.build_values(ROOT))


# --- "on this page" -----------------------------------------------------------------------------------------

RUNBOOK = """
Title
=====

Phase
-----

Step one
~~~~~~~~

Verification
^^^^^^^^^^^^

Network step
~~~~~~~~~~~~

Firewall rules
^^^^^^^^^^^^^^

FW-EDGE
'''''''

Details
```````

FW-CORE
'''''''

Verification
^^^^^^^^^^^^
"""


def parse(text: str) -> nodes.document:
    document = new_document("<runbook>", get_default_settings(Parser))
    Parser().parse(text, document)
    return document


def toc_of(document: nodes.document) -> nodes.bullet_list:
    """The local toc as Sphinx builds it: nested bullet lists of references to ``#<section id>``."""

    def entries(parent: nodes.Element) -> nodes.bullet_list:
        bullets = nodes.bullet_list()
        for section in parent.children:
            if isinstance(section, nodes.section):
                item = nodes.list_item("", nodes.paragraph("", "", nodes.reference("", section[0].astext())))
                item[0][0]["anchorname"] = f"#{section['ids'][0]}"
                sub = entries(section)
                if sub.children:
                    item += sub
                bullets += item
        return bullets

    return entries(document)


def titles(toc: nodes.Node) -> list[str]:
    return [ref.astext() for ref in toc.findall(nodes.reference)]


def test_the_toc_keeps_steps_and_the_firewall_tables_only() -> None:
    document = parse(RUNBOOK)
    step = next(s for s in document.findall(nodes.section) if s[0].astext() == "Network step")
    step["ids"].append("cen-network-infrastructure")
    found = reader.firewall_sections(document, "cen-network-infrastructure", ["FW-EDGE", "FW-CORE", "FW-NONE"])
    assert [s[0].astext() for s in found] == ["FW-EDGE", "FW-CORE"]
    toc = toc_of(document)
    reader.prune_toc(toc, reader.kept_anchors(found))
    assert titles(toc) == ["Title", "Phase", "Step one", "Network step", "Firewall rules", "FW-EDGE", "FW-CORE"]


def test_the_toc_is_pruned_to_steps_when_no_firewall_is_found() -> None:
    document = parse(RUNBOOK)
    toc = toc_of(document)
    reader.prune_toc(toc, reader.kept_anchors(reader.firewall_sections(document, "absent", ["FW-EDGE"])))
    assert titles(toc) == ["Title", "Phase", "Step one", "Network step"]
    assert not [b for b in toc.findall(nodes.bullet_list) if not b.children]


# --- the diagram's accessible name --------------------------------------------------------------------------


def test_the_diagram_object_gets_the_role_of_an_image_and_its_caption_as_name() -> None:
    figure = nodes.figure()
    graph = sphinx_graphviz.graphviz()
    figure += graph
    figure += nodes.caption("", 'Placement of site "CEN" & flows')
    assert diagram.accessible_name(graph) == 'Placement of site "CEN" & flows'
    body = ['<div class="graphviz">', '<object data="x.svg" type="image/svg+xml" class="graphviz">\n', "</object>"]
    diagram.label_object(body, 0, diagram.accessible_name(graph))
    assert body[1].startswith('<object role="img" aria-label="Placement of site &quot;CEN&quot; &amp; flows" data=')
    assert diagram._SVG.search("".join(body)).group(1) == "x.svg"  # type: ignore[union-attr]
    graph["alt"] = "Diagram of CEN"
    assert diagram.accessible_name(graph) == "Diagram of CEN"
