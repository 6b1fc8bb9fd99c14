"""Merge the Sphinx search indexes of several projects into the one a single project would have written.

Each part of a split build writes its own ``searchindex.js``; the assembled
tree needs one, so that a search on any page finds any page.  The format is
Sphinx's (``sphinx.search.IndexBuilder.freeze``, Sphinx 9): documents are
numbered in docname order and every other table refers to those numbers.
Merging numbers the documents of all indexes in one docname order and remaps
each table to it, reproducing what ``freeze`` writes for a fresh build of all
the pages in one project:

* ``terms``/``titleterms``: a term found in one document is an ``int``, in
  several a sorted list;
* ``alltitles``/``indexentries``: rows in document order (a document's own
  rows keep their order);
* ``objects``: rows in the order Sphinx lists them (domain, then full name,
  taken to be the display name, as it is for the std, py, js and rst
  domains), object types numbered in the order Sphinx first meets them.

The result does not depend on the order of the inputs.  Only a fresh build is
reproduced: an incremental Sphinx build can keep object type numbers, or
empty term lists, of pages it no longer has, which a merge never writes.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.output.writer import write_if_changed

PREFIX = "Search.setIndex("
SUFFIX = ")"
_NUMBERED_TABLES = ("objtypes", "objnames")
"""Tables keyed by object type number: ``int`` keys in Sphinx's dict, so JSON sorts them as numbers."""


