"""The JSON Schema of the site input format, generated from the pydantic model.

Editors use it to complete keys, show each key's meaning and flag mistakes
while typing (see docs/site-inputs.md, "Editor support").  Everything in it
comes from :class:`generator.model.schema.SiteInput`: keys, required keys,
allowed values and defaults from the fields, descriptions from their
docstrings, examples from their ``Field(examples=...)``, and the ``pattern``
and ``format`` of the constrained types from ``generator.model.fields``.  It is
never edited by hand: ``ibcm-runbook schema -o schema/site-input-1.json``
refreshes the committed copy, and the HTML build publishes the same text as
``schema/site-input-1.json``.

``ibcm-runbook check`` stays the authority: the schema cannot express the
semantic rules (server references, one Internet MP, ...), and the model strips
spaces around values and upper-cases the site code before checking them.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from generator.model.schema import SiteInput

FORMAT_VERSION = 1
"""The ``schema:`` value of the inputs this JSON Schema describes."""
SCHEMA_NAME = f"site-input-{FORMAT_VERSION}.json"
SCHEMA_PATH = f"schema/{SCHEMA_NAME}"
"""Where the schema lives, relative to the repository root and to the HTML output folder alike."""
SCHEMA_ID = f"urn:ibcm-runbook:schema:site-input-{FORMAT_VERSION}"
"""A name, not a location: the docs may be served from any host, so the schema is found by relative path."""
DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLE = f"ibcm-runbook site input (format {FORMAT_VERSION})"
DESCRIPTION = (
    "One YAML file per ConfigMgr 2007 primary site, describing what the IBCM runbook needs: the site, its "
    "servers and roles, the firewalls and reverse proxy, PKI facts, clients and the change record. "
    "Generated from the ibcm-runbook model; `ibcm-runbook check` is the authority and also applies the "
    "semantic rules documented in docs/site-inputs.md."
)


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, with two changes for editors.

    No per-field titles derived from key names ("Site Server"): the key and its
    description say it.  A mapping whose keys have a pattern (``directory``)
    checks its keys with ``propertyNames`` and its values with
    ``additionalProperties``, instead of pydantic's ``patternProperties``, which
    would let a key that does not match through unchecked.
    """

    def field_title_should_be_set(self, schema: Any) -> bool:  # noqa: ARG002 (pydantic calls it with the field)
        return False

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        result = super().dict_schema(schema)
        patterns = result.get("patternProperties", {})
        if len(patterns) == 1:
            (pattern, values), *_ = patterns.items()
            del result["patternProperties"]
            result["propertyNames"] = {**result.get("propertyNames", {}), "pattern": pattern}
            result["additionalProperties"] = values
        return result


def site_input_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a site input file, keys as written in YAML."""
    schema = SiteInput.model_json_schema(by_alias=True, mode="validation", schema_generator=_Generator)
    schema.update({"$schema": DIALECT, "$id": SCHEMA_ID, "title": TITLE, "description": DESCRIPTION})
    return schema


def schema_text() -> str:
    """The schema as deterministic JSON: sorted keys, two-space indent, ASCII only, trailing newline."""
    return json.dumps(site_input_schema(), indent=2, sort_keys=True, ensure_ascii=True) + "\n"
