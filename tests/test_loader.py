"""Bad input gives exact ``file:line:col`` diagnostics with stable codes; good input loads.

Every code of the load stage (:data:`generator.load.codes.LOAD_CODES`) has a case here;
the codes of the rules have theirs in ``test_checks.py``.
"""

from __future__ import annotations

import copy
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import code_of, formatted, load, set_path, site_dict

from generator.diagnostics import Code, Diagnostic
from generator.load import codes as load_codes
from generator.load.codes import LOAD_CODES
from generator.load.loader import (
    SourceText,
    current_input,
    discover_inputs,
    parse_site_text,
    processing_input,
    read_site_file,
)
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
    "yaml-tag": (
        "schema: !custom 1\n",
        [
            "site_inputs/x.yaml:1:9: error: YAML tag !custom: tags are not allowed; write the value without it "
            "(quote text) [yaml-tag]"
        ],
    ),
    "yaml-merge-key": (
        "base: &b [1]\nsite: {<<: *b}\n",
        [
            "site_inputs/x.yaml:1:7: error: YAML anchor &b: anchors and aliases are not allowed; write each value out "
            "(2 in this file, the first shown) [yaml-alias]",
            "site_inputs/x.yaml:2:8: error: merge keys (<<) are not allowed; write each key out [yaml-merge-key]",
        ],
    ),
    "yaml-alias/recursive": (
        "a: &x [*x]\n",
        [
            "site_inputs/x.yaml:1:4: error: YAML anchor &x: anchors and aliases are not allowed; write each value out "
            "(2 in this file, the first shown) [yaml-alias]"
        ],
    ),
    "yaml-too-deep": (
        "a: " + "[" * 30 + "]" * 30 + "\n",
        [
            "site_inputs/x.yaml:1:23: error: mappings and lists are nested more than 20 levels deep; a site input "
            "needs at most 5 [yaml-too-deep]"
        ],
    ),
    "invalid-scalar": (
        VALID.replace("pki: {crl_published_on_internet: true}", "change: {history: [{date: 2026-02-30}]}"),
        [
            "site_inputs/x.yaml:26:27: error: 2026-02-30 is not a date or time that exists (day is out of range for "
            "month); quote it if it is text [invalid-scalar]"
        ],
    ),
    "control-character": (
        VALID.replace("  name: Example", '  name: "Exa\\0mple"'),
        [
            "site_inputs/x.yaml:4:9: error: character U+0000 (NULL) (written as an escape) is not allowed: a site "
            "input contains no control characters but tab and line breaks [control-character]"
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


ONE_RUN: dict[str, tuple[str, list[str]]] = {
    "a malformed FQDN beside mixed mode and an unknown site server": (
        VALID.replace("ibcm.example.com", "ibcm_example")
        .replace("mode: native", "mode: mixed")
        .replace("site_server: CM01", "site_server: CM99"),
        [
            "site_inputs/x.yaml:6:9: error: site.mode: Internet-based client management needs native mode "
            "(got 'mixed'); migrate the site to native mode first [mixed-mode-site]",
            "site_inputs/x.yaml:9:16: error: site.site_server: server 'CM99' is not in servers (known: CM01, DMZ01) "
            "[unknown-server]",
            "site_inputs/x.yaml:20:20: error: servers[1].internet_fqdn: must be an RFC 1123 FQDN: at least two labels "
            "(got 'ibcm_example') [invalid-value]",
        ],
    ),
    # The item is dropped: no unknown-server for database_server SQL01, since every rule that reads the list waits.
    "a list item of the wrong type": (
        VALID.replace("mode: native", "mode: mixed")
        .replace("database_server: CM01", "database_server: SQL01")
        .replace("network:", "  - SQL01\nnetwork:"),
        [
            "site_inputs/x.yaml:6:9: error: site.mode: Internet-based client management needs native mode "
            "(got 'mixed'); migrate the site to native mode first [mixed-mode-site]",
            "site_inputs/x.yaml:23:5: error: servers[2]: must be a mapping of keys to values (got 'SQL01') "
            "[invalid-value]",
        ],
    ),
    # Warnings wait too: the rule behind feature-unsupported-on-internet reads the list that lost an item.
    "a list item outside its allowed values": (
        VALID.replace("type: primary", "type: secondary").replace(
            "pki: {crl_published_on_internet: true}",
            "pki: {crl_published_on_internet: true}\nclients: {internet_features: [nap, 5]}",
        ),
        [
            "site_inputs/x.yaml:5:9: error: site.type: Internet-based client management needs a primary site "
            "(got 'secondary') [secondary-site]",
            "site_inputs/x.yaml:27:36: error: clients.internet_features[1]: must be 'inventory', 'software_metering', "
            "'software_distribution', 'software_updates', 'desired_configuration', 'user_targeted_distribution', "
            "'branch_distribution_points', 'client_push', 'auto_site_assignment', 'nap', 'wake_on_lan', "
            "'os_deployment', 'task_sequences', 'remote_control', 'out_of_band_management' or 'client_status_ping' "
            "(got 5) [invalid-value]",
        ],
    ),
    # The required name gets a stand-in (CM01, its example): no duplicate-server-name from it.
    "a required key of the wrong type": (
        VALID.replace("mode: native", "mode: mixed").replace("  - name: DMZ01", "  - name: 5"),
        [
            "site_inputs/x.yaml:6:9: error: site.mode: Internet-based client management needs native mode "
            "(got 'mixed'); migrate the site to native mode first [mixed-mode-site]",
            "site_inputs/x.yaml:17:11: error: servers[1].name: must be text (got 5); quote it in YAML [invalid-value]",
        ],
    ),
    # The stand-in zone (intranet) would make DMZ01 an Internet-facing intranet server: no warning from it.
    "a required value outside its allowed values": (
        VALID.replace("mode: native", "mode: mixed").replace("zone: perimeter", "zone: 5"),
        [
            "site_inputs/x.yaml:6:9: error: site.mode: Internet-based client management needs native mode "
            "(got 'mixed'); migrate the site to native mode first [mixed-mode-site]",
            "site_inputs/x.yaml:18:11: error: servers[1].zone: must be 'intranet' or 'perimeter' (got 5) "
            "[invalid-value]",
        ],
    ),
    "another format version: no rules": (
        VALID.replace("schema: 1", "schema: 2").replace("mode: native", "mode: mixed"),
        ["site_inputs/x.yaml:1:9: error: schema: must be 1 (got 2) [invalid-value]"],
    ),
}
"""Case id -> (input text that fails the schema, every diagnostic it prints): the rules still run in the same run."""


@pytest.mark.parametrize("case", list(ONE_RUN), ids=list(ONE_RUN))
def test_every_independent_problem_in_one_run(case: str) -> None:
    text, expected = ONE_RUN[case]
    site, diagnostics = load(text, "site_inputs/x.yaml")
    assert formatted(diagnostics) == expected
    assert site is None


def _leaf_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if path:
        yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in children:
        yield from _leaf_paths(child, (*path, key))


def test_pruning_never_adds_a_rule_finding() -> None:
    """Any value made invalid: the rules report a subset of what they report on the valid site, never more."""
    base = site_dict(
        set_path("site.mode", "mixed"),
        set_path("pki.crl_published_on_internet", False),
        set_path("clients.internet_features", ["nap"]),
        set_path("servers[DMZ01].os", "windows_server_2008"),
    )
    _, found = load(base)
    expected = {(d.code, d.message) for d in found}
    assert {code for code, _ in expected} == {
        "mixed-mode-site",
        "crl-not-published",
        "feature-unsupported-on-internet",
        "webdav-manual",
    }
    load_codes = {code.name for code in LOAD_CODES}
    for path in _leaf_paths(base):
        data = copy.deepcopy(base)
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = {"not": "valid"}
        _, diagnostics = load(data)
        assert any(d.code in load_codes for d in diagnostics), path
        assert {(d.code, d.message) for d in diagnostics if d.code not in load_codes} <= expected, path


BAD_FILES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "unreadable-file": (
        {"bad.yaml": b"\xff\xfe\x00bad"},
        [
            "bad.yaml:1:1: error: cannot read file: 'utf-8' codec can't decode byte 0xff in position 0: "
            "invalid start byte [unreadable-file]"
        ],
    ),
    "file-too-large": (
        {"big.yaml": "# padding\n" * 30_000},
        ["big.yaml:1:1: error: the file has more than 256 KiB; a site input may have at most 256 KiB [file-too-large]"],
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


# --- only regular files are read; the file being processed -----------------------------------------------------


def read_within(path: Path, seconds: float = 30) -> tuple[SourceText | None, list[str]]:
    """:func:`read_site_file` in a thread: a read that blocks (a named pipe opened for reading waits for a
    writer) fails the test instead of hanging it; the pipe is then opened for writing to let the thread end."""
    result: list[tuple[SourceText | None, list[Diagnostic]]] = []
    thread = threading.Thread(target=lambda: result.append(read_site_file(path, shown_as=path.name)), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"reading {path.name} blocked")
    source, diagnostics = result[0]
    return source, formatted(diagnostics)


def test_a_named_pipe_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "link.yaml").symlink_to("pipe.yaml")
    for name in ("pipe.yaml", "link.yaml"):
        source, diagnostics = read_within(tmp_path / name)
        assert source is None
        assert diagnostics == [
            f"{name}:1:1: error: cannot read file: it is a named pipe (FIFO), not a regular file [unreadable-file]"
        ]


def test_a_socket_or_folder_is_not_read_and_a_link_to_a_file_is(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "socket.yaml"))
        assert read_within(tmp_path / "socket.yaml")[1] == [
            "socket.yaml:1:1: error: cannot read file: it is a socket, not a regular file [unreadable-file]"
        ]
    finally:
        server.close()
    (tmp_path / "folder.yaml").mkdir()
    assert read_within(tmp_path / "folder.yaml")[1] == [
        "folder.yaml:1:1: error: cannot read file: it is a folder, not a regular file [unreadable-file]"
    ]
    (tmp_path / "site.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to("site.yaml")
    source, diagnostics = read_within(tmp_path / "link.yaml")
    assert diagnostics == [] and source is not None and source.text == VALID


def test_a_named_pipe_among_the_inputs_is_an_error_and_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    os.mkfifo(tmp_path / "b.yaml")
    monkeypatch.chdir(tmp_path)
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(load_sites([tmp_path])), daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():
        os.close(os.open(tmp_path / "b.yaml", os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("loading a folder with a named pipe blocked")
    sites, diagnostics = result[0]
    assert [site.model.site.code for site in sites] == ["ABC"]
    assert formatted(diagnostics) == [
        "b.yaml:1:1: error: cannot read file: it is a named pipe (FIFO), not a regular file [unreadable-file]"
    ]


def test_the_file_being_processed_is_the_one_read_last_until_new_inputs_are_discovered(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    before = current_input()
    with processing_input(None):
        assert current_input() is None
        read_site_file(tmp_path / "a.yaml", shown_as="shown/a.yaml")
        assert current_input() == "shown/a.yaml"
        parse_site_text(VALID, "text.yaml")
        assert current_input() == "text.yaml"
        with processing_input("b.yaml"):
            assert current_input() == "b.yaml"
        assert current_input() == "text.yaml"
        discover_inputs([tmp_path])
        assert current_input() is None
    assert current_input() == before
