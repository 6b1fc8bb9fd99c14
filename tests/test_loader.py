"""Bad input gives exact ``file:line:col`` diagnostics with stable codes; good input loads.

Every code of the load stage (:data:`generator.load.codes.LOAD_CODES`) has a case here;
the codes of the rules have theirs in ``test_checks.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import code_of, formatted, load

from generator.diagnostics import Code
from generator.load import codes as load_codes
from generator.load.codes import LOAD_CODES
from generator.load.loader import discover_inputs
from generator.pipeline import load_sites

VALID = """\
schema: 1
site:
  code: abc
  name: Example
  type: primary
  mode: native
  version: SP1
  forest: corp.example.test
  site_server: CM01
  database_server: CM01
servers:
  - name: CM01
    zone: intranet
    os: windows_server_2003
    roles:
      software_update_point: {connections: intranet}
  - name: DMZ01
    zone: perimeter
    os: windows_server_2003
    internet_fqdn: ibcm.example.com
    roles:
      management_point: {connections: internet}
network:
  front_firewall: {name: FW1}
  back_firewall: {name: FW2}
pki: {crl_published_on_internet: true}
"""


def test_valid_input_loads_and_upper_cases_the_site_code() -> None:
    site, diagnostics = load(VALID)
    assert diagnostics == []
    assert site is not None
    assert site.code == "ABC"


BAD_INPUTS: dict[str, tuple[str, list[str]]] = {
    "yaml-syntax": (
        VALID.replace("  front_firewall: {name: FW1}", "  front_firewall: {name: FW1"),
        [
            "site_inputs/x.yaml:25:16: error: YAML syntax error: expected ',' or '}', but got ':' "
            "(while parsing a flow mapping) [yaml-syntax]"
        ],
    ),
    "duplicate-key": (
        VALID.replace("  name: Example\n", "  name: Example\n  name: Other\n"),
        ["site_inputs/x.yaml:5:3: error: site.name: duplicate key (first defined at line 4) [duplicate-key]"],
    ),
    "duplicate-key/beside a rule error": (
        VALID.replace("  name: Example\n", "  name: Example\n  name: Other\n").replace("mode: native", "mode: mixed"),
        [
            "site_inputs/x.yaml:5:3: error: site.name: duplicate key (first defined at line 4) [duplicate-key]",
            "site_inputs/x.yaml:7:9: error: site.mode: Internet-based client management needs native mode "
            "(got 'mixed'); migrate the site to native mode first [mixed-mode-site]",
        ],
    ),
    "invalid-key": (
        VALID.replace("{crl_published_on_internet: true}", "{crl_published_on_internet: true, 1.5: x}"),
        ["site_inputs/x.yaml:26:40: error: pki: keys must be plain names (got 1.5) [invalid-key]"],
    ),
    "invalid-document": (
        "- just\n- a list\n",
        [
            "site_inputs/x.yaml:1:1: error: a site input is a mapping with schema, site, servers and network "
            "(got list) [invalid-document]"
        ],
    ),
    "invalid-document/empty": (
        "",
        [
            "site_inputs/x.yaml:1:1: error: a site input is a mapping with schema, site, servers and network "
            "(got an empty file) [invalid-document]"
        ],
    ),
    "unknown-key": (
        VALID.replace("    zone: perimeter", "    zonee: perimeter"),
        [
            "site_inputs/x.yaml:17:5: error: servers[1]: missing required key 'zone' [missing-key]",
            "site_inputs/x.yaml:18:5: error: servers[1]: unknown key 'zonee'; did you mean 'zone'? [unknown-key]",
        ],
    ),
    "missing-key": (
        VALID.replace("    os: windows_server_2003\n    internet_fqdn", "    internet_fqdn"),
        ["site_inputs/x.yaml:17:5: error: servers[1]: missing required key 'os' [missing-key]"],
    ),
    "invalid-value/literal": (
        VALID.replace("management_point: {connections: internet}", "management_point: {connections: internt}"),
        [
            "site_inputs/x.yaml:22:39: error: servers[1].roles.management_point.connections: must be 'intranet', "
            "'internet' or 'both' (got 'internt') [invalid-value]"
        ],
    ),
    "invalid-value/fqdn": (
        VALID.replace("ibcm.example.com", "ibcm_example"),
        [
            "site_inputs/x.yaml:20:20: error: servers[1].internet_fqdn: must be an RFC 1123 FQDN: at least two "
            "labels (got 'ibcm_example') [invalid-value]"
        ],
    ),
    "invalid-value/schema version": (
        VALID.replace("schema: 1", "schema: 2"),
        ["site_inputs/x.yaml:1:9: error: schema: must be 1 (got 2) [invalid-value]"],
    ),
    "invalid-value/boolean": (
        VALID.replace("{crl_published_on_internet: true}", "{crl_published_on_internet: maybe}"),
        [
            "site_inputs/x.yaml:26:34: error: pki.crl_published_on_internet: must be true or false (got 'maybe') "
            "[invalid-value]"
        ],
    ),
    "invalid-value/line break": (
        VALID.replace("  name: Example", '  name: "Exa\\nmple"'),
        ["site_inputs/x.yaml:4:9: error: site.name: must be a single line without control characters [invalid-value]"],
    ),
    "unknown-server": (
        VALID.replace("database_server: CM01", "database_server: SQL99"),
        [
            "site_inputs/x.yaml:10:20: error: site.database_server: server 'SQL99' is not in servers "
            "(known: CM01, DMZ01) [unknown-server]"
        ],
    ),
}
"""Case id (the code it exercises first, then ``/variant``) -> (input text, every diagnostic it prints)."""


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_diagnostic(case: str) -> None:
    text, expected = BAD_INPUTS[case]
    site, diagnostics = load(text, "site_inputs/x.yaml")
    assert formatted(diagnostics) == expected
    assert site is None


BAD_FILES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "unreadable-file": (
        {"bad.yaml": b"\xff\xfe\x00bad"},
        [
            "bad.yaml:1:1: error: cannot read file: 'utf-8' codec can't decode byte 0xff in position 0: "
            "invalid start byte [unreadable-file]"
        ],
    ),
    "duplicate-site-code": (
        {"a.yaml": VALID, "b.yml": VALID},
        ["b.yml:3:9: error: site.code: ABC is already used by a.yaml [duplicate-site-code]"],
    ),
    "invalid-value/every problem of every file in one run": (
        {
            "a.yaml": VALID.replace("zone: perimeter", "zone: dmz").replace("SP1", "SP9"),
            "b.yml": VALID.replace("name: FW1", "nmae: FW1"),
            "_defaults.yaml": "this is: [not a site",
        },
        [
            "a.yaml:7:12: error: site.version: must be 'RTM', 'SP1', 'SP2', 'R2' or 'R3' (got 'SP9') [invalid-value]",
            "a.yaml:18:11: error: servers[1].zone: must be 'intranet' or 'perimeter' (got 'dmz') [invalid-value]",
            "b.yml:24:19: error: network.front_firewall: missing required key 'name' [missing-key]",
            "b.yml:24:20: error: network.front_firewall: unknown key 'nmae'; did you mean 'name'? [unknown-key]",
        ],
    ),
}
"""Case id -> (files written to a folder, every diagnostic of the folder with paths shown relative to it)."""


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_files_diagnostic(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, expected = BAD_FILES[case]
    for name, content in files.items():
        if isinstance(content, bytes):
            (tmp_path / name).write_bytes(content)
        else:
            (tmp_path / name).write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, diagnostics = load_sites([tmp_path])
    assert formatted(diagnostics) == expected


def test_every_load_code_has_an_exact_case() -> None:
    covered = {code_of(line) for _, expected in [*BAD_INPUTS.values(), *BAD_FILES.values()] for line in expected}
    assert {code.name for code in LOAD_CODES} <= covered


def test_every_code_of_the_load_stage_is_listed() -> None:
    assert {value for value in vars(load_codes).values() if isinstance(value, Code)} == set(LOAD_CODES)


def test_discover_skips_underscore_files_and_sorts(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "_x.yaml", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in discover_inputs([tmp_path])] == ["a.yml", "b.yaml"]


def test_example_sites_are_valid(repo_root: Path) -> None:
    sites, diagnostics = load_sites([repo_root / "site_inputs"])
    assert not [d.format() for d in diagnostics if d.is_error]
    assert len(sites) >= 4
    assert all(site.model.change is not None for site in sites)
