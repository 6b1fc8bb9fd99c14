"""DNS records and certificates (new or existing) derived from the example sites and small inline scenarios."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from generator.derive.network.certificates import VERSION_3_TEMPLATE_NOTE, derive_certificates
from generator.derive.network.dns import derive_dns_records
from generator.pipeline import load_site_text, plan_sites
from generator.render.csv_export import certificates_csv
from generator.render.pages import shared_views, step_context
from generator.render.plan_json import plan_to_json
from generator.render.tables import certificates_table
from generator.render.templates import create_environment, render_template
from generator.validate import ValidSite as LoadedSite

ROOT = Path(__file__).resolve().parent.parent
PLANS = {p.code: p for p in plan_sites([ROOT / "site_inputs"])[0]}
SITES = {code: plan.site for code, plan in PLANS.items()}


def load(text: str) -> LoadedSite:
    site, diagnostics = load_site_text(text, "t.yaml")
    assert site is not None, [d.format() for d in diagnostics]
    return site


def proxied(mode: str) -> LoadedSite:
    return load(f"""
schema: 1
site: {{code: TST, name: Test, type: primary, mode: native, version: SP2, forest: corp.test,
       site_server: CM01, database_server: CM01}}
servers:
  - {{name: CM01, zone: intranet, os: windows_server_2008, roles: {{software_update_point: {{connections: intranet}}}}}}
  - {{name: MP1, zone: intranet, os: windows_server_2008, internet_fqdn: mp.example.com, intranet_fqdn: mp1.corp.test,
     public_ip: 198.51.100.5, roles: {{management_point: {{connections: both}}}}}}
network:
  front_firewall: {{name: FW-FRONT}}
  back_firewall: {{name: FW-BACK}}
  reverse_proxy: {{name: RP1, mode: {mode}, public_ip: 192.0.2.1, publishes: [MP1]}}
