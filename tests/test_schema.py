"""The JSON Schema of the site input format: generated from the model, committed, published, and in agreement.

It must accept every example site and variation, reject what ``check``
rejects for the reasons a schema can express, say the same as the reference
tables of docs/site-inputs.md, and the committed copy editors use
(``schema/site-input-1.json``) must be exactly what the model generates.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import yaml
from helpers import BASE_SITE, delete_path, set_path, site_dict, site_yaml
from pydantic import TypeAdapter, ValidationError

from generator.cli import main
from generator.model import fields
from generator.model.json_schema import FORMAT_VERSION, SCHEMA_ID, SCHEMA_PATH, schema_text, site_input_schema
from generator.pipeline import plan_site_text
from generator.sphinx_ext import publish_schema, reference

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / SCHEMA_PATH
SITE_FILES = sorted([*(ROOT / "site_inputs").glob("*.yaml"), *(ROOT / "tests" / "data" / "variations").glob("*.yaml")])
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<url>\S+)$")
Validator = jsonschema.Draft202012Validator


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2 core): timestamps stay text."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def editor_load(text: str) -> Any:
    return yaml.load(text, Loader=EditorLoader)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    return Validator(site_input_schema(), format_checker=Validator.FORMAT_CHECKER)


def errors(validator: jsonschema.protocols.Validator, data: Any) -> list[tuple[str, str]]:
    """(JSON path, keyword) of every schema error and, inside ``anyOf`` (optional values), of its branches."""

    def flatten(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
        return [error, *(leaf for child in error.context or () for leaf in flatten(child))]

    return sorted(
        {(leaf.json_path, str(leaf.validator)) for error in validator.iter_errors(data) for leaf in flatten(error)}
    )


# --- the generated text and its committed copy ----------------------------------------------------


def test_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.is_file(), f"missing {SCHEMA_PATH}: run `ibcm-runbook schema -o {SCHEMA_PATH}`"
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA_PATH} is out of date with the model: run `ibcm-runbook schema -o {SCHEMA_PATH}` and commit it"
    )


def test_schema_text_is_deterministic_sorted_json_with_a_trailing_newline() -> None:
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert text.isascii()


def test_schema_is_a_valid_draft_2020_12_schema_with_an_id_and_title() -> None:
    schema = site_input_schema()
    Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == f"ibcm-runbook site input (format {FORMAT_VERSION})"
    assert schema["properties"]["schema"] == {
        "const": FORMAT_VERSION,
        "description": "Format version; must be 1.",
        "type": "integer",
    }
    assert f"schema/site-input-{FORMAT_VERSION}.json" == SCHEMA_PATH


def test_every_mapping_forbids_unknown_keys_and_fields_carry_descriptions() -> None:
    schema = site_input_schema()
    for name, definition in [("(top level)", schema), *schema["$defs"].items()]:
        assert definition["additionalProperties"] is False, name
        for key, prop in definition["properties"].items():
            assert prop.get("description"), f"{name}.{key} has no description (give the field a docstring)"
            assert "title" not in prop, f"{name}.{key}: per-field titles are noise in editors"


def test_enums_defaults_and_examples_are_in_the_schema() -> None:
    defs = site_input_schema()["$defs"]
    assert defs["Server"]["properties"]["zone"]["enum"] == ["intranet", "perimeter"]
    assert defs["ManagementPoint"]["properties"]["connections"]["default"] == "intranet"
    assert defs["BackFirewall"]["properties"]["perimeter_may_initiate"]["default"] is True
    assert defs["ClientPorts"]["properties"]["https"] == {
        "default": 443,
        "description": "Site-wide client HTTPS port.",
        "maximum": 65535,
        "minimum": 1,
        "type": "integer",
    }
    for definition, key in [("Site", "code"), ("Site", "forest"), ("Server", "name"), ("Server", "internet_fqdn")]:
        assert defs[definition]["properties"][key]["examples"], f"{definition}.{key} has no example"


def _with_examples(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if "examples" in node:
            found.append((path, node))
        for key, value in node.items():
            found += _with_examples(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _with_examples(value, f"{path}/{index}")
    return found


def test_every_example_in_the_schema_is_valid() -> None:
    schema = site_input_schema()
    with_examples = _with_examples(schema)
    assert len(with_examples) >= 20
    for path, subschema in with_examples:
        check = Validator({**subschema, "$defs": schema["$defs"]}, format_checker=Validator.FORMAT_CHECKER)
        for example in subschema["examples"]:
            assert list(check.iter_errors(example)) == [], f"{path}: example {example!r} is invalid"


# --- the example sites and variations -----------------------------------------------------------


@pytest.mark.parametrize("path", SITE_FILES, ids=lambda p: p.name)
def test_site_input_starts_with_the_editor_line_naming_the_committed_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path.name}: the first line must be `# yaml-language-server: $schema=<relative path>`"
    assert (path.parent / match["url"]).resolve() == COMMITTED.resolve()


@pytest.mark.parametrize("path", SITE_FILES, ids=lambda p: p.name)
def test_every_example_site_and_variation_validates(path: Path, validator: jsonschema.protocols.Validator) -> None:
    assert errors(validator, editor_load(path.read_text(encoding="utf-8"))) == []


# --- invalid documents: the schema rejects them where check does ---------------------------------


INVALID = {
    "unknown-top-level-key": ([set_path("colour", "blue")], "$", "additionalProperties"),
    "unknown-server-key": ([set_path("servers[CM01].zonee", "intranet")], "$.servers[0]", "additionalProperties"),
    "wrong-enum": ([set_path("servers[CM01].zone", "dmz")], "$.servers[0].zone", "enum"),
    "wrong-role-enum": (
        [set_path("servers[CM01].roles", {"management_point": {"connections": "everyone"}})],
        "$.servers[0].roles.management_point.connections",
        "enum",
    ),
    "bad-ip": ([set_path("servers[CM01].address", "10.0.0.300")], "$.servers[0].address", "pattern"),
    "bad-ipv6": ([set_path("servers[CM01].public_ip", "2001:db8::1::2")], "$.servers[0].public_ip", "pattern"),
    "bad-server-name": ([set_path("site.site_server", "THIS-NAME-IS-TOO-LONG")], "$.site.site_server", "pattern"),
    "bad-fqdn": ([set_path("site.forest", "corp.example.test.")], "$.site.forest", "pattern"),
    "numeric-fqdn-label": ([set_path("site.forest", "corp.123")], "$.site.forest", "pattern"),
    "bad-site-code": ([set_path("site.code", "ABCD")], "$.site.code", "pattern"),
    "missing-required-key": ([delete_path("site.mode")], "$.site", "required"),
    "wrong-format-version": ([set_path("schema", 2)], "$.schema", "const"),
    "port-out-of-range": ([set_path("site.client_ports", {"https": 70000})], "$.site.client_ports.https", "maximum"),
    "name-not-text": ([set_path("site.name", True)], "$.site.name", "type"),
    "no-servers": ([set_path("servers", [])], "$.servers", "minItems"),
    "bad-directory-forest": ([set_path("directory", {"corp": [{"name": "DC01"}]})], "$.directory", "pattern"),
}


@pytest.mark.parametrize(("mutations", "where", "keyword"), INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_are_rejected_by_the_schema_and_by_check(
    mutations: list[Any], where: str, keyword: str, validator: jsonschema.protocols.Validator
) -> None:
    data = site_dict(*mutations)
    found = errors(validator, data)
    assert found, "the schema accepted it"
    if keyword == "pattern" and where == "$.directory":
        assert [k for _, k in found] == ["pattern"], found  # reported on the key, under propertyNames
    else:
        assert (where, keyword) in found, found
    plan, diagnostics = plan_site_text(site_yaml(data), "site_inputs/t.yaml")
    assert plan is None and any(d.is_error for d in diagnostics), "check accepted it"


def test_the_base_site_of_the_tests_validates(validator: jsonschema.protocols.Validator) -> None:
    assert errors(validator, BASE_SITE) == []


# --- the patterns of the constrained types agree with their validators ---------------------------


def _random_ipv6(rng: random.Random) -> list[str]:
    address = ipaddress.IPv6Address(rng.getrandbits(128) & ~((1 << rng.choice([0, 16, 32, 64, 96])) - 1))
    return [str(address), address.exploded, f"::ffff:{ipaddress.IPv4Address(rng.getrandbits(32))}"]


_RNG = random.Random(20261126)
SAMPLES: dict[str, list[Any]] = {
    "ServerName": ["CM01", "dmz-mp-01", "A", "ABCDEFGHIJKLMNO", "ABCDEFGHIJKLMNOP", "CM_01", "CM 01", "", "cm.01"],
    "Fqdn": [
        "corp.example.test",
        "a.b",
        "x1.y-2.example",
        "1a.example.com",
        "localhost",
        "corp.example.test.",
        "-corp.example.test",
        "corp-.example",
        "corp..example",
        "corp.123",
        "123.example",
        "exa_mple.com",
        f"{'a' * 63}.example",
        f"{'a' * 64}.example",
        ".".join(["abcdefghi"] * 25) + ".example",
        ".".join(["abcdefghi"] * 26),
    ],
    "SiteCode": ["CEN", "cen", "C1x", "123", "CE", "CENT", "C-N", ""],
    "SingleLine": ["Contoso Central", "x", "Zürich Größe", "", "two\nlines", "tab\there", "nul\x00", "line\u2028sep"],
    "MultiLine": ["one\ntwo", "tab\tindent", "", "carriage\rreturn", "bell\x07", "next\x85line"],
    "IpAddress": [
        "10.0.0.1",
        "255.255.255.255",
        "0.0.0.0",
        "256.1.1.1",
        "1.2.3",
        "01.2.3.4",
        "1.2.3.4.5",
        "::",
        "::1",
        "2001:db8::1",
        "fe80::1%eth0",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "1:2:3:4:5:6:7:8:9",
        "2001:db8::1::2",
        "12345::1",
        "::ffff:192.0.2.1",
        "::ffff:192.0.2.256",
        "g::1",
        "example.com",
        *[address for _ in range(40) for address in _random_ipv6(_RNG)],
    ],
    "Account": ["CORP\\cm-install", "DMZ\\svc.cm", "cm-install", "CORP\\", "\\user", "CORP\\a\\b", "CORP/user"],
    "PortRange": ["50000-50100", "1-65535", "80-80", "0080-00090", "0-10", "10-70000", "1-2-3", "50000", "a-b"],
    "Port": [1, 80, 65535, 0, 65536, -1],
    "Url": [
        "http://pki.example.com/crl/ca.crl",
        "https://pki.example.com:8443/crl",
        "HTTP://PKI.EXAMPLE.COM/x",
        "http://user@pki.example.com/",
        "http://pki.example.com",
        "ftp://pki.example.com/",
        "http://pki/crl",
        "http://10.0.0.1/crl",
        "http://pki.example.com:0/",
        "http://pki.example.com:70000/",
        "http://pki.example.com/a b",
    ],
}


@pytest.mark.parametrize("type_name", SAMPLES)
def test_the_schema_of_each_constrained_type_accepts_what_the_model_accepts(type_name: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(getattr(fields, type_name))
    check = Validator(adapter.json_schema())
    disagreements = []
    for value in SAMPLES[type_name]:
        try:
            adapter.validate_python(value)
            model_ok = True
        except ValidationError:
            model_ok = False
        schema_ok = check.is_valid(value)
        if model_ok != schema_ok:
            disagreements.append(f"{value!r}: model {'accepts' if model_ok else 'rejects'}, schema does not")
    assert disagreements == []


# --- the schema says what the reference tables in docs/site-inputs.md say ------------------------

ROW = re.compile(r"^\* - `(?P<key>[^`]+)`$")


def documented_mappings() -> dict[str, dict[str, tuple[bool, str]]]:
    """Dotted path -> key -> (required, meaning), from the table the `ibcm-schema` directive renders."""
    tables: dict[str, dict[str, tuple[bool, str]]] = {}
    current: dict[str, tuple[bool, str]] = {}
    lines = reference.schema_tables().splitlines()
    for index, line in enumerate(lines):
        if line.startswith("### "):
            title = line.removeprefix("### ").strip()
            current = tables.setdefault("" if title == "top level" else title.strip("`"), {})
        elif match := ROW.match(line):
            default = lines[index + 2].strip().removeprefix("- ")
            meaning = lines[index + 3].strip().removeprefix("- ")
            current[match["key"]] = (default == "required", meaning)
    return tables


def schema_mappings(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Dotted path -> object schema, for every mapping reachable in the JSON Schema."""
    found: dict[str, dict[str, Any]] = {}

    def visit(path: str, node: dict[str, Any]) -> None:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
        if "properties" in node:
            found.setdefault(path, node)
            for key, child in node["properties"].items():
                visit(f"{path}.{key}" if path else key, child)
        for child in node.get("anyOf", []):
            visit(path, child)
        for nested in ("items", "additionalProperties"):
            if isinstance(node.get(nested), dict):
                visit(path, node[nested])

    visit("", schema)
    return found


