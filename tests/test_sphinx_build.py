"""Real Sphinx builds of the example sites: clean, incremental, safe on bad input, escaped.

One project goes through one scenario, build after build, and each test checks
one stage of it: a clean build, a rebuild with nothing changed, a rebuild after
one site changed, a failed build on bad input, and a build with hostile text.
Each stage costs one real Sphinx build, not one per test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from conftest import require_tool
from sphinx_project import BuildRun, SphinxProject

from generator.derive.checklist import IBCM_CHECKLIST
from generator.pipeline import plan_sites
from generator.plan import SitePlan

pytestmark = pytest.mark.slow

Snapshot = dict[str, tuple[str, int]]

HOSTILE = {
    "name: Contoso Central": 'name: "<script>alert(1)</script> {raw}`html` $x$ *a* [l](javascript:x)"',
    "title: Enable Internet-based client management for site CEN": 'title: "```{raw} html <b>bold</b>"',
    "name: CEN-MP-NLB": 'name: "NLB <i>&amp; {eval-rst}"',
    "{name: FW-EDGE, platform: ciscoasa}": '{name: "EDGE <img src=x onerror=alert(2)>", platform: ciscoasa}',
    "database: SMS_CEN_replica": 'database: "SMS_[CEN]_`replica`"',
}


@dataclass
class Scenario:
    """What each stage of the scenario left behind."""

    project: SphinxProject
    plans: list[SitePlan]
    clean: BuildRun
    pages: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    runs: dict[str, BuildRun] = field(default_factory=dict)
    hostile_page: str = ""


def _replace(project: SphinxProject, name: str, old: str, new: str) -> None:
    path = project.root / "site_inputs" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    require_tool("dot")
    project = SphinxProject.copy(tmp_path_factory.mktemp("project"))
    plans, _ = plan_sites([project.root / "site_inputs"], IBCM_CHECKLIST)
    s = Scenario(project, plans, project.build())
    assert s.clean.returncode == 0, s.clean.stderr
    s.pages = {p.code: (project.html / "_generated" / p.code / "index.html").read_text() for p in plans}
    s.pages["index"] = (project.html / "index.html").read_text()
    s.snapshots["clean"] = project.snapshot()

    s.runs["unchanged"] = project.build()
    s.snapshots["unchanged"] = project.snapshot()

    _replace(project, "tailspin-reverse-proxy.yaml", "name: Tailspin Toys Europe", "name: Tailspin Toys EU")
    s.runs["one-site"] = project.build()
    s.snapshots["one-site"] = project.snapshot()

    good = {p.name: p.read_text() for p in (project.root / "site_inputs").iterdir()}
    _replace(project, "fabrikam-perimeter-direct.yaml", "    zone: perimeter\n", "    zone: dmz\n")
    (project.root / "site_inputs" / "broken.yaml").write_text("schema: 1\nsite: [\n")
    s.runs["bad-cli"] = project.build(via_cli=True)  # what `make html` runs
    s.snapshots["bad-cli"] = project.snapshot()
    s.runs["bad-sphinx"] = project.build()
    s.snapshots["bad-sphinx"] = project.snapshot()

    (project.root / "site_inputs" / "broken.yaml").unlink()
    for name, text in good.items():
        (project.root / "site_inputs" / name).write_text(text)
    for old, new in HOSTILE.items():
        _replace(project, "contoso-perimeter-forest.yaml", old, new)
    s.runs["hostile"] = project.build()
    s.hostile_page = (project.html / "_generated" / "CEN" / "index.html").read_text()
    return s


def test_clean_build_is_silent(scenario: Scenario) -> None:
    assert scenario.clean.stderr == ""


def test_landing_page_lists_every_site(scenario: Scenario) -> None:
    page = scenario.pages["index"]
    for plan in scenario.plans:
        assert f">{plan.code}<" in page
        assert plan.site.model.site.name in page
    assert page.count('href="_generated/') >= len(scenario.plans)


def test_each_runbook_has_its_included_steps_only(scenario: Scenario) -> None:
    for plan in scenario.plans:
        page = scenario.pages[plan.code]
        headings = re.findall(r"<h3>(.*?)<a class=\"headerlink\"", page)  # steps sit under their phase (h2)
        titles = [re.sub(r"^\d+\. ", "", h) for h in headings if re.match(r"^\d+\. ", h)]
        assert titles == [step.title for step in plan.steps]
        for step in plan.steps:
            assert f'id="{plan.code.lower()}-{step.id}"' in page


def test_diagram_is_rendered_as_svg_by_graphviz(scenario: Scenario) -> None:
    html = scenario.project.html
    images = re.findall(r'(?:src|data)="(\.\./\.\./_images/graphviz-[0-9a-f]+\.svg)"', scenario.pages["CEN"])
    assert images
    svg = (html / "_generated" / "CEN" / images[0]).resolve().read_text()
    assert "<svg" in svg
    assert "DMZMP01" in svg


def test_csv_downloads_are_published(scenario: Scenario) -> None:
    html = scenario.project.html
    configs = ("CEN-FW-EDGE-ciscoasa.asa", "CEN-FW-CORE-srx.srx")  # the Aerleon configurations (issue 14)
    for name in ("CEN-FW-EDGE.csv", "CEN-FW-CORE.csv", "CEN-dns.csv", "CEN-plan.json", *configs):
        links = re.findall(rf'href="(\.\./\.\./_downloads/[0-9a-f]+/{re.escape(name)})"', scenario.pages["CEN"])
        assert links, name
        assert (html / "_generated" / "CEN" / links[0]).resolve().is_file()


def test_unchanged_rebuild_rewrites_no_generated_file(scenario: Scenario) -> None:
    assert scenario.runs["unchanged"].returncode == 0, scenario.runs["unchanged"].stderr
    before, after = scenario.snapshots["clean"], scenario.snapshots["unchanged"]
    generated = [k for k in before if k.startswith("docs/_generated/")]
    assert generated
    assert {k: after[k] for k in generated} == {k: before[k] for k in generated}
    pages = [k for k in before if k.endswith(".html") and "/_generated/" in k]
    assert {k: after[k][1] for k in pages} == {k: before[k][1] for k in pages}


def test_changed_input_rewrites_only_its_site(scenario: Scenario) -> None:
    assert scenario.runs["one-site"].returncode == 0, scenario.runs["one-site"].stderr
    before, after = scenario.snapshots["unchanged"], scenario.snapshots["one-site"]
    changed = {k for k in before if k.startswith("docs/_generated/") and before[k] != after.get(k)}
    # The site name appears in the page, the plan, the diagram's title and the landing page.
    assert changed == {
        "docs/_generated/TSP/index.md",
        "docs/_generated/TSP/TSP-plan.json",
        "docs/_generated/TSP/placement.dot",
        "docs/_generated/site-index.md",
    }


def test_bad_input_prints_every_error_and_leaves_previous_output_untouched(scenario: Scenario) -> None:
    run = scenario.runs["bad-cli"]
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert [line for line in run.stderr.splitlines() if ": error: " in line] == [
        "site_inputs/broken.yaml:3:1: error: YAML syntax error: expected the node content, "
        "but found '<stream end>' (while parsing a flow node) [yaml-syntax]",
        "site_inputs/fabrikam-perimeter-direct.yaml:30:11: error: servers[2].zone: "
        "must be 'intranet' or 'perimeter' (got 'dmz') [invalid-value]",
    ]
    assert scenario.snapshots["bad-cli"] == scenario.snapshots["one-site"]


def test_plain_sphinx_build_fails_the_same_way_without_touching_output(scenario: Scenario) -> None:
    run = scenario.runs["bad-sphinx"]
    assert run.returncode != 0
    assert "[invalid-value]" in run.stderr
    # Aborted before the build stamp is touched: the previous good build stays publishable as it was.
    assert scenario.snapshots["bad-sphinx"] == scenario.snapshots["one-site"]


def test_user_text_reaches_the_page_literally(scenario: Scenario) -> None:
    assert scenario.runs["hostile"].returncode == 0, scenario.runs["hostile"].stderr
    page = scenario.hostile_page
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {raw}`html` $x$ *a* [l](javascript:x)" in page
    assert "```{raw} html &lt;b&gt;bold&lt;/b&gt;" in page
    assert "NLB &lt;i&gt;&amp;amp; {eval-rst}" in page
    assert "EDGE &lt;img src=x onerror=alert(2)&gt;" in page
    assert "SMS_[CEN]_`replica`" in page
