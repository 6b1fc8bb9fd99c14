"""Real Sphinx builds of the example sites: clean, incremental, safe on bad input, escaped."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import require_tool
from sphinx_project import SphinxProject

from generator.derive.checklist.conditions import STEPS
from generator.pipeline import load_sites

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SphinxProject:
    require_tool("dot")
    project = SphinxProject.copy(tmp_path_factory.mktemp("project"))
    run = project.build()
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    return project


@pytest.fixture
def project(built: SphinxProject, tmp_path: Path) -> SphinxProject:
    """A private, built copy of the project, for tests that change it.

    Sphinx's saved environment remembers the source folder, so the copy is
    rebuilt once in its new place before the test looks at it.
    """
    shutil.copytree(built.root, tmp_path / "p", symlinks=True)
    copy = SphinxProject(tmp_path / "p")
    assert copy.build().returncode == 0
    return copy


def test_landing_page_lists_every_site(built: SphinxProject) -> None:
    page = (built.html / "index.html").read_text()
    sites, _ = load_sites([built.root / "site_inputs"])
    for site in sites:
        assert f">{site.code}<" in page
        assert site.model.site.name in page
    assert page.count('href="_generated/') >= len(sites)


def test_each_runbook_has_its_included_steps_only(built: SphinxProject) -> None:
    sites, _ = load_sites([built.root / "site_inputs"])
    from generator.plan import build_site_plan

    for site in sites:
        plan = build_site_plan(site)
        page = (built.html / "_generated" / site.code / "index.html").read_text()
        headings = re.findall(r"<h2>(.*?)<a class=\"headerlink\"", page)
        titles = [re.sub(r"^\d+\. ", "", h) for h in headings if re.match(r"^\d+\. ", h)]
        assert titles == [d.title for d in plan.included]
        for decision in plan.included:
            assert f'id="{site.code.lower()}-{decision.id}"' in page
        assert len(plan.included) + len(plan.excluded) == len(STEPS)


def test_diagram_is_rendered_as_svg_by_graphviz(built: SphinxProject) -> None:
    page = (built.html / "_generated" / "CEN" / "index.html").read_text()
    images = re.findall(r'(?:src|data)="(\.\./\.\./_images/graphviz-[0-9a-f]+\.svg)"', page)
    assert images
    svg = (built.html / "_generated" / "CEN" / images[0]).resolve().read_text()
    assert "<svg" in svg
    assert "DMZMP01" in svg


def test_csv_downloads_are_published(built: SphinxProject) -> None:
    page = (built.html / "_generated" / "CEN" / "index.html").read_text()
    for name in ("CEN-FW-EDGE.csv", "CEN-FW-CORE.csv", "CEN-dns.csv", "CEN-plan.json"):
        links = re.findall(rf'href="(\.\./\.\./_downloads/[0-9a-f]+/{re.escape(name)})"', page)
        assert links, name
        assert (built.html / "_generated" / "CEN" / links[0]).resolve().is_file()


def test_unchanged_rebuild_rewrites_no_generated_file(project: SphinxProject) -> None:
    before = project.snapshot()
    run = project.build()
    assert run.returncode == 0, run.stderr
    after = project.snapshot()
    generated = [k for k in before if k.startswith("docs/_generated/")]
    assert generated
    assert {k: after[k] for k in generated} == {k: before[k] for k in generated}
    pages = [k for k in before if k.endswith(".html") and "/_generated/" in k]
    assert {k: after[k][1] for k in pages} == {k: before[k][1] for k in pages}


def test_changed_input_rewrites_only_its_site(project: SphinxProject) -> None:
    before = project.snapshot()
    path = project.root / "site_inputs" / "tailspin-reverse-proxy.yaml"
    path.write_text(path.read_text().replace("name: Tailspin Toys Europe", "name: Tailspin Toys EU"))
    run = project.build()
    assert run.returncode == 0, run.stderr
    after = project.snapshot()
    changed = {k for k in before if k.startswith("docs/_generated/") and before[k] != after.get(k)}
    # The site name appears in the page, the plan, the diagram's title and the landing page.
    assert changed == {
        "docs/_generated/TSP/index.md",
        "docs/_generated/TSP/TSP-plan.json",
        "docs/_generated/TSP/placement.dot",
        "docs/_generated/site-index.md",
    }


def test_bad_input_leaves_previous_output_untouched(project: SphinxProject) -> None:
    before = project.snapshot()
    path = project.root / "site_inputs" / "fabrikam-perimeter-direct.yaml"
    path.write_text(path.read_text().replace("    zone: perimeter\n", "    zone: dmz\n", 1))
    (project.root / "site_inputs" / "broken.yaml").write_text("schema: 1\nsite: [\n")
    run = project.build(via_cli=True)  # what `make html` runs
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert [line for line in run.stderr.splitlines() if ": error: " in line] == [
        f"{project.root}/site_inputs/broken.yaml:3:1: error: YAML syntax error: expected the node content, "
        "but found '<stream end>' (while parsing a flow node) [yaml-syntax]",
        f"{project.root}/site_inputs/fabrikam-perimeter-direct.yaml:27:11: error: servers[2].zone: "
        "must be 'intranet' or 'perimeter' (got 'dmz') [invalid-value]",
    ]
    assert project.snapshot() == before
    # Plain sphinx-build fails the same way (Sphinx adds its own error report).
    run = project.build()
    assert run.returncode != 0
    assert "[invalid-value]" in run.stderr
    # ... and only the build stamp changes, to mark the build failed so it cannot be published.
    stamp = "docs/_build/html/.ibcm-build.json"
    after = project.snapshot()
    assert {k: v for k, v in after.items() if k != stamp} == {k: v for k, v in before.items() if k != stamp}


HOSTILE = {
    "name: Contoso Central": 'name: "<script>alert(1)</script> {raw}`html` $x$ *a* [l](javascript:x)"',
    "title: Enable Internet-based client management for site CEN": 'title: "```{raw} html <b>bold</b>"',
    "name: CEN-MP-NLB": 'name: "NLB <i>&amp; {eval-rst}"',
    "{name: FW-EDGE}": '{name: "EDGE <img src=x onerror=alert(2)>"}',
    "database: SMS_CEN_replica": 'database: "SMS_[CEN]_`replica`"',
}


def test_user_text_reaches_the_page_literally(project: SphinxProject) -> None:
    path = project.root / "site_inputs" / "contoso-perimeter-forest.yaml"
    text = path.read_text()
    for old, new in HOSTILE.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    run = project.build()
    assert run.returncode == 0, run.stderr
    page = (project.html / "_generated" / "CEN" / "index.html").read_text()
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {raw}`html` $x$ *a* [l](javascript:x)" in page
    assert "```{raw} html &lt;b&gt;bold&lt;/b&gt;" in page
    assert "NLB &lt;i&gt;&amp;amp; {eval-rst}" in page
    assert "EDGE &lt;img src=x onerror=alert(2)&gt;" in page
    assert "SMS_[CEN]_`replica`" in page
