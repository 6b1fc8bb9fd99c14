"""MyST tables and CSV exports of the network plan, including a real Sphinx build of the tables."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from generator.derive.checklist.conditions import decide
from generator.derive.network.plan import NetworkPlan, build_network_plan
from generator.pipeline import load_site_text, load_sites
from generator.validate import ValidSite as LoadedSite
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
SITES = {s.code: s for s in load_sites([ROOT / "site_inputs"])[0]}

FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-2", "@x"]


def plan_of(code: str) -> NetworkPlan:
    return build_network_plan(SITES[code].topology)


def formula_site() -> LoadedSite:
    names = [f"'{n}'" if not n.startswith("=") else f'"{n}"' for n in FORMULAS]
    site, diagnostics = load_site_text(
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
    assert site is not None, [d.format() for d in diagnostics]
    return site


def test_csv_file_names() -> None:
    assert list(csv_files("CEN", plan_of("CEN"))) == [
        "CEN-FW-EDGE.csv",
        "CEN-FW-CORE.csv",
        "CEN-dns.csv",
        "CEN-certificates.csv",
    ]
    assert safe_filename_part("Edge FW/01 <dmz>") == "Edge-FW-01-dmz"
    assert dns_csv_filename("CEN") == "CEN-dns.csv" and certificates_csv_filename("CEN") == "CEN-certificates.csv"


def test_firewall_csv_rows_match_rules() -> None:
    plan = plan_of("WGB")
    files = csv_files("WGB", plan)
    assert "\r" not in "".join(files.values())
    rows = list(csv.DictReader(io.StringIO(files["WGB-WG-INTERNAL-FW.csv"])))
    rules = plan.firewall_rules("WG-INTERNAL-FW")
    assert [r["flow_id"] for r in rows] == [f.id for f in rules]
    assert [r["rule"] for r in rows] == [str(n) for n in range(1, len(rules) + 1)]
    assert rows[0]["source"] == "Internet clients" and rows[0]["direction"] == "inbound"
    assert any(r["port"] == "50000-50100" for r in rows)  # a range starting with a digit is left alone


def test_csv_cells_are_neutralised() -> None:
    site = formula_site()
    files = csv_files("CSV", build_network_plan(site.topology))
    names = firewall_csv_filenames("CSV", build_network_plan(site.topology))
    assert names[FORMULAS[0]] == "CSV-cmd-C-calc-A0.csv"
    cells = [cell for text in files.values() for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert f"'{FORMULAS[2]}" in cells  # the proxy "-2" as a source
    certificates = files["CSV-certificates.csv"]
    assert "'-2" in certificates


def test_firewall_table_shape_and_links() -> None:
    plan = plan_of("CEN")
    table = firewall_table("CEN", plan, "FW-EDGE", "CEN-FW-EDGE.csv")
    assert table.startswith("{download}`CSV for FW-EDGE <CEN-FW-EDGE.csv>`\n")
    assert "```{list-table} Rules for FW\\-EDGE" in table
    assert ":header-rows: 1" in table and ":class: runbook-table longtable" in table and ":widths:" in table
    assert "[mp\\-internet](#cen-mp-internet)" in table
    assert "Microsoft Update" not in table


def test_download_link_text_cannot_break_the_role() -> None:
    link = download_link("CSV for FW `x` <y>", "a.csv")
    assert link == "{download}``CSV for FW `x` (y) <a.csv>``"


def test_connectivity_matrix_lists_every_flow() -> None:
    plan = plan_of("CEN")
    matrix = connectivity_matrix(plan)
    assert matrix.count("\n* - ") == len(plan.flows) + 1
    assert "  - —" in matrix
    assert "Microsoft Update" in matrix and "usual Internet egress" in matrix


def test_dns_and_certificate_tables() -> None:
    plan = plan_of("WGB")
    table = dns_table(plan, "WGB-dns.csv")
    assert "{download}`CSV of the DNS records <WGB-dns.csv>`" in table and "*to be assigned*" in table
    certs = certificates_table(plan)
    assert "version 3" in certs and "WGFSP01" in certs and "needs no certificate" in certs


@pytest.mark.parametrize("code", sorted(SITES))
def test_step_links_point_at_included_steps(code: str) -> None:
    included = {d.id for d in decide(SITES[code].topology) if d.included}
    plan = plan_of(code)
    text = connectivity_matrix(plan) + "".join(firewall_table(code, plan, n, "x.csv") for n, _ in plan.firewalls)
    anchors = {a.split(")")[0] for a in text.split("](#")[1:]}
    assert anchors and anchors <= {step_anchor(code, s) for s in included}


def test_tables_build_in_sphinx_without_warnings(tmp_path: Path) -> None:
    """The MyST renders through Sphinx cleanly (links resolve, downloads found, hostile names literal)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["myst_parser"]\nsmartquotes = False\n', encoding="utf-8")
    pages = []
    for site in [*SITES.values(), formula_site()]:
        plan = build_network_plan(site.topology)
        folder = src / site.code
        folder.mkdir()
        for name, text in csv_files(site.code, plan).items():
            (folder / name).write_text(text, encoding="utf-8")
        body = [f"# Site {site.code}\n"]
        body += [f"({step_anchor(site.code, d.id)})=\n## {d.id}\n" for d in decide(site.topology) if d.included]
        names = firewall_csv_filenames(site.code, plan)
        body += [firewall_table(site.code, plan, n, names[n]) for n, _ in plan.firewalls]
        body += [
            connectivity_matrix(plan),
            dns_table(plan, dns_csv_filename(site.code)),
            certificates_table(plan, certificates_csv_filename(site.code)),
        ]
        (folder / "index.md").write_text("\n".join(body), encoding="utf-8")
        pages.append(f"{site.code}/index")
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
