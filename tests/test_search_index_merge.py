"""Merging Sphinx search indexes (generator.build.search_index): the merge of the parts equals the one-project index.

Real builds: the same pages are built once as one Sphinx project and once as
several projects each holding some of them; merging the parts' indexes must
give the one-project index exactly (as dicts and as bytes).  Nothing
legitimately differs, because each page's doctree is the same in every
project: the runbook pages do not depend on each other, and the landing
page's runbook toctree is hidden (no text of it reaches the index).

* A small reStructuredText project exercises what the runbooks do not have:
  objects of several domains and types (numbered differently in each part),
  index entries, HTML-escaped object names.
* The example runbooks, with the project's own ``docs/conf.py`` and its
  search language (ports and dotted names indexed whole).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import require_tool
from sphinx_project import SphinxProject

from generator.build.search_index import (
    drop_documents,
    dump_search_index,
    merge_search_indexes,
    read_search_index,
    write_search_index,
)

ROOT = Path(__file__).resolve().parent.parent
CODES = ["CEN", "FAB", "TSP", "WGB"]
HUB = ["architecture", "benchmarks", "domain-facts", "index", "publishing", "site-inputs", "steps", "usage"]


def sphinx_build(source: Path, output: Path) -> Path:
    """Build ``source`` into ``output`` with the real sphinx-build; its ``searchindex.js``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", str(source), str(output)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return output / "searchindex.js"


def index(docnames: Sequence[str], **tables: Any) -> dict[str, Any]:
    """A hand-made index of ``docnames`` (titles and file names from the docnames)."""
    base: dict[str, Any] = {
        "docnames": list(docnames),
        "filenames": [f"{name}.md" for name in docnames],
        "titles": [name.upper() for name in docnames],
        "envversion": {"sphinx": 65},
        "terms": {},
        "titleterms": {},
        "alltitles": {},
        "indexentries": {},
        "objects": {},
        "objtypes": {},
        "objnames": {},
    }
    return base | tables


# --- Small hand-made indexes -------------------------------------------------------------------------------------


def test_documents_are_numbered_by_docname_and_terms_keep_int_for_one_document() -> None:
    first = index(["b", "d"], terms={"port": [0, 1], "fqdn": 1, "only": 0}, titleterms={"b": 0})
    second = index(["a", "c"], terms={"port": 1, "fqdn": [0, 1]}, titleterms={"c": 1})
    merged = merge_search_indexes([first, second])
    assert merged["docnames"] == ["a", "b", "c", "d"]
    assert merged["titles"] == ["A", "B", "C", "D"]
    assert merged["filenames"] == ["a.md", "b.md", "c.md", "d.md"]
    # b -> 1, d -> 3; a -> 0, c -> 2.
    assert merged["terms"] == {"port": [1, 2, 3], "fqdn": [0, 2, 3], "only": 1}
    assert merged["titleterms"] == {"b": 1, "c": 2}
    assert isinstance(merged["terms"]["only"], int)


def test_titles_and_index_entries_are_remapped_in_document_order() -> None:
    first = index(
        ["z"], alltitles={"Ports": [[0, "ports"]]}, indexentries={"dns": [[0, "id1", True], [0, "id2", False]]}
    )
    second = index(
        ["a", "m"],
        alltitles={"Ports": [[1, "ports-m"], [0, None]], "Intro": [[0, None]]},
        indexentries={"dns": [[1, "x", False]]},
    )
    merged = merge_search_indexes([first, second])
    assert merged["alltitles"] == {"Ports": [[0, None], [1, "ports-m"], [2, "ports"]], "Intro": [[0, None]]}
    assert merged["indexentries"] == {"dns": [[1, "x", False], [2, "id1", True], [2, "id2", False]]}


def test_object_types_are_renumbered_in_the_order_sphinx_meets_them() -> None:
    # Each part numbers its own types from 0.  Sphinx walks the domains by name (py before std), each one's
    # objects by full name: py:module "mod" before py:function "mod.run", std:envvar "SITE" before
    # std:cmdoption "ibcm.--docs" ("S" < "i").
    first = index(
        ["py-api"],
        objects={"mod": [[0, 0, 1, "", "run"]], "": [[0, 1, 0, "-", "mod"]]},
        objtypes={"0": "py:function", "1": "py:module"},
        objnames={"0": ["py", "function", "Python function"], "1": ["py", "module", "module"]},
    )
    second = index(
        ["options"],
        objects={"ibcm": [[0, 0, 1, "cmdoption-ibcm-docs", "--docs"]], "": [[0, 1, 1, "-", "SITE"]]},
        objtypes={"0": "std:cmdoption", "1": "std:envvar"},
        objnames={"0": ["std", "cmdoption", "program option"], "1": ["std", "envvar", "environment variable"]},
    )
    merged = merge_search_indexes([first, second])
    assert merged["docnames"] == ["options", "py-api"]
    assert merged["objtypes"] == {"0": "py:module", "1": "py:function", "2": "std:envvar", "3": "std:cmdoption"}
    assert merged["objnames"]["0"] == ["py", "module", "module"]
    assert merged["objnames"]["3"] == ["std", "cmdoption", "program option"]
    assert merged["objects"] == {
        "": [[1, 0, 0, "-", "mod"], [0, 2, 1, "-", "SITE"]],
        "ibcm": [[0, 3, 1, "cmdoption-ibcm-docs", "--docs"]],
        "mod": [[1, 1, 1, "", "run"]],
    }


