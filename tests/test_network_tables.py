"""MyST tables and CSV exports of the network plan, including a real Sphinx build of the tables."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from generator.pipeline import plan_site_text, plan_sites
from generator.plan import SitePlan
from generator.render.csv_export import (
    FIREWALL_HEADER,
    RULES_HEADER,
    certificates_csv_filename,
    csv_files,
    dns_csv_filename,
    firewall_csv_filenames,
    firewall_rules_csv_filenames,
    safe_filename_part,
)
from generator.render.myst import download_link
from generator.render.myst import label as step_anchor
from generator.render.tables import (
    certificates_table,
    connectivity_matrix,
    dns_table,
    firewall_rules_table,
    firewall_table,
)

ROOT = Path(__file__).resolve().parent.parent
PLANS = {p.code: p for p in plan_sites([ROOT / "site_inputs"])[0]}

FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-2", "@x"]


def formula_plan() -> SitePlan:
    names = [f"'{n}'" if not n.startswith("=") else f'"{n}"' for n in FORMULAS]
    plan, diagnostics = plan_site_text(
        f"""
schema: 1
site: {{code: CSV, name: Csv, type: primary, mode: native, version: SP2, forest: corp.test,
       site_server: CM01, database_server: CM01}}
servers:
  - {{name: CM01, zone: intranet, os: windows_server_2008, roles: {{software_update_point: {{connections: intranet}}}}}}
  - {{name: MP1, zone: perimeter, os: windows_server_2008, internet_fqdn: mp.example.com,
     roles: {{management_point: {{connections: internet}}}}}}
network:
  front_firewall: {{name: {names[0]}}}
  back_firewall: {{name: {names[1]}}}
  reverse_proxy: {{name: {names[2]}, mode: ssl_bridging, publishes: [MP1]}}
