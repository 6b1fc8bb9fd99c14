"""The split build (generator.build): parts built by real Sphinx in worker processes, assembled into one tree.

The example sites are built with one site per group (``SITES_PER_GROUP`` set
to 1 for the test), so that "only the changed group is rebuilt" can be seen
with four sites.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sphinx_project import SphinxProject

from generator.build import groups as grouping
from generator.build.assemble import SEARCH_INDEX
from generator.build.search_index import read_search_index
from generator.cli import main
from generator.output import stamp
from generator.publish import PublishError, check_build

pytestmark = pytest.mark.slow

CODES = ["CEN", "FAB", "TSP", "WGB"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SphinxProject:
    """The examples, built once by ``ibcm-runbook build html`` with one group per site."""
    project = SphinxProject.copy(tmp_path_factory.mktemp("split"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        assert build(project) == 0
    return project


def build(project: SphinxProject, *extra: str) -> int:
    return main(["build", "html", "--docs", str(project.root / "docs"), "-o", str(project.html), *extra])


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def parts(project: SphinxProject) -> Path:
    return project.html.parent / ".html-parts"


def test_the_tree_has_the_landing_page_every_runbook_and_one_search_index(built: SphinxProject) -> None:
    html = built.html
    for page in ["index.html", "search.html", "usage.html", *(f"_generated/{code}/index.html" for code in CODES)]:
        assert (html / page).is_file(), page
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        groups = grouping.group_sites(CODES)
    assert len(groups) >= 2  # the examples are split, so the assembly and the merged index are exercised
    assert sorted(p.name for p in parts(built).iterdir()) == sorted([*groups, "hub"])
    # Group root pages (each group's own index) never reach the tree: index.html is the landing page.
    assert "Runbooks of g0" not in (html / "index.html").read_text(encoding="utf-8")
    index = read_search_index(html / SEARCH_INDEX)
    assert {f"_generated/{code}/index" for code in CODES} | {"index", "usage", "site-inputs"} <= set(index["docnames"])
    # A server of one site and a port: found in the merged index, pointing at the right runbook.
    assert "_generated/CEN/index" in documents_with(index, "dmzsup01")
    assert {f"_generated/{code}/index" for code in CODES} <= documents_with(index, "443")


def documents_with(index: dict[str, object], term: str) -> set[str]:
    """The documents Sphinx's search finds ``term`` in (body or title)."""
    docnames: list[str] = index["docnames"]  # type: ignore[assignment]
    found: set[str] = set()
    for table in ("terms", "titleterms"):
        hits = index[table].get(term, [])  # type: ignore[attr-defined]
        found |= {docnames[i] for i in (hits if isinstance(hits, list) else [hits])}
    return found


def test_the_merged_search_index_is_the_one_a_single_sphinx_project_writes(built: SphinxProject) -> None:
    """Plain sphinx-build of the same sources as one project: the same documents, terms, titles and numbering."""
    single = built.root / "docs" / "_build" / "single"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(built.root / "docs"), str(single)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert run.returncode == 0, run.stderr
    assert read_search_index(built.html / SEARCH_INDEX) == read_search_index(single / SEARCH_INDEX)


def test_the_landing_page_links_to_every_runbook_built_by_another_project(built: SphinxProject) -> None:
    landing = (built.html / "index.html").read_text(encoding="utf-8")
    for code in CODES:
        assert f'href="_generated/{code}/index.html"' in landing
        assert (built.html / "_generated" / code / "index.html").is_file()


def test_every_page_shows_the_same_short_navigation(built: SphinxProject) -> None:
    page = (built.html / "_generated" / "FAB" / "index.html").read_text(encoding="utf-8")
    nav = page[page.index('<div class="sidebar-tree">') :]
    nav = nav[: nav.index("</div>")]
    assert 'href="../../index.html">All sites</a>' in nav
    assert 'href="../../usage.html">' in nav and 'href="../../site-inputs.html">' in nav
    assert "CEN" not in nav and "TSP" not in nav  # other sites are on the landing page, not in every sidebar
    assert 'class="next-page"' not in page and 'class="prev-page"' not in page


def test_the_tree_is_stamped_with_every_file_and_publish_accepts_it(built: SphinxProject) -> None:
    content = stamp.read_stamp(built.html)
    assert content is not None and content["status"] == "ok"
    assert content["files"] == stamp.output_files(built.html)
    check_build(built.html.parent, built.root / "site_inputs")


def test_a_no_op_build_starts_no_sphinx_and_touches_nothing(
    built: SphinxProject, capsys: pytest.CaptureFixture[str]
) -> None:
    before = mtimes(built.html)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        assert build(built) == 0
    assert re.search(r"4 site\(s\): 0 part\(s\) built, \d+ up to date", capsys.readouterr().err)
    assert mtimes(built.html) == before


