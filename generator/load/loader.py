"""Discover site input files, parse them as located YAML and check them against the schema.

This is the first stage of the pipeline: nothing here knows the semantic rules
(``generator.validate``) or what comes after.  Nothing raises on bad input:
each file yields a :class:`ParsedSite` or located diagnostics.

A document that fails the schema can still be *salvaged* (``parse_site_text(...,
salvage=True)``): the values that failed are pruned and the rest is checked
again, so that the rules can report the problems that do not rest on them in the
same run (docs/site-inputs.md, Validation rules).
"""

from __future__ import annotations

import contextvars
import copy
import difflib
import hashlib
import os
import stat
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pydantic
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from generator.diagnostics import Diagnostic, SourceLocation
from generator.load.codes import INVALID_DOCUMENT, INVALID_VALUE, MISSING_KEY, UNKNOWN_KEY, UNREADABLE_FILE
from generator.load.yaml_source import MAX_FILE_BYTES, LocatedDocument, format_path, load_document, shorten, too_large
from generator.load.yaml_source import Path as InputPath
from generator.model.schema import SiteInput


@dataclass(frozen=True)
class Pruning:
    """What was taken out of a document that failed the schema so that a model of the rest could be built.

    Every path is a path of the document (as the user wrote it, so it locates at ``file:line:column``).
    """

    values: frozenset[InputPath]
    """Fields whose value is in doubt: its value failed the schema or was missing, and it was removed (its
    default applies) or, when required, replaced by a stand-in (its first allowed value or its example); or
    an unknown key may stand for it (the key it resembles, else every key its mapping leaves out)."""
    containers: frozenset[InputPath]
    """Lists and mappings that lost an item (a list item or a ``directory`` forest that failed the schema)."""
    kept: Mapping[InputPath, tuple[int, ...]]
    """For each list that lost items: the document index of each item left, in order."""

    def document_path(self, path: InputPath) -> InputPath:
        """The document path of ``path`` in the pruned model (list indices shift where items were dropped)."""
        return _document_path(path, self.kept)

    def observes(self, read: InputPath) -> bool:
        """Whether reading the field at document path ``read`` can see what the pruning changed."""
        return read in self.containers or self.covers(read)

    def covers(self, path: InputPath) -> bool:
        """Whether ``path`` lies in a value in doubt."""
        return any(path[: len(value)] == value for value in self.values)


@dataclass(frozen=True)
class ParsedSite:
    """A parsed site input: its model and the document that locates its values (salvaged when ``pruning`` is set)."""

    source: str
    """Path of the input file as shown in diagnostics."""
    model: SiteInput
    document: LocatedDocument
    pruning: Pruning | None = None
    """None when the document matches the schema.  Otherwise the document failed it and ``model`` is built from
    what is left once :class:`Pruning` is taken out: the site is invalid, and only the rules' findings that rest
    on none of it are worth reporting."""


_CURRENT_INPUT: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_input", default=None)


def current_input() -> str | None:
    """The site input file being processed (as shown in diagnostics), or None: what the CLI's top-level guard
    names when an internal error stops a command (``generator.cli.main``).

    A file becomes the current one when :func:`read_site_file` reads it or :func:`parse_site_text` parses it,
    and stays so while the pipeline validates and plans it, until the next file is read, a new set of inputs
    is discovered (:func:`discover_inputs`) or a :func:`processing_input` block ends.
    """
    return _CURRENT_INPUT.get()


@contextmanager
def processing_input(shown: str | None) -> Iterator[None]:
    """Name ``shown`` as the file being processed for the duration of the block (None: no file)."""
    token = _CURRENT_INPUT.set(shown)
    try:
        yield
    finally:
        _CURRENT_INPUT.reset(token)