def test_schema_and_reference_tables_document_the_same_keys() -> None:
    schema = site_input_schema()
    documented = documented_mappings()
    in_schema = schema_mappings(schema)
    assert len(documented) >= 20
    for path, keys in documented.items():
        assert path in in_schema, f"docs document `{path}`, which the schema does not have"
        mapping = in_schema[path]
        required = set(mapping.get("required", []))
        described = {key: (key in required, prop["description"]) for key, prop in mapping["properties"].items()}
        assert described == keys, f"`{path or 'top level'}` differs between the schema and docs/site-inputs.md"
    documented_models = {in_schema[path]["title"] for path in documented}
    assert documented_models == {schema["title"], *schema["$defs"]}, "a mapping of the schema is not documented"


# --- ibcm-runbook schema ------------------------------------------------------------------------


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out, err = capsys.readouterr()
    assert out == schema_text()
    assert err == ""


def test_schema_command_writes_a_file_only_when_it_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schema" / "site-input-1.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert capsys.readouterr().out == f"{target}\n"
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert main(["schema", "-o", str(target)]) == 0
    assert target.stat().st_mtime_ns == 1_000_000_000


def test_schema_command_refuses_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["schema", "-o", str(tmp_path)])
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith(f"{tmp_path} is a folder; give a file name such as {tmp_path / 'site-input-1.json'}")
    )


