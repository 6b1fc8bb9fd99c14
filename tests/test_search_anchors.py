"""Stable anchors for runbook headings and a search language that finds ports, FQDNs and server names.

Fast tests run the anchor transform on real MyST doctrees (myst-parser's docutils parser, the page title kept as
a section as Sphinx does) and the search language on real text.  The slow tests build the example sites with
sphinx-build in a copy of the project and read the HTML: every heading id is site code + step + subsection, no
``idN`` is left, and the id set of every runbook is unchanged by unrelated edits (a server's address, a team's
name, paragraphs added to templates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from myst_parser.parsers.docutils_ import Parser
from sphinx_project import SphinxProject

from generator.sphinx_ext.anchors import assign_anchors, runbook_site_code, slug
from generator.sphinx_ext.search import RunbookSearchLanguage

RUNBOOK = r"""(cen-runbook)=
# CEN – Contoso Central

Introduction.

(cen-summary)=
## Change-board summary

### Rollback

(cen-phase-1)=
## Phase 1: Prepare

(cen-mp-internet)=
### 12. Configure a management point for Internet\-based client connections

#### DMZMP01

#### Verification

(cen-network-infrastructure)=
### 6. Change the network infrastructure\: firewalls

#### Firewall rules

##### FW\-EDGE

##### FW\-CORE

#### Verification

#### Verification

