"""The command line: exit codes, exact diagnostics on stderr, the JSON plan contract."""

from __future__ import annotations

import argparse
import io
import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import BASE_SITE

from generator.cli import build_parser, main
from generator.cli.output import print_diagnostics, use_colour
from generator.derive.checklist import STEP_IDS
from generator.pipeline import plan_site_file

ROOT = Path(__file__).resolve().parent.parent
CEN = ROOT / "site_inputs" / "contoso-perimeter-forest.yaml"


def test_check_valid_inputs_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT / "site_inputs")]) == 0
    err = capsys.readouterr().err
    assert "error:" not in err
    assert err.strip().endswith("error(s), 13 warning(s)")


def test_check_invalid_input_exits_1_with_located_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CEN.read_text().replace("mode: native", "mode: mixed").replace("zone: perimeter", "zone: dmz", 1))
    assert main(["check", str(bad)]) == 1
    lines = capsys.readouterr().err.splitlines()
    # The rules run on what is left of a file that fails the schema: mixed mode is reported with the bad zone, and
    # rules that read servers[2].zone wait (docs/site-inputs.md, Validation rules).
    webdav = (
        "warning: servers[{}] ({}): the Internet {} on Windows Server 2008 needs WebDAV, which is set up by hand: "
        "download and install WebDAV for IIS 7.0, then enable WebDAV and its authoring rules [webdav-manual]"
    )
    assert lines == [
        f"{bad}:10:9: error: site.mode: Internet-based client management needs native mode (got 'mixed'); migrate "
        "the site to native mode first [mixed-mode-site]",
        f"{bad}:31:11: error: servers[2].zone: must be 'intranet' or 'perimeter' (got 'dmz') [invalid-value]",
        f"{bad}:33:9: " + webdav.format(2, "DMZMP01", "management point"),
        f"{bad}:42:9: " + webdav.format(3, "DMZMP02", "management point"),
        f"{bad}:51:9: " + webdav.format(4, "DMZDP01", "distribution point"),
        "1 file(s) checked: 0 valid, 2 error(s), 3 warning(s)",
    ]


def test_check_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "no/such/dir"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == "ibcm-runbook check: error: argument PATH: no such file or folder: no/such/dir\n"


def test_plan_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(CEN), "--format", "json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert list(data) == sorted(data)
    assert set(data) == {
        "schema",
        "site",
        "steps",
        "excluded_steps",
        "phases",
        "accounts",
        "flows",
        "firewall_rules",
        "dns_records",
        "certificates",
        "warnings",
    }
    assert data["schema"] == 1
    assert data["site"] == {"code": "CEN", "name": "Contoso Central"}
    ids = [s["id"] for s in data["steps"]] + [s["id"] for s in data["excluded_steps"]]
    assert sorted(ids) == sorted(STEP_IDS)
    assert [s["number"] for s in data["steps"]] == list(range(1, len(data["steps"]) + 1))  # runbook order
    for step in data["steps"]:  # the change-plan keys of docs/usage.md (spec: steps.md, additions)
        assert {"owner", "phase", "seed_item", "requires", "provides", "verification", "rollback"} <= set(step)
        assert step["phase"] in {1, 2, 3, 4, 5}
        assert step["seed_item"] is None or 1 <= step["seed_item"] <= 12
    assert [p["number"] for p in data["phases"]] == [1, 2, 3, 4, 5]
    assert all(set(p) >= {"number", "title", "steps", "gate"} and p["gate"] for p in data["phases"])
    assert [i for p in data["phases"] for i in p["steps"]] == [s["id"] for s in data["steps"]]
    assert {(a["kind"], a["name"]) for a in data["accounts"]} == {
        ("site_system_installation", "DMZ\\svc-cm-install"),
        ("sup_connection", "DMZ\\svc-cm-supconn"),
        ("replication", None),
    }
    assert all(s["reasons"] for s in data["steps"] + data["excluded_steps"])
    included = {s["id"] for s in data["steps"]}
    assert all(flow["step"] in included for flow in data["flows"])
    for flow in data["flows"]:
        assert {
            "id",
            "source",
            "source_zone",
            "destination",
            "destination_zone",
            "protocol",
            "port",
            "purpose",
            "step",
            "firewalls",
        } <= set(flow)
    assert {"scope": "public", "name": "mp.ibcm.contoso.example", "type": "A", "value": "203.0.113.10"}.items() <= next(
        r for r in data["dns_records"] if r["name"] == "mp.ibcm.contoso.example"
    ).items()
    assert {c["kind"] for c in data["certificates"]} >= {"web_server", "site_server_signing", "client_authentication"}
    assert all(set(w) == {"code", "message", "location", "accepted"} for w in data["warnings"])
    first = data["warnings"][0]
    assert first["code"] == "webdav-manual"
    assert first["location"].endswith(
        "site_inputs/contoso-perimeter-forest.yaml:33:9"
    )  # relative to the cwd if under it