def read_search_index(path: Path) -> dict[str, Any]:
    """The index in a ``searchindex.js`` Sphinx wrote (keys as JSON has them: object type numbers are strings)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith(PREFIX) or not text.endswith(SUFFIX) or len(text) == len(PREFIX) + len(SUFFIX):
        raise ValueError(f"{path} is not a Sphinx search index (no {PREFIX}...{SUFFIX})")
    data = json.loads(text[len(PREFIX) : -len(SUFFIX)])
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a Sphinx search index (no object inside {PREFIX}...{SUFFIX})")
    return data


def dump_search_index(index: Mapping[str, Any]) -> bytes:
    """Sphinx's bytes for ``index`` (``sphinx.search._JavaScriptIndex.dumps``).

    Sphinx keys ``objtypes`` and ``objnames`` by ``int``, which ``sort_keys``
    orders 0, 1, 2, ..., 10; read back they are strings ("10" before "2"), so
    they are turned back into numbers first.
    """
    data = dict(index)
    for table in _NUMBERED_TABLES:
        if table in data:
            data[table] = {int(number): value for number, value in data[table].items()}
    return (PREFIX + json.dumps(data, separators=(",", ":"), sort_keys=True) + SUFFIX).encode("utf-8")


def write_search_index(path: Path, index: Mapping[str, Any]) -> bool:
    """Write ``index`` to ``path`` unless it already holds it (an unchanged tree keeps its file); whether written."""
    return write_if_changed(path, dump_search_index(index))


def drop_documents(index: Mapping[str, Any], docnames: Collection[str]) -> dict[str, Any]:
    """``index`` without ``docnames`` (a group's own root page, which the assembled tree does not publish)."""
    keep = [name not in docnames for name in index["docnames"]]
    return _merge([(index, keep)], index["envversion"])


def merge_search_indexes(indexes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One index of every document of ``indexes``, whose docnames must not overlap and Sphinx versions must agree."""
    if not indexes:
        raise ValueError("no search index to merge")
    versions = sorted({json.dumps(index["envversion"], sort_keys=True) for index in indexes})
    if len(versions) != 1:
        raise ValueError(
            "search indexes written by different Sphinx versions (envversion) cannot be merged; "
            f"rebuild every part with the same Sphinx: {' / '.join(versions)}"
        )
    return _merge([(index, [True] * len(index["docnames"])) for index in indexes], indexes[0]["envversion"])


def _merge(sources: Sequence[tuple[Mapping[str, Any], list[bool]]], envversion: Any) -> dict[str, Any]:
    """The documents of ``sources`` (an index and which of its documents to keep) as one index."""
    documents = sorted(
        (name, source, i)
        for source, (index, keep) in enumerate(sources)
        for i, name in enumerate(index["docnames"])
        if keep[i]
    )
    twice = sorted(name for name, count in Counter(name for name, _s, _i in documents).items() if count > 1)
    if twice:
        raise ValueError(f"documents in more than one search index: {', '.join(twice)}")
    # renumber[source][old number] -> new number, or -1 for a document left out.
    renumber = [[-1] * len(index["docnames"]) for index, _keep in sources]
    for new, (_name, source, i) in enumerate(documents):
        renumber[source][i] = new
    merged: dict[str, Any] = {
        "docnames": [name for name, _s, _i in documents],
        "filenames": [sources[s][0]["filenames"][i] for _name, s, i in documents],
        "titles": [sources[s][0]["titles"][i] for _name, s, i in documents],
        "envversion": envversion,
    }
    for table in ("terms", "titleterms"):
        merged[table] = _merge_terms(
            [(index[table], numbers) for (index, _k), numbers in zip(sources, renumber, strict=True)]
        )
    for table in ("alltitles", "indexentries"):
        merged[table] = _merge_rows(
            [(index[table], numbers) for (index, _k), numbers in zip(sources, renumber, strict=True)]
        )
    merged.update(_merge_objects([index for index, _keep in sources], renumber))
    return merged


def _merge_terms(tables: Sequence[tuple[Mapping[str, int | list[int]], list[int]]]) -> dict[str, int | list[int]]:
    """Term -> its documents: an ``int`` for one, a sorted list for more (``IndexBuilder.get_terms``)."""
    found: dict[str, list[int]] = {}
    for table, numbers in tables:
        for term, where in table.items():
            new = [numbers[i] for i in ([where] if isinstance(where, int) else where) if numbers[i] >= 0]
            if new:
                found.setdefault(term, []).extend(new)
    return {term: sorted(docs) if len(docs) > 1 else docs[0] for term, docs in sorted(found.items())}


def _merge_rows(tables: Sequence[tuple[Mapping[str, list[list[Any]]], list[int]]]) -> dict[str, list[list[Any]]]:
    """Key -> rows whose first item is a document, in document order (a document's rows keep their order)."""
    found: dict[str, list[list[Any]]] = {}
    for table, numbers in tables:
        for key, rows in table.items():
            new = [[numbers[row[0]], *row[1:]] for row in rows if numbers[row[0]] >= 0]
            if new:
                found.setdefault(key, []).extend(new)
    # Stable: each document comes from one source, where its rows were already in Sphinx's order.
    return {key: sorted(rows, key=lambda row: int(row[0])) for key, rows in sorted(found.items())}


def _merge_objects(indexes: Sequence[Mapping[str, Any]], renumber: Sequence[list[int]]) -> dict[str, Any]:
    """``objects``, ``objtypes`` and ``objnames`` as ``IndexBuilder.get_objects`` lists and numbers them.

    Sphinx walks the domains by name and each domain's objects sorted by
    (full name, display name, type, docname, anchor, priority), appending each
    to its prefix's list and numbering each object type when it first meets
    it.  A row keeps the display name (split into prefix and name), the type,
    the document, the priority and the anchor (shortened when it is the full
    name); the full name is taken to be the display name.
    """
    names: dict[str, list[str]] = {}  # "domain:type" -> [domain, type, localized name]
    rows: list[tuple[tuple[Any, ...], str, str, list[Any]]] = []  # sort key, prefix, "domain:type", row
    for index, numbers in zip(indexes, renumber, strict=True):
        for prefix, entries in index["objects"].items():
            for doc, objtype, prio, shortanchor, name in entries:
                if numbers[doc] < 0:
                    continue
                typename = index["objtypes"][str(objtype)]
                names[typename] = index["objnames"][str(objtype)]
                domain, _, kind = typename.partition(":")
                escaped = f"{prefix}.{name}" if prefix else name
                if shortanchor == "":
                    anchor = escaped
                elif shortanchor == "-":
                    anchor = f"{kind}-{escaped}"
                else:
                    anchor = shortanchor
                display = html.unescape(escaped)
                key = (domain, display, display, kind, numbers[doc], anchor, prio)
                rows.append((key, prefix, typename, [numbers[doc], objtype, prio, shortanchor, name]))
    rows.sort(key=lambda item: item[0])
    numbering: dict[str, int] = {}
    objects: dict[str, list[list[Any]]] = {}
    for _key, prefix, typename, row in rows:
        row[1] = numbering.setdefault(typename, len(numbering))
        objects.setdefault(prefix, []).append(row)
    return {
        "objects": dict(sorted(objects.items())),
        "objtypes": {str(number): typename for typename, number in numbering.items()},
        "objnames": {str(number): names[typename] for typename, number in numbering.items()},
    }