pki: {{client_crl_checking: false}}
""")


def dns(code: str) -> list[tuple[str, str, str, str | None]]:
    return [(r.scope, r.name, r.type, r.value) for r in derive_dns_records(SITES[code].topology)]


def certs(site: LoadedSite) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.holder, c.kind, c.names) for c in derive_certificates(site.topology)]


def test_dns_nlb_cluster_and_crl_host_public_first() -> None:
    assert dns("CEN") == [
        ("public", "dp.ibcm.contoso.example", "A", "203.0.113.11"),
        ("public", "sup.ibcm.contoso.example", "A", "203.0.113.12"),
        ("public", "mp.ibcm.contoso.example", "A", "203.0.113.10"),
        ("public", "crl.contoso.example", "A", None),
        ("intranet", "cm01.corp.contoso.test", "A", "10.20.1.10"),
        ("intranet", "sql01.corp.contoso.test", "A", "10.20.1.11"),
        ("intranet", "dmzmp01.dmz.contoso.test", "A", "172.16.20.21"),
        ("intranet", "dmzmp02.dmz.contoso.test", "A", "172.16.20.22"),
        ("intranet", "dmzdp01.dmz.contoso.test", "A", "172.16.20.31"),
        ("intranet", "dmzsup01.dmz.contoso.test", "A", "172.16.20.41"),
        ("intranet", "dmzsql01.dmz.contoso.test", "A", "172.16.20.51"),
    ]


def test_dns_ipv6_gives_aaaa_and_unknown_address_is_unassigned() -> None:
    public = [r for r in dns("WGB") if r[0] == "public"]
    assert public == [
        ("public", "updates.woodgrove.example", "AAAA", "2001:db8:100::25"),
        ("public", "ibcm.woodgrove.example", "AAAA", "2001:db8:100::10"),
        ("public", "status.woodgrove.example", "A", None),
        ("public", "pki.woodgrove.example", "A", None),
    ]


def test_dns_proxied_servers_point_at_the_proxy() -> None:
    public = [r for r in dns("TSP") if r[0] == "public"]
    assert public == [
        ("public", "mp.tailspin.example", "A", "192.0.2.80"),
        ("public", "dp.tailspin.example", "A", "192.0.2.80"),
        ("public", "sup.tailspin.example", "A", "192.0.2.80"),
    ]
    # the proxy's public address wins over the server's own public_ip (198.51.100.5); no crl_url: no CRL record
    records = derive_dns_records(proxied("ssl_bridging").topology)
    assert [(r.scope, r.name, r.type, r.value, r.note) for r in records if r.scope == "public"] == [
        ("public", "mp.example.com", "A", "192.0.2.1", "published by the reverse proxy RP1")
    ]


def test_dns_json_value_null_when_unassigned() -> None:
    records = plan_to_json(PLANS["WGB"])["dns_records"]
    status = next(r for r in records if r["name"] == "status.woodgrove.example")
    assert status["value"] is None and status["scope"] == "public" and status["type"] == "A"


def test_certificates_contoso() -> None:
    assert certs(SITES["CEN"]) == [
        ("CM01", "web_server", ("cm01.corp.contoso.test",)),
        ("DMZMP01", "web_server", ("mp.ibcm.contoso.example",)),
        ("DMZMP02", "web_server", ("mp.ibcm.contoso.example",)),
        ("DMZDP01", "web_server", ("dp.ibcm.contoso.example",)),
        ("DMZSUP01", "web_server", ("sup.ibcm.contoso.example", "dmzsup01.dmz.contoso.test")),
        ("CM01", "site_server_signing", ()),
        ("Internet clients", "client_authentication", ()),
    ]


def test_internet_sup_always_has_both_names_and_fsp_needs_none() -> None:
    wgb = certs(SITES["WGB"])
    assert ("WGSUP02", "web_server", ("updates.woodgrove.example", "wgsup02.woodgrove.test")) in wgb
    assert all(holder != "WGFSP01" for holder, _, _ in wgb)
    assert PLANS["WGB"].network.fallback_status_points == ("WGFSP01",)


def test_dual_connection_server_carries_both_names() -> None:
    assert ("TSMP01", "web_server", ("mp.tailspin.example", "tsmp01.ad.tailspin.test")) in certs(SITES["TSP"])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ssl_bridging", [("RP1", "web_server", ("mp.example.com",)), ("RP1", "proxy_client_authentication", ())]),
        ("ssl_tunneling", []),
    ],
)
def test_reverse_proxy_certificates(mode: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert [c for c in certs(proxied(mode)) if c[0] == "RP1"] == expected


def test_unverified_facts_are_worded_as_to_confirm() -> None:
    by_kind = {c.kind: c for c in derive_certificates(SITES["CEN"].topology)}
    signing = by_kind["site_server_signing"]
    assert "to confirm" in signing.eku and "1.3.6.1.4.1.311.10.3.12" in signing.eku
    assert signing.note is not None and "to confirm" in signing.note.lower()
    nlb_member = next(c for c in derive_certificates(SITES["CEN"].topology) if c.holder == "DMZMP01")
    assert nlb_member.note is not None and "to confirm" in nlb_member.note
    assert "1.3.6.1.5.5.7.3.1" in nlb_member.eku
    assert "1.3.6.1.5.5.7.3.2" in by_kind["client_authentication"].eku
    assert "version 3" in VERSION_3_TEMPLATE_NOTE


def test_certificate_json_shape() -> None:
    entry = plan_to_json(PLANS["CEN"])["certificates"][0]
    assert {"holder", "kind", "names"} <= set(entry)
    assert entry["names"] == ["cm01.corp.contoso.test"]


# --- new versus existing certificates ------------------------------------------


def statuses(site: LoadedSite) -> list[tuple[str, str, str]]:
    return [(c.holder, c.kind, c.status) for c in derive_certificates(site.topology)]


def test_certificate_status_per_kind() -> None:
    # Internet names (and the Internet-based SUP, always both names): new; intranet names only, the site server
    # signing certificate and the roaming clients' certificates: in place since the site is in native mode.
    assert statuses(SITES["CEN"]) == [
        ("CM01", "web_server", "existing"),
        ("DMZMP01", "web_server", "new"),
        ("DMZMP02", "web_server", "new"),
        ("DMZDP01", "web_server", "new"),
        ("DMZSUP01", "web_server", "new"),
        ("CM01", "site_server_signing", "existing"),
        ("Internet clients", "client_authentication", "existing"),
    ]
    # Dual-connection MP: its certificate must now also hold the Internet FQDN.
    assert ("TSMP01", "web_server", "new") in statuses(SITES["TSP"])


def test_clients_that_never_join_the_intranet_need_new_certificates() -> None:
    wgb = {(c.holder, c.kind): c for c in derive_certificates(SITES["WGB"].topology)}
    client = wgb[("Internet clients", "client_authentication")]
    assert client.status == "new" and client.note is not None and "per computer" in client.note
    roaming = next(c for c in derive_certificates(SITES["CEN"].topology) if c.kind == "client_authentication")
    assert roaming.note is not None and "Roaming clients have theirs" in roaming.note


def test_reverse_proxy_certificates_are_new() -> None:
    assert [s for s in statuses(proxied("ssl_bridging")) if s[0] == "RP1"] == [
        ("RP1", "web_server", "new"),
        ("RP1", "proxy_client_authentication", "new"),
    ]


def test_other_forest_servers_enrol_with_a_request_file() -> None:
    forests = {c.holder: c.forest for c in derive_certificates(SITES["CEN"].topology) if c.kind == "web_server"}
    assert forests == {
        "CM01": None,
        "DMZMP01": "dmz.contoso.test",
        "DMZMP02": "dmz.contoso.test",
        "DMZDP01": "dmz.contoso.test",
        "DMZSUP01": "dmz.contoso.test",
    }
    assert all(c.forest is None for c in derive_certificates(SITES["FAB"].topology))


def test_certificate_json_and_csv_carry_the_status() -> None:
    entries = plan_to_json(PLANS["CEN"])["certificates"]
    assert [(e["holder"], e["kind"], e["status"]) for e in entries] == statuses(SITES["CEN"])
    rows = list(csv.DictReader(io.StringIO(certificates_csv(PLANS["CEN"].network))))
    assert list(rows[0]) == ["holder", "kind", "status", "names", "purpose", "eku", "bound_to", "note"]
    assert [(r["holder"], r["kind"], r["status"]) for r in rows] == statuses(SITES["CEN"])


def test_certificate_tables_request_then_verify() -> None:
    text = certificates_table(PLANS["CEN"].network, "CEN-certificates.csv")
    request = text.index("````{list-table} Certificates to request\n")
    verify = text.index("````{list-table} Certificates that must already exist: verify, do not request\n")
    assert request < text.index("**Note:** Do not use version 3") < verify
    new_rows, existing_rows = text[request:verify], text[verify:]
    assert "* - DMZMP01" in new_rows and "* - DMZMP01" not in existing_rows
    assert "  - Site server signing" in existing_rows and "  - Site server signing" not in new_rows
    assert "* - Internet clients" in existing_rows


def step_text(code: str, step_id: str) -> str:
    plan = PLANS[code]
    env = create_environment(ROOT / "templates")
    step = next(s for s in plan.steps if s.id == step_id)
    return render_template(env, step.template, step_context(plan, shared_views(plan), step))


def test_request_file_enrolment_only_where_servers_are_in_another_forest() -> None:
    cen = step_text("CEN", "certificates")
    assert "**Servers in another forest.**" in cen
    assert "- **DMZSUP01** (forest `dmz.contoso.test`): `sup.ibcm.contoso.example`, `dmzsup01.dmz.contoso.test`." in cen
    assert "submits the request file to the issuing CA" in cen and "a CA in that forest" in cen
    for code in ("FAB", "TSP", "WGB"):
        assert "request file" not in step_text(code, "certificates"), code


def test_intranet_records_take_the_server_address_and_its_record_type() -> None:
    records = {r.name: r for r in derive_dns_records(SITES["WGB"].topology) if r.scope == "intranet"}
    assert (records["wgcm01.woodgrove.test"].type, records["wgcm01.woodgrove.test"].value) == ("AAAA", "fd00:100::10")
    # WGFSP01 has no address in the input: the record says it is still to be assigned.
    assert (records["wgfsp01.woodgrove.test"].type, records["wgfsp01.woodgrove.test"].value) == ("A", None)