pki: {{client_crl_checking: false}}
""",
        "csv.yaml",
    )
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def test_csv_file_names() -> None:
    assert list(csv_files(PLANS["CEN"])) == [
        "CEN-FW-EDGE.csv",
        "CEN-FW-CORE.csv",
        "CEN-FW-EDGE-rules.csv",
        "CEN-FW-CORE-rules.csv",
        "CEN-dns.csv",
        "CEN-certificates.csv",
    ]
    assert safe_filename_part("Edge FW/01 <dmz>") == "Edge-FW-01-dmz"
    assert dns_csv_filename("CEN") == "CEN-dns.csv" and certificates_csv_filename("CEN") == "CEN-certificates.csv"


def test_firewall_csv_rows_match_rules() -> None:
    plan = PLANS["WGB"]
    files = csv_files(plan)
    assert "\r" not in "".join(files.values())
    rows = list(csv.DictReader(io.StringIO(files["WGB-WG-INTERNAL-FW.csv"])))
    rules = plan.network.firewall_rules("WG-INTERNAL-FW")
    assert [r["flow_id"] for r in rows] == [f.id for f in rules]
    assert [r["step"] for r in rows] == [plan.step_of(f) for f in rules]
    assert [r["flow"] for r in rows] == [str(n) for n in range(1, len(rules) + 1)]
    grouped = {i: r.number for r in plan.network.rules_for("WG-INTERNAL-FW") for i in r.flow_ids}
    assert [r["rule"] for r in rows] == [str(grouped[f.id]) for f in rules]
    assert rows[0]["source"] == "Internet clients" and rows[0]["direction"] == "inbound"
    assert any(r["port"] == "50000-50100" for r in rows)  # a range starting with a digit is left alone


def test_csv_cells_are_neutralised() -> None:
    plan = formula_plan()
    files = csv_files(plan)
    names = firewall_csv_filenames("CSV", plan.network)
    assert names[FORMULAS[0]] == "CSV-cmd-C-calc-A0-b3c49727.csv"
    cells = [cell for text in files.values() for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert f"'{FORMULAS[2]}" in cells  # the proxy "-2" as a source
    certificates = files["CSV-certificates.csv"]
    assert "'-2" in certificates
    rules = list(csv.DictReader(io.StringIO(files["CSV-cmd-C-calc-A0-b3c49727-rules.csv"])))
    assert rules[0]["sources"] == "Internet clients"
    assert rules[0]["destinations"] == "'-2"  # the proxy, as a destination of the grouped rule
    assert "CSV-1-c59dc4e4-rules.csv" in files  # the back firewall "+1"


def test_firewall_table_shape_and_links() -> None:
    table = firewall_table(PLANS["CEN"], "FW-EDGE", "CEN-FW-EDGE.csv")
    assert table.startswith("{download}`CSV of the flows through FW-EDGE <CEN-FW-EDGE.csv>`\n")
    assert "```{list-table} Flows through FW\\-EDGE (front firewall, internet to perimeter)" in table
    assert ":header-rows: 1" in table and ":class: runbook-table longtable" in table and ":widths:" in table
    assert "[mp\\-internet](#cen-mp-internet)" in table
    assert "Microsoft Update" not in table
    rules = firewall_rules_table(PLANS["CEN"], "FW-EDGE", "CEN-FW-EDGE-rules.csv")
    assert rules.startswith("{download}`CSV of the rules for FW-EDGE <CEN-FW-EDGE-rules.csv>`\n")
    assert "```{list-table} Rules for FW\\-EDGE (front firewall, internet to perimeter)" in rules


def widths(table: str) -> list[int]:
    (line,) = [line for line in table.splitlines() if line.startswith(":widths: ")]
    return [int(w) for w in line.split()[1:]]


def header(table: str) -> list[str]:
    """The header row of the (first) list-table in ``table``."""
    lines = table.split("\n* - ", 2)[1].split("\n")
    cells = [lines[0]] + [line.removeprefix("  - ") for line in lines[1:] if line.startswith("  - ")]
    return cells


@pytest.mark.parametrize("code", sorted(PLANS))
def test_tables_have_explicit_widths_that_fill_the_page(code: str) -> None:
    plan = PLANS[code]
    front, back = (name for name, _ in plan.network.firewalls)
    tables = [
        firewall_table(plan, front, "f.csv"),
        firewall_table(plan, back, "b.csv"),
        firewall_rules_table(plan, front, "fr.csv"),
        connectivity_matrix(plan),
    ]
    for table in tables:
        assert sum(widths(table)) == 100
        assert len(widths(table)) == len(header(table))


def test_flow_tables_have_address_columns_and_nat_on_the_front_firewall() -> None:
    plan = PLANS["CEN"]
    front = firewall_table(plan, "FW-EDGE", "x.csv")
    back = firewall_table(plan, "FW-CORE", "y.csv")
    assert header(front) == [
        "No.",
        "Source",
        "Source address",
        "Destination",
        "Destination address",
        "NAT",
        "Service",
        "Purpose and step",
    ]
    assert header(back) == [h for h in header(front) if h != "NAT"]
    # An inbound row with its translation (DMZDP01 has public_ip and address), Internet clients from any address.
    assert (
        "  - Internet clients (internet)\n  - any\n  - DMZDP01 (perimeter)\n  - 172\\.16.20.31\n"
        "  - 203\\.0.113.11 → 172.16.20.31\n  - TCP 443, inbound\n" in front
    )
    # A front-firewall row without translation (outbound to a named host) shows a dash.
    assert "  - crl.contoso.example (internet)\n  - by DNS name\n  - —\n  - TCP 80, outbound\n" in front
    # A back-firewall row: addresses, no NAT column.
    assert (
        "  - CM01 (intranet)\n  - 10\\.20.1.10\n  - DMZMP01 (perimeter)\n  - 172\\.16.20.21\n  - TCP 445, outbound\n"
        in back
    )
    assert "→" not in back


def test_unknown_addresses_are_to_be_assigned() -> None:
    plan = PLANS["WGB"]
    table = firewall_table(plan, "WG-INTERNAL-FW", "x.csv")
    assert "  - WGFSP01 (perimeter)\n  - *to be assigned*\n" in table
    assert "  - Intranet clients (intranet)\n  - intranet client networks\n" in table
    rows = list(csv.DictReader(io.StringIO(csv_files(plan)["WGB-WG-INTERNAL-FW.csv"])))
    fsp = [r for r in rows if r["destination"] == "WGFSP01"]
    assert fsp and {r["destination_address"] for r in fsp} == {"to be assigned"}
    assert {r["source_address"] for r in rows if r["source"] == "Internet clients"} == {"any"}


def test_connectivity_matrix_shows_addresses_and_translation() -> None:
    matrix = connectivity_matrix(PLANS["CEN"])
    assert header(matrix) == [
        "Source",
        "Source address",
        "Destination",
        "Destination address",
        "Service",
        "Firewalls",
        "Purpose and step",
    ]
    assert "  - FW\\-EDGE (NAT 203\\.0.113.11 → 172.16.20.31)\n" in matrix
    assert "  - Microsoft Update (internet)\n  - by DNS name\n" in matrix


def test_firewall_csv_headers_addresses_and_nat() -> None:
    plan = PLANS["CEN"]
    files = csv_files(plan)
    front = list(csv.reader(io.StringIO(files["CEN-FW-EDGE.csv"])))
    back = list(csv.DictReader(io.StringIO(files["CEN-FW-CORE.csv"])))
    assert tuple(front[0]) == FIREWALL_HEADER
    assert tuple(back[0]) == FIREWALL_HEADER
    row = dict(zip(FIREWALL_HEADER, front[2], strict=True))
    assert (row["destination"], row["destination_address"], row["nat"]) == (
        "DMZDP01",
        "172.16.20.31",
        "203.0.113.11 → 172.16.20.31",
    )
    assert row["source_address"] == "any"
    assert {r["nat"] for r in back} == {""}
    assert back[0]["source_address"] == "10.20.1.10" and back[0]["destination_address"] == "172.16.20.21"
    rules = list(csv.reader(io.StringIO(files[firewall_rules_csv_filenames("CEN", plan.network)["FW-EDGE"]])))
    assert tuple(rules[0]) == RULES_HEADER
    # A flow crossing both firewalls is translated by the front one only.
    wgb = csv_files(PLANS["WGB"])
    crossing_both = [
        r for r in csv.DictReader(io.StringIO(wgb["WGB-WG-INTERNAL-FW.csv"])) if r["source"] == "Internet clients"
    ]
    assert crossing_both and {r["nat"] for r in crossing_both} == {""}
    outer = [r for r in csv.DictReader(io.StringIO(wgb["WGB-WG-PERIMETER-FW.csv"])) if r["destination"] == "WGSUP02"]
    assert {r["nat"] for r in outer} == {"2001:db8:100::25 → fd00:100::25"}
    inner_rules = list(csv.DictReader(io.StringIO(wgb["WGB-WG-INTERNAL-FW-rules.csv"])))
    assert inner_rules[0]["destinations"] == "WGSUP02" and inner_rules[0]["nat"] == ""
    first = dict(zip(RULES_HEADER, rules[1], strict=True))
    assert first["nat"] == "203.0.113.10 → 172.16.20.20; 203.0.113.11 → 172.16.20.31"
    assert first["destination_addresses"] == "172.16.20.20; 172.16.20.31"


def test_download_link_text_cannot_break_the_role() -> None:
    link = download_link("CSV for FW `x` <y>", "a.csv")
    assert link == "{download}``CSV for FW `x` (y) <a.csv>``"


def test_connectivity_matrix_lists_every_flow() -> None:
    plan = PLANS["CEN"]
    matrix = connectivity_matrix(plan)
    assert matrix.count("\n* - ") == len(plan.network.flows) + 1
    assert "  - —" in matrix
    assert "Microsoft Update" in matrix and "usual Internet egress" in matrix


def test_dns_and_certificate_tables() -> None:
    plan = PLANS["WGB"].network
    table = dns_table(plan, "WGB-dns.csv")
    assert "{download}`CSV of the DNS records <WGB-dns.csv>`" in table and "*to be assigned*" in table
    certs = certificates_table(plan)
    assert "version 3" in certs and "WGFSP01" in certs and "needs no certificate" in certs


@pytest.mark.parametrize("code", sorted(PLANS))
def test_step_links_point_at_the_steps_that_open_the_flows(code: str) -> None:
    plan = PLANS[code]
    network = plan.network
    matrix = connectivity_matrix(plan)
    tables = "".join(firewall_table(plan, n, "x.csv") for n, _ in network.firewalls)
    rules = "".join(firewall_rules_table(plan, n, "r.csv") for n, _ in network.firewalls)
    assert "](#" not in rules  # the rules table refers to flows, which link to the steps

    def anchors(text: str) -> set[str]:
        return {a.split(")")[0] for a in text.split("](#")[1:]}

    assert anchors(matrix) == {step_anchor(code, plan.step_of(f)) for f in network.flows}
    assert anchors(tables) == {step_anchor(code, plan.step_of(f)) for f in network.flows if f.firewalls}
    assert anchors(matrix) <= {step_anchor(code, d.id) for d in plan.included}


def test_tables_build_in_sphinx_without_warnings(tmp_path: Path) -> None:
    """The MyST renders through Sphinx cleanly (links resolve, downloads found, hostile names literal)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["myst_parser"]\nsmartquotes = False\n', encoding="utf-8")
    pages = []
    for plan in [*PLANS.values(), formula_plan()]:
        code, network = plan.code, plan.network
        folder = src / code
        folder.mkdir()
        for name, text in csv_files(plan).items():
            (folder / name).write_text(text, encoding="utf-8")
        body = [f"# Site {code}\n"]
        body += [f"({step_anchor(code, d.id)})=\n## {d.id}\n" for d in plan.included]
        names = firewall_csv_filenames(code, network)
        rule_names = firewall_rules_csv_filenames(code, network)
        body += [firewall_rules_table(plan, n, rule_names[n]) for n, _ in network.firewalls]
        body += [firewall_table(plan, n, names[n]) for n, _ in network.firewalls]
        body += [
            connectivity_matrix(plan),
            dns_table(network, dns_csv_filename(code)),
            certificates_table(network, certificates_csv_filename(code)),
        ]
        (folder / "index.md").write_text("\n".join(body), encoding="utf-8")
        pages.append(f"{code}/index")
    (src / "index.md").write_text("# Plans\n\n```{toctree}\n" + "\n".join(pages) + "\n```\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    html = (tmp_path / "out" / "CSV" / "index.html").read_text(encoding="utf-8")
    assert "=cmd|&#39; /C calc&#39;!A0" in html or "=cmd|' /C calc'!A0" in html
    assert 'href="#csv-mp-internet"' in html
