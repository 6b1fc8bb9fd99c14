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
    certificates_csv_filename,
    csv_files,
    dns_csv_filename,
    firewall_csv_filenames,
    safe_filename_part,
)
from generator.render.myst import download_link
from generator.render.myst import label as step_anchor
from generator.render.tables import (
    certificates_table,
    connectivity_matrix,
    dns_table,
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
    assert [r["rule"] for r in rows] == [str(n) for n in range(1, len(rules) + 1)]
    assert rows[0]["source"] == "Internet clients" and rows[0]["direction"] == "inbound"
    assert any(r["port"] == "50000-50100" for r in rows)  # a range starting with a digit is left alone


def test_csv_cells_are_neutralised() -> None:
    plan = formula_plan()
    files = csv_files(plan)
    names = firewall_csv_filenames("CSV", plan.network)
    assert names[FORMULAS[0]] == "CSV-cmd-C-calc-A0.csv"
    cells = [cell for text in files.values() for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert f"'{FORMULAS[2]}" in cells  # the proxy "-2" as a source
    certificates = files["CSV-certificates.csv"]
    assert "'-2" in certificates


def test_firewall_table_shape_and_links() -> None:
    table = firewall_table(PLANS["CEN"], "FW-EDGE", "CEN-FW-EDGE.csv")
    assert table.startswith("{download}`CSV for FW-EDGE <CEN-FW-EDGE.csv>`\n")
    assert "```{list-table} Rules for FW\\-EDGE" in table
    assert ":header-rows: 1" in table and ":class: runbook-table longtable" in table and ":widths:" in table
    assert "[mp\\-internet](#cen-mp-internet)" in table
    assert "Microsoft Update" not in table


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