See [the management point step](#cen-mp-internet).

## Appendix without a label

### Rollback
"""


def doctree(text: str) -> nodes.document:
    """``text`` parsed by myst-parser, the page title kept as a section (Sphinx's doctitle_xform is off)."""
    return publish_doctree(
        text, parser=Parser(), settings_overrides={"doctitle_xform": False, "report_level": 4, "halt_level": 5}
    )


def section_ids(document: nodes.document) -> list[list[str]]:
    return [list(section["ids"]) for section in document.findall(nodes.section)]


def all_ids(document: nodes.document) -> set[str]:
    return {i for ids in section_ids(document) for i in ids}


def test_sections_get_site_step_and_subsection_ids() -> None:
    document = doctree(RUNBOOK)
    assign_anchors(document, "CEN")
    assert section_ids(document) == [
        ["cen-runbook"],
        ["cen-summary"],
        ["cen-summary-rollback"],
        ["cen-phase-1"],
        ["cen-mp-internet"],
        ["cen-mp-internet-dmzmp01"],
        ["cen-mp-internet-verification"],
        ["cen-network-infrastructure"],
        ["cen-network-infrastructure-firewall-rules"],
        ["cen-network-infrastructure-firewall-rules-fw-edge"],
        ["cen-network-infrastructure-firewall-rules-fw-core"],
        ["cen-network-infrastructure-verification"],
        ["cen-network-infrastructure-verification-2"],  # a repeated heading in one step: unique, in order
        ["cen-appendix-without-a-label"],  # under the page title: hangs off the site code
        ["cen-appendix-without-a-label-rollback"],
    ]


def test_document_ids_names_and_references_follow_the_new_ids() -> None:
    document = doctree(RUNBOOK)
    renamed = assign_anchors(document, "CEN")
    assert renamed["verification"] == "cen-mp-internet-verification"
    assert not set(renamed) & set(document.ids) - set(renamed.values())
    for section in document.findall(nodes.section):
        assert document.ids[section["ids"][0]] is section
    assert all(target in document.ids for target in document.nameids.values() if target)
    (link,) = [ref for ref in document.findall(nodes.reference) if ref.get("refid")]
    assert link["refid"] == "cen-mp-internet"  # explicit labels are kept: links keep working


def test_ids_do_not_depend_on_text_elsewhere_on_the_page() -> None:
    edited = RUNBOOK.replace("Introduction.", "Introduction.\n\n#### Verification\n\nA new paragraph.").replace(
        "#### DMZMP01\n", "#### DMZMP01\n\nThe server's address changed to 172.16.20.99.\n"
    )
    before, after = doctree(RUNBOOK), doctree(edited)
    assign_anchors(before, "CEN")
    assign_anchors(after, "CEN")
    # The only new id is the new heading's (under the page title: off the site code); no other heading moved.
    assert all_ids(after) - all_ids(before) == {"cen-verification"}
    assert all_ids(before) < all_ids(after)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"FW\-EDGE", "fw-edge"),
        (
            "Site system installation account: DMZ\\svc-cm-install",
            "site-system-installation-account-dmz-svc-cm-install",
        ),
        ("Zürich Größe – Übergang", "zurich-groe-ubergang"),
        ("Αθήνα", "section"),
        ("12. Configure", "12-configure"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


@pytest.mark.parametrize(
    ("docname", "expected"),
    [
        ("_generated/CEN/index", "CEN"),
        ("_generated/w2b/index", "w2b"),
        ("_generated/site-index", None),
        ("_generated/CEN/other", None),
        ("usage", None),
        ("elsewhere/CEN/index", None),
    ],
)
def test_runbook_pages_are_recognised_by_their_docname(docname: str, expected: str | None) -> None:
    assert runbook_site_code(docname, "_generated") == expected


LINE = "Allow TCP 443 and 8531 to mp.ibcm.contoso.example (203.0.113.10) on CEN-MP-NLB, DMZSUP01; ports 49152-65535."


def test_the_search_language_keeps_ports_and_whole_names() -> None:
    language = RunbookSearchLanguage({})
    words = language.split(LINE)
    for word in ("443", "8531", "mp.ibcm.contoso.example", "203.0.113.10", "CEN-MP-NLB", "DMZSUP01", "49152-65535"):
        assert word in words
    for part in ("mp", "ibcm", "contoso", "example", "CEN", "NLB", "49152"):
        assert part in words  # the parts stay findable too
    indexed = {language.stem(word).lower() for word in words if language.word_filter(language.stem(word).lower())}
    assert {"443", "8531", "mp.ibcm.contoso.example", "cen-mp-nlb", "dmzsup01", "allow", "port"} <= indexed
    assert "and" not in indexed  # stop words still are not


def test_the_search_language_stems_words_but_not_names() -> None:
    language = RunbookSearchLanguage({})
    assert language.stem("Firewalls") == "firewal"
    assert language.stem("sup.ibcm.contoso.example") == "sup.ibcm.contoso.example"
    assert language.stem("Internet-based") == "internet-based"
    assert language.stem("8531") == "8531"


# --- real builds ------------------------------------------------------------------------------------------------


@dataclass
class PageAnchors:
    """The ids and ``#`` links inside a page's ``<article role="main">``, and its "on this page" links."""

    ids: list[str]
    section_ids: list[str]
    links: list[str]
    toc_links: list[str]


def between(html: str, start: str, end: str) -> str:
    """The text from the first ``start`` (a regex) to the next ``end``."""
    match = re.search(f"{start}(.*?){end}", html, re.DOTALL)
    assert match, f"no {start!r} in the page"
    return match.group(1)


def page_anchors(page: Path) -> PageAnchors:
    html = page.read_text(encoding="utf-8")
    article = between(html, r'<article role="main"[^>]*>', "</article>")
    toc = between(html, r'<aside class="toc-drawer">', "</aside>")
    return PageAnchors(
        ids=re.findall(r'<[a-z][^>]*?\sid="([^"]*)"', article),
        section_ids=re.findall(r'<section\b[^>]*?\sid="([^"]*)"', article),
        links=re.findall(r'<a\b[^>]*?\shref="#([^"]+)"', article),
        toc_links=re.findall(r'<a\b[^>]*?\shref="#([^"]+)"', toc),
    )


def runbook_pages(html: Path) -> dict[str, Path]:
    return {page.parent.name: page for page in sorted((html / "_generated").glob("*/index.html"))}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SphinxProject:
    project = SphinxProject.copy(tmp_path_factory.mktemp("anchors"))
    run = project.build()
    assert run.returncode == 0, run.stderr[-3000:]
    return project


@pytest.mark.slow
def test_every_heading_id_is_site_code_step_and_subsection(built: SphinxProject) -> None:
    pages = runbook_pages(built.html)
    assert set(pages) >= {"CEN", "FAB", "TSP", "WGB"}
    for code, page in pages.items():
        found = page_anchors(page)
        assert found.section_ids, code
        assert [i for i in found.section_ids if not i.startswith(f"{code.lower()}-")] == [], code
        assert [i for i in found.ids if re.fullmatch(r"id\d+", i)] == [], code
        duplicates = sorted({i for i in found.ids if found.ids.count(i) > 1})
        assert duplicates == [], code
        assert sorted(set(found.links) - set(found.ids)) == [], f"{code}: links to no anchor"
        assert found.toc_links and set(found.toc_links) <= set(found.section_ids), code
    cen = page_anchors(pages["CEN"])
    for expected in (
        "cen-mp-internet",  # the step labels the templates set stay, and links to them
        "cen-mp-internet-verification",
        "cen-network-infrastructure-firewall-rules-fw-edge",
        "cen-summary-rollback",
        "cen-gate-2",
    ):
        assert expected in cen.section_ids
    assert "cen-network-infrastructure-firewall-rules-fw-edge" in cen.toc_links


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_the_anchor_set_of_each_runbook_is_unchanged_by_unrelated_edits(built: SphinxProject) -> None:
    before = {code: sorted(page_anchors(page).ids) for code, page in runbook_pages(built.html).items()}
    contoso = built.root / "site_inputs" / "contoso-perimeter-forest.yaml"
    edit(contoso, "address: 172.16.20.41", "address: 172.16.20.49")  # DMZSUP01: in tables, rules, commands
    edit(contoso, "configmgr: Client Engineering (Jonas Weber)", "configmgr: Client Platform (Jonas Weber)")
    note = "\n\nA paragraph that the anchor test added.\n"
    for template in ("steps/network-infrastructure.md.j2", "pages/summary.md.j2"):
        path = built.root / "templates" / template
        path.write_text(path.read_text(encoding="utf-8") + note, encoding="utf-8")
    run = built.build()
    assert run.returncode == 0, run.stderr[-3000:]
    cen = runbook_pages(built.html)["CEN"].read_text(encoding="utf-8")
    assert "172.16.20.49" in cen and "Client Platform" in cen and "A paragraph that the anchor test added." in cen
    after = {code: sorted(page_anchors(page).ids) for code, page in runbook_pages(built.html).items()}
    assert after == before


@pytest.mark.slow
def test_a_new_heading_adds_its_own_anchor_and_moves_no_other(built: SphinxProject) -> None:
    """The failure of numbered ids: a second "Servers" heading used to renumber every ``idN`` after it."""
    before = {code: set(page_anchors(page).ids) for code, page in runbook_pages(built.html).items()}
    path = built.root / "templates" / "steps" / "backup.md.j2"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\n#### Servers\n\nA heading the anchor test added.\n", encoding="utf-8"
    )
    run = built.build()
    assert run.returncode == 0, run.stderr[-3000:]
    after = {code: set(page_anchors(page).ids) for code, page in runbook_pages(built.html).items()}
    assert {code: sorted(after[code] - ids) for code, ids in before.items()} == {
        code: [f"{code.lower()}-backup-servers"] for code in before
    }
    assert all(before[code] <= after[code] for code in before)