def test_the_merge_does_not_depend_on_the_order_of_the_inputs() -> None:
    parts = [
        index(["c"], terms={"x": 0, "y": 0}, alltitles={"T": [[0, None]]}),
        index(["a", "e"], terms={"x": [0, 1]}, alltitles={"T": [[1, "t"]]}),
        index(["b"], terms={"y": 0, "z": 0}),
    ]
    expected = dump_search_index(merge_search_indexes(parts))
    for order in ([2, 1, 0], [1, 0, 2], [0, 2, 1]):
        merged = merge_search_indexes([parts[i] for i in order])
        assert dump_search_index(merged) == expected
        assert list(merged["terms"]) == ["x", "y", "z"]


def test_dropped_documents_leave_every_table() -> None:
    part = index(
        ["index", "runbook"],
        terms={"both": [0, 1], "root": 0, "site": 1},
        alltitles={"Root": [[0, None]], "Site": [[1, None]]},
        objects={"": [[0, 0, 1, "", "rootobj"], [1, 0, 1, "", "siteobj"]]},
        objtypes={"0": "std:envvar"},
        objnames={"0": ["std", "envvar", "environment variable"]},
    )
    dropped = drop_documents(part, {"index"})
    assert dropped["docnames"] == ["runbook"]
    assert dropped["terms"] == {"both": 0, "site": 0}
    assert dropped["alltitles"] == {"Site": [[0, None]]}
    assert dropped["objects"] == {"": [[0, 0, 1, "", "siteobj"]]}


def test_refuses_different_sphinx_versions_overlapping_documents_and_nothing() -> None:
    newer = index(["b"]) | {"envversion": {"sphinx": 66}}
    with pytest.raises(ValueError, match="different Sphinx versions"):
        merge_search_indexes([index(["a"]), newer])
    with pytest.raises(ValueError, match="more than one search index: a"):
        merge_search_indexes([index(["a", "b"]), index(["a"])])
    with pytest.raises(ValueError, match="no search index"):
        merge_search_indexes([])


def test_written_like_sphinx_and_only_when_changed(tmp_path: Path) -> None:
    # Eleven object types: Sphinx's int keys sort 0, 1, 2, ..., 10, not "0", "1", "10", "2".
    types = {str(n): f"std:t{n}" for n in range(11)}
    part = index(["a"], objtypes=types, objnames={n: ["std", t[4:], t[4:]] for n, t in types.items()})
    path = tmp_path / "searchindex.js"
    assert write_search_index(path, part)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('Search.setIndex({"alltitles":{},"docnames":["a"]')
    assert text.endswith(")")
    assert '"objtypes":{"0":"std:t0","1":"std:t1","2":"std:t2"' in text
    assert read_search_index(path) == part
    mtime = path.stat().st_mtime_ns
    assert not write_search_index(path, part)
    assert path.stat().st_mtime_ns == mtime
    assert write_search_index(path, index(["a", "b"]))