def test_plan_json_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    main(["plan", str(CEN), "--format", "json"])
    first = capsys.readouterr().out
    main(["plan", str(CEN), "--format", "json"])
    assert capsys.readouterr().out == first


def test_plan_text_shows_the_same_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(CEN)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Site CEN – Contoso Central\n")
    assert "Configure a SQL Server replica of the site database [sql-replica]" in out
    assert "Flows (" in out and "via FW-EDGE" in out
    assert "public   A    mp.ibcm.contoso.example -> 203.0.113.10" in out


def test_plan_of_invalid_file_prints_nothing_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\nsite: {}\n")
    assert main(["plan", str(bad), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{bad}:2:7: error: site: missing required key 'code' [missing-key]" in captured.err.splitlines()


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["plan"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == "ibcm-runbook plan: error: the following arguments are required: FILE\n"


def test_export_writes_neutralised_csv_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(CEN), "-o", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "CEN-FW-CORE-rules.csv",
        "CEN-FW-CORE-srx.def.yaml",
        "CEN-FW-CORE-srx.pol.yaml",
        "CEN-FW-CORE-srx.srx",
        "CEN-FW-CORE.csv",
        "CEN-FW-EDGE-ciscoasa.asa",
        "CEN-FW-EDGE-ciscoasa.def.yaml",
        "CEN-FW-EDGE-ciscoasa.pol.yaml",
        "CEN-FW-EDGE-rules.csv",
        "CEN-FW-EDGE.csv",
        "CEN-certificates.csv",
        "CEN-dns.csv",
    ]
    assert capsys.readouterr().out.count(".csv") == 6  # the firewall files are tested in test_firewall_configs.py


def test_generate_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "generate",
        "--inputs",
        str(ROOT / "site_inputs"),
        "--templates",
        str(ROOT / "templates"),
        "-o",
        str(tmp_path / "out"),
    ]
    assert main(args) == 0
    assert main(args) == 0
    assert capsys.readouterr().err.splitlines()[-1].startswith("4 site(s): 0 written, ")


def test_python_m_generator_runs_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("schema: 1\nschema: 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", str(bad)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{bad}:2:1: error: schema: duplicate key (first defined at line 1) [duplicate-key]" in proc.stderr


def test_base_site_round_trips_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(BASE_SITE, sort_keys=False))
    assert main(["plan", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


# --- usage mistakes: one line, exit 2; failed actions: one line, exit 1 -----------------------------


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``ibcm-runbook ARGV`` in this process (argparse exits, commands return)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder with a file ``afile``, a folder ``adir`` and a folder ``nodocs`` without conf.py."""
    (tmp_path / "afile").write_text("x\n")
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


USAGE_MISTAKES = [  # (arguments, the one line on stderr; a line ending in … is compared up to there)
    # The three of issue 13: each was a traceback.
    (
        ["export", str(CEN), "-o", "afile"],
        "ibcm-runbook export: error: argument -o/--output: afile is a file, not a folder",
    ),
    (["build", "--docs", "missing"], "ibcm-runbook build: error: argument --docs: no such folder: missing"),
    (
        ["build", "nosuch", "--docs", str(ROOT / "docs"), "-o", "out"],
        "ibcm-runbook build: error: argument BUILDER: unknown builder 'nosuch' (choose html, pdf or a Sphinx builder: …",
    ),
    # Found by trying bad arguments on every command.
    ([], "ibcm-runbook: error: choose a command: new, check, plan, …"),
    (["nosuch"], "ibcm-runbook: error: argument COMMAND: invalid choice: 'nosuch' (choose from …"),
    (["build"], "ibcm-runbook build: error: argument --docs: no such folder: docs"),
    (
        ["build", "--docs", "adir"],
        "ibcm-runbook build: error: argument --docs: adir has no conf.py: give the Sphinx project folder (docs)",
    ),
    (
        ["build", "pdf", "--docs", str(ROOT / "docs"), "-o", "afile"],
        "ibcm-runbook build: error: argument -o/--output: afile is a file, not a folder",
    ),
    (
        ["build", "--docs", str(ROOT / "docs"), "--sphinx-opts", "-W 'unclosed"],
        'ibcm-runbook build: error: argument --sphinx-opts: No closing quotation in "-W \'unclosed"',
    ),
    (
        ["build", "--docs", str(ROOT / "docs"), "--sphinx-opts=-j x"],
        "ibcm-runbook build: error: argument --sphinx-opts: sphinx-build rejects '-j x': argument --jobs/-j: …",
    ),
    (["check", "missing.yaml"], "ibcm-runbook check: error: argument PATH: no such file or folder: missing.yaml"),
    (
        ["check"],
        "ibcm-runbook check: error: no site_inputs folder here: give the site input files or folders to check",
    ),
    (["plan", "missing.yaml"], "ibcm-runbook plan: error: argument FILE: no such file: missing.yaml"),
    (["plan", "adir"], "ibcm-runbook plan: error: argument FILE: adir is a folder, not a site input file"),
    (
        ["plan", str(CEN), "--format", "xml"],
        "ibcm-runbook plan: error: argument --format: invalid choice: 'xml' (choose from 'text', 'json')",
    ),
    (
        ["export", "adir", "-o", "out"],
        "ibcm-runbook export: error: argument FILE: adir is a folder, not a site input file",
    ),
    (
        ["export", str(CEN), "-o", "afile/sub"],
        "ibcm-runbook export: error: argument -o/--output: afile is a file, not a folder",
    ),
    (["generate"], "ibcm-runbook generate: error: argument --inputs: no such folder: site_inputs"),
    (
        ["generate", "--inputs", str(ROOT / "site_inputs"), "--templates", "missing"],
        "ibcm-runbook generate: error: argument --templates: no such folder: missing",
    ),
    (
        ["generate", "--inputs", str(ROOT / "site_inputs"), "--templates", str(ROOT / "templates"), "-o", "afile"],
        "ibcm-runbook generate: error: argument -o/--output: afile is a file, not a folder",
    ),
    (["publish", "afile", "--rollback"], "ibcm-runbook publish: error: argument DEST: afile is a file, not a folder"),
    (
        ["publish", "dest", "--keep", "x"],
        "ibcm-runbook publish: error: argument --keep: must be a whole number (got 'x')",
    ),
    (["serve", "--docs", "missing"], "ibcm-runbook serve: error: argument --docs: no such folder: missing"),
    (
        ["serve", "--docs", str(ROOT / "docs"), "--port", "70000"],
        "ibcm-runbook serve: error: argument --port: must be at most 65535 (got 70000)",
    ),
    (
        ["completion", "fish"],
        "ibcm-runbook completion: error: argument shell: invalid choice: 'fish' (choose from 'bash', 'zsh', 'tcsh')",
    ),
    (["check", "--bogus"], "ibcm-runbook: error: unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(
    ("argv", "message"),
    USAGE_MISTAKES,
    ids=[" ".join(a[:2]).replace(str(ROOT), "") or "none" for a, _ in USAGE_MISTAKES],
)
def test_usage_mistake_is_one_line_and_exit_2(
    workdir: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    line = err.rstrip("\n")
    if message.endswith("…"):
        assert line.startswith(message[:-1]), line
    else:
        assert line == message
    assert "Traceback" not in err
    assert [p.name for p in sorted(workdir.iterdir())] == ["adir", "afile"], "a usage mistake must write nothing"


def test_export_onto_an_existing_file_leaves_it_alone(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, _err = run_cli(["export", str(CEN), "-o", "afile"], capsys)
    assert code == 2
    assert (workdir / "afile").read_text() == "x\n"


@pytest.mark.usefixtures("workdir")
def test_a_failed_write_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(path: Path, _data: bytes) -> bool:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("generator.cli.export.write_if_changed", refuse)
    code, _out, err = run_cli(["export", str(CEN), "-o", "out"], capsys)
    assert code == 1
    assert err.splitlines()[-1].startswith("ibcm-runbook: error: out/CEN-")
    assert err.splitlines()[-1].endswith(".csv: Permission denied")
    assert "Traceback" not in err


def test_python_m_generator_usage_mistake_has_no_traceback(tmp_path: Path) -> None:
    existing = tmp_path / "existing.csv"
    existing.write_text("keep\n")
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "export", str(CEN), "-o", str(existing)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"ibcm-runbook export: error: argument -o/--output: {existing} is a file, not a folder\n"


# --- check on a folder without site inputs ------------------------------------------------------


@pytest.mark.parametrize("files", [[], ["_template.yaml", "notes.txt"]], ids=["empty", "only-ignored-files"])
def test_check_on_a_folder_without_site_inputs_fails(
    tmp_path: Path, files: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for name in files:
        (tmp_path / name).write_text("schema: 1\n")
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"ibcm-runbook: error: no site inputs in {tmp_path} (site inputs are *.yaml or *.yml files not starting with _)\n"
    )


# --- help ---------------------------------------------------------------------------------------


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.mark.parametrize("command", sorted(command_parsers()))
def test_every_option_has_help_and_every_command_an_example(command: str) -> None:
    parser = command_parsers()[command]
    assert parser.epilog and parser.epilog.startswith("example:\n  "), parser.epilog
    assert f"ibcm-runbook {command}" in parser.epilog
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, f"{command}: {action.option_strings or action.dest}"


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(["--help"], capsys)
    assert code == 0
    for command in command_parsers():
        assert re.search(rf"^    {command}\b", out, flags=re.MULTILINE), command
    assert "ibcm-runbook COMMAND --help" in out


# --- colour -------------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAD = "schema: 1\nsite: {}\n"


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_when_to_colour(tty: bool, environ: dict[str, str], expected: bool) -> None:
    assert use_colour(FakeStream(tty), environ) is expected


def test_coloured_diagnostics_are_the_plain_text_plus_colour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    plan, diagnostics = plan_site_file(bad)
    assert plan is None and diagnostics
    plain, coloured = FakeStream(False), FakeStream(True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    print_diagnostics(diagnostics, plain)
    print_diagnostics(diagnostics, coloured)
    assert plain.getvalue() == "".join(d.format() + "\n" for d in diagnostics)
    assert "\x1b[1;31merror:\x1b[0m" in coloured.getvalue()
    assert ANSI.sub("", coloured.getvalue()) == plain.getvalue()


def check_bad_file(tmp_path: Path, env: dict[str, str], stderr: int | None = None) -> subprocess.CompletedProcess[str]:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    return subprocess.run(
        [sys.executable, "-m", "generator", "check", str(bad)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if stderr is None else stderr,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def clean_environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    return {**env, "TERM": "xterm-256color", **extra}


def test_piped_output_is_plain(tmp_path: Path) -> None:
    proc = check_bad_file(tmp_path, clean_environ())
    assert proc.returncode == 1
    assert "\x1b" not in proc.stderr
    assert f"{tmp_path}/bad.yaml:2:7: error: site: missing required key 'code' [missing-key]" in proc.stderr


def read_terminal(master: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize(("env", "coloured"), [({}, True), ({"NO_COLOR": "1"}, False)], ids=["tty", "tty-NO_COLOR"])
def test_colour_on_a_terminal_unless_no_color(tmp_path: Path, env: dict[str, str], coloured: bool) -> None:
    master, slave = pty.openpty()
    try:
        proc = check_bad_file(tmp_path, clean_environ(**env), stderr=slave)
        os.close(slave)
        text = read_terminal(master)
    finally:
        os.close(master)
    assert proc.returncode == 1
    assert ("\x1b[1;31merror:\x1b[0m" in text) is coloured
    assert ("\x1b" in text) is coloured
    assert f"{tmp_path}/bad.yaml:2:7: error: site: missing required key 'code' [missing-key]" in ANSI.sub("", text)
    summary = ANSI.sub("", text).splitlines()[-1]
    assert summary.startswith("1 file(s) checked: 0 valid, ")
    assert (f"\x1b[1;31m{summary}\x1b[0m" in text) is coloured


def test_force_color_colours_errors_and_summaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["check", str(ROOT / "site_inputs")]) == 0
    err = capsys.readouterr().err
    assert "\x1b[1;33mwarning:\x1b[0m" in err
    assert re.search(r"\x1b\[1;33m\d+ file\(s\) checked: .* warning\(s\)\x1b\[0m\n$", err)
    with pytest.raises(SystemExit):
        main(["plan", str(tmp_path / "missing.yaml")])
    assert capsys.readouterr().err == (
        f"ibcm-runbook plan: \x1b[1;31merror:\x1b[0m argument FILE: no such file: {tmp_path}/missing.yaml\n"
    )


# --- shell completion ---------------------------------------------------------------------------


def test_completion_scripts_know_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for shell in ("bash", "zsh", "tcsh"):
        assert main(["completion", shell]) == 0
        script = capsys.readouterr().out
        assert "ibcm-runbook" in script
        for command in command_parsers():
            assert command in script, (shell, command)
    assert main(["completion", "zsh"]) == 0
    assert capsys.readouterr().out.startswith("#compdef ibcm-runbook")


def complete_in_bash(script: Path, cwd: Path, *words: str) -> list[str]:
    """What bash offers after ``ibcm-runbook WORDS`` (the last word is the one being completed)."""
    bash = shutil.which("bash")
    assert bash, "bash is needed for this test"
    line = " ".join(("ibcm-runbook", *words))
    program = (
        f"source {shlex.quote(str(script))}\n"
        f"COMP_WORDS=(ibcm-runbook {' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words)}; COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}\n"
        "_shtab_ibcm_runbook\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run([bash, "-c", program], capture_output=True, text=True, cwd=cwd, check=True)
    return sorted(proc.stdout.split())


def test_bash_completion_completes_commands_choices_and_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "ibcm-runbook.bash"
    script.write_text(capsys.readouterr().out)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs.yaml").write_text("")
    assert complete_in_bash(script, tmp_path, "ch") == ["check"]
    assert complete_in_bash(script, tmp_path, "plan", "--format", "") == ["json", "text"]
    assert complete_in_bash(script, tmp_path, "build", "--docs", "do") == ["docs"]  # folders only
    assert complete_in_bash(script, tmp_path, "plan", "do") == ["docs", "docs.yaml"]


# --- progress of `build pdf` --------------------------------------------------------------------


def test_build_pdf_prints_which_site_is_being_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The LaTeX run and latexmk are replaced: this checks the progress lines, not TeX (see test_pdf.py)."""
    from generator.sphinx_ext import pdf
    from generator.sphinx_ext.runner import SphinxRun

    codes = ["AAA", "BBB", "CCC"]
    compiled: list[str] = []

    def fake_sphinx(_docs: Path, output: Path, _options: list[str], _jobs: int | None) -> SphinxRun:
        output.mkdir(parents=True)
        return SphinxRun(warnings=[], site_codes=codes)

    def fake_latexmk(latex_dir: Path, code: str, _env: dict[str, str]) -> Path:
        compiled.append(code)
        target = latex_dir / f"{code}.pdf"
        target.write_bytes(b"%PDF-1.5\n")
        return target

    monkeypatch.setattr(pdf, "latex_sources", fake_sphinx)
    monkeypatch.setattr(pdf, "site_codes", lambda _latex_dir: codes)
    monkeypatch.setattr(pdf, "run_latexmk", fake_latexmk)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert main(["build", "pdf", "--docs", str(ROOT / "docs"), "-o", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    progress = [line.split() for line in err.splitlines() if line.startswith("[")]
    assert [count for count, _code in progress] == ["[1/3]", "[2/3]", "[3/3]"]  # numbered as they start
    assert sorted(code for _count, code in progress) == codes
    assert sorted(compiled) == codes
    assert out.splitlines() == [f"PDF runbook: {tmp_path / 'pdf' / code}.pdf" for code in codes]


def test_build_pdfs_reports_progress_through_the_callback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.sphinx_ext import pdf
    from generator.sphinx_ext.runner import SphinxRun

    codes = [f"S{n:02d}" for n in range(12)]
    monkeypatch.setattr(pdf, "latex_sources", lambda *_args: SphinxRun(warnings=[], site_codes=codes))
    monkeypatch.setattr(pdf, "site_codes", lambda _latex_dir: codes)
    (tmp_path / "latex").mkdir()

    def fake_latexmk(latex_dir: Path, code: str, _env: dict[str, str]) -> Path:
        (latex_dir / f"{code}.pdf").write_bytes(b"%PDF\n")
        return latex_dir / f"{code}.pdf"

    calls: list[tuple[int, int, str]] = []
    pdfs, _run = pdf.build_pdfs(
        tmp_path / "docs", tmp_path, jobs=4, progress=lambda *call: calls.append(call), latexmk=fake_latexmk
    )
    assert [started for started, _total, _code in calls] == list(range(1, 13))
    assert {total for _started, total, _code in calls} == {12}
    assert sorted(code for _started, _total, code in calls) == codes
    assert [p.name for p in pdfs] == [f"{code}.pdf" for code in codes]


def test_an_internal_error_is_one_line_and_exit_3_unless_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.cli import check

    def broken(_args: object) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(check, "run", broken)
    assert main(["check", str(ROOT / "site_inputs")]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "ibcm-runbook: error: internal error in 'check': ZeroDivisionError: boom "
        "(please report it; --debug shows the traceback)"
    ]
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "check", str(ROOT / "site_inputs")])


def test_an_internal_error_names_the_site_input_being_processed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug met while one file is planned names that file (the second of two, both read), in one line."""
    from generator.plan import build_site_plan

    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(CEN.read_text().replace("code: CEN", f"code: {name[0].upper()}AA"))
    planned: list[str] = []

    def broken(site: Any, checklist: Any) -> Any:
        planned.append(site.source)
        if len(planned) == 2:
            raise KeyError("no such\nstep")
        return build_site_plan(site, checklist)

    monkeypatch.setattr("generator.pipeline.build_site_plan", broken)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "."]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "ibcm-runbook: error: internal error in 'check' while processing b.yaml: KeyError: 'no such\\nstep' "
        "(please report it; --debug shows the traceback)"
    ]
    planned.clear()
    with pytest.raises(KeyError) as raised:
        main(["--debug", "check", "."])
    assert raised.value.__notes__ == ["ibcm-runbook: while processing b.yaml"]


def test_an_internal_error_outside_the_inputs_names_no_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once every input is planned, the file read last is not the one at fault: the line names none."""
    from generator.cli import check

    def summary(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("summary")

    monkeypatch.setattr(check, "print_summary", summary)
    assert main(["check", str(CEN)]) == 3
    assert capsys.readouterr().err.splitlines()[-1] == (
        "ibcm-runbook: error: internal error in 'check': RuntimeError: summary "
        "(please report it; --debug shows the traceback)"
    )


@pytest.mark.parametrize(
    ("argv", "argument"),
    [
        (["check", "a" * 300 + ".yaml"], "PATH"),
        (["plan", "a" * 300 + ".yaml"], "FILE"),
        (["generate", "--inputs", "a" * 300, "-o", "out"], "--inputs"),
        (["build", "html", "--docs", "a" * 300], "--docs"),
    ],
    ids=["check", "plan", "generate", "build"],
)
def test_a_path_the_system_cannot_look_up_is_a_usage_error(
    argv: list[str], argument: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 300-character file name: the system refuses to look it up (ENAMETOOLONG); one line, exit 2."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"ibcm-runbook {argv[0]}: error: argument {argument}: cannot use '{'a' * 57}...': File name too long"
    ]


def _check_in_a_process(paths: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``ibcm-runbook check`` in its own process, stopped after a minute: a read that blocks fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "check", *paths],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        check=False,
        timeout=60,
    )


def test_a_named_pipe_given_to_check_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    proc = _check_in_a_process(["pipe.yaml"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "pipe.yaml:1:1: error: cannot read file: it is a named pipe (FIFO), not a regular file [unreadable-file]",
        "1 file(s) checked: 0 valid, 1 error(s), 0 warning(s)",
    ]


def test_a_named_pipe_in_the_inputs_folder_is_an_error_and_the_rest_is_checked(tmp_path: Path) -> None:
    inputs = tmp_path / "site_inputs"
    inputs.mkdir()
    shutil.copy(ROOT / "site_inputs" / "fabrikam-perimeter-direct.yaml", inputs / "fab.yaml")
    os.mkfifo(inputs / "pipe.yaml")
    (inputs / "folder.yaml").mkdir()
    proc = _check_in_a_process([], tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert [line for line in lines if ": error: " in line] == [
        "site_inputs/folder.yaml:1:1: error: cannot read file: it is a folder, not a regular file [unreadable-file]",
        "site_inputs/pipe.yaml:1:1: error: cannot read file: it is a named pipe (FIFO), not a regular file "
        "[unreadable-file]",
    ]
    assert lines[-1].startswith("3 file(s) checked: 1 valid, 2 error(s), ")


@pytest.mark.parametrize("opts", ["-b latex", "-q -b html", "-M html", "-c /tmp", "docs"])
def test_sphinx_opts_cannot_replace_the_builder_or_project(opts: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "html", "--docs", str(ROOT / "docs"), "--sphinx-opts", opts])
    assert exit_info.value.code == 2
    assert "argument --sphinx-opts" in capsys.readouterr().err


def test_generate_refuses_a_folder_without_site_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.md").write_text("previous output")
    assert main(["generate", "--inputs", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    assert "no site inputs in" in capsys.readouterr().err
    assert (tmp_path / "out" / "keep.md").read_text() == "previous output"


def test_a_file_named_twice_is_checked_once(capsys: pytest.CaptureFixture[str]) -> None:
    relative = Path("site_inputs") / "fabrikam-perimeter-direct.yaml"
    assert main(["check", str(ROOT / relative), str((ROOT / relative).resolve())]) == 0
    assert "duplicate-site-code" not in capsys.readouterr().err
