"""Safe, bounded YAML loading that keeps the position of every key and value.

PyYAML's ``safe_load`` forgets where values came from, silently keeps the last
of two duplicate keys, expands aliases (a 2 KB "billion laughs" file takes
gigabytes) and recurses once per level of nesting.  We walk the parser's events
instead and build the values ourselves, so that:

* every value gets a :class:`SourceLocation`, for any later check (pydantic or
  semantic) to point at ``file:line:column``;
* what the format never needs is rejected at the event where it is written,
  before anything is built: anchors and aliases, explicit tags, merge keys,
  nesting deeper than :data:`MAX_DEPTH`, control characters;
* the text is bounded first (:data:`MAX_FILE_BYTES`), so time and memory are
  linear in a small input whatever it contains;
* numbers and dates that Python cannot build (a 5,000-digit integer,
  2026-02-30) are located errors, not exceptions.

The limits are stated in docs/site-inputs.md (Limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from generator.diagnostics import Code, Diagnostic, SourceLocation, sorted_diagnostics
from generator.load.codes import (
    CONTROL_CHARACTER,
    DUPLICATE_KEY,
    FILE_TOO_LARGE,
    INVALID_KEY,
    INVALID_SCALAR,
    YAML_ALIAS,
    YAML_MERGE_KEY,
    YAML_SYNTAX,
    YAML_TAG,
    YAML_TOO_DEEP,
)
from generator.model.fields import describe_character

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 256 * 1024
"""A site input is a few kilobytes; the largest example is under 5 KB."""
MAX_DEPTH = 20
"""Levels of mappings and lists; the format itself needs 5 (``servers[0].roles.management_point.connections``)."""
MAX_NUMBER_DIGITS = 20
"""Digits of a number; no value of the format needs more than 5 (a port)."""

_NOT_ALLOWED = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Control characters (C0 but tab and line breaks, DEL, C1), lone surrogates and non-characters: what YAML
cannot print, in the text or written as an escape (``"\\0"``, ``"\\e"``) in a double-quoted value."""
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SHOWN = 60
"""Characters of a value shown in a message before it is cut with an ellipsis."""


