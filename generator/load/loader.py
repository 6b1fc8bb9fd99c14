"""Discover site input files, parse them as located YAML and check them against the schema.

This is the first stage of the pipeline: nothing here knows the semantic rules
(``generator.validate``) or what comes after.  Nothing raises on bad input:
each file yields a :class:`ParsedSite` or located diagnostics.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import pydantic
from pydantic import BaseModel

from generator.diagnostics import Diagnostic, SourceLocation
from generator.load.codes import INVALID_DOCUMENT, INVALID_VALUE, MISSING_KEY, UNKNOWN_KEY, UNREADABLE_FILE
from generator.load.yaml_source import LocatedDocument, format_path, load_document
from generator.model.schema import SiteInput


@dataclass(frozen=True)
class ParsedSite:
    """A site input that matches the schema: its model and the document that locates its values."""

    source: str
    """Path of the input file as shown in diagnostics."""
    model: SiteInput
    document: LocatedDocument


def discover_inputs(paths: list[Path]) -> list[Path]:
    """Expand directories to their ``*.yaml``/``*.yml`` files, skipping ``_*`` files; sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("_")]
        else:
            found.append(path)
    return sorted(set(found))


def display_path(path: Path, root: Path | None = None) -> str:
    """Path relative to ``root`` (default: the working directory) when possible."""
    base = (root or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class SourceText:
    """The text of one input file, read once: what is parsed and what the build stamp hashes."""

    text: str
    shown: str
    """Path of the file as shown in diagnostics."""
    sha256: str
    """Hex SHA-256 of the file's bytes."""


def read_site_file(path: Path, *, shown_as: str | None = None) -> tuple[SourceText | None, list[Diagnostic]]:
    """Read one input file once; (its text and hash, or None with a located diagnostic)."""
    shown = shown_as or display_path(path)
    try:
        data = path.read_bytes()
        return SourceText(data.decode("utf-8"), shown, hashlib.sha256(data).hexdigest()), []
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [UNREADABLE_FILE.at(SourceLocation(shown, 1, 1), f"cannot read file: {reason}")]


def parse_site_text(text: str, shown: str) -> tuple[ParsedSite | None, list[Diagnostic]]:
    """Parse YAML text and check it against the schema; semantic rules come later (``generator.validate``)."""
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
        return None, diagnostics
    return ParsedSite(shown, model, document), diagnostics


# --- pydantic errors -> diagnostics -----------------------------------------


def _from_pydantic(error: Any, document: LocatedDocument) -> Diagnostic:
    loc = tuple(error["loc"])
    path = format_path(loc) or "document"
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        message = f"{format_path(loc[:-1]) or 'document'}: unknown key {key!r}"
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
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names (by alias) of the model at ``loc``, for did-you-mean suggestions."""
    model: Any = SiteInput
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            info = next((f for f in model.model_fields.values() if f.alias == part), None)
        if info is None:
            return []
        model = _model_in(info.annotation)
        if model is None:
            return []
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found:
                return found
    return None