def test_read_refuses_a_file_that_is_no_search_index(tmp_path: Path) -> None:
    path = tmp_path / "searchindex.js"
    path.write_text('{"docnames": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a Sphinx search index"):
        read_search_index(path)


# --- Real builds: a small reStructuredText project with objects ---------------------------------------------------

PAGES = {
    "api": """
API
===

.. py:module:: ibcm

.. py:function:: run(site)

   Run the ``mp.ibcm.contoso.example`` checks on port 443.

.. py:class:: Plan

.. index:: single: Zebra; stripes
.. index:: pair: firewall; rule
""",
    "cli": """
Command line
============

.. program:: ibcm

.. option:: --docs <folder>

   Where the docs are.

.. envvar:: SITE_CODE

   The site & its code.

Section two
-----------

.. index:: single: zebra
""",
    "glossary": """
Glossary
========

.. glossary::

   Fabrikam & Co
      A company.

   apple
      A fruit.

.. index:: single: Zebra
""",
    "notes": """
Notes
=====

Just words: firewall, zebra, port 443.

.. envvar:: ALPHA

.. envvar:: R&D_HOME

.. py:function:: helper()
""",
    "zz": """
Last
====

.. option:: -v

   Verbose; not under a program.
""",
}


def write_rst_project(folder: Path, pages: Sequence[str]) -> Path:
    folder.mkdir(parents=True)
    # The first page is the root: no toctree, so no page depends on which others the project holds.
    (folder / "conf.py").write_text(f"root_doc = {pages[0]!r}\nproject = 'merge'\n", encoding="utf-8")
    for name in pages:
        (folder / f"{name}.rst").write_text(PAGES[name], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rst_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The pages built as one project ("all0"), as two ("two0", "two1") and as three; their ``searchindex.js``."""
    tmp = tmp_path_factory.mktemp("rst")
    splits = {
        "all": [list(PAGES)],
        "two": [["notes", "glossary"], ["zz", "cli", "api"]],
        "three": [["zz"], ["cli", "notes"], ["glossary", "api"]],
    }
    built: dict[str, Path] = {}
    for split, parts in splits.items():
        for n, pages in enumerate(parts):
            source = write_rst_project(tmp / split / f"src{n}", pages)
            built[f"{split}{n}"] = sphinx_build(source, tmp / split / f"out{n}")
    return built


def test_rst_parts_merge_into_the_one_project_index(rst_builds: dict[str, Path]) -> None:
    whole = read_search_index(rst_builds["all0"])
    two = [read_search_index(rst_builds[f"two{n}"]) for n in range(2)]
    three = [read_search_index(rst_builds[f"three{n}"]) for n in range(3)]
    assert len(whole["objtypes"]) >= 5 and whole["indexentries"] and "" in whole["objects"]
    # A part numbers the object types it has differently from the whole: the merge has to renumber them.
    assert any(part["objtypes"][n] != whole["objtypes"][n] for part in two for n in part["objtypes"])
    for parts in (two, three):
        assert merge_search_indexes(parts) == whole
        assert merge_search_indexes(parts[::-1]) == whole


def test_rst_merge_is_written_with_the_bytes_sphinx_writes(rst_builds: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "searchindex.js"
    parts = [read_search_index(rst_builds[f"three{n}"]) for n in range(3)]
    assert write_search_index(path, merge_search_indexes(parts))
    assert path.read_bytes() == rst_builds["all0"].read_bytes()
    for name, built in rst_builds.items():
        assert dump_search_index(read_search_index(built)) == built.read_bytes(), name


# --- Real builds: the example runbooks with the project's docs/conf.py -------------------------------------------


def runbook_project(folder: Path, excluded: Sequence[str]) -> Path:
    """A copy of the project whose Sphinx build leaves out the runbooks of ``excluded`` sites; its docs folder."""
    project = SphinxProject.copy(folder)
    conf = project.root / "docs" / "conf.py"
    patterns = [f"_generated/{code}/**" for code in excluded]
    conf.write_text(conf.read_text(encoding="utf-8") + f"\nexclude_patterns += {patterns!r}\n", encoding="utf-8")
    return project.root / "docs"


@pytest.fixture(scope="module")
def runbook_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``searchindex.js`` of the examples built as one project ("all") and as two: CEN+FAB, TSP+WGB (each + hub)."""
    require_tool("dot")
    tmp = tmp_path_factory.mktemp("runbooks")
    parts = {"all": [], "CEN+FAB": ["TSP", "WGB"], "TSP+WGB": ["CEN", "FAB"]}
    return {
        name: sphinx_build(runbook_project(tmp / name, excluded), tmp / name / "html")
        for name, excluded in parts.items()
    }


@pytest.mark.slow
def test_runbook_parts_merge_into_the_one_project_index(runbook_builds: dict[str, Path], tmp_path: Path) -> None:
    whole = read_search_index(runbook_builds["all"])
    first, second = read_search_index(runbook_builds["CEN+FAB"]), read_search_index(runbook_builds["TSP+WGB"])
    assert whole["docnames"] == sorted([*HUB, *(f"_generated/{code}/index" for code in CODES)])
    assert [name for name in first["docnames"] if name.startswith("_generated/")] == [
        "_generated/CEN/index",
        "_generated/FAB/index",
    ]
    # Both parts hold the hub pages; either part's copy is the one the whole has.
    hub = set(HUB)
    assert merge_search_indexes([first, drop_documents(second, hub)]) == whole
    assert merge_search_indexes([drop_documents(second, hub), first]) == whole
    assert merge_search_indexes([drop_documents(first, hub), second]) == whole
    # Three parts: the hub alone, then the runbooks in two projects.
    three = [drop_documents(first, {"_generated/CEN/index", "_generated/FAB/index"}), drop_documents(first, hub)]
    merged = merge_search_indexes([*three, drop_documents(second, hub)])
    path = tmp_path / "searchindex.js"
    assert write_search_index(path, merged)
    assert path.read_bytes() == runbook_builds["all"].read_bytes()
    # The project's search language: FQDNs and ports are words, found in the runbooks that have them.
    number = {name: i for i, name in enumerate(merged["docnames"])}

    def found(term: str) -> set[int]:
        where = merged["terms"][term]
        return {where} if isinstance(where, int) else set(where)

    assert number["_generated/CEN/index"] in found("mp.ibcm.contoso.example")
    assert number["_generated/TSP/index"] in found("mp.tailspin.example")
    assert {number[f"_generated/{code}/index"] for code in CODES} <= found("443")