def runbook_pages_written(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(
        name.split("/")[0]
        for name, mtime in after.items()
        if name.endswith("/index.html") and before.get(name) != mtime
    )


def test_a_one_site_change_rebuilds_only_its_group_and_a_template_change_only_the_sites_using_it(
    built: SphinxProject, capsys: pytest.CaptureFixture[str]
) -> None:
    site = built.root / "site_inputs" / "fabrikam-perimeter-direct.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("impact: ", "impact: Checked twice. ", 1), "utf-8")
    template = built.root / "templates" / "steps" / "sql-replica.md.j2"
    template_text = template.read_text(encoding="utf-8")
    pages = built.html / "_generated"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        groups = grouping.group_sites(CODES)
        capsys.readouterr()
        before = mtimes(pages)
        assert build(built) == 0
        one_site, after_one = capsys.readouterr().err, mtimes(pages)
        template.write_text(template_text + "\nOne more sentence for the test.\n", encoding="utf-8")
        assert build(built) == 0
        template_change, after_template = capsys.readouterr().err, mtimes(pages)
    fab_group = next(name for name, codes in groups.items() if "FAB" in codes)
    assert re.findall(r"^\[\d+/\d+\] (\S+):", one_site, re.MULTILINE) == [fab_group]  # not the hub, no other group
    assert runbook_pages_written(before, after_one) == ["FAB"]
    assert "Checked twice." in (pages / "FAB" / "index.html").read_text(encoding="utf-8")
    users = [code for code in CODES if "One more sentence" in (built.generated / code / "index.md").read_text("utf-8")]
    assert users and runbook_pages_written(after_one, after_template) == users
    user_groups = sorted({name for name, codes in groups.items() if set(codes) & set(users)})
    assert sorted(re.findall(r"^\[\d+/\d+\] (\S+):", template_change, re.MULTILINE)) == user_groups


def test_a_failed_part_leaves_the_tree_as_it_was(built: SphinxProject, capsys: pytest.CaptureFixture[str]) -> None:
    before = mtimes(built.html)
    template = built.root / "templates" / "steps" / "sql-replica.md.j2"
    good = template.read_text(encoding="utf-8")
    template.write_text(good + "\n{unknown-role}`x`\n", encoding="utf-8")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(grouping, "SITES_PER_GROUP", 1)
            assert build(built) == 3
    finally:
        template.write_text(good, encoding="utf-8")
    err = capsys.readouterr().err
    assert "part(s) of the build failed" in err and "the HTML output was left as it was" in err
    assert "sphinx.log" in err
    assert mtimes(built.html) == before
    assert stamp.read_stamp(built.html)["status"] == "ok"  # type: ignore[index]


def test_shards_assembled_give_the_same_tree_as_one_build(built: SphinxProject, tmp_path: Path) -> None:
    other = SphinxProject.copy(tmp_path / "project")
    shutil.copytree(built.root / "site_inputs", other.root / "site_inputs", dirs_exist_ok=True)
    shutil.copytree(built.root / "templates", other.root / "templates", dirs_exist_ok=True)
    docs = str(other.root / "docs")
    shards = [tmp_path / "shards" / str(k) for k in (1, 2)]
    for k, folder in enumerate(shards, start=1):
        assert main(["build", "html", "--docs", docs, "--shard", f"{k}/2", "-o", str(folder)]) == 0
        assert json.loads((folder / "shard.json").read_text())["shard"] == f"{k}/2"
    assert main(["assemble", *map(str, shards), "--docs", docs, "-o", str(other.html)]) == 0
    one = SphinxProject(built.root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        assert build(one) == 0
    sharded, whole = stamp.output_files(other.html), stamp.output_files(one.html)
    assert sorted(set(sharded) - set(whole)) == sorted(set(whole) - set(sharded)) == []
    differing = sorted(name for name in whole if sharded[name] != whole[name])
    assert differing == [], differing
    check_build(other.html.parent, other.root / "site_inputs")


def test_assemble_refuses_an_incomplete_set_of_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = SphinxProject.copy(tmp_path / "project")
    docs = str(project.root / "docs")
    shard = tmp_path / "shards" / "1"
    assert main(["build", "html", "--docs", docs, "--shard", "1/2", "-o", str(shard)]) == 0
    assert main(["assemble", str(shard), "--docs", docs, "-o", str(project.html)]) == 3
    assert "missing [2]" in capsys.readouterr().err
    assert not project.html.exists()


def test_a_file_added_or_edited_after_the_stamp_is_never_stamped_again(
    built: SphinxProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tampering is refused by publish; a rebuild must not launder it (issue 15): it restores the tree."""
    html = built.html
    (html / "evil.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    usage = html / "usage.html"
    original, stat = usage.read_bytes(), usage.stat()
    usage.write_bytes(original.replace(b"<title>", b"<title>X", 1)[: len(original)])  # same size,
    os.utime(usage, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time: only the content says it changed
    with pytest.raises(PublishError, match=r"changed|extra"):
        check_build(html.parent, built.root / "site_inputs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        assert build(built) == 0
    capsys.readouterr()
    assert not (html / "evil.html").exists()
    assert usage.read_bytes() == original
    check_build(html.parent, built.root / "site_inputs")


def test_assembling_into_a_folder_that_holds_something_else_is_refused(
    built: SphinxProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "SITES_PER_GROUP", 1)
        assert main(["build", "html", "--docs", str(built.root / "docs"), "-o", str(precious)]) == 3
    assert "is not empty and holds no build" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
