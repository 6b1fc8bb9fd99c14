"""Bad input gives exact ``file:line:col`` diagnostics with stable codes; good input loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import load

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


def diagnose(text: str) -> list[str]:
    _, diagnostics = load(text, "site_inputs/x.yaml")
    return [d.format() for d in diagnostics]


def test_valid_input_loads_and_upper_cases_the_site_code() -> None:
    site, diagnostics = load(VALID)
    assert diagnostics == []
    assert site is not None
    assert site.code == "ABC"


BAD_INPUTS: dict[str, tuple[str, str | list[str]]] = {
    "unknown key with suggestion": (
        VALID.replace("    zone: perimeter", "    zonee: perimeter"),
        [
            "site_inputs/x.yaml:17:5: error: servers[1]: missing required key 'zone' [missing-key]",
            "site_inputs/x.yaml:18:5: error: servers[1]: unknown key 'zonee'; did you mean 'zone'? [unknown-key]",
        ],
    ),
    "duplicate key": (
        VALID.replace("  name: Example\n", "  name: Example\n  name: Other\n"),
        "site_inputs/x.yaml:5:3: error: site.name: duplicate key (first defined at line 4) [duplicate-key]",
    ),
    "literal value": (
        VALID.replace("management_point: {connections: internet}", "management_point: {connections: internt}"),
        "site_inputs/x.yaml:22:39: error: servers[1].roles.management_point.connections: must be 'intranet', "
        "'internet' or 'both' (got 'internt') [invalid-value]",
    ),
    "missing key": (
        VALID.replace("    os: windows_server_2003\n    internet_fqdn", "    internet_fqdn"),
        "site_inputs/x.yaml:17:5: error: servers[1]: missing required key 'os' [missing-key]",
    ),
    "bad fqdn": (
        VALID.replace("ibcm.example.com", "ibcm_example"),
        "site_inputs/x.yaml:20:20: error: servers[1].internet_fqdn: must be an RFC 1123 FQDN: at least two labels "
        "(got 'ibcm_example') [invalid-value]",
    ),
    "yaml syntax": (
        VALID.replace("  front_firewall: {name: FW1}", "  front_firewall: {name: FW1"),
        "site_inputs/x.yaml:25:16: error: YAML syntax error: expected ',' or '}', but got ':' "
        "(while parsing a flow mapping) [yaml-syntax]",
    ),
    "schema version": (
        VALID.replace("schema: 1", "schema: 2"),
        "site_inputs/x.yaml:1:9: error: schema: must be 1 (got 2) [invalid-value]",
    ),
    "reference": (
        VALID.replace("database_server: CM01", "database_server: SQL99"),
        "site_inputs/x.yaml:10:20: error: site.database_server: server 'SQL99' is not in servers "
        "(known: CM01, DMZ01) [unknown-server]",
    ),
    "semantic rule": (
        VALID.replace("mode: native", "mode: mixed"),
        "site_inputs/x.yaml:6:9: error: site.mode: Internet-based client management needs native mode "
        "(got 'mixed'); migrate the site to native mode first [mixed-mode-site]",
    ),
    "boolean": (
        VALID.replace("{crl_published_on_internet: true}", "{crl_published_on_internet: maybe}"),
        "site_inputs/x.yaml:26:34: error: pki.crl_published_on_internet: must be true or false (got 'maybe') "
        "[invalid-value]",
    ),
    "name with a line break": (
        VALID.replace("  name: Example", '  name: "Exa\\nmple"'),
        "site_inputs/x.yaml:4:9: error: site.name: must be a single line without control characters [invalid-value]",
    ),
    "not a mapping": (
        "- just\n- a list\n",
        "site_inputs/x.yaml:1:1: error: a site input is a mapping with schema, site, servers and network "
        "(got list) [invalid-document]",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS), ids=sorted(BAD_INPUTS))
def test_bad_input_diagnostic(case: str) -> None:
    text, expected = BAD_INPUTS[case]
    assert diagnose(text) == (expected if isinstance(expected, list) else [expected])


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID.replace("zone: perimeter", "zone: dmz").replace("SP1", "SP9"))
    (tmp_path / "b.yaml").write_text(VALID.replace("name: FW1", "nmae: FW1"))
    (tmp_path / "_defaults.yaml").write_text("this is: [not a site")
    sites, diagnostics = load_sites([tmp_path])
    assert sites == []
    assert [(Path(d.location.path).name, d.location.line, d.code) for d in diagnostics] == [
        ("a.yaml", 7, "invalid-value"),
        ("a.yaml", 18, "invalid-value"),
        ("b.yaml", 24, "missing-key"),
        ("b.yaml", 24, "unknown-key"),
    ]


def test_duplicate_site_codes_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID)
    (tmp_path / "b.yml").write_text(VALID)
    _, diagnostics = load_sites([tmp_path])
    assert [d.code for d in diagnostics] == ["duplicate-site-code"]
    assert diagnostics[0].location.path.endswith("b.yml")


def test_discover_skips_underscore_files_and_sorts(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "_x.yaml", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in discover_inputs([tmp_path])] == ["a.yml", "b.yaml"]


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe\x00bad")
    _, diagnostics = load_sites([bad])
    assert [d.code for d in diagnostics] == ["unreadable-file"]


def test_example_sites_are_valid(repo_root: Path) -> None:
    sites, diagnostics = load_sites([repo_root / "site_inputs"])
    assert not [d.format() for d in diagnostics if d.is_error]
    assert len(sites) >= 4
    assert all(site.model.change is not None for site in sites)
