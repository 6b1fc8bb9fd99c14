"""The command line: exit codes, exact diagnostics on stderr, the JSON plan contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BASE_SITE

from generator.cli import main
from generator.derive.checklist import STEP_IDS

ROOT = Path(__file__).resolve().parent.parent
CEN = ROOT / "site_inputs" / "contoso-perimeter-forest.yaml"


def test_check_valid_inputs_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT / "site_inputs")]) == 0
    err = capsys.readouterr().err
    assert "error:" not in err
    assert err.strip().endswith("error(s), 14 warning(s)")


def test_check_invalid_input_exits_1_with_located_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CEN.read_text().replace("mode: native", "mode: mixed").replace("zone: perimeter", "zone: dmz", 1))
    assert main(["check", str(bad)]) == 1
    lines = capsys.readouterr().err.splitlines()
    # Semantic rules (such as mixed mode) run once the file matches the schema.
    assert lines == [
        f"{bad}:30:11: error: servers[2].zone: must be 'intranet' or 'perimeter' (got 'dmz') [invalid-value]",
        "1 file(s) checked: 0 valid, 1 error(s), 0 warning(s)",
    ]


def test_check_missing_path_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "no/such/dir"]) == 1
    assert capsys.readouterr().err == "ibcm-runbook: error: no such file or folder: no/such/dir\n"


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
        "flows",
        "dns_records",
        "certificates",
        "warnings",
    }
    assert data["schema"] == 1
    assert data["site"] == {"code": "CEN", "name": "Contoso Central"}
    ids = [s["id"] for s in data["steps"]] + [s["id"] for s in data["excluded_steps"]]
    assert sorted(ids) == sorted(STEP_IDS)
    assert [s["id"] for s in data["steps"]] == [i for i in STEP_IDS if i in {s["id"] for s in data["steps"]}]
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
    assert all(set(w) == {"code", "message", "location"} for w in data["warnings"])
    first = data["warnings"][0]
    assert first["code"] == "webdav-manual"
    assert first["location"].endswith(
        "site_inputs/contoso-perimeter-forest.yaml:17:9"
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
    assert "usage: ibcm-runbook plan" in capsys.readouterr().err


def test_export_writes_neutralised_csv_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(CEN), "-o", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["CEN-FW-CORE.csv", "CEN-FW-EDGE.csv", "CEN-certificates.csv", "CEN-dns.csv"]
    assert capsys.readouterr().out.count(".csv") == 4


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
