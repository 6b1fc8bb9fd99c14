"""Diagnostic codes of the first stage: reading, YAML syntax and the schema.

Each code is declared once here and used where it is emitted
(:mod:`generator.load.yaml_source`, :mod:`generator.load.loader` and, for a
site code shared by two files, :func:`generator.pipeline.plan_sites`).
"""

from __future__ import annotations

from generator.diagnostics import Code, Severity

UNREADABLE_FILE = Code("unreadable-file", Severity.ERROR, "the file cannot be read as UTF-8")
FILE_TOO_LARGE = Code(
    "file-too-large", Severity.ERROR, "the file is larger than 256 KiB (a site input is a few kilobytes)"
)
CONTROL_CHARACTER = Code(
    "control-character",
    Severity.ERROR,
    "a control character (NUL, ESC, ...) in the file or written as an escape in a quoted value; tab and line "
    "breaks are the only ones allowed",
)
YAML_SYNTAX = Code("yaml-syntax", Severity.ERROR, "the file is not valid YAML")
YAML_ALIAS = Code(
    "yaml-alias", Severity.ERROR, "a YAML anchor (&name) or alias (*name): the format has none, write each value out"
)
YAML_TAG = Code(
    "yaml-tag", Severity.ERROR, "an explicit YAML tag (!!int, !custom): each key has one type, write the value alone"
)
YAML_MERGE_KEY = Code("yaml-merge-key", Severity.ERROR, "a YAML merge key (<<): write each key out")
YAML_TOO_DEEP = Code(
    "yaml-too-deep", Severity.ERROR, "mappings and lists nested more than 20 levels deep (the format needs 5)"
)
INVALID_SCALAR = Code(
    "invalid-scalar",
    Severity.ERROR,
    "a number of more than 20 digits, or a date or time that does not exist (2026-02-30); quote it if it is text",
)
DUPLICATE_KEY = Code("duplicate-key", Severity.ERROR, "a key appears twice in one mapping")
INVALID_KEY = Code("invalid-key", Severity.ERROR, "a mapping key is not a plain name")
INVALID_DOCUMENT = Code("invalid-document", Severity.ERROR, "the file is not a mapping")
UNKNOWN_KEY = Code("unknown-key", Severity.ERROR, "a key the format does not define (with a did-you-mean suggestion)")
MISSING_KEY = Code("missing-key", Severity.ERROR, "a required key is missing")
INVALID_VALUE = Code("invalid-value", Severity.ERROR, "a value has the wrong type or is outside its allowed values")
DUPLICATE_SITE_CODE = Code("duplicate-site-code", Severity.ERROR, "two files describe the same site code")

LOAD_CODES: tuple[Code, ...] = (
    FILE_TOO_LARGE,
    CONTROL_CHARACTER,
    YAML_SYNTAX,
    YAML_ALIAS,
    YAML_TAG,
    YAML_MERGE_KEY,
    YAML_TOO_DEEP,
    INVALID_SCALAR,
    DUPLICATE_KEY,
    INVALID_KEY,
    INVALID_DOCUMENT,
    UNREADABLE_FILE,
    UNKNOWN_KEY,
    MISSING_KEY,
    INVALID_VALUE,
    DUPLICATE_SITE_CODE,
)
"""The codes of this stage, in the order the docs list them."""
