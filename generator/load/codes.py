"""Diagnostic codes of the first stage: reading, YAML syntax and the schema.

Each code is declared once here and used where it is emitted
(:mod:`generator.load.yaml_source`, :mod:`generator.load.loader` and, for a
site code shared by two files, :func:`generator.pipeline.plan_sites`).
"""

from __future__ import annotations

from generator.diagnostics import Code, Severity

UNREADABLE_FILE = Code("unreadable-file", Severity.ERROR, "the file cannot be read as UTF-8")
YAML_SYNTAX = Code("yaml-syntax", Severity.ERROR, "the file is not valid YAML")
DUPLICATE_KEY = Code("duplicate-key", Severity.ERROR, "a key appears twice in one mapping")
INVALID_KEY = Code("invalid-key", Severity.ERROR, "a mapping key is not a plain name")
INVALID_DOCUMENT = Code("invalid-document", Severity.ERROR, "the file is not a mapping")
UNKNOWN_KEY = Code("unknown-key", Severity.ERROR, "a key the format does not define (with a did-you-mean suggestion)")
MISSING_KEY = Code("missing-key", Severity.ERROR, "a required key is missing")
INVALID_VALUE = Code("invalid-value", Severity.ERROR, "a value has the wrong type or is outside its allowed values")
DUPLICATE_SITE_CODE = Code("duplicate-site-code", Severity.ERROR, "two files describe the same site code")

LOAD_CODES: tuple[Code, ...] = (
    YAML_SYNTAX,
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
