"""Second stage: the semantic rules of the site input format, run on a parsed site.

:func:`validate_site` turns a :class:`~generator.load.loader.ParsedSite` into a
:class:`ValidSite` (model, topology and warnings) or reports every error it
finds, each located at ``file:line:column``.

A site salvaged from a document that failed the schema (``ParsedSite.pruning``)
is never valid, but its rules still run, so that one run reports every
independent problem: each rule runs on a model whose every field read is
recorded, and a rule that read a value the pruning removed or replaced is not
reported at all (what it found may rest on the pruning).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from generator.diagnostics import Diagnostic, Severity, sorted_diagnostics
from generator.load.loader import ParsedSite, Pruning
from generator.load.yaml_source import LocatedDocument
from generator.load.yaml_source import Path as InputPath
from generator.model.schema import SiteInput
from generator.model.topology import Topology
from generator.validate.registry import Finding, Rule
from generator.validate.rules import run_checks, run_rules


@dataclass
class ValidSite:
    """A site that passed every rule: its model, derived topology, and the warnings it raised."""

    source: str
    """Path of the input file as shown in diagnostics."""
    model: SiteInput
    topology: Topology
    document: LocatedDocument
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.model.site.code


def locate(document: LocatedDocument, findings: list[Finding]) -> list[Diagnostic]:
    """Turn findings (input paths) into diagnostics at ``file:line:column``, each with the subject it is about."""
    return [
        f.code.at(document.locate(f.path, key=f.at_key), f.message, subject_of(document.data, f.path)) for f in findings
    ]


NAMED_LISTS = frozenset({"servers", "nlb_clusters"})
"""Lists whose items are named: a finding inside one is about that item's name."""


def subject_of(data: Any, path: InputPath) -> str | None:
    """What a finding at ``path`` is about: a server or cluster name, a forest, a feature, or None.

    ``acknowledged_warnings[].subject`` is matched against it, so it is read from the document as written.
    """
    match path:
        case (str(key), int(index), *_) if key in NAMED_LISTS:
            items = data.get(key) if isinstance(data, dict) else None
            item = items[index] if isinstance(items, list) and index < len(items) else None
            name = item.get("name") if isinstance(item, dict) else None
            return str(name) if name is not None else None
        case ("clients", "internet_features", int(index), *_):
            features = (data.get("clients") or {}).get("internet_features") if isinstance(data, dict) else None
            return str(features[index]) if isinstance(features, list) and index < len(features) else None
        case ("directory", str(forest), *_):
            return forest
        case ("database_replica", *_):
            replica = data.get("database_replica") if isinstance(data, dict) else None
            return str(replica.get("server")) if isinstance(replica, dict) and replica.get("server") else None
    return None


def validate_site(parsed: ParsedSite) -> tuple[ValidSite | None, list[Diagnostic]]:
    """Run every rule; returns (the valid site or None when any rule found an error, its diagnostics).

    A salvaged site (``parsed.pruning`` set) gives None and the findings that rest on nothing pruned.
    """
    if parsed.pruning is not None:
        return None, sorted_diagnostics(locate(parsed.document, run_pruned_checks(parsed.model, parsed.pruning)))
    topology = Topology(parsed.model)
    diagnostics = sorted_diagnostics(locate(parsed.document, run_checks(topology)))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None, diagnostics
    return ValidSite(parsed.source, parsed.model, topology, parsed.document, diagnostics), diagnostics


# --- rules on a salvaged site ---------------------------------------------------


def run_pruned_checks(model: SiteInput, pruning: Pruning) -> list[Finding]:
    """The findings of the rules on a salvaged model that rest on nothing the pruning changed.

    Each rule runs on its own :class:`Topology` of a copy of the model that records every field read, so
    that no cached answer hides a read.  A rule that read a value in doubt or a list that lost items is left
    out whole; of the others, findings whose path lies in a value in doubt are left out too.  Paths are
    turned back into document paths.
    """
    paths: dict[int, InputPath] = {}
    recorded = _mirror(model, (), pruning, paths)

    def run(rule: Rule[Topology]) -> tuple[list[Finding], list[Finding]]:
        with _recording(paths) as reads:
            found = list(rule(Topology(recorded)))
        if any(pruning.observes(read) for read in reads):
            return found, []
        located = [
            Finding(f.code, pruning.document_path(f.path), f.message, f.at_key)
            for f in found
            if not pruning.covers(pruning.document_path(f.path))
        ]
        return found, located

    return run_rules(run)


@dataclass
class _Reads:
    """The document paths of the fields read while one rule runs."""

    paths: dict[int, InputPath]
    """``id`` of each recording model object -> its document path."""
    seen: set[InputPath] = field(default_factory=set)


_READS: ContextVar[_Reads | None] = ContextVar("_READS", default=None)


@contextmanager
def _recording(paths: dict[int, InputPath]) -> Iterator[set[InputPath]]:
    reads = _Reads(paths)
    token = _READS.set(reads)
    try:
        yield reads.seen
    finally:
        _READS.reset(token)


_RECORDING_CLASSES: dict[type[BaseModel], type[BaseModel]] = {}


def _recording_class(cls: type[BaseModel]) -> type[BaseModel]:
    """A subclass of the model class ``cls`` whose instances record each field read in the current :class:`_Reads`."""
    if cls not in _RECORDING_CLASSES:
        keys = {name: info.alias or name for name, info in cls.model_fields.items()}

        def __getattribute__(self: BaseModel, name: str) -> Any:
            value = object.__getattribute__(self, name)
            if name in keys and (reads := _READS.get()) is not None:
                reads.seen.add((*reads.paths[id(self)], keys[name]))
            return value

        namespace = {"__getattribute__": __getattribute__, "__module__": __name__, "__doc__": cls.__doc__}
        metaclass: Any = type(cls)  # pydantic's, so that the subclass is a model class like ``cls``
        _RECORDING_CLASSES[cls] = metaclass(f"Recording{cls.__name__}", (cls,), namespace)
    return _RECORDING_CLASSES[cls]


def _mirror(value: Any, path: InputPath, pruning: Pruning, paths: dict[int, InputPath]) -> Any:
    """A copy of ``value`` made of recording model objects (one per place, none shared), each with its document path."""
    if isinstance(value, BaseModel):
        cls = type(value)
        fields = {
            name: _mirror(getattr(value, name), (*path, info.alias or name), pruning, paths)
            for name, info in cls.model_fields.items()
        }
        copy = _recording_class(cls).model_construct(set(value.model_fields_set), **fields)
        paths[id(copy)] = pruning.document_path(path)
        return copy
    if isinstance(value, list):
        return [_mirror(item, (*path, i), pruning, paths) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _mirror(item, (*path, key), pruning, paths) for key, item in value.items()}
    return value