# --- published with the HTML ----------------------------------------------------------------------


def _app(outdir: Path, builder_format: str) -> Any:
    return SimpleNamespace(outdir=str(outdir), builder=SimpleNamespace(format=builder_format))


def test_html_builds_publish_the_schema_and_rewrite_it_only_when_it_changed(tmp_path: Path) -> None:
    published = tmp_path / SCHEMA_PATH
    publish_schema(_app(tmp_path, "html"), None)
    assert published.read_text(encoding="utf-8") == schema_text()
    os.utime(published, ns=(1_000_000_000, 1_000_000_000))
    publish_schema(_app(tmp_path, "html"), None)
    assert published.stat().st_mtime_ns == 1_000_000_000
    published.write_text("{}\n", encoding="utf-8")  # a stale copy is replaced
    publish_schema(_app(tmp_path, "html"), None)
    assert published.read_text(encoding="utf-8") == schema_text()


def test_other_builders_and_failed_builds_publish_nothing(tmp_path: Path) -> None:
    publish_schema(_app(tmp_path / "latex", "latex"), None)
    publish_schema(_app(tmp_path / "failed", "html"), RuntimeError("boom"))
    assert list(tmp_path.rglob("*.json")) == []


@pytest.mark.slow
def test_the_html_build_of_the_examples_has_the_schema(example_build: Any) -> None:
    published = example_build.build / "html" / SCHEMA_PATH
    assert published.read_text(encoding="utf-8") == schema_text()