@dataclass
class LocatedDocument:
    """A parsed YAML document plus the locations of its keys and values."""

    path: str
    data: Any
    value_locations: dict[Path, SourceLocation] = field(default_factory=dict)
    key_locations: dict[Path, SourceLocation] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> SourceLocation:
        """Location of ``path``; falls back to the nearest parent that exists.

        With ``key=True`` the key's own position is preferred (for unknown-key
        errors the key is what is wrong, not its value).
        """
        if key and path in self.key_locations:
            return self.key_locations[path]
        probe = path
        while probe:
            if probe in self.value_locations:
                return self.value_locations[probe]
            probe = probe[:-1]
        return self.value_locations.get((), SourceLocation(self.path, 1, 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader used only for its parser, resolver and scalar constructors."""


def load_document(text: str, path: str) -> tuple[LocatedDocument | None, list[Diagnostic]]:
    """Parse ``text``; return the document (None when it cannot be read) and diagnostics.

    A leading byte order mark is ignored.  Duplicate and invalid keys leave a
    document without them; every other problem rejects the file.
    """
    text = text.removeprefix("\ufeff")
    problem = screen_text(text, path)
    if problem is not None:
        return None, [problem]
    return _Builder(text, path).build()


def screen_text(text: str, path: str) -> Diagnostic | None:
    """The first reason not to parse ``text`` at all: too large, or a character YAML cannot print."""
    size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return too_large(path, _kib(size))
    found = _NOT_ALLOWED.search(text)
    if found is None:
        return None
    count = len(_NOT_ALLOWED.findall(text))
    more = f" ({count} in this file, the first shown)" if count > 1 else ""
    return CONTROL_CHARACTER.at(
        _text_location(path, text, found.start()),
        f"character {describe_character(found.group())} is not allowed: a site input contains no control "
        f"characters but tab and line breaks{more}",
    )


def too_large(path: str, size: str) -> Diagnostic:
    """The diagnostic of a file of ``size`` (``300 KiB``, ``more than 256 KiB``), read or not."""
    return FILE_TOO_LARGE.at(
        SourceLocation(path, 1, 1), f"the file has {size}; a site input may have at most {_kib(MAX_FILE_BYTES)}"
    )


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size >= 1024 else f"{size} bytes"


def _text_location(path: str, text: str, index: int) -> SourceLocation:
    """The position of ``text[index]``, counting line breaks as PyYAML does."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return SourceLocation(path, line, index - start + 1)


class _Mark(Protocol):
    """A position in the text as PyYAML's marks (pure Python or LibYAML's) give it, 0-based."""

    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


@dataclass(frozen=True)
class _Position:
    line: int = 0
    column: int = 0


_NOWHERE = _Position()


def _start(event: yaml.Event) -> _Mark:
    """Where ``event`` starts (the parser always says; the type allows None)."""
    return event.start_mark or _NOWHERE


def _location(path: str, mark: _Mark) -> SourceLocation:
    # PyYAML marks are 0-based; editors and compilers count from 1.
    return SourceLocation(path, mark.line + 1, mark.column + 1)


def _yaml_error(exc: yaml.YAMLError, path: str) -> Diagnostic:
    """A PyYAML error as a located diagnostic (at its mark when it has one)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        location = _location(path, mark) if mark else SourceLocation(path, 1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        return YAML_SYNTAX.at(location, f"YAML syntax error: {problem}")
    return YAML_SYNTAX.at(SourceLocation(path, 1, 1), f"YAML error: {' '.join(str(exc).split())}")


def shorten(text: str) -> str:
    """``text`` cut to :data:`_SHOWN` characters, so that a message stays one readable line."""
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


_NO_KEY = object()
_SKIP = object()
"""The pending key of a mapping whose entry is dropped (a duplicate or invalid key): its value is read, not kept."""


@dataclass
class _Frame:
    """A mapping or list being built; ``path`` is None for what is not located (a complex key, a dropped value)."""

    value: dict[Any, Any] | list[Any]
    path: Path | None
    start: _Mark
    key: Any = _NO_KEY


@dataclass
class _Rejection:
    """The first place a fatal problem of one code was found, and how often it occurs."""

    location: SourceLocation
    message: str
    count: int = 1


class _Builder:
    """Build a :class:`LocatedDocument` from PyYAML's events, rejecting what the format never needs."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.document = LocatedDocument(path=path, data=None)
        self.diagnostics: list[Diagnostic] = []
        self.rejections: dict[Code, _Rejection] = {}
        self.stack: list[_Frame] = []
        self.documents = 0

    def build(self) -> tuple[LocatedDocument | None, list[Diagnostic]]:
        path = self.document.path
        loader = _Loader(self.text)
        try:
            while loader.check_event():
                event: yaml.Event = loader.get_event()  # type: ignore[no-untyped-call]
                if isinstance(event, yaml.DocumentStartEvent):
                    self.documents += 1
                    if self.documents > 1:
                        return None, [
                            YAML_SYNTAX.at(
                                _location(path, _start(event)),
                                "YAML syntax error: but found another document "
                                "(expected a single document in the stream)",
                            )
                        ]
                elif isinstance(event, yaml.NodeEvent | yaml.CollectionEndEvent) and not self._event(loader, event):
                    return None, self._rejected()
        except yaml.YAMLError as exc:
            return None, [_yaml_error(exc, path)]
        finally:
            loader.dispose()
        if self.rejections:
            return None, self._rejected()
        self.document.value_locations.setdefault((), SourceLocation(path, 1, 1))
        return self.document, self.diagnostics

    def _rejected(self) -> list[Diagnostic]:
        """Every diagnostic of a rejected file: the first of each rejection with its count, then the rest."""
        result = list(self.diagnostics)
        for code, rejection in self.rejections.items():
            more = f" ({rejection.count} in this file, the first shown)" if rejection.count > 1 else ""
            result.append(code.at(rejection.location, rejection.message + more))
        return sorted_diagnostics(result)

    def _reject(self, code: Code, mark: _Mark, message: str) -> None:
        if code in self.rejections:
            self.rejections[code].count += 1
        else:
            self.rejections[code] = _Rejection(_location(self.document.path, mark), message)

    def _event(self, loader: _Loader, event: yaml.Event) -> bool:
        """Handle one node or collection-end event; False stops the walk (nesting too deep)."""
        if isinstance(event, yaml.CollectionEndEvent):
            frame = self.stack.pop()
            self._add(frame.value, None, frame.start)
            return True
        assert isinstance(event, yaml.NodeEvent)
        if event.anchor is not None:
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            marker = "*" if kind == "alias" else "&"
            self._reject(
                YAML_ALIAS,
                _start(event),
                f"YAML {kind} {marker}{shorten(event.anchor)}: anchors and aliases are not allowed; write each "
                "value out",
            )
        if isinstance(event, yaml.AliasEvent):
            self._add(None, event, _start(event))
            return True
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
            self._reject(
                YAML_TAG,
                _start(event),
                f"YAML tag {shorten(shown)}: tags are not allowed; write the value without it (quote text)",
            )
        if isinstance(event, yaml.ScalarEvent):
            self._add(self._scalar(loader, event), event, _start(event))
            return True
        if len(self.stack) >= MAX_DEPTH:
            self._reject(
                YAML_TOO_DEEP,
                _start(event),
                f"mappings and lists are nested more than {MAX_DEPTH} levels deep; a site input needs at most 5",
            )
            return False
        parent_path = self._child_path()
        container: dict[Any, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
        if parent_path is not None:
            self.document.value_locations[parent_path] = _location(self.document.path, _start(event))
        self.stack.append(_Frame(container, parent_path, _start(event)))
        return True

    def _child_path(self) -> Path | None:
        """The path of the next value: under the current frame, or None when it is a key or dropped."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if frame.path is None:
            return None
        if isinstance(frame.value, list):
            return (*frame.path, len(frame.value))
        if frame.key is _NO_KEY or frame.key is _SKIP:
            return None
        return (*frame.path, frame.key)

    def _add(self, value: Any, event: yaml.NodeEvent | None, mark: _Mark) -> None:
        """Put a finished value into its parent; ``event`` is the scalar or alias event (None for a collection)."""
        if event is not None:
            path = self._child_path()
            if path is not None:
                self.document.value_locations[path] = _location(self.document.path, mark)
        if not self.stack:
            self.document.data = value
            return
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            frame.value.append(value)
        elif frame.key is _NO_KEY:
            frame.key = self._key(frame, value, event, mark)
        else:
            if frame.key is not _SKIP:
                frame.value[frame.key] = value
            frame.key = _NO_KEY

    def _key(self, frame: _Frame, key: Any, event: yaml.NodeEvent | None, mark: _Mark) -> Any:
        """The key under which the next value goes, or :data:`_SKIP` with a diagnostic or rejection."""
        assert isinstance(frame.value, dict)
        if isinstance(event, yaml.ScalarEvent) and event.implicit[0] and event.value == "<<":
            self._reject(YAML_MERGE_KEY, mark, "merge keys (<<) are not allowed; write each key out")
            return _SKIP
        if isinstance(event, yaml.AliasEvent):
            return _SKIP
        location = _location(self.document.path, mark)
        where = format_path(frame.path) if frame.path else "document"
        if not isinstance(key, str | int) or isinstance(key, bool):
            if frame.path is not None:
                self.diagnostics.append(
                    INVALID_KEY.at(location, f"{where}: keys must be plain names (got {shorten(repr(key))})")
                )
            return _SKIP
        key = str(key)
        if key in frame.value:
            if frame.path is not None:
                first = self.document.key_locations[(*frame.path, key)]
                self.diagnostics.append(
                    DUPLICATE_KEY.at(
                        location,
                        f"{format_path((*frame.path, key))}: duplicate key (first defined at line {first.line})",
                    )
                )
            return _SKIP
        if frame.path is not None:
            self.document.key_locations[(*frame.path, key)] = location
        return key

    def _scalar(self, loader: _Loader, event: yaml.ScalarEvent) -> Any:
        """The value of a scalar, typed as YAML 1.1 resolves it; None (and a rejection) when it cannot be built."""
        value = event.value
        bad = _NOT_ALLOWED.search(value)
        if bad is not None:  # written as an escape: the text itself was screened
            self._reject(
                CONTROL_CHARACTER,
                _start(event),
                f"character {describe_character(bad.group())} (written as an escape) is not allowed: a site input "
                "contains no control characters but tab and line breaks",
            )
            return None
        if event.tag is not None:
            return value  # rejected above; kept as text so that the walk goes on
        tag: str = loader.resolve(yaml.ScalarNode, value, event.implicit)  # type: ignore[no-untyped-call]
        if tag in (_INT, _FLOAT) and _digits(value) > MAX_NUMBER_DIGITS:
            self._reject(
                INVALID_SCALAR,
                _start(event),
                f"number {shorten(value)} has {_digits(value)} digits; at most {MAX_NUMBER_DIGITS} are allowed "
                "(quote it if it is text)",
            )
            return None
        constructor = _Loader.yaml_constructors.get(tag)
        if tag == _MERGE or constructor is None:  # '=' resolves to YAML 1.1's "value" tag, '<<' outside a key
            return value
        node = yaml.ScalarNode(tag, value, None, None, event.style)  # errors are located by the event
        try:
            return constructor(loader, node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            kind = "date or time" if tag == _TIMESTAMP else "value"
            reason = "its UTC offset must be under 24 hours" if "offset" in str(exc) else " ".join(str(exc).split())
            self._reject(
                INVALID_SCALAR,
                _start(event),
                f"{shorten(value)} is not a {kind} that exists ({shorten(reason)}); quote it if it is text",
            )
            return None


def _digits(number: str) -> int:
    """Digits (and exponent letters) of a YAML 1.1 number, without its sign, base prefix and separators."""
    body = re.sub(r"^[-+]?0[xob]", "", number.strip(), flags=re.IGNORECASE)
    return sum(char.isalnum() for char in body)


def format_path(path: Path) -> str:
    """Render a path the way users write it: ``servers[2].roles.management_point`` (long keys cut, for messages)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{shorten(part)}" if text else shorten(part)
    return text