def discover_inputs(paths: list[Path]) -> list[Path]:
    """Expand directories to their ``*.yaml``/``*.yml`` files, skipping ``_*`` files; sorted."""
    _CURRENT_INPUT.set(None)  # a new set of inputs: no file is being processed yet
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("_")]
        else:
            found.append(path)
    # The same file named twice (site_inputs/a.yaml and /abs/site_inputs/a.yaml) is read once.
    unique: dict[Path, Path] = {}
    for path in sorted(found):
        unique.setdefault(_identity(path), path)
    return sorted(unique.values())


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop: keep the path as written, reading it reports the problem
        return path.absolute()


def display_path(path: Path, root: Path | None = None) -> str:
    """Path relative to ``root`` (default: the working directory) when possible."""
    base = (root or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except (ValueError, OSError, RuntimeError):  # outside root, or a link loop
        return path.as_posix()


@dataclass(frozen=True)
class SourceText:
    """The text of one input file, read once: what is parsed and what the build stamp hashes."""

    text: str
    shown: str
    """Path of the file as shown in diagnostics."""
    sha256: str
    """Hex SHA-256 of the file's bytes."""


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file (``a named pipe (FIFO)``), or None."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), "not a regular file")


def read_site_file(path: Path, *, shown_as: str | None = None) -> tuple[SourceText | None, list[Diagnostic]]:
    """Read one input file once; (its text and hash, or None with a located diagnostic).

    Only a regular file is read (a symbolic link to one included): a named pipe would block the read until a
    writer comes, a device could return data without end.  The type is checked before the file is opened, and
    again on what was opened (non-blocking, so that a file swapped for a pipe in between cannot block either).
    """
    shown = shown_as or display_path(path)
    _CURRENT_INPUT.set(shown)
    start = SourceLocation(shown, 1, 1)
    try:
        kind = not_regular(path.stat().st_mode)
        if kind is None:
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
            with os.fdopen(descriptor, "rb") as file:
                kind = not_regular(os.fstat(file.fileno()).st_mode)
                # never more than the limit: a file may grow while it is read
                data = b"" if kind else file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [UNREADABLE_FILE.at(start, f"cannot read file: {exc.strerror or exc}")]
    if kind is not None:
        return None, [UNREADABLE_FILE.at(start, f"cannot read file: it is {kind}, not a regular file")]
    if len(data) > MAX_FILE_BYTES:
        return None, [too_large(shown, f"more than {MAX_FILE_BYTES // 1024} KiB")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [UNREADABLE_FILE.at(_byte_location(shown, data, exc.start), f"cannot read file: {exc}")]
    return SourceText(text, shown, hashlib.sha256(data).hexdigest()), []


def _byte_location(shown: str, data: bytes, offset: int) -> SourceLocation:
    """The line and column (in characters) of byte ``offset``, which starts the first byte that is not UTF-8."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return SourceLocation(shown, data.count(b"\n", 0, offset) + 1, column)


def parse_site_text(text: str, shown: str, *, salvage: bool = False) -> tuple[ParsedSite | None, list[Diagnostic]]:
    """Parse YAML text and check it against the schema; semantic rules come later (``generator.validate``).

    A document that fails the schema gives None, or with ``salvage`` the model of what is left once the
    failing values are pruned (a :class:`ParsedSite` with ``pruning``), when one can be built.
    """
    _CURRENT_INPUT.set(shown)
    document, diagnostics = load_document(text, shown)
    if document is None:
        return None, diagnostics
    if not isinstance(document.data, dict):
        got = "an empty file" if document.data is None else type(document.data).__name__
        diagnostics.append(
            INVALID_DOCUMENT.at(
                document.locate(()), f"a site input is a mapping with schema, site, servers and network (got {got})"
            )
        )
        return None, diagnostics
    try:
        model = SiteInput.model_validate(document.data)
    except pydantic.ValidationError as exc:
        diagnostics += [_from_pydantic(error, document) for error in exc.errors()]
        salvaged = _Pruner(document.data).salvage(exc.errors()) if salvage else None
        if salvaged is None:
            return None, diagnostics
        return ParsedSite(shown, salvaged[0], document, salvaged[1]), diagnostics
    return ParsedSite(shown, model, document), diagnostics


# --- salvaging a document that fails the schema ---------------------------------


_NO_STAND_IN = object()
_SALVAGE_ROUNDS = 20
"""Each round prunes what the last validation rejected; a stand-in that fails too is pruned at its parent."""


class _Pruner:
    """Prune the values of a document that fail the schema until the rest validates (see :class:`Pruning`).

    A value that failed is removed when its key is optional, dropped when it is a list item or a
    ``directory`` forest, replaced by a stand-in when its key is required, and otherwise pruned at its
    parent.  An unknown key is removed, and the fields it may stand for are in doubt.  The format version
    (``schema``) is never pruned: a document of another version is not read at all.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.removed: set[InputPath] = set()
        self.stand_ins: dict[InputPath, Any] = {}
        self.values: set[InputPath] = set()
        self.containers: set[InputPath] = set()
        self.kept: dict[InputPath, tuple[int, ...]] = {}

    def salvage(self, errors: list[Any]) -> tuple[SiteInput, Pruning] | None:
        """The model of what is left and what was pruned, or None when no model can be built."""
        for _ in range(_SALVAGE_ROUNDS):
            before = (len(self.removed), len(self.stand_ins))
            for error in errors:
                if not self._prune(error):
                    return None
            if (len(self.removed), len(self.stand_ins)) == before:
                return None
            self.kept = {}
            candidate = self._rebuild(self.data, ())
            try:
                model = SiteInput.model_validate(candidate)
            except pydantic.ValidationError as exc:
                errors = exc.errors()
                continue
            return model, Pruning(frozenset(self.values), frozenset(self.containers), dict(self.kept))
        return None

    def _prune(self, error: Any) -> bool:
        loc = _document_path(tuple(error["loc"]), self.kept)
        if loc[:1] == ("schema",) or not loc:
            return False
        if error["type"] == "extra_forbidden":
            parent = loc[:-1]
            self.removed.add(loc)
            allowed = _allowed_keys(parent)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            mapping = self._value_at(parent)
            meant = close or [key for key in allowed if not isinstance(mapping, dict) or key not in mapping]
            self.values.update((*parent, key) for key in meant)
            return True
        if error["type"] == "missing":
            return self._replace(loc)
        return self._replace(self._present(loc))

    def _replace(self, path: InputPath) -> bool:
        """Remove, drop or stand in for the value at ``path``, or at the closest parent where one of them applies."""
        while path:
            slot = _slot(path)
            if slot.kind == "item":
                self.removed.add(path)
                self.containers.add(path[:-1])
                return True
            if slot.info is not None and not slot.info.is_required():
                self.removed.add(path)
                self.values.add(path)
                return True
            if slot.info is not None and path not in self.stand_ins:  # a stand-in that failed is pruned at its parent
                stand_in = _stand_in(slot.info)
                if stand_in is not _NO_STAND_IN:
                    self.stand_ins[path] = stand_in
                    self.values.add(path)
                    return True
            path = path[:-1]
        return False

    def _present(self, loc: InputPath) -> InputPath:
        """The longest part of ``loc`` that exists in the document (an error may name a dict key's ``[key]``)."""
        value: Any = self.data
        for depth, part in enumerate(loc):
            in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
            if not (in_list or (isinstance(value, dict) and part in value)):
                return loc[:depth]
            value = value[part]
        return loc

    def _value_at(self, path: InputPath) -> Any:
        value: Any = self.data
        for part in path:
            value = value[part]
        return value

    def _rebuild(self, value: Any, path: InputPath) -> Any:
        """A copy of the document without what was removed and with the stand-ins; fills :attr:`kept`."""
        if path in self.stand_ins:
            return copy.deepcopy(self.stand_ins[path])
        if isinstance(value, dict):
            result = {k: self._rebuild(v, (*path, k)) for k, v in value.items() if (*path, k) not in self.removed}
            for at, stand_in in self.stand_ins.items():
                if at[:-1] == path and at[-1] not in result:
                    result[str(at[-1])] = copy.deepcopy(stand_in)
            return result
        if isinstance(value, list):
            indices = [i for i in range(len(value)) if (*path, i) not in self.removed]
            if len(indices) < len(value):
                self.kept[path] = tuple(indices)
            return [self._rebuild(value[i], (*path, i)) for i in indices]
        return value


def _document_path(path: InputPath, kept: Mapping[InputPath, tuple[int, ...]]) -> InputPath:
    result: list[str | int] = []
    for part in path:
        indices = kept.get(tuple(result))
        result.append(indices[part] if indices is not None and isinstance(part, int) else part)
    return tuple(result)


@dataclass(frozen=True)
class _Slot:
    """What a document path names in the model."""

    kind: Literal["document", "field", "item", "unknown"]
    """The whole document, a field of a model, a list item or mapping entry, or nothing the model has."""
    annotation: Any = None
    """The type of the value there."""
    info: FieldInfo | None = None
    """The field's info, for a field."""


def _slot(path: InputPath) -> _Slot:
    """What ``path`` (keys as written, so aliases) names in the model."""
    slot = _Slot("document", SiteInput)
    for part in path:
        annotation = _optional_of(slot.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            info = next((f for name, f in fields.items() if (f.alias or name) == part), None)
            if info is None:
                return _Slot("unknown")
            slot = _Slot("field", info.annotation, info)
        elif get_origin(annotation) in (list, dict):
            slot = _Slot("item", get_args(annotation)[-1])
        else:
            return _Slot("unknown")
    return slot


def _optional_of(annotation: Any) -> Any:
    """``X`` for ``X | None``; anything else unchanged."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _stand_in(info: FieldInfo) -> Any:
    """A value a required field accepts: its first allowed value, or its first example; else ``_NO_STAND_IN``."""
    annotation = _optional_of(info.annotation)
    if get_origin(annotation) is Literal:
        return get_args(annotation)[0]
    if info.examples:
        return info.examples[0]
    return _NO_STAND_IN


# --- pydantic errors -> diagnostics -----------------------------------------


def _from_pydantic(error: Any, document: LocatedDocument) -> Diagnostic:
    loc = tuple(error["loc"])
    path = format_path(loc) or "document"
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        message = f"{format_path(loc[:-1]) or 'document'}: unknown key {shorten(key)!r}"
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        elif allowed:
            message += f" (allowed: {', '.join(allowed)})"
        return UNKNOWN_KEY.at(document.locate(loc, key=True), message)
    if kind == "missing":
        return MISSING_KEY.at(
            document.locate(loc[:-1]), f"{format_path(loc[:-1]) or 'document'}: missing required key {loc[-1]!r}"
        )
    if kind == "literal_error":
        expected = error["ctx"]["expected"]
        message = f"{path}: must be {expected} (got {_show(value)})"
    elif kind == "value_error":
        message = f"{path}: {str(error['msg']).removeprefix('Value error, ')}"
    elif kind in ("bool_type", "bool_parsing"):
        message = f"{path}: must be true or false (got {_show(value)})"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"{path}: must be a whole number (got {_show(value)})"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"{path}: must be a mapping of keys to values (got {_show(value)})"
    elif kind == "list_type":
        message = f"{path}: must be a list (got {_show(value)})"
    elif kind == "string_type":
        message = f"{path}: must be text (got {_show(value)})"
    elif kind == "too_short":
        message = f"{path}: must not be empty"
    elif kind in ("timezone_aware", "datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        message = (
            f"{path}: must be an ISO 8601 date-time with offset, e.g. 2026-12-05T20:00:00+01:00 (got {_show(value)})"
        )
    elif kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        message = f"{path}: must be a date, e.g. 2026-11-20 (got {_show(value)})"
    else:
        message = f"{path}: {error['msg']} (got {_show(value)})"
    return INVALID_VALUE.at(document.locate(loc), message)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return shorten(repr(value) if isinstance(value, str) else str(value))


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Keys (field names by alias) of the mapping at ``loc``, for did-you-mean suggestions."""
    model = _model_in(_slot(loc).annotation)
    return sorted(info.alias or name for name, info in model.model_fields.items()) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found:
                return found
    return None
